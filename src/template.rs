//! Templates: `{{path}}` placeholders with `default` and `money` filters. Placeholders always
//! render HTML-escaped; the marketer's markup around them is kept as written. Where escaping
//! is not enough (code, a URL's start), see the `context` module (src/template/context.rs).

mod context;

use crate::config::check::unknown;
use crate::facts::{format_number, Ctx, Fact, FactError, Scope, Val};
use crate::text;
pub use context::PlacementError;
use context::{safe_url_start, Scanner, Slot};

/// A compiled template: literal text and placeholders, each with its filters.
#[derive(Clone, Debug)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    Lit(String),
    Expr {
        fact: Fact,
        filters: Vec<Filter>,
        slot: Slot,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Filter {
    /// Used when the value is missing, null or empty.
    Default(String),
    /// A number as a price in the catalog's currency.
    Money,
}

const FILTERS: &[&str] = &["default", "money"];

crate::snapshot::snap_struct!(Template { parts });
crate::snapshot::snap_enum!(Part {
    0 => Lit(text),
    1 => Expr { fact, filters, slot },
});
crate::snapshot::snap_enum!(Filter {
    0 => Default(text),
    1 => Money,
});
crate::snapshot::snap_enum!(Slot {
    0 => Text,
    1 => UrlStart,
});

/// What is wrong with a template; positions count characters from its start.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` with no `}}` after it (or another `{{` before it).
    #[error("unclosed \"{{{{\" at character {0}")]
    Unclosed(usize),
    /// `}}` with no `{{` before it.
    #[error("\"}}}}\" without \"{{{{\" at character {0}")]
    Unopened(usize),
    /// A placeholder where the visitor's value could run as code.
    #[error("{problem} (at character {at})")]
    Placement {
        /// Why it may not stand there.
        problem: PlacementError,
        /// Where it starts.
        at: usize,
    },
    /// `{{}}`.
    #[error("empty placeholder \"{{{{}}}}\"")]
    Empty,
    /// The placeholder's fact.
    #[error(transparent)]
    Fact(#[from] FactError),
    /// `default` without its value.
    #[error("the default filter needs a value: default: \"text\"")]
    DefaultWithoutValue,
    /// `money: ...`.
    #[error("the money filter takes no argument")]
    MoneyWithArgument,
    /// A filter other than `default` and `money`.
    #[error("{}", unknown("filter", .0, FILTERS))]
    UnknownFilter(String),
    /// A quoted filter value without its closing quote.
    #[error("unterminated string {0}")]
    UnterminatedString(String),
    /// A filter value neither quoted nor a number.
    #[error("a filter value is a quoted string or a number, found {0}")]
    BadFilterValue(String),
}

impl Template {
    /// Compiles a template for a place of the config (`scope` says which facts it may read).
    pub fn compile(src: &str, scope: Scope) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = src;
        let mut offset = 0;
        let mut markup = Scanner::default();
        while let Some((lit, after)) = text::split_once(rest, "{{") {
            if !lit.is_empty() {
                markup.feed(lit);
                parts.push(Part::Lit(lit.to_string()));
            }
            let at = offset + lit.len();
            let (inner, next) = text::split_once(after, "}}").ok_or(TemplateError::Unclosed(at))?;
            if text::contains(inner, "{{") {
                return Err(TemplateError::Unclosed(at));
            }
            let slot = markup
                .placeholder()
                .map_err(|problem| TemplateError::Placement { problem, at })?;
            let (fact, filters) = parse_expr(inner, scope)?;
            parts.push(Part::Expr {
                fact,
                filters,
                slot,
            });
            offset += lit.len() + 2 + inner.len() + 2;
            rest = next;
        }
        if let Some(i) = text::find(rest, "}}") {
            return Err(TemplateError::Unopened(offset + i));
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// Renders into `out`: placeholders' values HTML-escaped (URLs checked where a URL starts).
    pub fn render(&self, ctx: &Ctx, currency: &str, out: &mut String) {
        let mut i = 0;
        while i < self.parts.len() {
            match &self.parts[i] {
                Part::Lit(s) => out.push_str(s),
                Part::Expr {
                    fact,
                    filters,
                    slot: Slot::Text,
                } => render_value(ctx.get(fact), filters, currency, true, out),
                Part::Expr {
                    slot: Slot::UrlStart,
                    ..
                } => {
                    // The placeholders that start the URL, checked as one value (`{{a}}{{b}}`
                    // must not spell `javascript:` between them); an unsafe one becomes "#".
                    let run = self.parts[i..]
                        .iter()
                        .take_while(|p| {
                            matches!(
                                p,
                                Part::Expr {
                                    slot: Slot::UrlStart,
                                    ..
                                }
                            )
                        })
                        .count();
                    let mut url = String::new();
                    for p in &self.parts[i..i + run] {
                        if let Part::Expr { fact, filters, .. } = p {
                            render_value(ctx.get(fact), filters, currency, false, &mut url);
                        }
                    }
                    if safe_url_start(&url) {
                        escape_into(&url, out);
                    } else {
                        out.push('#');
                    }
                    i += run;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Renders into a new string.
    pub fn render_string(&self, ctx: &Ctx, currency: &str) -> String {
        let mut s = String::new();
        self.render(ctx, currency, &mut s);
        s
    }

    /// True when the template has no placeholder (it renders the same for everyone).
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }
}

fn parse_expr(inner: &str, scope: Scope) -> Result<(Fact, Vec<Filter>), TemplateError> {
    let mut pieces = split_pipes(inner).into_iter();
    let path = pieces.next().unwrap_or_default();
    let path = path.trim();
    if path.is_empty() {
        return Err(TemplateError::Empty);
    }
    let fact = Fact::parse(path, scope)?;
    let mut filters = Vec::new();
    for f in pieces {
        let f = f.trim();
        let (name, arg) = match f.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (f, None),
        };
        match (name, arg) {
            ("default", Some(a)) => filters.push(Filter::Default(parse_arg(a)?)),
            ("default", None) => return Err(TemplateError::DefaultWithoutValue),
            ("money", None) => filters.push(Filter::Money),
            ("money", Some(_)) => return Err(TemplateError::MoneyWithArgument),
            (other, _) => return Err(TemplateError::UnknownFilter(other.to_string())),
        }
    }
    Ok((fact, filters))
}

/// Splits on `|` outside quotes.
fn split_pipes(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (None, '|') => out.push(String::new()),
            (None, '"' | '\'') => {
                quote = Some(c);
                out.last_mut().unwrap().push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.last_mut().unwrap().push(c);
            }
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn parse_arg(a: &str) -> Result<String, TemplateError> {
    for q in ['"', '\''] {
        if let Some(body) = a.strip_prefix(q) {
            return body
                .strip_suffix(q)
                .map(str::to_string)
                .ok_or_else(|| TemplateError::UnterminatedString(a.to_string()));
        }
    }
    if crate::facts::parse_number(a).is_some() {
        return Ok(a.to_string());
    }
    Err(TemplateError::BadFilterValue(a.to_string()))
}

/// Writes a placeholder's value, HTML-escaped when `escape`.
fn render_value(v: Val, filters: &[Filter], currency: &str, escape: bool, out: &mut String) {
    let mut text: Option<String> = None;
    let mut val = v;
    for f in filters {
        match f {
            Filter::Default(d) => {
                if !val.exists() {
                    val = Val::Str(std::borrow::Cow::Owned(d.clone()));
                }
            }
            Filter::Money => {
                if let Some(n) = val.as_num() {
                    text = Some(money(n, currency));
                    val = Val::Missing;
                }
            }
        }
    }
    match text {
        Some(t) => write_text(&t, escape, out),
        None => write_val(&val, escape, out),
    }
}

fn write_val(v: &Val, escape: bool, out: &mut String) {
    match v {
        Val::Missing | Val::Obj(_) => {}
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => out.push_str(&format_number(*n)),
        Val::Str(s) => write_text(s, escape, out),
        Val::List(l) => {
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_val(x, escape, out);
            }
        }
    }
}

fn write_text(s: &str, escape: bool, out: &mut String) {
    if escape {
        escape_into(s, out);
    } else {
        out.push_str(s);
    }
}

/// HTML-escapes `& < > " '`.
pub fn escape_into(s: &str, out: &mut String) {
    replace_chars(s, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    });
}

/// Copies `s` into `out` with each character that `rep` names replaced; the runs between are
/// copied whole (a char-by-char push was a visible part of a page's time in the Worker).
pub(crate) fn replace_chars(s: &str, out: &mut String, rep: impl Fn(char) -> Option<&'static str>) {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        if let Some(r) = rep(c) {
            out.push_str(text::slice(s, last..i));
            out.push_str(r);
            last = i + c.len_utf8();
        }
    }
    out.push_str(text::slice(s, last..));
}

/// HTML-escapes text (`&`, `<`, `>`, `"`, `'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(s, &mut out);
    out
}

