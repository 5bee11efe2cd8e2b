// Generated from src/limits.rs by `signpost limits --js` (make sdk): do not edit.
// The events endpoint enforces the same limits; tests/limits_js.rs checks this copy.
/** Most events in one batch from the page (one `POST /__signpost/events`). */
export const MAX_BATCH_EVENTS = 50;
/** Most bytes of one event's JSON. */
export const MAX_EVENT_BYTES = 4096;
/** Most bytes of the body of one `POST /__signpost/events`. */
export const MAX_EVENTS_BODY_BYTES = 32768;
/** Most bytes of one string value (at any depth) in an event from the page. */
export const MAX_PROP_STRING_BYTES = 512;
/** Most bytes of an event's `id`. */
export const MAX_ID_LEN = 128;
/** Most characters of an event name. */
export const MAX_EVENT_NAME_LEN = 64;
/** An event name: 1 to 64 of letters, digits and _.:- */
export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** The Signpost release this SDK belongs to (the Worker's state names its own). */
export const VERSION = "0.1.0";
/** The format of the edge's state script this SDK reads. */
export const STATE_FORMAT = 1;
