//! The runtime's `HTMLRewriter` (native lol_html inside workerd), driven by a [`Plan`].
//! workers-rs has no binding for it; the rewriter is built in one place, `rewrite` in
//! worker/js/rewriter.js, which the page path calls from JS and this module from Rust. What
//! both hand it is a list of [`Slot`]s.
//!
//! The rules are those of `signpost::plan` and the reference rewriter `signpost::rewrite`;
//! `tests/fixtures/rewrite/cases.json` holds the cases both must pass.

use signpost::plan::{attribute_text, state_script, Plan};
use wasm_bindgen::prelude::*;

/// One slot to fill, as the rewriter takes it: where, which offer and variant (escaped for an
/// attribute), and the HTML (none: the element keeps its content).
#[wasm_bindgen(getter_with_clone)]
#[derive(Clone)]
pub struct Slot {
    /// A CSS selector the runtime accepts.
    pub selector: String,
    /// `data-sp-offer`'s value.
    pub offer: String,
    /// `data-sp-variant`'s value.
    pub variant: Option<String>,
    /// The content.
    pub html: Option<String>,
}

impl Slot {
    /// The slots of a Plan.
    pub fn of(plan: &Plan) -> Vec<Slot> {
        plan.slots
            .iter()
            .map(|s| Slot {
                selector: s.selector(),
                offer: attribute_text(&s.offer).into_owned(),
                variant: s.variant.as_deref().map(|v| attribute_text(v).into_owned()),
                html: s.html.clone(),
            })
            .collect()
    }
}

#[wasm_bindgen(module = "/js/rewriter.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn rewrite(
        response: web_sys::Response,
        slots: Vec<Slot>,
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
    rewrite(response, Slot::of(plan), state_json.map(state_script))
}
