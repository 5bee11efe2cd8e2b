//! The reference rewriter: applies a [`Plan`] to an HTML stream with lol_html (feature `html`).
//!
//! The Worker applies the same Plan with the runtime's own `HTMLRewriter` (lol_html inside
//! workerd) and the browser SDK with the DOM; this module is the reference they are tested
//! against (`tests/fixtures/rewrite/`). The rules, in full:
//!
//! - Each [`SlotPlan`] targets every element matching [`SlotPlan::selector`], in Plan order.
//!   An element matched by several entries gets each of them in turn, so the last one wins.
//! - The element gets `data-sp-offer="<offer>"` and then, for an experiment,
//!   `data-sp-variant="<variant>"`: set in place when the attribute exists, otherwise added at
//!   the end of the start tag. The value is written as text: `&` becomes `&amp;` and `"`
//!   becomes `&quot;` (see [`escape_attribute_value`]), so the DOM reads back the exact id.
//! - When `html` is `Some`, the element's children are replaced by it, as HTML; `None` (a
//!   control variant) keeps the page's own content. Void elements (`<img>`, `<input>`...) only
//!   get the attributes.
//! - Inserted HTML is never matched again: a slot inside an offer's `html` is left as written,
//!   and slots inside an element whose content is replaced disappear with that content.
//! - With a state JSON, `<script type="application/json" id="signpost-state">…</script>` is
//!   written once, at the end of the first `<body>` element: right before its `</body>` end
//!   tag, or, when the page omits that end tag (HTML allows it), at the end of the document.
//!   A page without a `<body>` start tag (a fragment) gets no state. The JSON goes through
//!   [`script_safe_json`].
//! - Everything else is copied byte for byte. The start tag of a targeted element is written
//!   back by lol_html: its attributes as they were, separated by single spaces. An empty Plan
//!   without state copies the input as it is, without parsing it.
//!
//! The rewriter streams: [`Rewriter::write`] takes the body as it arrives, in chunks of any
//! size, and hands output to the sink as soon as lol_html can release it. Only a tag split
//! across chunks is held back until its end arrives; the old content of a replaced element is
//! dropped as it streams by. It runs with the settings the Workers runtime uses for
//! `HTMLRewriter` (strict parsing, 3 MiB memory limit), so the two fail on the same pages.
//!
//! Speed: a selector with a tag name (`h1.title`) is only tried on that tag, while an
//! attribute or class selector without one (`[data-sp-slot="hero"]`, `.title`) makes lol_html
//! read the attributes of every element: on the corpus pages that is 2 to 3 times slower
//! (see `benches/rewrite.rs`). The same holds in the runtime's HTMLRewriter. Prefer
//! tag-qualified CSS offers.
//!
//! ```
//! use signpost::plan::{Plan, SlotPlan};
//! use signpost::rewrite::{rewrite_str, RewriteOptions};
//!
//! let plan = Plan {
//!     slots: vec![SlotPlan {
//!         slot: "hero".into(),
//!         offer: "spring-sale".into(),
//!         html: Some("<p>20% off</p>".into()),
//!         ..Default::default()
//!     }],
//! };
//! let out = rewrite_str(
//!     r#"<body><div data-sp-slot="hero">Welcome</div></body>"#,
//!     &plan,
//!     RewriteOptions::new().with_state_json(r#"{"v":1}"#),
//! )
//! .unwrap();
//! assert_eq!(
//!     out,
//!     concat!(
//!         r#"<body><div data-sp-slot="hero" data-sp-offer="spring-sale"><p>20% off</p></div>"#,
//!         r#"<script type="application/json" id="signpost-state">{"v":1}</script></body>"#,
//!     )
//! );
//! ```

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use lol_html::errors::{RewritingError, SelectorError};
use lol_html::html_content::{ContentType, DocumentEnd, Element, EndTag};
use lol_html::{
    DocumentContentHandlers, ElementContentHandlers, HtmlRewriter, MemorySettings, Selector,
    Settings,
};

#[cfg(doc)]
use crate::plan::script_safe_json;
use crate::plan::{Plan, SlotPlan};

/// The attribute naming the offer shown in a rewritten element.
pub const OFFER_ATTR: &str = "data-sp-offer";
/// The attribute naming the experiment variant shown in a rewritten element.
pub const VARIANT_ATTR: &str = "data-sp-variant";
/// The `id` of the injected state script.
pub const STATE_SCRIPT_ID: &str = "signpost-state";

/// The runtime's `HTMLRewriter` limits lol_html to this much memory; so does this rewriter.
const MAX_MEMORY: usize = 3 * 1024 * 1024;
/// The runtime's preallocated parsing buffer.
const PREALLOCATED_BUFFER: usize = 1024;

