//! A small binding to the runtime's `HTMLRewriter` (native lol_html inside workerd), driven by
//! a [`Plan`]. workers-rs has none. Handlers are built once from the Plan: the runtime streams
//! the body natively and calls into wasm only when a targeted element opens, never per chunk.
//!
//! The rules are those of `signpost::plan` and the reference rewriter `signpost::rewrite`;
//! `tests/fixtures/rewrite/cases.json` holds the cases both must pass.

use signpost::plan::{attribute_text, state_script, Plan};
use std::cell::Cell;
use std::rc::Rc;
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

    /// The runtime's `Element`, `EndTag` or `DocumentEnd`: all take content the same way.
    type HtmlNode;

    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &HtmlNode, name: &str, value: &str);

    #[wasm_bindgen(method, js_name = setInnerContent)]
    fn set_inner_content(this: &HtmlNode, content: &str, options: &JsValue);

    #[wasm_bindgen(method, js_name = onEndTag)]
    fn on_end_tag(this: &HtmlNode, handler: &JsValue);

    #[wasm_bindgen(method)]
    fn before(this: &HtmlNode, content: &str, options: &JsValue);

    #[wasm_bindgen(method)]
    fn append(this: &HtmlNode, content: &str, options: &JsValue);
}

/// `{ html: true }`: content is inserted as markup, not escaped text.
fn as_html() -> JsValue {
    let opts = js_sys::Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&opts, &"html".into(), &JsValue::TRUE);
    opts.into()
}

fn callback(f: impl FnMut(HtmlNode) + 'static) -> JsValue {
    Closure::<dyn FnMut(HtmlNode)>::new(f).into_js_value()
}

/// A handlers object `{ <kind>(node) { ... } }` as the runtime expects.
fn handlers(kind: &str, f: impl FnMut(HtmlNode) + 'static) -> js_sys::Object {
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &kind.into(), &callback(f));
    object
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
    // One options object for every handler (the runtime only reads it).
    let html_opts = as_html();
    for slot in &plan.slots {
        let offer = attribute_text(&slot.offer).into_owned();
        let variant = slot
            .variant
            .as_deref()
            .map(|v| attribute_text(v).into_owned());
        let html = slot.html.clone();
        let opts = html_opts.clone();
        rewriter = rewriter.on(
            &slot.selector(),
            &handlers("element", move |el| {
                el.set_attribute("data-sp-offer", &offer);
                if let Some(v) = &variant {
                    el.set_attribute("data-sp-variant", v);
                }
                if let Some(h) = &html {
                    el.set_inner_content(h, &opts);
                }
            }),
        )?;
    }
    if let Some(state) = state_json {
        rewriter = inject_state(rewriter, state_script(state), html_opts)?;
    }
    rewriter.transform(response)
}

/// Body states while the document streams: not seen, open (script waits for `</body>`), done.
const NOT_SEEN: u8 = 0;
const OPEN: u8 = 1;
const DONE: u8 = 2;

/// The script goes before the first body's end tag, or at the end of the document when the
/// page omits `</body>`; a page without `<body>` gets none.
fn inject_state(
    rewriter: HtmlRewriter,
    script: String,
    opts: JsValue,
) -> Result<HtmlRewriter, JsValue> {
    let script: Rc<str> = script.into();
    let body = Rc::new(Cell::new(NOT_SEEN));

    let (on_body, body_script, body_opts) = (body.clone(), script.clone(), opts.clone());
    let rewriter = rewriter.on(
        "body",
        &handlers("element", move |el| {
            if on_body.get() != NOT_SEEN {
                return;
            }
            on_body.set(OPEN);
            let (on_end, script, opts) = (on_body.clone(), body_script.clone(), body_opts.clone());
            el.on_end_tag(&callback(move |end| {
                on_end.set(DONE);
                end.before(&script, &opts);
            }));
        }),
    )?;
    rewriter.on_document(&handlers("end", move |end| {
        if body.get() == OPEN {
            body.set(DONE);
            end.append(&script, &opts);
        }
    }))
}
