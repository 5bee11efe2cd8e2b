// The config snapshot this isolate owes KV: it found none of its build for the live version
// (or one it could not use) and compiled the JSON. Written after the response (`waitUntil`),
// so the next isolate loads the compiled config instead (worker/src/config_snapshot.rs).

/** Encodes and writes the owed snapshot, if any; a failure (isolates racing past KV's one
 *  write per second per key) only costs the next isolate a compile. */
export async function writeSnapshot(sp, kv) {
  // After the response is on its way: the encoding is not the page's CPU.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const key = sp.configSnapshotKey();
  const bytes = key && sp.configSnapshot();
  if (!bytes) return;
  try {
    await kv.put(key, bytes);
    console.log(`signpost: wrote ${key}`);
  } catch (e) {
    console.warn(`signpost: ${key} not written: ${e}`);
  }
}
