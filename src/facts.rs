//! Facts: the named values conditions test and templates render (`request.path`,
//! `profile.cart.items`, `signals.restock.product_ids`, ...). Paths are checked and compiled
//! once, with the config, into [`Fact`]; evaluation reads them from a [`Ctx`].

use crate::catalog::{Catalog, Product};
use crate::config::check::unknown;
use crate::config::Config;
use crate::events::Event;
use crate::intent::IntentNow;
use crate::profile::Profile;
use crate::request::RequestFacts;
use crate::time::{Millis, DAY, MINUTE};
use crate::timezone::WEEKDAYS;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;

/// Which fact roots a place of the config may use.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub request: bool,
    pub session: bool,
    pub profile: bool,
    pub signals: bool,
    pub event: bool,
    pub item: bool,
}

impl Scope {
    /// Segments, offer conditions and offer templates.
    pub const DECISION: Scope = Scope {
        request: true,
        session: true,
        profile: true,
        signals: true,
        event: false,
        item: false,
    };
    /// The recommendation item template.
    pub const ITEM: Scope = Scope {
        item: true,
        ..Scope::DECISION
    };
    /// An intent signal's `where`: the event being scored and the profile before it.
    pub const SIGNAL_WHERE: Scope = Scope {
        request: false,
        session: false,
        profile: true,
        signals: false,
        event: true,
        item: false,
    };
    /// `track` props.
    pub const REQUEST_ONLY: Scope = Scope {
        request: true,
        session: false,
        profile: false,
        signals: false,
        event: false,
        item: false,
    };
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Request(RequestFact),
    Session(SessionFact),
    Profile(ProfileFact),
    /// A path inside the site-wide signals (`signals.<name>.<field>...`).
    Signal(Vec<String>),
    /// `event.type`, `event.id`, or a path inside the event's props.
    Event(Vec<String>),
    /// A path inside a catalog product (`item.name`).
    Item(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestFact {
    Path,
    Url,
    Host,
    Query(String),
    Utm(String),
    Referrer,
    Country,
    Region,
    Device,
    Hour,
    Weekday,
    Language,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SessionFact {
    Tier,
    Score,
    PageViews,
    Events,
    TopCategory,
    Minutes,
    LandingPath,
    Referrer,
    Utm(String),
    IsFirst,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProfileFact {
    Id,
    Visits,
    PageViews,
    Orders,
    Orders365d,
    DaysSinceLastOrder,
    DaysSinceFirstVisit,
    LifetimeSpend,
    AvgOrderValue,
    TopCategory,
    TopCategories,
    ViewedProducts,
    PurchasedProducts,
    CartItems,
    CartValue,
    CartIdleMinutes,
    CartProducts,
    Traits(Vec<String>),
    Experiment(String),
}

const REQUEST_FACTS: &[&str] = &[
    "request.path",
    "request.url",
    "request.host",
    "request.query.*",
    "request.utm.*",
    "request.referrer",
    "request.country",
    "request.region",
    "request.device",
    "request.hour",
    "request.weekday",
    "request.language",
];
const SESSION_FACTS: &[&str] = &[
    "session.tier",
    "session.score",
    "session.page_views",
    "session.events",
    "session.top_category",
    "session.minutes",
    "session.landing_path",
    "session.referrer",
    "session.utm.*",
    "session.is_first",
];
const PROFILE_FACTS: &[&str] = &[
    "profile.id",
    "profile.visits",
    "profile.page_views",
    "profile.orders",
    "profile.orders_365d",
    "profile.days_since_last_order",
    "profile.days_since_first_visit",
    "profile.lifetime_spend",
    "profile.avg_order_value",
    "profile.top_category",
    "profile.top_categories",
    "profile.viewed_products",
    "profile.purchased_products",
    "profile.cart.items",
    "profile.cart.value",
    "profile.cart.idle_minutes",
    "profile.cart.products",
    "profile.traits.*",
    "profile.experiments.*",
];

/// What is wrong with a fact's path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    /// `profile..visits`.
    #[error("invalid fact \"{0}\": empty name between dots")]
    EmptyName(String),
    /// A root this place of the config cannot use (`event.*` in an offer's condition).
    #[error("fact \"{path}\" is available {place}; here you can use {}", .allowed.join(", "))]
    NotHere {
        /// The path as written.
        path: String,
        /// Where the root may be used.
        place: &'static str,
        /// The roots this place may use, as `request.*`.
        allowed: Vec<&'static str>,
    },
    /// No such fact; `expected` lists those that would be (for a suggestion).
    #[error("{}", unknown("fact", .path, .expected))]
    Unknown {
        /// The path as written.
        path: String,
        /// The facts (or roots) there are.
        expected: Vec<&'static str>,
    },
    /// A root without a name after it (`signals`).
    #[error("fact \"{path}\" needs a name after \"{root}.\"")]
    NoName {
        /// The path as written.
        path: String,
        /// Its root.
        root: String,
    },
}

fn rest(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

impl Fact {
    /// Compiles a dotted path, or says what is wrong with it.
    pub fn parse(path: &str, scope: Scope) -> Result<Fact, FactError> {
        let parts: Vec<&str> = path.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(FactError::EmptyName(path.to_string()));
        }
        // Each root, its `root.*` for messages, and whether this place may use it.
        let roots = [
            ("request", "request.*", scope.request),
            ("session", "session.*", scope.session),
            ("profile", "profile.*", scope.profile),
            ("signals", "signals.*", scope.signals),
            ("event", "event.*", scope.event),
            ("item", "item.*", scope.item),
        ];
        let usable = || -> Vec<&'static str> {
            roots
                .iter()
                .filter(|(_, _, ok)| *ok)
                .map(|(_, all, _)| *all)
                .collect()
        };
        let root = parts[0];
        match roots.iter().find(|(r, _, _)| *r == root) {
            None => {
                return Err(FactError::Unknown {
                    path: path.to_string(),
                    expected: usable(),
                })
            }
            Some((_, _, false)) => {
                return Err(FactError::NotHere {
                    path: path.to_string(),
                    place: match root {
                        "event" => "only in an intent signal's \"where\"",
                        "item" => "only in recommendations.item_template",
                        _ => "not here",
                    },
                    allowed: usable(),
                })
            }
            Some(_) => {}
        }
        let unknown = |expected: &[&'static str]| FactError::Unknown {
            path: path.to_string(),
            expected: expected.to_vec(),
        };
        let tail = &parts[1..];
        let fact = match root {
            "request" => Fact::Request(match tail {
                ["path"] => RequestFact::Path,
                ["url"] => RequestFact::Url,
                ["host"] => RequestFact::Host,
                ["query", name] => RequestFact::Query(name.to_string()),
                ["utm", name] => RequestFact::Utm(name.to_string()),
                ["referrer"] => RequestFact::Referrer,
                ["country"] => RequestFact::Country,
                ["region"] => RequestFact::Region,
                ["device"] => RequestFact::Device,
                ["hour"] => RequestFact::Hour,
                ["weekday"] => RequestFact::Weekday,
                ["language"] => RequestFact::Language,
                _ => return Err(unknown(REQUEST_FACTS)),
            }),
            "session" => Fact::Session(match tail {
                ["tier"] => SessionFact::Tier,
                ["score"] => SessionFact::Score,
                ["page_views"] => SessionFact::PageViews,
                ["events"] => SessionFact::Events,
                ["top_category"] => SessionFact::TopCategory,
                ["minutes"] => SessionFact::Minutes,
                ["landing_path"] => SessionFact::LandingPath,
                ["referrer"] => SessionFact::Referrer,
                ["utm", name] => SessionFact::Utm(name.to_string()),
                ["is_first"] => SessionFact::IsFirst,
                _ => return Err(unknown(SESSION_FACTS)),
            }),
            "profile" => Fact::Profile(match tail {
                ["id"] => ProfileFact::Id,
                ["visits"] => ProfileFact::Visits,
                ["page_views"] => ProfileFact::PageViews,
                ["orders"] => ProfileFact::Orders,
                ["orders_365d"] => ProfileFact::Orders365d,
                ["days_since_last_order"] => ProfileFact::DaysSinceLastOrder,
                ["days_since_first_visit"] => ProfileFact::DaysSinceFirstVisit,
                ["lifetime_spend"] => ProfileFact::LifetimeSpend,
                ["avg_order_value"] => ProfileFact::AvgOrderValue,
                ["top_category"] => ProfileFact::TopCategory,
                ["top_categories"] => ProfileFact::TopCategories,
                ["viewed_products"] => ProfileFact::ViewedProducts,
                ["purchased_products"] => ProfileFact::PurchasedProducts,
                ["cart", "items"] => ProfileFact::CartItems,
                ["cart", "value"] => ProfileFact::CartValue,
                ["cart", "idle_minutes"] => ProfileFact::CartIdleMinutes,
                ["cart", "products"] => ProfileFact::CartProducts,
                ["traits", t @ ..] if !t.is_empty() => ProfileFact::Traits(rest(t)),
                ["experiments", x] => ProfileFact::Experiment(x.to_string()),
                _ => return Err(unknown(PROFILE_FACTS)),
            }),
            "signals" if !tail.is_empty() => Fact::Signal(rest(tail)),
            "event" if !tail.is_empty() => Fact::Event(rest(tail)),
            "item" if !tail.is_empty() => Fact::Item(rest(tail)),
            _ => {
                return Err(FactError::NoName {
                    path: path.to_string(),
                    root: root.to_string(),
                })
            }
        };
        Ok(fact)
    }

    /// A request fact's value as JSON (for `track` props).
    pub fn request_value(&self, req: &RequestFacts) -> Option<Value> {
        match self {
            Fact::Request(rf) => request_fact(rf, req).to_json(),
            _ => None,
        }
    }
}

/// A fact's value during evaluation; borrows from the profile, request or config.
#[derive(Clone, Debug, PartialEq)]
pub enum Val<'a> {
    Missing,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    List(Vec<Val<'a>>),
    Obj(&'a Map<String, Value>),
}

impl<'a> Val<'a> {
    pub fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            Value::Object(o) => Val::Obj(o),
        }
    }

    /// An owned copy of a config literal (objects are not literals, so they become missing).
    pub fn literal(v: &Value) -> Val<'static> {
        match v {
            Value::Null | Value::Object(_) => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(Cow::Owned(s.clone())),
            Value::Array(a) => Val::List(a.iter().map(Val::literal).collect()),
        }
    }

