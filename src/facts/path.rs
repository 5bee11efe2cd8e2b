//! A fact's path (`profile.cart.items`) checked against the place of the config that uses it
//! and compiled into a [`Fact`].

use super::request_fact;
use crate::config::check::unknown;
use crate::request::RequestFacts;
use serde_json::Value;

/// Which fact roots a place of the config may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `request.*`.
    pub request: bool,
    /// `session.*`.
    pub session: bool,
    /// `profile.*`.
    pub profile: bool,
    /// `signals.*`.
    pub signals: bool,
    /// `event.*`.
    pub event: bool,
    /// `item.*`.
    pub item: bool,
}

impl Scope {
    /// Whether this scope may use `root`, one of [`ROOTS`].
    fn allows(self, root: &str) -> bool {
        match root {
            "request" => self.request,
            "session" => self.session,
            "profile" => self.profile,
            "signals" => self.signals,
            "event" => self.event,
            "item" => self.item,
            _ => false,
        }
    }

    /// The roots this scope may use, as `request.*` (for messages only).
    fn usable(self) -> Vec<String> {
        ROOTS
            .iter()
            .filter(|r| self.allows(r))
            .map(|r| format!("{r}.*"))
            .collect()
    }

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
    /// An action's `if`: what holds without a request, when a timer fires as much as on a
    /// page (the profile, its session and the site's signals).
    pub const ACTION: Scope = Scope {
        request: false,
        ..Scope::DECISION
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

/// A compiled fact path: its root and what it names under it.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    /// `request.*`: the page request.
    Request(RequestFact),
    /// `session.*`: the current session.
    Session(SessionFact),
    /// `profile.*`: the visitor's long-lived profile.
    Profile(ProfileFact),
    /// A path inside the site-wide signals (`signals.<name>.<field>...`).
    Signal(Vec<String>),
    /// `event.type`, `event.id`, or a path inside the event's props.
    Event(Vec<String>),
    /// A path inside a catalog product (`item.name`).
    Item(Vec<String>),
}

/// A fact of the request (`request.*`).
#[derive(Clone, Debug, PartialEq)]
pub enum RequestFact {
    /// `path`: the URL's path.
    Path,
    /// `url`: the whole URL.
    Url,
    /// `host`: the host name (missing when empty).
    Host,
    /// `query.<name>`: a query parameter.
    Query(String),
    /// `utm.<name>`: the `utm_<name>` query parameter.
    Utm(String),
    /// `referrer`: the Referer header.
    Referrer,
    /// `country`: ISO 3166-1 alpha-2 code.
    Country,
    /// `region`: ISO 3166-2 subdivision code.
    Region,
    /// `device`: `mobile`, `tablet` or `desktop`.
    Device,
    /// `hour`: 0 to 23 in the config's timezone.
    Hour,
    /// `weekday`: `monday`... in the config's timezone.
    Weekday,
    /// `language`: the primary language of Accept-Language, lower case (`en-us`).
    Language,
}

/// A fact of the current session (`session.*`).
#[derive(Clone, Debug, PartialEq)]
pub enum SessionFact {
    /// `tier`: the intent tier.
    Tier,
    /// `score`: the intent score.
    Score,
    /// `page_views`: pages viewed in the session.
    PageViews,
    /// `events`: events recorded in the session.
    Events,
    /// `top_category`: the category viewed most in the session.
    TopCategory,
    /// `minutes`: minutes since the session started.
    Minutes,
    /// `landing_path`: the session's first page.
    LandingPath,
    /// `referrer`: the landing page's referrer.
    Referrer,
    /// `utm.<name>`: a `utm_*` parameter of the landing page.
    Utm(String),
    /// `is_first`: whether this is the visitor's first session.
    IsFirst,
}

/// A fact of the visitor's profile (`profile.*`).
#[derive(Clone, Debug, PartialEq)]
pub enum ProfileFact {
    /// `id`: the visitor id.
    Id,
    /// `visits`: sessions so far.
    Visits,
    /// `page_views`: pages viewed, ever.
    PageViews,
    /// `orders`: orders placed.
    Orders,
    /// `orders_365d`: orders in the last 365 days.
    Orders365d,
    /// `days_since_last_order`: whole days (missing without an order).
    DaysSinceLastOrder,
    /// `days_since_first_visit`: whole days.
    DaysSinceFirstVisit,
    /// `lifetime_spend`: the orders' total value.
    LifetimeSpend,
    /// `avg_order_value`: spend per order.
    AvgOrderValue,
    /// `top_category`: the category with the strongest affinity.
    TopCategory,
    /// `top_categories`: categories by affinity, strongest first.
    TopCategories,
    /// `viewed_products`: product ids, most recent first.
    ViewedProducts,
    /// `purchased_products`: product ids, most recent first.
    PurchasedProducts,
    /// `cart.items`: units in the cart.
    CartItems,
    /// `cart.value`: the cart's value.
    CartValue,
    /// `cart.idle_minutes`: minutes since the cart last changed.
    CartIdleMinutes,
    /// `cart.products`: product ids in the cart.
    CartProducts,
    /// `traits.<name>...`: a trait from `identify`.
    Traits(Vec<String>),
    /// `experiments.<id>`: the variant the visitor saw.
    Experiment(String),
}

/// What a fact holds: which operators a test of it may use and which input its value takes
/// (the editor's condition builder reads both, through [`known_facts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactKind {
    /// A number (`profile.visits`).
    Number,
    /// A string (`request.path`).
    Text,
    /// true or false (`session.is_first`).
    Flag,
    /// A list of strings (`profile.cart.products`).
    List,
    /// Whatever the site puts there (`profile.traits.*`, `signals.*`).
    Any,
}

