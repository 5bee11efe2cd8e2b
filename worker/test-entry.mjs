// The entry module tests load: the same fetch handler around the test build of the Rust Worker
// (worker/build-test, `make worker-test`: feature `test-hooks`, with the test clock, visitor
// ids, country, a panic on demand and the `/__signpost/test/*` routes). Never deployed:
// wrangler.toml's main is entry.mjs.
import Signpost from "./build-test/index.js";
import { worker } from "./js/entry.js";

export { ProfileWriter, SiteTally } from "./build-test/index.js";

export default worker(Signpost);
