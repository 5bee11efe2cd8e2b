// A small client of V8's inspector protocol, for a Worker running in workerd (Miniflare's
// `inspectorPort`): `send(method, params)` answers the result of one protocol call.
import WebSocket from "ws";

/** Connects to the user Worker named `name` (workerd lists its own internal ones too). */
export async function inspect(port, name) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.id === `core:user:${name}`);
  if (!target) throw new Error(`inspector on port ${port} lists no Worker ${name}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/${target.id}`);
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m); // events (no id), such as heap snapshot chunks, are not needed
    const done = pending.get(msg.id);
    if (!done) return;
    pending.delete(msg.id);
    if (msg.error) done.fail(new Error(`${msg.error.message} (${done.method})`));
    else done.ok(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((ok, fail) => {
      pending.set(++id, { ok, fail, method });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** The Worker's JS heap in use right after a full collection (bytes): what requests left behind.
 *  workerd does not answer `HeapProfiler.collectGarbage`; a heap snapshot collects first. */
export async function heapAfterGc(inspector) {
  await inspector.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  return (await inspector.send("Runtime.getHeapUsage")).usedSize;
}