    fn opt_str(s: Option<&'a str>) -> Val<'a> {
        s.map_or(Val::Missing, |s| Val::Str(Cow::Borrowed(s)))
    }

    fn opt_num(n: Option<f64>) -> Val<'a> {
        n.map_or(Val::Missing, Val::Num)
    }

    /// Present and not empty (an empty list or string counts as absent).
    pub fn exists(&self) -> bool {
        match self {
            Val::Missing => false,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Obj(o) => !o.is_empty(),
            _ => true,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => parse_number(s.trim()).filter(|n| n.is_finite()),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            Val::Missing => return None,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Val::Str(s) => Value::String(s.to_string()),
            Val::List(l) => Value::Array(l.iter().filter_map(Val::to_json).collect()),
            Val::Obj(o) => Value::Object((*o).clone()),
        })
    }

    /// How a value reads in an explanation.
    pub fn describe(&self) -> String {
        match self {
            Val::Missing => "not set".into(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => format_number(*n),
            Val::Str(s) => format!("\"{s}\""),
            Val::List(l) if l.is_empty() => "empty".into(),
            Val::List(l) => {
                let shown: Vec<String> = l.iter().take(5).map(Val::describe).collect();
                let more = if l.len() > 5 { ", …" } else { "" };
                format!("[{}{more}]", shown.join(", "))
            }
            Val::Obj(_) => "an object".into(),
        }
    }
}