/// What can go wrong while applying a Plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RewriteError {
    /// A Plan entry's selector is not one lol_html (and so the Workers runtime) accepts.
    /// Reported by [`Rewriter::new`], before any byte is written.
    #[error("slot \"{slot}\" (offer \"{offer}\"): invalid CSS selector `{selector}`: {reason}")]
    InvalidSelector {
        /// The entry's slot name.
        slot: String,
        /// The entry's offer id.
        offer: String,
        /// The selector as given.
        selector: String,
        /// Why lol_html rejected it.
        reason: SelectorError,
    },
    /// The state to inject is not valid JSON. Reported by [`Rewriter::new`].
    #[error("state JSON is not valid JSON: {0}")]
    InvalidStateJson(#[source] serde_json::Error),
    /// lol_html gave up on the document: markup it cannot parse unambiguously without a tree
    /// (strict mode), or more than 3 MiB of buffering. The output written so far is incomplete;
    /// a host fails open with the original response.
    #[error("HTML rewriting failed: {0}")]
    Html(#[from] RewritingError),
}

/// Options for a rewrite, builder style. The default changes nothing but the Plan's slots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RewriteOptions<'a> {
    state_json: Option<&'a str>,
}

impl<'a> RewriteOptions<'a> {
    /// No state injection.
    #[must_use]
    pub const fn new() -> Self {
        Self { state_json: None }
    }

    /// Appends `json` (a serialised decision state) to the page's `<body>` as
    /// `<script type="application/json" id="signpost-state">`, made safe by [`script_safe_json`].
    #[must_use]
    pub const fn with_state_json(mut self, json: &'a str) -> Self {
        self.state_json = Some(json);
        self
    }

    /// Sets or clears the state JSON.
    #[must_use]
    pub const fn with_state_json_opt(mut self, json: Option<&'a str>) -> Self {
        self.state_json = json;
        self
    }

    /// The state JSON to inject, if any.
    pub const fn state_json(&self) -> Option<&'a str> {
        self.state_json
    }
}

/// A streaming rewriter applying one Plan to one document.
///
/// Feed the document with [`write`](Self::write) in chunks as they arrive, then call
/// [`end`](Self::end). Output goes to the sink given to [`new`](Self::new), in order, as soon as
/// it is ready; the sink is never called with an empty slice.
///
/// ```
/// use signpost::plan::{Plan, SlotPlan};
/// use signpost::rewrite::{RewriteOptions, Rewriter};
///
/// let plan = Plan {
///     slots: vec![SlotPlan {
///         slot: "hero".into(),
///         offer: "welcome-back".into(),
///         variant: Some("control".into()),
///         ..Default::default()
///     }],
/// };
/// let mut out = Vec::new();
/// let mut rewriter =
///     Rewriter::new(&plan, RewriteOptions::new(), |chunk: &[u8]| out.extend_from_slice(chunk))
///         .unwrap();
/// for chunk in [&b"<div data-sp-sl"[..], b"ot=hero>Hi</div>"] {
///     rewriter.write(chunk).unwrap();
/// }
/// rewriter.end().unwrap();
/// assert_eq!(
///     out,
///     br#"<div data-sp-slot=hero data-sp-offer="welcome-back" data-sp-variant="control">Hi</div>"#
/// );
/// ```
pub struct Rewriter<'a, O: FnMut(&[u8])> {
    inner: Inner<'a, O>,
}

enum Inner<'a, O: FnMut(&[u8])> {
    /// An empty Plan without state: the bytes go straight to the sink, untouched (lol_html
    /// would still parse them, and refuse some markup in strict mode).
    PassThrough(O),
    Lol(Box<HtmlRewriter<'a, NonEmpty<O>>>),
}

/// lol_html signals the end of output with an empty chunk; sinks here never see it.
struct NonEmpty<O>(O);

impl<O: FnMut(&[u8])> lol_html::OutputSink for NonEmpty<O> {
    #[inline]
    fn handle_chunk(&mut self, chunk: &[u8]) {
        if !chunk.is_empty() {
            (self.0)(chunk);
        }
    }
}

impl<'a, O: FnMut(&[u8])> Rewriter<'a, O> {
    /// Builds the rewriter for `plan`. Every selector is checked here, so an invalid one is
    /// reported before any output.
    pub fn new(
        plan: &'a Plan,
        options: RewriteOptions<'a>,
        output: O,
    ) -> Result<Self, RewriteError> {
        let inner = if is_identity(plan, options) {
            Inner::PassThrough(output)
        } else {
            let settings = settings(plan, options)?;
            Inner::Lol(Box::new(HtmlRewriter::new(settings, NonEmpty(output))))
        };
        Ok(Self { inner })
    }

    /// Rewrites the next chunk of the document. Chunks may split tags, attributes and UTF-8
    /// sequences anywhere.
    #[inline]
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), RewriteError> {
        match &mut self.inner {
            Inner::PassThrough(output) => {
                if !chunk.is_empty() {
                    output(chunk);
                }
                Ok(())
            }
            Inner::Lol(rewriter) => rewriter.write(chunk).map_err(RewriteError::Html),
        }
    }

    /// Ends the document and flushes what is left to the sink.
    pub fn end(self) -> Result<(), RewriteError> {
        match self.inner {
            Inner::PassThrough(_) => Ok(()),
            Inner::Lol(rewriter) => rewriter.end().map_err(RewriteError::Html),
        }
    }
}

