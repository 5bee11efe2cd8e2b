// The last line of defence both Workers put around their wasm. A panic in Rust aborts the wasm
// instance (release builds use panic = "abort"); worker-build's shim re-creates the instance on
// the next request, but the request that trapped would wait forever or end in a runtime 500.
// A trap inside an async task does not reject the handler's promise: it surfaces as an uncaught
// error event, which fails every request in flight (a trap kills the instance for all of them).
const inFlight = new Set();
addEventListener("error", (event) => {
  for (const fail of inFlight) fail(event.error ?? new Error("wasm trap"));
});

/** `answer` (a promise of a Response), or `fallback(error)` when it throws or the wasm traps. */
export async function guarded(answer, fallback) {
  let fail;
  const trapped = new Promise((_, reject) => (fail = reject));
  inFlight.add(fail);
  try {
    return await Promise.race([answer(), trapped]);
  } catch (e) {
    return fallback(e);
  } finally {
    inFlight.delete(fail);
  }
}
