//! Every limit on what a page may send, defined once.
//!
//! The browser SDK checks an event before it queues it, the in-page wasm checks a batch before
//! it records it, and the events endpoint checks what arrives. When each kept its own copy they
//! drifted (the SDK took `newsletterSignup`, the endpoint refused it and the SDK lost the whole
//! batch), so the rules live here and the SDK's copy is generated from this file:
//! `signpost limits --js` writes `sdk-js/src/limits.js` (run by `make sdk`), and a test fails
//! when the committed copy differs.

/// Declares the limits the SDK shares: each constant with its doc, once, and [`EXPORTED`],
/// the table `js_module` writes them from (the doc becomes the JS constant's).
macro_rules! shared_limits {
    ($($(#[doc = $doc:literal])+ pub const $name:ident: usize = $value:expr;)+) => {
        $($(#[doc = $doc])+ pub const $name: usize = $value;)+

        /// Name, value and doc of each limit the SDK needs, in the order the JS module lists
        /// them.
        const EXPORTED: &[(&str, usize, &str)] =
            &[$((stringify!($name), $name, concat!($($doc),+))),+];
    };
}

shared_limits! {
    /// Most events in one batch from the page (one `POST /__signpost/events`).
    pub const MAX_BATCH_EVENTS: usize = 50;
    /// Most bytes of one event's JSON.
    pub const MAX_EVENT_BYTES: usize = 4096;
    /// Most bytes of the body of one `POST /__signpost/events`.
    pub const MAX_EVENTS_BODY_BYTES: usize = 32 * 1024;
    /// Most bytes of one string value (at any depth) in an event from the page.
    pub const MAX_PROP_STRING_BYTES: usize = 512;
    /// Most bytes of an event's `id`.
    pub const MAX_ID_LEN: usize = 128;
    /// Most characters of an event name.
    pub const MAX_EVENT_NAME_LEN: usize = 64;
}

/// Most bytes of the `url` a batch from the page is decided for.
pub const MAX_PAGE_URL_BYTES: usize = 2048;
/// Most events in one call of the server-to-server ingest (`POST /__signpost/ingest`).
pub const MAX_INGEST_EVENTS: usize = 500;
/// Most bytes of the body of one ingest call.
pub const MAX_INGEST_BODY_BYTES: usize = 1024 * 1024;
/// Most bytes of a site's user id (ingest's `user`, `identify`).
pub const MAX_USER_ID_LEN: usize = 128;
/// The characters an event name may hold besides ASCII letters and digits (`-` last, so the
/// same text is a valid regular-expression character class).
pub const EVENT_NAME_PUNCTUATION: &str = "_.:-";

/// Whether `name` is an event name: 1 to [`MAX_EVENT_NAME_LEN`] of ASCII letters, digits and
/// [`EVENT_NAME_PUNCTUATION`].
pub fn is_event_name(name: &str) -> bool {
    (1..=MAX_EVENT_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || EVENT_NAME_PUNCTUATION.as_bytes().contains(&b))
}

/// [`is_event_name`] as a JavaScript regular expression literal.
pub fn event_name_regex() -> String {
    format!("/^[A-Za-z0-9{EVENT_NAME_PUNCTUATION}]{{1,{MAX_EVENT_NAME_LEN}}}$/")
}

/// The SDK's copy of these limits: the text of `sdk-js/src/limits.js`.
pub fn js_module() -> String {
    let mut out = String::from(
        "// Generated from src/limits.rs by `signpost limits --js` (make sdk): do not edit.\n\
         // The events endpoint enforces the same limits; tests/limits_js.rs checks this copy.\n",
    );
    for (name, value, doc) in EXPORTED {
        let doc = doc.trim();
        out.push_str(&format!("/** {doc} */\nexport const {name} = {value};\n"));
    }
    out.push_str(&format!(
        "/** An event name: 1 to {MAX_EVENT_NAME_LEN} of letters, digits and {EVENT_NAME_PUNCTUATION} */\n\
         export const EVENT_NAME = {};\n",
        event_name_regex()
    ));
    // Not limits, but shared the same way: which release and state format the SDK goes with.
    out.push_str(&format!(
        "/** The Signpost release this SDK belongs to (the Worker's state names its own). */\n\
         export const VERSION = {:?};\n\
         /** The format of the edge's state script this SDK reads. */\n\
         export const STATE_FORMAT = {};\n",
        crate::session::VERSION,
        crate::session::STATE_FORMAT
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names() {
        for ok in [
            "a",
            "add_to_cart",
            "newsletterSignup",
            "checkout.step:2-b",
            &"x".repeat(64),
        ] {
            assert!(is_event_name(ok), "{ok}");
        }
        for bad in [
            "",
            "with space",
            "événement",
            "a/b",
            "a\"b",
            &"x".repeat(65),
        ] {
            assert!(!is_event_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_regex_is_a_valid_class() {
        // `-` anywhere but last would make a range in the JS character class.
        assert!(EVENT_NAME_PUNCTUATION.ends_with('-'));
        assert_eq!(event_name_regex(), "/^[A-Za-z0-9_.:-]{1,64}$/");
    }
}