impl<O: FnMut(&[u8])> fmt::Debug for Rewriter<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rewriter")
    }
}

/// Rewrites a whole document held in memory. For a response body use [`Rewriter`], which
/// streams.
pub fn rewrite_str(
    html: &str,
    plan: &Plan,
    options: RewriteOptions<'_>,
) -> Result<String, RewriteError> {
    if is_identity(plan, options) {
        return Ok(html.to_owned());
    }
    let settings = settings(plan, options)?;
    lol_html::rewrite_str(html, settings).map_err(RewriteError::Html)
}

/// Checks that lol_html (and so the Workers runtime) accepts `selector`, as a config validator
/// would before publishing an offer with a CSS `selector`.
pub fn check_selector(selector: &str) -> Result<(), SelectorError> {
    selector.parse::<Selector>().map(drop)
}

/// Escapes an attribute value so the DOM reads back exactly `value` (see
/// [`crate::plan::attribute_text`], which every host uses).
pub fn escape_attribute_value(value: &str) -> Cow<'_, str> {
    crate::plan::attribute_text(value)
}

/// True when applying `plan` with `options` cannot change a byte.
fn is_identity(plan: &Plan, options: RewriteOptions<'_>) -> bool {
    plan.is_empty() && options.state_json.is_none()
}

/// The `<script>` element carrying the decision state.
fn state_script(json: &str) -> String {
    crate::plan::state_script(json)
}

/// lol_html settings for `plan`: one element handler per Plan entry, in Plan order, then the
/// state injection on `body`. Everything a handler writes is prepared here, once.
fn settings<'a>(
    plan: &'a Plan,
    options: RewriteOptions<'a>,
) -> Result<Settings<'a, 'static>, RewriteError> {
    let memory = MemorySettings::new()
        .with_preallocated_parsing_buffer_size(PREALLOCATED_BUFFER)
        .with_max_allowed_memory_usage(MAX_MEMORY);
    let mut settings = Settings::new()
        .with_strict(true)
        .with_memory_settings(memory);

    for entry in &plan.slots {
        let selector = parse_selector(entry)?;
        let offer = escape_attribute_value(&entry.offer);
        let variant = entry.variant.as_deref().map(escape_attribute_value);
        let html = entry.html.as_deref();
        let handler = move |el: &mut Element<'_, '_>| {
            el.set_attribute(OFFER_ATTR, &offer)?;
            if let Some(variant) = &variant {
                el.set_attribute(VARIANT_ATTR, variant)?;
            }
            if let Some(html) = html {
                el.set_inner_content(html, ContentType::Html);
            }
            Ok(())
        };
        settings = settings.append_element_content_handler((
            Cow::Owned(selector),
            ElementContentHandlers::default().element(handler),
        ));
    }

    if let Some(json) = options.state_json {
        serde_json::from_str::<serde::de::IgnoredAny>(json)
            .map_err(RewriteError::InvalidStateJson)?;
        settings = inject_state(settings, state_script(json));
    }
    Ok(settings)
}

/// Where the state script stands while the document streams by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// No `<body>` start tag yet: nothing to inject into.
    NotSeen,
    /// The first `<body>` opened; the script waits for its end tag.
    Open,
    /// The script is written.
    Injected,
}

/// Appends `script` to the first `<body>`: before its `</body>`, or at the end of the document
/// when that end tag never comes (pages may omit it). Never injected without a `<body>` tag.
fn inject_state<'a>(settings: Settings<'a, 'static>, script: String) -> Settings<'a, 'static> {
    let script: Rc<str> = script.into();
    let state = Rc::new(Cell::new(Body::NotSeen));

    let (on_body, body_script) = (Rc::clone(&state), Rc::clone(&script));
    let body = move |el: &mut Element<'_, '_>| {
        if on_body.get() != Body::NotSeen {
            return Ok(());
        }
        on_body.set(Body::Open);
        let (on_end, script) = (Rc::clone(&on_body), Rc::clone(&body_script));
        el.on_end_tag(Box::new(move |end: &mut EndTag<'_>| {
            on_end.set(Body::Injected);
            end.before(&script, ContentType::Html);
            Ok(())
        }))
    };
    let doc_end = move |end: &mut DocumentEnd<'_>| {
        if state.get() == Body::Open {
            state.set(Body::Injected);
            end.append(&script, ContentType::Html);
        }
        Ok(())
    };

    let selector: Selector = "body".parse().expect("`body` is a valid selector");
    settings
        .append_element_content_handler((
            Cow::Owned(selector),
            ElementContentHandlers::default().element(body),
        ))
        .append_document_content_handler(DocumentContentHandlers::default().end(doc_end))
}

fn parse_selector(entry: &SlotPlan) -> Result<Selector, RewriteError> {
    let selector = entry.selector();
    selector
        .parse::<Selector>()
        .map_err(|reason| RewriteError::InvalidSelector {
            slot: entry.slot.clone(),
            offer: entry.offer.clone(),
            selector,
            reason,
        })
}

#[cfg(test)]
mod tests;
