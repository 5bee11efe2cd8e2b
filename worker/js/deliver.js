// The queue consumer of journeys' deliveries (worker/src/deliveries.rs has the design): each
// message is signed by Rust at the time of sending (`deliveryRequest`) and posted here with its
// `Idempotency-Key` and a timeout. 2xx: delivered. 5xx, 429, a timeout or a network error: tried
// again later, with exponential backoff, until the queue's last try sends it to the dead-letter
// queue. Another 4xx: the receiver refuses it; trying again would not help, so it is counted
// as failed with the receiver's answer. The dead-letter queue's consumer (this handler too)
// counts what arrives there. Every outcome goes to the site's tally (`deliveryNote`).

/** How long a receiver may take to answer. */
const TIMEOUT_MS = 10_000;
/** The longest wait between tries. */
const MAX_DELAY_S = 3600;

/** Handles a batch of the deliveries queue, or of its dead-letter queue. */
export async function deliver(sp, batch, env) {
  const dead = batch.queue.endsWith("-dlq");
  // Seconds before the first retry (wrangler.toml's SIGNPOST_RETRY_BASE_S; tests use less).
  const base = Number(env.SIGNPOST_RETRY_BASE_S ?? 30);
  await Promise.all(batch.messages.map((m) => (dead ? buried(sp, env, m) : one(sp, env, m, base))));
}

async function one(sp, env, message, base) {
  const text = textOf(message);
  if (isWake(text)) return wake(sp, env, message, text, base);
  const req = take(await sp.deliveryRequest(env, text, Date.now()));
  const note = (outcome, error) => sp.deliveryNote(env, req.destination, outcome, error, Date.now());
  if (req.gone) {
    console.warn(`signpost: delivery dropped: ${req.error}`);
    message.ack();
    return note("failed", req.error);
  }
  const retry = (error) => {
    message.retry({ delaySeconds: backoff(base, message.attempts) });
    return note("retried", `try ${message.attempts}: ${error}`);
  };
  if (req.error) return retry(req.error);
  let res;
  try {
    res = await fetch(req.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "signpost-signature": req.signature,
        "idempotency-key": req.key,
        "user-agent": "Signpost-Webhooks/1",
      },
      body: req.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
  } catch (e) {
    return retry(`${e?.name === "TimeoutError" ? "no answer in time" : "network error"}: ${e?.message ?? e}`);
  }
  if (res.ok) {
    message.ack();
    return note("delivered", null);
  }
  if (res.status >= 500 || res.status === 429 || res.status === 408) return retry(`HTTP ${res.status}`);
  message.ack();
  return note("failed", `HTTP ${res.status}: refused by the receiver`);
}

/**
 * A page of the fan-out after a business signal (worker/src/wake.rs): Rust wakes the profiles
 * and queues the next page; a failure tries the whole page again.
 */
async function wake(sp, env, message, text, base) {
  const error = await sp.wakePage(env, text);
  if (error == null) return message.ack();
  console.warn(`signpost: waking profiles after a signal, try ${message.attempts}: ${error}`);
  message.retry({ delaySeconds: backoff(base, message.attempts) });
}

/** Seconds before try `attempts + 1`: doubling from `base`, at most an hour. */
function backoff(base, attempts) {
  return Math.min(MAX_DELAY_S, Math.round(base * 2 ** (attempts - 1)));
}

/** Rust writes a wake as JSON text whose first key is `wake`; a delivery never is. */
function isWake(text) {
  return text.startsWith('{"wake":');
}

function textOf(message) {
  return typeof message.body === "string" ? message.body : JSON.stringify(message.body);
}

/** A message the deliveries queue gave up on: counted as dead, with what it was. */
async function buried(sp, env, message) {
  const text = textOf(message);
  if (isWake(text)) {
    console.error(`signpost: gave up waking profiles after a signal (message ${message.id})`);
    return message.ack();
  }
  let destination = "?";
  try {
    destination = JSON.parse(text).destination;
  } catch {}
  await sp.deliveryNote(env, destination, "dead", `gave up after the last try (message ${message.id})`, Date.now());
  message.ack();
}

/** A Rust answer's fields as a plain object, the Rust object freed. */
function take(answer) {
  const plain = {
    url: answer.url,
    body: answer.body,
    signature: answer.signature,
    key: answer.key,
    destination: answer.destination,
    error: answer.error,
    gone: answer.gone,
  };
  answer.free();
  return plain;
}
