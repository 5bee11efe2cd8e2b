// The config snapshot this isolate owes KV: the live key held none of the live version by this
// build, so it loaded the version's own snapshot or compiled the JSON. Written after the
// response (`waitUntil`), so the next isolate loads it in its first round of reads
// (worker/src/config_reads.rs).

/** Encodes and writes the owed snapshot under each of its keys; a failure (isolates racing
 *  past KV's one write per second per key) only costs the next isolate a round or a compile. */
export async function writeSnapshot(sp, kv) {
  // After the response is on its way: the encoding is not the page's CPU.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const owed = sp.configSnapshot();
  if (!owed) return;
  const { keys, bytes } = owed;
  owed.free();
  for (const key of keys) {
    try {
      await kv.put(key, bytes);
      console.log(`signpost: wrote ${key}`);
    } catch (e) {
      console.warn(`signpost: ${key} not written: ${e}`);
    }
  }
}
