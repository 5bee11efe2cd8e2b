//! Property names as JS strings, made once per isolate. A Rust `&str` crosses into JS as a new
//! string each time (a `TextDecoder` call over a fresh view of the wasm memory), and the page
//! path names about seventy properties per page: the request's fields it reads
//! (`crate::js_fields`) and its answers' (`crate::js_answer`). Under load that decoding was the
//! isolate's largest self time after the rewriter (bench/RESULTS.md).

use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    /// Each name by its text's address and length (a `&'static str` stays where it is), with
    /// its JS string. A few dozen: a scan beats hashing.
    static NAMES: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// `f` with `name` as a JS string, made the first time this isolate names it.
pub fn with_name<R>(name: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    let id = (name.as_ptr() as usize, name.len());
    NAMES.with_borrow_mut(|names| {
        let at = match names.iter().position(|(n, _)| *n == id) {
            Some(at) => at,
            None => {
                names.push((id, JsValue::from_str(name)));
                names.len() - 1
            }
        };
        f(&names[at].1)
    })
}
