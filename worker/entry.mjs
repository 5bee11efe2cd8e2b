// The Worker's entry module: the production build of the Rust Worker (worker/build, made by
// `make worker` and by wrangler's [build]) inside the fetch handler of ./js/entry.js.
import Signpost from "./build/index.js";
import { worker } from "./js/entry.js";

// The Durable Objects wrangler.toml binds: the measurement tally, and the profiles' writer.
export { ProfileWriter, SiteTally } from "./build/index.js";

export default worker(Signpost);
