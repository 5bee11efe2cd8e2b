//! Where a placeholder lands in the marketer's markup. Escaping makes a visitor's value text,
//! which is safe in text and in quoted attribute values, but not where the browser reads the
//! text as code (`<script>`, `onclick="..."`, `srcdoc`), not where the value could add
//! attributes (inside a tag, an unquoted value), and not where it starts a URL
//! (`href="javascript:..."`). The first two are refused when the config is checked; a value
//! that starts a URL is checked when it renders.

use crate::text;

/// How a placeholder renders where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// Escaped, as text.
    Text,
    /// Escaped, and it starts a URL: only a relative URL or http(s), mailto and tel.
    UrlStart,
}

/// Attributes whose value is a URL a browser may follow or load.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "cite",
    "data",
    "background",
    "ping",
    "manifest",
];

/// Elements whose content is not markup: escaping does not keep a value out of their code.
const RAW_TEXT: &[&str] = &["script", "style"];

#[derive(Clone, Debug, Default)]
enum State {
    #[default]
    Text,
    Comment,
    /// Inside `<script>` or `<style>`, until its end tag.
    RawText(&'static str),
    TagName {
        name: String,
        closing: bool,
    },
    InTag,
    AttrName(String),
    AfterName(String),
    BeforeValue(String),
    Value {
        name: String,
        quote: Option<char>,
        at_start: bool,
    },
}

/// Why a placeholder may not stand where it is: the visitor's value would run as code, or
/// could end the attribute it is in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// Inside `<script>` or `<style>`.
    #[error("a placeholder inside <{0}> would run the visitor's value as code")]
    RawText(&'static str),
    /// In an attribute value without quotes.
    #[error("put the {0} attribute's value in quotes around a placeholder ({0}=\"...\")")]
    Unquoted(String),
    /// In an event handler (`on...`) or `srcdoc`.
    #[error("a placeholder inside the {0} attribute would run the visitor's value as code")]
    CodeAttribute(String),
    /// Inside a tag, outside any attribute value.
    #[error("a placeholder inside a tag must be inside a quoted attribute value")]
    InTag,
}

/// An HTML tokenizer reduced to what placing a placeholder needs, fed the template's literal
/// text piece by piece.
#[derive(Clone, Debug, Default)]
pub(super) struct Scanner {
    state: State,
    /// The open tag is `<script>` or `<style>`: raw text follows it.
    raw_next: Option<&'static str>,
}

impl Scanner {
    pub fn feed(&mut self, text: &str) {
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            rest = self.step(c, rest);
        }
    }

    /// The slot of a placeholder at this point, or why one may not stand here.
    pub fn placeholder(&mut self) -> Result<Slot, PlacementError> {
        match &mut self.state {
            State::Text | State::Comment => Ok(Slot::Text),
            State::RawText(tag) => Err(PlacementError::RawText(tag)),
            State::BeforeValue(name)
            | State::Value {
                name, quote: None, ..
            } => Err(PlacementError::Unquoted(name.clone())),
            State::Value { name, at_start, .. } => {
                if name.starts_with("on") || name == "srcdoc" {
                    return Err(PlacementError::CodeAttribute(name.clone()));
                }
                // The value stays at its start until literal text follows: in `"{{a}}{{b}}"`
                // both placeholders start the URL.
                Ok(if *at_start && URL_ATTRIBUTES.contains(&name.as_str()) {
                    Slot::UrlStart
                } else {
                    Slot::Text
                })
            }
            State::TagName { .. } | State::InTag | State::AttrName(_) | State::AfterName(_) => {
                Err(PlacementError::InTag)
            }
        }
    }

    /// Consumes one character (or a marker such as `<!--`) from `rest`, returning what is left.
    fn step<'a>(&mut self, c: char, rest: &'a str) -> &'a str {
        let next = text::slice(rest, c.len_utf8()..);
        match &mut self.state {
            State::Text => {
                if let Some(after) = rest.strip_prefix("<!--") {
                    self.state = State::Comment;
                    return after;
                }
                if let Some(after) = rest.strip_prefix("</") {
                    if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                        self.state = State::TagName {
                            name: String::new(),
                            closing: true,
                        };
                        return after;
                    }
                }
                if c == '<' && next.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    self.state = State::TagName {
                        name: String::new(),
                        closing: false,
                    };
                }
            }
            State::Comment => {
                if let Some(after) = rest.strip_prefix("-->") {
                    self.state = State::Text;
                    return after;
                }
            }
            State::RawText(tag) => {
                let end = rest.len() > tag.len() + 2
                    && rest.starts_with("</")
                    && rest
                        .get(2..tag.len() + 2)
                        .is_some_and(|t| t.eq_ignore_ascii_case(tag));
                if end {
                    self.state = State::TagName {
                        name: String::new(),
                        closing: true,
                    };
                    return text::slice(rest, 2..);
                }
            }
            State::TagName { name, closing } => match c {
                c if c.is_ascii_whitespace() || c == '/' || c == '>' => {
                    self.raw_next = if *closing {
                        None
                    } else {
                        RAW_TEXT.iter().copied().find(|t| t == name)
                    };
                    self.state = State::InTag;
                    if c == '>' {
                        self.end_tag();
                    }
                }
                c => name.push(c.to_ascii_lowercase()),
            },
            State::InTag => match c {
                '>' => self.end_tag(),
                c if c.is_ascii_whitespace() || c == '/' => {}
                c => self.state = State::AttrName(c.to_ascii_lowercase().to_string()),
            },
            State::AttrName(name) => match c {
                '=' => self.state = State::BeforeValue(std::mem::take(name)),
                '>' => self.end_tag(),
                '/' => self.state = State::InTag,
                c if c.is_ascii_whitespace() => self.state = State::AfterName(std::mem::take(name)),
                c => name.push(c.to_ascii_lowercase()),
            },
            State::AfterName(name) => match c {
                '=' => self.state = State::BeforeValue(std::mem::take(name)),
                '>' => self.end_tag(),
                '/' => self.state = State::InTag,
                c if c.is_ascii_whitespace() => {}
                c => self.state = State::AttrName(c.to_ascii_lowercase().to_string()),
            },
            State::BeforeValue(name) => match c {
                '"' | '\'' => {
                    let name = std::mem::take(name);
                    self.state = State::Value {
                        name,
                        quote: Some(c),
                        at_start: true,
                    };
                }
                '>' => self.end_tag(),
                c if c.is_ascii_whitespace() => {}
                _ => {
                    let name = std::mem::take(name);
                    self.state = State::Value {
                        name,
                        quote: None,
                        at_start: false,
                    };
                }
            },
            State::Value {
                quote, at_start, ..
            } => match *quote {
                Some(q) if c == q => self.state = State::InTag,
                None if c == '>' => self.end_tag(),
                None if c.is_ascii_whitespace() => self.state = State::InTag,
                _ => *at_start = false,
            },
        }
        next
    }

    fn end_tag(&mut self) {
        self.state = match self.raw_next.take() {
            Some(tag) => State::RawText(tag),
            None => State::Text,
        };
    }
}

