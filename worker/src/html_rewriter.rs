//! A small binding to the runtime's `HTMLRewriter` (native lol_html inside workerd), driven by
//! a [`Plan`]. workers-rs has none. The handlers are plain JS (`worker/js/handlers.js`) built
//! once from the Plan's strings: the runtime streams the body natively and never calls into
//! wasm while it does, and a finished page leaves nothing in wasm memory.
//!
//! The rules are those of `signpost::plan` and the reference rewriter `signpost::rewrite`;
//! `tests/fixtures/rewrite/cases.json` holds the cases both must pass.

use signpost::plan::{attribute_text, state_script, Plan};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = HTMLRewriter)]
    type HtmlRewriter;

    #[wasm_bindgen(constructor, js_class = "HTMLRewriter")]
    fn new() -> HtmlRewriter;

    #[wasm_bindgen(method, catch, js_class = "HTMLRewriter")]
    fn on(
        this: &HtmlRewriter,
        selector: &str,
        handlers: &js_sys::Object,
    ) -> Result<HtmlRewriter, JsValue>;

    #[wasm_bindgen(method, catch, js_class = "HTMLRewriter", js_name = onDocument)]
    fn on_document(this: &HtmlRewriter, handlers: &js_sys::Object)
        -> Result<HtmlRewriter, JsValue>;

    #[wasm_bindgen(method, catch, js_class = "HTMLRewriter")]
    fn transform(
        this: &HtmlRewriter,
        response: web_sys::Response,
    ) -> Result<web_sys::Response, JsValue>;
}

#[wasm_bindgen(module = "/js/handlers.js")]
extern "C" {
    #[wasm_bindgen(js_name = slotHandler)]
    fn slot_handler(offer: &str, variant: Option<String>, html: Option<String>) -> js_sys::Object;

    type StateHandlers;

    #[wasm_bindgen(js_name = stateHandlers)]
    fn state_handlers(script: &str) -> StateHandlers;

    #[wasm_bindgen(method, getter)]
    fn body(this: &StateHandlers) -> js_sys::Object;

    #[wasm_bindgen(method, getter)]
    fn document(this: &StateHandlers) -> js_sys::Object;
}

/// Streams `response` through the runtime's HTMLRewriter applying `plan`, and, when given,
/// writes the decision state once at the end of the first `<body>`. Fails (before any byte is
/// sent) on a selector the runtime rejects.
pub fn apply(
    response: web_sys::Response,
    plan: &Plan,
    state_json: Option<&str>,
) -> Result<web_sys::Response, JsValue> {
    if plan.is_empty() && state_json.is_none() {
        return Ok(response);
    }
    let mut rewriter = HtmlRewriter::new();
    for slot in &plan.slots {
        let handler = slot_handler(
            &attribute_text(&slot.offer),
            slot.variant
                .as_deref()
                .map(|v| attribute_text(v).into_owned()),
            slot.html.clone(),
        );
        rewriter = rewriter.on(&slot.selector(), &handler)?;
    }
    if let Some(state) = state_json {
        let state = state_handlers(&state_script(state));
        rewriter = rewriter
            .on("body", &state.body())?
            .on_document(&state.document())?;
    }
    rewriter.transform(response)
}
