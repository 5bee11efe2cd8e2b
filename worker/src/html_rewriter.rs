//! A small binding to the runtime's `HTMLRewriter` (native lol_html inside workerd), driven by
//! a [`Plan`]. workers-rs has none. Handlers are built once from the Plan: the runtime streams
//! the body natively and calls into wasm only when a targeted element opens, never per chunk.
//!
//! The rules are those of `signpost::plan` (and of `signpost::rewrite`, the reference).

use signpost::plan::{script_safe_json, Plan};
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

    #[wasm_bindgen(method, catch, js_class = "HTMLRewriter")]
    fn transform(
        this: &HtmlRewriter,
        response: web_sys::Response,
    ) -> Result<web_sys::Response, JsValue>;

    /// The runtime's `Element` handed to an element handler.
    type HtmlElement;

    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &HtmlElement, name: &str, value: &str);

    #[wasm_bindgen(method, js_name = setInnerContent)]
    fn set_inner_content(this: &HtmlElement, content: &str, options: &JsValue);

    #[wasm_bindgen(method)]
    fn append(this: &HtmlElement, content: &str, options: &JsValue);
}

/// `{ html: true }`: content is inserted as markup, not escaped text.
fn as_html() -> JsValue {
    let opts = js_sys::Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&opts, &"html".into(), &JsValue::TRUE);
    opts.into()
}

/// Wraps an element callback in the `{ element(el) { ... } }` object the runtime expects.
fn element_handler(f: impl FnMut(HtmlElement) + 'static) -> js_sys::Object {
    let handlers = js_sys::Object::new();
    let callback = Closure::<dyn FnMut(HtmlElement)>::new(f).into_js_value();
    let _ = js_sys::Reflect::set(&handlers, &"element".into(), &callback);
    handlers
}

/// Streams `response` through the runtime's HTMLRewriter applying `plan`, and, when given,
/// appends the decision state as `<script type="application/json" id="signpost-state">` to
/// the end of `<body>`. Fails (before any byte is sent) on a selector the runtime rejects.
pub fn apply(
    response: web_sys::Response,
    plan: &Plan,
    state_json: Option<&str>,
) -> Result<web_sys::Response, JsValue> {
    let mut rewriter = HtmlRewriter::new();
    for slot in &plan.slots {
        let offer = slot.offer.clone();
        let variant = slot.variant.clone();
        let html = slot.html.clone();
        let opts = as_html();
        let handlers = element_handler(move |el| {
            el.set_attribute("data-sp-offer", &offer);
            if let Some(v) = &variant {
                el.set_attribute("data-sp-variant", v);
            }
            if let Some(h) = &html {
                el.set_inner_content(h, &opts);
            }
        });
        rewriter = rewriter.on(&slot.selector(), &handlers)?;
    }
    if let Some(state) = state_json {
        let script = format!(
            r#"<script type="application/json" id="signpost-state">{}</script>"#,
            script_safe_json(state)
        );
        let opts = as_html();
        let handlers = element_handler(move |el| el.append(&script, &opts));
        rewriter = rewriter.on("body", &handlers)?;
    }
    rewriter.transform(response)
}
