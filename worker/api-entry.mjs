// The API Worker's entry module (worker/api.wrangler.toml): the production API build of the
// Rust Worker (worker/build-api, `make worker`) inside the handlers of ./js/api.js, and the
// Durable Objects both Workers bind: the measurement tally and the profiles' writer.
import Signpost from "./build-api/index.js";
import { apiWorker } from "./js/api.js";

export { ProfileWriter, SiteTally } from "./build-api/index.js";

export default apiWorker(Signpost);