/// True when a URL that starts with `value` is relative or uses http(s), mailto or tel, as a
/// browser reads it: it drops tabs and newlines anywhere and controls and spaces in front.
pub(super) fn safe_url_start(value: &str) -> bool {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = cleaned.trim_start_matches(|c: char| c <= ' ');
    match url.split_once([':', '/', '?', '#']) {
        Some((scheme, _)) if url.as_bytes().get(scheme.len()) == Some(&b':') => {
            let scheme = scheme.to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slot of a placeholder after `before`.
    fn slot(before: &str) -> Result<Slot, PlacementError> {
        let mut s = Scanner::default();
        s.feed(before);
        s.placeholder()
    }

    #[test]
    fn text_and_quoted_values_are_text() {
        assert_eq!(slot("Hello "), Ok(Slot::Text));
        assert_eq!(slot("<p class=\"x\">Hi "), Ok(Slot::Text));
        assert_eq!(slot("<img alt=\""), Ok(Slot::Text));
        assert_eq!(slot("<a title='"), Ok(Slot::Text));
        assert_eq!(slot("<a href=\"/search?q="), Ok(Slot::Text));
        assert_eq!(slot("<!-- <a href=\""), Ok(Slot::Text));
        assert_eq!(slot("<script>x</script><b>"), Ok(Slot::Text));
        assert_eq!(slot("2 < 3 and <b>"), Ok(Slot::Text));
    }

    #[test]
    fn a_value_that_starts_a_url_is_checked() {
        assert_eq!(slot("<a href=\""), Ok(Slot::UrlStart));
        assert_eq!(slot("<A HREF = '"), Ok(Slot::UrlStart));
        assert_eq!(slot("<img alt=\"\" src=\""), Ok(Slot::UrlStart));
        assert_eq!(slot("<form action=\""), Ok(Slot::UrlStart));
        let mut s = Scanner::default();
        s.feed("<a href=\"");
        assert_eq!(s.placeholder(), Ok(Slot::UrlStart));
        assert_eq!(
            s.placeholder(),
            Ok(Slot::UrlStart),
            "{{a}}{{b}}: b may start it too"
        );
        s.feed("/x");
        assert_eq!(s.placeholder(), Ok(Slot::Text));
    }

    #[test]
    fn code_and_tag_positions_are_refused() {
        for before in [
            "<script>var n = \"",
            "<style>body{}</style><SCRIPT type=module>",
            "<style>.a{content:\"",
            "<button onclick=\"go('",
            "<iframe srcdoc=\"",
            "<a ",
            "<a href=\"x\" ",
            "<a href=",
            "<a href=x",
            "<div data-x ",
            "<",
        ] {
            let s = slot(before);
            if before == "<" {
                assert_eq!(s, Ok(Slot::Text), "a lone < is text");
            } else {
                assert!(s.is_err(), "{before:?} gave {s:?}");
            }
        }
        assert!(slot("<script>")
            .unwrap_err()
            .to_string()
            .contains("<script>"));
        assert!(slot("<a onclick=\"")
            .unwrap_err()
            .to_string()
            .contains("onclick"));
        assert!(slot("<a href=").unwrap_err().to_string().contains("quotes"));
    }

    #[test]
    fn url_schemes() {
        for ok in [
            "/products/x",
            "products/x",
            "?q=1",
            "#top",
            "https://example.com",
            "HTTP://x",
            "mailto:a@b.c",
            "tel:+1",
            "",
            "//cdn.example.com/x",
            "a/b:c",
        ] {
            assert!(safe_url_start(ok), "{ok:?}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:x",
            "java\tscript:x",
            "java\nscript:x",
            "data:text/html,<script>",
            "vbscript:x",
            "blob:x",
        ] {
            assert!(!safe_url_start(bad), "{bad:?}");
        }
    }
}
