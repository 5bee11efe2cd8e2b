//! The decision as plain data: what each slot of a page should show.
//!
//! A `Plan` is the contract between the core, which decides, and the three places that apply
//! it (the Worker's HTMLRewriter, the core's lol_html rewriter, the browser's DOM). All three
//! follow the same rules, so the same page and Plan give the same bytes:
//!
//! - each `SlotPlan` targets every element matching [`SlotPlan::selector`];
//! - the element gets `data-sp-offer="<offer>"` and, for an experiment, `data-sp-variant`;
//! - when `html` is `Some`, the element's children are replaced by it (as HTML);
//!   `None` (a control variant) keeps the page's own content;
//! - slots the Plan does not name are left exactly as they were.

use serde::{Deserialize, Serialize};

/// What one request should show, slot by slot. An empty Plan changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// One entry per filled slot, in config order of the winning offers.
    #[serde(default)]
    pub slots: Vec<SlotPlan>,
}

/// The winner for one slot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotPlan {
    /// The slot's name, as in `data-sp-slot="<slot>"` (for selector offers, the offer id).
    pub slot: String,
    /// A CSS selector given by the offer instead of a slot name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub css: Option<String>,
    /// The winning offer's id.
    pub offer: String,
    /// The experiment variant, when the offer runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The rendered content; `None` keeps the page's own content (a control variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Recommended catalog item ids, in the order rendered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// Why this offer won, in words a marketer reads.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl Plan {
    /// True when applying the Plan would leave the page untouched.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The entry for a slot name, if the Plan fills it.
    pub fn slot(&self, name: &str) -> Option<&SlotPlan> {
        self.slots.iter().find(|s| s.slot == name)
    }
}

impl SlotPlan {
    /// The CSS selector of the elements this entry rewrites.
    pub fn selector(&self) -> String {
        match &self.css {
            Some(css) => css.clone(),
            None => format!("[data-sp-slot=\"{}\"]", css_string_escape(&self.slot)),
        }
    }
}

/// Escapes a value for use inside a double-quoted CSS attribute selector string.
fn css_string_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A value as attribute text, for an HTML rewriter whose `setAttribute` escapes only `"`
/// (lol_html, the runtime's HTMLRewriter): `&` becomes `&amp;` and `"` becomes `&quot;`, so
/// every host writes the same bytes.
pub fn attribute_text(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['&', '"']) {
        return std::borrow::Cow::Borrowed(value);
    }
    std::borrow::Cow::Owned(value.replace('&', "&amp;").replace('"', "&quot;"))
}

/// The element that carries a decision to the browser SDK:
/// `<script type="application/json" id="signpost-state">` with the JSON made script-safe.
pub fn state_script(json: &str) -> String {
    format!(
        r#"<script type="application/json" id="signpost-state">{}</script>"#,
        script_safe_json(json)
    )
}

/// Serialises a value as JSON that is safe inside `<script type="application/json">`:
/// `<`, `>`, `&` and the JS line separators are escaped so no markup can close the element.
pub fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    crate::template::replace_chars(json, &mut out, |c| match c {
        '<' => Some("\\u003c"),
        '>' => Some("\\u003e"),
        '&' => Some("\\u0026"),
        '\u{2028}' => Some("\\u2028"),
        '\u{2029}' => Some("\\u2029"),
        _ => None,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_selector_quotes_the_name() {
        let s = SlotPlan {
            slot: "he\"ro".into(),
            ..Default::default()
        };
        assert_eq!(s.selector(), r#"[data-sp-slot="he\"ro"]"#);
    }

    #[test]
    fn css_offers_use_their_selector() {
        let s = SlotPlan {
            slot: "x".into(),
            css: Some("main > h1".into()),
            ..Default::default()
        };
        assert_eq!(s.selector(), "main > h1");
    }

    #[test]
    fn attribute_text_escapes_ampersand_and_quote() {
        assert_eq!(attribute_text("a&b\"c"), "a&amp;b&quot;c");
        assert!(matches!(
            attribute_text("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let safe = script_safe_json(r#"{"a":"</script><b>&"}"#);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["a"], "</script><b>&");
    }

    #[test]
    fn script_json_escapes_line_separators_and_keeps_the_rest() {
        let text = "{\"a\":\"é\u{2028}x\u{2029}<ü\"}";
        let safe = script_safe_json(text);
        assert_eq!(safe, "{\"a\":\"é\\u2028x\\u2029\\u003cü\"}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["a"], "é\u{2028}x\u{2029}<ü");
    }
}
