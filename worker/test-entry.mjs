// The page Worker's entry module tests load: the same fetch handler around the test page build
// (worker/build-test, `make worker-test`: feature `test-hooks`, with the test clock, visitor
// ids, country, a panic on demand and the `/__signpost/test/*` routes). Never deployed.
import Signpost from "./build-test/index.js";
import { pageWorker } from "./js/entry.js";

export default pageWorker(Signpost);
