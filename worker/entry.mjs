// The page Worker's entry module (wrangler.toml): the production page build of the Rust Worker
// (worker/build, made by `make worker`) inside the fetch handler of ./js/entry.js.
import Signpost from "./build/index.js";
import { pageWorker } from "./js/entry.js";

export default pageWorker(Signpost);
