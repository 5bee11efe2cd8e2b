// The API Worker's entry module tests load: the test API build (worker/build-api-test, `make
// worker-test`, feature `test-hooks`). Never deployed.
import Signpost from "./build-api-test/index.js";
import { apiWorker } from "./js/api.js";

export { ProfileWriter, SiteTally } from "./build-api-test/index.js";

export default apiWorker(Signpost);