/// Whole numbers without a decimal point; others with up to 2 decimals, trailing zeros cut.
/// A number written as text, with the grammar of Rust's `f64::from_str` (`+1`, `.5`, `5.`,
/// `007`, `1e3`, `inf`, `NaN`), read by the JSON reader's number parser: the same value as
/// the same digits in JSON, and core's own float parser (about 15 KB with its tables) stays
/// out of the browser's wasm.
pub fn parse_number(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let signed = |n: f64| if neg { -n } else { n };
    for (name, n) in [
        ("inf", f64::INFINITY),
        ("infinity", f64::INFINITY),
        ("nan", f64::NAN),
    ] {
        if body.eq_ignore_ascii_case(name) {
            return Some(signed(n));
        }
    }
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    // In JSON: no leading zeros, digits on both sides of the point, a signed exponent.
    let mut json = String::with_capacity(s.len() + 3);
    json.push_str(if neg { "-" } else { "" });
    let int = int.trim_start_matches('0');
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(e) = exp {
        let e_digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e_digits.is_empty() || !digits(e_digits) {
            return None;
        }
        json.push('e');
        json.push_str(e);
    }
    match serde_json::from_slice(json.as_bytes()) {
        Ok(Value::Number(n)) => n.as_f64(),
        // Valid digits the JSON reader refuses are out of range: infinite, as Rust reads them.
        _ => Some(signed(f64::INFINITY)),
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = fixed_2(n);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `format!("{n:.2}")`, digit for digit: the exact binary value rounded half to even at two
/// decimals. By hand because core's float formatting is about 20 KB of the browser's wasm and
/// every other number there is an integer or goes through the JSON writer.
fn fixed_2(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    let sign = if n.is_sign_negative() { "-" } else { "" };
    if n.is_infinite() {
        return format!("{sign}inf");
    }
    // n = mant * 2^exp, exactly.
    let bits = n.abs().to_bits();
    let biased = (bits >> 52) as i32;
    let frac_bits = bits & ((1 << 52) - 1);
    let (mant, exp) = if biased == 0 {
        (frac_bits, -1074)
    } else {
        (frac_bits | (1 << 52), biased - 1075)
    };
    if exp >= 0 {
        return format!("{sign}{}.00", whole_digits(mant, exp as u32));
    }
    // Hundredths: mant * 100 / 2^k, rounded half to even (mant * 100 < 2^60: u64 is exact,
    // and no u128 formatting in the wasm).
    let k = (-exp) as u32;
    let hundredths = if k >= 64 {
        0 // below 2^60 / 2^64 of a hundredth: under a half
    } else {
        let x = mant * 100;
        let (q, r, half) = (x >> k, x & ((1 << k) - 1), 1u64 << (k - 1));
        q + u64::from(r > half || (r == half && q & 1 == 1))
    };
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The decimal digits of `mant * 2^exp` (any f64 magnitude), in base-10^9 limbs.
/// The digits of a whole number held in an f64 of at least 2^53 (exactly, not rounded).
pub(crate) fn integer_text(x: f64) -> String {
    let bits = x.to_bits();
    let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    whole_digits(mant, ((bits >> 52) & 0x7ff) as u32 - 1075)
}

fn whole_digits(mant: u64, exp: u32) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs = vec![mant % BASE, mant / BASE % BASE, mant / BASE / BASE];
    for _ in 0..exp {
        let mut carry = 0;
        for l in limbs.iter_mut() {
            let v = *l * 2 + carry;
            *l = v % BASE;
            carry = v / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = limbs.last().map_or(String::new(), u64::to_string);
    for l in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{l:09}"));
    }
    out
}

fn request_fact<'a>(rf: &RequestFact, r: &'a RequestFacts) -> Val<'a> {
    match rf {
        RequestFact::Path => Val::Str(Cow::Borrowed(&r.path)),
        RequestFact::Url => Val::Str(Cow::Borrowed(&r.url)),
        RequestFact::Host => Val::opt_str(Some(r.host.as_str()).filter(|h| !h.is_empty())),
        RequestFact::Query(q) => Val::opt_str(r.query_param(q)),
        RequestFact::Utm(u) => Val::opt_str(r.utm_param(u)),
        RequestFact::Referrer => Val::opt_str(r.referrer.as_deref()),
        RequestFact::Country => Val::opt_str(r.country.as_deref()),
        RequestFact::Region => Val::opt_str(r.region.as_deref()),
        RequestFact::Device => Val::Str(Cow::Borrowed(r.device.as_str())),
        RequestFact::Hour => Val::Num(r.hour as f64),
        RequestFact::Weekday => Val::Str(Cow::Borrowed(WEEKDAYS[r.weekday as usize % 7])),
        RequestFact::Language => Val::opt_str(r.language.as_deref()),
    }
}

fn json_path<'a>(root: Option<&'a Value>, path: &[String]) -> Val<'a> {
    let mut v = match root {
        Some(v) => v,
        None => return Val::Missing,
    };
    for k in path {
        v = match v.get(k.as_str()) {
            Some(x) => x,
            None => return Val::Missing,
        };
    }
    Val::from_json(v)
}