impl FactKind {
    /// Its name in the editor's JSON.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Number => "number",
            FactKind::Text => "string",
            FactKind::Flag => "boolean",
            FactKind::List => "list",
            FactKind::Any => "any",
        }
    }

    /// What it holds, in a message ("a number").
    pub fn article(self) -> &'static str {
        match self {
            FactKind::Number => "a number",
            FactKind::Text => "a string",
            FactKind::Flag => "true or false",
            FactKind::List => "a list",
            FactKind::Any => "any value",
        }
    }

    /// The operators that make sense for it (every one accepts the kind's values).
    pub fn ops(self) -> &'static [&'static str] {
        match self {
            FactKind::Number => &["eq", "ne", "gt", "gte", "lt", "lte", "in", "exists"],
            FactKind::Text => &["eq", "ne", "in", "contains", "starts_with", "exists"],
            FactKind::Flag => &["eq", "ne", "exists"],
            FactKind::List => &["contains", "intersects", "exists"],
            FactKind::Any => crate::conditions::OPS,
        }
    }
}

/// Every fact the core knows, with what it holds: the three fixed lists, then the roots that
/// take any name below them (`*` stands for a name the config chooses). What each holds is
/// [`Fact::kind`]'s answer.
pub fn known_facts() -> impl Iterator<Item = (&'static str, FactKind)> {
    const OPEN: &[&str] = &["signals.*", "event.type", "event.id", "event.*", "item.*"];
    let all = Scope {
        event: true,
        item: true,
        ..Scope::DECISION
    };
    [REQUEST_FACTS, SESSION_FACTS, PROFILE_FACTS, OPEN]
        .into_iter()
        .flatten()
        .filter_map(move |p| Some((*p, Fact::parse(&p.replace('*', "x"), all).ok()?.kind())))
}

/// The roots `scope` may use (the editor offers only their facts).
pub fn roots_of(scope: Scope) -> Vec<&'static str> {
    ROOTS.iter().copied().filter(|r| scope.allows(r)).collect()
}

/// The roots of fact paths.
const ROOTS: [&str; 6] = ["request", "session", "profile", "signals", "event", "item"];

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

/// What is wrong with a fact's path. The variants hold only what names the problem; the
/// lists a message shows are looked up when it is written, so a build without `messages`
/// carries none of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    /// `profile..visits`.
    #[error("invalid fact \"{0}\": empty name between dots")]
    EmptyName(String),
    /// A root this place of the config cannot use (`event.*` in an offer's condition).
    #[error("fact \"{path}\" is available {}; here you can use {}", place(root), .scope.usable().join(", "))]
    NotHere {
        /// The path as written.
        path: String,
        /// Its root.
        root: &'static str,
        /// What this place may use.
        scope: Scope,
    },
    /// No root of that name.
    #[error("{}", unknown("fact", .path, &strs(&.scope.usable())))]
    UnknownRoot {
        /// The path as written.
        path: String,
        /// What this place may use.
        scope: Scope,
    },
    /// No such fact under its root.
    #[error("{}", unknown("fact", .path, &facts_under(root)))]
    Unknown {
        /// The path as written.
        path: String,
        /// Its root.
        root: &'static str,
    },
    /// A root without a name after it (`signals`).
    #[error("fact \"{path}\" needs a name after \"{root}.\"")]
    NoName {
        /// The path as written.
        path: String,
        /// Its root.
        root: &'static str,
    },
}

