//! The page path's answers to worker/js/page.js, built as plain JS objects in one pass. A
//! wasm-bindgen class answer needed, for each field page.js read, a call into wasm, a clone of
//! the field, a copy out and a free, a getter shim per field in the wasm, and for each answer
//! (and each slot) an entry in a FinalizationRegistry. Plain objects made the Worker's wasm
//! 5.4 KB smaller; the CPU per page did not move measurably (bench/RESULTS.md). The shapes are
//! page.js's typedefs (`PageStart`, `PageAnswer`, `ConfigStep`); each is built by one `to_js`
//! beside its struct.

use crate::js_names::with_name;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain object, field by field.
pub struct JsObject(Object);

impl JsObject {
    pub fn new() -> JsObject {
        JsObject(Object::new())
    }

    /// Sets `key` (an own, enumerable property: setting one on a fresh object cannot fail).
    #[must_use]
    pub fn set(self, key: &'static str, value: impl Into<JsValue>) -> JsObject {
        let value = value.into();
        with_name(key, |key| {
            let _ = Reflect::set(&self.0, key, &value);
        });
        self
    }

    pub fn build(self) -> JsValue {
        self.0.into()
    }
}

/// A JS array of strings.
pub fn strings<S: AsRef<str>>(items: &[S]) -> Array {
    items
        .iter()
        .map(|s| JsValue::from_str(s.as_ref()))
        .collect()
}
