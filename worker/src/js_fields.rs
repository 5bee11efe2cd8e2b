//! Reading a plain JS object that page.js built (a `PageRequest`), field by field through
//! `Reflect`: what serde-wasm-bindgen did for it, without its deserializer in the page
//! Worker's wasm (bench/RESULTS.md, "Two Workers"). A field that is absent, `undefined` or
//! `null` reads as its default; one of another type is an error naming it.

use crate::js_names::with_name;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

pub struct JsFields(JsValue);

/// A field of the wrong type: its name and the type it should have.
#[derive(Debug, thiserror::Error)]
#[error("{0} is not {1}")]
pub struct FieldError(&'static str, &'static str);

type Field<T> = Result<T, FieldError>;

impl JsFields {
    pub fn new(object: JsValue) -> JsFields {
        JsFields(object)
    }

    /// The field's value; `None` when absent, `undefined` or `null`.
    fn get(&self, name: &'static str) -> Option<JsValue> {
        let v = with_name(name, |name| Reflect::get(&self.0, name)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }

    pub fn opt_string(&self, name: &'static str) -> Field<Option<String>> {
        self.get(name)
            .map(|v| v.as_string().ok_or(FieldError(name, "a string")))
            .transpose()
    }

    pub fn string(&self, name: &'static str) -> Field<String> {
        Ok(self.opt_string(name)?.unwrap_or_default())
    }

    pub fn bool(&self, name: &'static str) -> Field<bool> {
        self.get(name).map_or(Ok(false), |v| {
            v.as_bool().ok_or(FieldError(name, "a boolean"))
        })
    }

    pub fn number(&self, name: &'static str) -> Field<f64> {
        self.get(name)
            .map_or(Ok(0.0), |v| v.as_f64().ok_or(FieldError(name, "a number")))
    }

    /// Bytes: an `ArrayBuffer` or a `Uint8Array` (KV read as `"arrayBuffer"`), or a string's
    /// UTF-8 (a stored profile from before the binary form).
    pub fn bytes(&self, name: &'static str) -> Field<Option<Vec<u8>>> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if let Some(s) = v.as_string() {
            return Ok(Some(s.into_bytes()));
        }
        if v.is_instance_of::<ArrayBuffer>() || v.is_instance_of::<Uint8Array>() {
            return Ok(Some(Uint8Array::new(&v).to_vec()));
        }
        Err(FieldError(name, "bytes or a string"))
    }
}