/// A price: `$1,049.00`, `€12.50`, `¥1,200`, or `1,049.00 SEK` for codes without a symbol.
pub fn money(n: f64, currency: &str) -> String {
    let (symbol, decimals) = match currency {
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        "CNY" => ("¥", 2),
        "INR" => ("₹", 2),
        "KRW" => ("₩", 0),
        "CAD" => ("CA$", 2),
        "AUD" => ("A$", 2),
        "NZD" => ("NZ$", 2),
        "MXN" => ("MX$", 2),
        "BRL" => ("R$", 2),
        _ => ("", 2),
    };
    let neg = n < 0.0;
    let scale = 10f64.powi(decimals);
    let cents = (n.abs() * scale).round();
    // In u64 (NaN reads as 0); past 2^64 cents the exact digits of the whole number, saturated
    // at u128::MAX as the u128 arithmetic this replaces (whose formatting the wasm need not carry).
    let (digits, frac) = if cents.is_nan() || cents < 18_446_744_073_709_551_616.0 {
        let (cents, scale) = (cents as u64, scale as u64);
        ((cents / scale).to_string(), cents % scale)
    } else {
        let all = if cents >= 340_282_366_920_938_463_463_374_607_431_768_211_456.0 {
            "340282366920938463463374607431768211455".to_string() // u128::MAX
        } else {
            crate::facts::integer_text(cents)
        };
        let (whole, frac) = all
            .split_at_checked(all.len() - decimals as usize)
            .unwrap_or((&all, ""));
        (
            whole.to_string(),
            frac.bytes().fold(0, |n, d| n * 10 + u64::from(d - b'0')),
        )
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if decimals > 0 {
        grouped.push_str(&format!(".{:0width$}", frac, width = decimals as usize));
    }
    let sign = if neg { "-" } else { "" };
    if symbol.is_empty() {
        format!("{sign}{grouped} {currency}")
    } else {
        format!("{sign}{symbol}{grouped}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_matches_its_u128_form() {
        // The u128 arithmetic money() used before, as the reference for every magnitude.
        fn reference(n: f64, decimals: i32) -> (String, u128) {
            let scale = 10f64.powi(decimals);
            let cents = (n.abs() * scale).round() as u128;
            ((cents / scale as u128).to_string(), cents % scale as u128)
        }
        let mut samples = vec![
            0.0,
            0.004,
            0.005,
            19.99,
            1049.0,
            -12.5,
            f64::NAN,
            f64::INFINITY,
        ];
        let mut x: u64 = 99;
        for i in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            samples.push(f64::from_bits(x >> 1) % 1e42);
            samples.push(10f64.powi(i % 45) * (1.0 + (x >> 40) as f64 / 1e7));
        }
        for n in samples {
            for (currency, decimals) in [("USD", 2), ("JPY", 0)] {
                let (whole, frac) = reference(n, decimals);
                let got = money(n, currency);
                let digits: String = got.chars().filter(char::is_ascii_digit).collect();
                let want = if decimals > 0 {
                    format!("{whole}{frac:02}")
                } else {
                    whole
                };
                assert_eq!(digits, want, "{n:e} {currency}: {got}");
            }
        }
    }

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape("plain é"), "plain é");
    }

    #[test]
    fn money_formats() {
        assert_eq!(money(349.0, "USD"), "$349.00");
        assert_eq!(money(1049.5, "USD"), "$1,049.50");
        assert_eq!(money(1200.0, "JPY"), "¥1,200");
        assert_eq!(money(-5.0, "EUR"), "-€5.00");
        assert_eq!(money(1234567.891, "SEK"), "1,234,567.89 SEK");
    }

    #[test]
    fn compile_errors() {
        let s = Scope::DECISION;
        assert!(
            Template::compile("Hi {{profile.traits.first_name | default: \"you\"}}!", s).is_ok()
        );
        assert!(Template::compile("{{ request.region }}", s).is_ok());
        assert!(Template::compile("no placeholders", s).unwrap().is_static());
        assert!(Template::compile("{{profile.visits", s)
            .unwrap_err()
            .to_string()
            .contains("unclosed"));
        assert!(Template::compile("a }} b", s)
            .unwrap_err()
            .to_string()
            .contains("without"));
        assert!(Template::compile("{{}}", s)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(Template::compile("{{profile.vists}}", s)
            .unwrap_err()
            .to_string()
            .contains("did you mean"));
        assert!(Template::compile("{{profile.visits | upper}}", s)
            .unwrap_err()
            .to_string()
            .contains("unknown filter \"upper\""));
        assert!(Template::compile("{{profile.visits | default}}", s)
            .unwrap_err()
            .to_string()
            .contains("needs a value"));
        assert!(Template::compile("{{item.name}}", s)
            .unwrap_err()
            .to_string()
            .contains("item_template"));
        assert!(Template::compile("{{item.name}}", Scope::ITEM).is_ok());
        assert!(Template::compile("{{x | default: \"a|b\"}}", s)
            .unwrap_err()
            .to_string()
            .contains("unknown fact"));
    }

    #[test]
    fn default_and_list_rendering() {
        let mut out = String::new();
        render_value(
            Val::Missing,
            &[Filter::Default("explorer".into())],
            "USD",
            true,
            &mut out,
        );
        assert_eq!(out, "explorer");
        out.clear();
        render_value(Val::Num(349.0), &[Filter::Money], "USD", true, &mut out);
        assert_eq!(out, "$349.00");
        out.clear();
        render_value(
            Val::Missing,
            &[Filter::Default("0".into()), Filter::Money],
            "USD",
            true,
            &mut out,
        );
        assert_eq!(out, "$0.00");
        out.clear();
        let list = Val::List(vec![Val::Str("a<b".into()), Val::Num(2.0)]);
        render_value(list, &[], "USD", true, &mut out);
        assert_eq!(out, "a&lt;b, 2");
    }
}