/// Where a root the place may not use can be used.
fn place(root: &str) -> &'static str {
    match root {
        "event" => "only in an intent signal's \"where\"",
        "item" => "only in recommendations.item_template",
        _ => "not here",
    }
}

/// The facts under a root with a fixed list (for a suggestion).
fn facts_under(root: &str) -> Vec<&'static str> {
    let list = match root {
        "request" => REQUEST_FACTS,
        "session" => SESSION_FACTS,
        "profile" => PROFILE_FACTS,
        _ => &[],
    };
    list.to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
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
        let Some(&root) = ROOTS.iter().find(|r| **r == parts[0]) else {
            return Err(FactError::UnknownRoot {
                path: path.to_string(),
                scope,
            });
        };
        if !scope.allows(root) {
            return Err(FactError::NotHere {
                path: path.to_string(),
                root,
                scope,
            });
        }
        let unknown = || FactError::Unknown {
            path: path.to_string(),
            root,
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
                _ => return Err(unknown()),
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
                _ => return Err(unknown()),
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
                _ => return Err(unknown()),
            }),
            "signals" if !tail.is_empty() => Fact::Signal(rest(tail)),
            "event" if !tail.is_empty() => Fact::Event(rest(tail)),
            "item" if !tail.is_empty() => Fact::Item(rest(tail)),
            _ => {
                return Err(FactError::NoName {
                    path: path.to_string(),
                    root,
                })
            }
        };
        Ok(fact)
    }

    /// What the fact holds, so a test can be checked against it (and the editor offers the
    /// operators and the input that suit it).
    pub fn kind(&self) -> FactKind {
        use FactKind::{Any, Flag, List, Number, Text};
        match self {
            Fact::Request(RequestFact::Hour) => Number,
            Fact::Request(_) => Text,
            Fact::Session(s) => match s {
                SessionFact::Score
                | SessionFact::PageViews
                | SessionFact::Events
                | SessionFact::Minutes => Number,
                SessionFact::IsFirst => Flag,
                _ => Text,
            },
            Fact::Profile(p) => match p {
                ProfileFact::Id | ProfileFact::TopCategory | ProfileFact::Experiment(_) => Text,
                ProfileFact::TopCategories
                | ProfileFact::ViewedProducts
                | ProfileFact::PurchasedProducts
                | ProfileFact::CartProducts => List,
                ProfileFact::Traits(_) => Any,
                _ => Number,
            },
            Fact::Event(p) if matches!(p.as_slice(), [t] if t == "type" || t == "id") => Text,
            Fact::Signal(_) | Fact::Event(_) | Fact::Item(_) => Any,
        }
    }

    /// A request fact's value as JSON (for `track` props).
    pub fn request_value(&self, req: &RequestFacts) -> Option<Value> {
        match self {
            Fact::Request(rf) => request_fact(rf, req).to_json(),
            _ => None,
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
    fn every_known_fact_parses_and_its_ops_exist() {
        let all = Scope {
            event: true,
            item: true,
            ..Scope::DECISION
        };
        let known: Vec<_> = known_facts().collect();
        let fixed = REQUEST_FACTS.len() + SESSION_FACTS.len() + PROFILE_FACTS.len();
        assert_eq!(known.len(), fixed + 5, "every listed fact parses");
        for (path, kind) in known {
            let p = path.replace('*', "x");
            assert!(Fact::parse(&p, all).is_ok(), "{path}");
            for op in kind.ops() {
                assert!(crate::conditions::OPS.contains(op), "{path}: {op}");
            }
        }
        assert_eq!(roots_of(Scope::SIGNAL_WHERE), ["profile", "event"]);
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
}