fn map_path<'a>(m: &'a Map<String, Value>, path: &[String]) -> Val<'a> {
    match path.split_first() {
        None => Val::Obj(m),
        Some((first, rest)) => json_path(m.get(first.as_str()), rest),
    }
}

/// Everything a condition or template may read, for one evaluation.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub catalog: &'a Catalog,
    pub profile: &'a Profile,
    pub now: Millis,
    pub request: Option<&'a RequestFacts>,
    pub signals: Option<&'a Map<String, Value>>,
    pub event: Option<&'a Event>,
    pub item: Option<&'a Product>,
    pub intent: Option<&'a IntentNow>,
    /// Segment results, computed at most once per evaluation: 0 unknown, 1 no, 2 yes.
    pub segments: Vec<Cell<u8>>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        config: &'a Config,
        catalog: &'a Catalog,
        profile: &'a Profile,
        now: Millis,
    ) -> Ctx<'a> {
        Ctx {
            config,
            catalog,
            profile,
            now,
            request: None,
            signals: None,
            event: None,
            item: None,
            intent: None,
            segments: vec![Cell::new(0); config.segments.len()],
        }
    }

    /// Whether segment `i` matches (memoized).
    pub fn segment(&self, i: usize) -> bool {
        match self.segments[i].get() {
            1 => false,
            2 => true,
            _ => {
                let r = self.config.segments[i].cond.eval(self);
                self.segments[i].set(if r { 2 } else { 1 });
                r
            }
        }
    }

    pub fn get(&self, fact: &'a Fact) -> Val<'a> {
        let p = self.profile;
        match fact {
            Fact::Request(rf) => match self.request {
                Some(r) => request_fact(rf, r),
                None => Val::Missing,
            },
            Fact::Session(sf) => match sf {
                SessionFact::Tier => Val::opt_str(self.intent.and_then(|i| i.tier_name.as_deref())),
                SessionFact::Score => Val::opt_num(self.intent.map(|i| i.score)),
                SessionFact::PageViews => Val::Num(p.session.page_views as f64),
                SessionFact::Events => Val::Num(p.session.events as f64),
                SessionFact::TopCategory => Val::opt_str(p.session_top_category()),
                SessionFact::Minutes => {
                    Val::Num(((self.now - p.session.started).max(0) / MINUTE) as f64)
                }
                SessionFact::LandingPath => {
                    Val::opt_str(Some(p.session.landing_path.as_str()).filter(|s| !s.is_empty()))
                }
                SessionFact::Referrer => {
                    Val::opt_str(Some(p.session.referrer.as_str()).filter(|s| !s.is_empty()))
                }
                SessionFact::Utm(u) => Val::opt_str(
                    p.session
                        .utm
                        .iter()
                        .find(|(k, _)| k == u)
                        .map(|(_, v)| v.as_str()),
                ),
                SessionFact::IsFirst => Val::Bool(p.visits <= 1),
            },
            Fact::Profile(pf) => self.profile_fact(pf),
            Fact::Signal(path) => match self.signals {
                Some(s) => map_path(s, path),
                None => Val::Missing,
            },
            Fact::Event(path) => match self.event {
                None => Val::Missing,
                Some(e) => match path.as_slice() {
                    [t] if t == "type" => Val::Str(Cow::Borrowed(&e.kind)),
                    [t] if t == "id" => Val::opt_str(e.id.as_deref()),
                    _ => e.lookup(path).map_or(Val::Missing, Val::from_json),
                },
            },
            Fact::Item(path) => match self.item {
                Some(item) => map_path(&item.fields, path),
                None => Val::Missing,
            },
        }
    }

    fn profile_fact(&self, pf: &'a ProfileFact) -> Val<'a> {
        let p = self.profile;
        let now = self.now;
        let strs = |it: &mut dyn Iterator<Item = &'a str>| -> Val<'a> {
            Val::List(it.map(|s| Val::Str(Cow::Borrowed(s))).collect())
        };
        match pf {
            ProfileFact::Id => Val::Str(Cow::Borrowed(&p.id)),
            ProfileFact::Visits => Val::Num(p.visits as f64),
            ProfileFact::PageViews => Val::Num(p.page_views as f64),
            ProfileFact::Orders => Val::Num(p.orders.count as f64),
            ProfileFact::Orders365d => Val::Num(p.orders_within(365 * DAY, now) as f64),
            ProfileFact::DaysSinceLastOrder => {
                Val::opt_num(p.days_since_last_order(now).map(|d| d as f64))
            }
            ProfileFact::DaysSinceFirstVisit => {
                if p.created == 0 {
                    Val::Missing
                } else {
                    Val::Num(((now - p.created).max(0) / DAY) as f64)
                }
            }
            ProfileFact::LifetimeSpend => Val::Num(p.orders.spend),
            ProfileFact::AvgOrderValue => {
                if p.orders.count == 0 {
                    Val::Missing
                } else {
                    Val::Num(p.orders.spend / p.orders.count as f64)
                }
            }
            ProfileFact::TopCategory => {
                let hl = self.config.recommendations.affinity_half_life;
                Val::opt_str(p.top_categories(hl, now).first().map(|c| c.0))
            }
            ProfileFact::TopCategories => {
                let hl = self.config.recommendations.affinity_half_life;
                strs(&mut p.top_categories(hl, now).into_iter().map(|c| c.0))
            }
            ProfileFact::ViewedProducts => strs(&mut p.viewed.iter().map(|v| v.product.as_str())),
            ProfileFact::PurchasedProducts => {
                strs(&mut p.purchased.iter().map(|v| v.product.as_str()))
            }
            ProfileFact::CartItems => Val::Num(p.cart_items() as f64),
            ProfileFact::CartValue => Val::Num(p.cart_value()),
            ProfileFact::CartIdleMinutes => {
                if p.cart.lines.is_empty() {
                    Val::Missing
                } else {
                    Val::Num(((now - p.cart.changed).max(0) / MINUTE) as f64)
                }
            }
            ProfileFact::CartProducts => strs(&mut p.cart.lines.iter().map(|l| l.product.as_str())),
            ProfileFact::Traits(path) => map_path(&p.traits, path),
            ProfileFact::Experiment(x) => Val::opt_str(
                p.exposures
                    .iter()
                    .find(|e| &e.experiment == x)
                    .map(|e| e.variant.as_str()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_paths() {
        assert_eq!(
            Fact::parse("profile.cart.items", Scope::DECISION).unwrap(),
            Fact::Profile(ProfileFact::CartItems)
        );
        assert_eq!(
            Fact::parse("request.utm.source", Scope::DECISION).unwrap(),
            Fact::Request(RequestFact::Utm("source".into()))
        );
        assert_eq!(
            Fact::parse("signals.restock.product_ids", Scope::DECISION).unwrap(),
            Fact::Signal(vec!["restock".into(), "product_ids".into()])
        );
    }

    #[test]
    fn explains_unknown_paths() {
        let e = Fact::parse("profile.vists", Scope::DECISION)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("unknown fact \"profile.vists\" (did you mean \"profile.visits\"?)"),
            "{e}"
        );
        let e = Fact::parse("event.utm.source", Scope::DECISION)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only in an intent signal's \"where\""), "{e}");
        let e = Fact::parse("visitor.name", Scope::DECISION)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected one of request.*"), "{e}");
        assert!(Fact::parse("profile..x", Scope::DECISION).is_err());
        assert!(Fact::parse("signals", Scope::DECISION).is_err());
    }

    #[test]
    fn two_decimals_match_the_standard_library_exactly() {
        let mut samples = vec![
            0.125,
            0.375,
            0.005,
            1.005,
            0.015,
            -0.001,
            -0.125,
            2.5,
            1e15 + 0.5,
            1e20,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-320,
            123.456,
            -987.655,
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4503599627370495.5,
            9007199254740993.0,
        ];
        // Plus every kind of bit pattern (a fixed LCG), and prices with a few cents.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            samples.push(f64::from_bits(x));
            samples.push(f64::from(i) / 8.0 - 1000.0);
            samples.push(f64::from(i) * 0.01 + f64::from(i % 7) * 0.005);
        }
        for n in samples {
            assert_eq!(fixed_2(n), format!("{n:.2}"), "{n:e}");
        }
    }

    #[test]
    fn numbers_in_text_read_as_rust_reads_them() {
        // The grammar is Rust's: the same strings are numbers, with the same values.
        let odd = [
            "0",
            "-0",
            "+1",
            ".5",
            "5.",
            "-.5",
            "007",
            "1e3",
            "1E-3",
            "2.5e+2",
            "1_000",
            "1,5",
            ".",
            "-",
            "+",
            "",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "0x10",
            " 1",
            "inf",
            "-Infinity",
            "NaN",
            "nan",
            "infinite",
            "1e400",
            "-1e400",
            "1e-400",
            "12345678901234567890123",
            "00.000",
            "1.5h",
            "--1",
            "+-1",
        ];
        for s in odd {
            let want = s.parse::<f64>().ok();
            let got = parse_number(s);
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "{s:?}: {got:?}"
            );
        }
        // Prices, counts and short decimals (up to 15 significant digits) read exactly as
        // Rust reads them; every number reads as the same digits do in JSON.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let cents = format!("{}.{:02}", i * 7 % 100_000, x % 100);
            let short = format!("{}e{}", x % 1_000_000_000_000_000, (x >> 60) as i32 - 8);
            for s in [cents, short, (x >> 11).to_string(), i.to_string()] {
                assert_eq!(parse_number(&s), s.parse::<f64>().ok(), "{s}");
            }
            let any = f64::from_bits(x ^ (x >> 17));
            if any.is_finite() {
                let text = any.to_string();
                let json: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(parse_number(&text), json.as_f64(), "{text}");
            }
        }
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.33");
        assert!(!Val::List(vec![]).exists());
        assert!(!Val::Str(Cow::Borrowed("")).exists());
        assert!(Val::Num(0.0).exists());
    }
}
