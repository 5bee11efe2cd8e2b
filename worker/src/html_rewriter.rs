//! The runtime's `HTMLRewriter` (native lol_html inside workerd), driven by a [`Plan`].
//! workers-rs has no binding for it; the rewriter is built in one place, `rewrite` in
//! worker/js/rewriter.js, which the page path calls from JS and this module from Rust. What
//! both hand it is a list of [`Slot`]s.
//!
//! The rules are those of `signpost::plan` and the reference rewriter `signpost::rewrite`;
//! `tests/fixtures/rewrite/cases.json` holds the cases both must pass.

use signpost::plan::{attribute_text, state_script, Plan};
use wasm_bindgen::prelude::*;

/// One slot to fill, as the rewriter takes it: where, the attributes that mark it (the offer,
/// and the variant when there is one, escaped for an attribute: the SDK measures by them), and
/// the HTML (none: the element keeps its content). It reaches JS as a plain object
/// ([`Slot::to_js`]), the one form rewriter.js reads, from page.js and from here alike.
#[derive(Clone)]
pub struct Slot {
    /// A CSS selector the runtime accepts.
    pub selector: String,
    /// Attribute names and values, alternating: `data-sp-offer`, then `data-sp-variant`.
    pub marks: Vec<String>,
    /// The content.
    pub html: Option<String>,
}

impl Slot {
    /// The slot as a plain object (`crate::js_answer`): `{selector, marks, html}`.
    pub fn to_js(&self) -> wasm_bindgen::JsValue {
        crate::js_answer::JsObject::new()
            .set("selector", self.selector.as_str())
            .set("marks", crate::js_answer::strings(&self.marks))
            .set("html", self.html.as_deref())
            .build()
    }
}

/// The slots of a Plan.
pub fn slots_of(plan: &Plan) -> Vec<Slot> {
    plan.slots
        .iter()
        .map(|s| {
            let mut marks = vec![
                "data-sp-offer".into(),
                attribute_text(&s.offer).into_owned(),
            ];
            if let Some(v) = &s.variant {
                marks.push("data-sp-variant".into());
                marks.push(attribute_text(v).into_owned());
            }
            Slot {
                selector: s.selector(),
                marks,
                html: s.html.clone(),
            }
        })
        .collect()
}

#[wasm_bindgen(module = "/js/rewriter.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn rewrite(
        response: web_sys::Response,
        slots: js_sys::Array,
        state_script: Option<String>,
    ) -> Result<web_sys::Response, JsValue>;
}

/// Streams `response` through the runtime's HTMLRewriter applying `plan`, and, when given,
/// writes the decision state once at the end of the first `<body>`. Fails (before any byte is
/// sent) on a selector the runtime rejects.
pub fn apply(
    response: web_sys::Response,
    plan: &Plan,
    state_json: Option<&str>,
) -> Result<web_sys::Response, JsValue> {
    let slots = slots_of(plan).iter().map(Slot::to_js).collect();
    rewrite(response, slots, state_json.map(state_script))
}
