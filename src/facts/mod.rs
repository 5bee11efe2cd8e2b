//! Facts: the named values conditions test and templates render (`request.path`,
//! `profile.cart.items`, `signals.restock.product_ids`, ...). Paths are checked and compiled
//! once, with the config, into [`Fact`]; evaluation reads them from a [`Ctx`].

use crate::catalog::{Catalog, Product};
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

mod numbers;
mod path;
mod value;

pub(crate) use numbers::integer_text;
pub use numbers::{format_number, parse_number};
pub use path::{
    known_facts, roots_of, Fact, FactError, FactKind, ProfileFact, RequestFact, Scope, SessionFact,
};
pub use value::Val;

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
    /// The compiled config.
    pub config: &'a Config,
    /// The catalog (`item.*`, recommendations).
    pub catalog: &'a Catalog,
    /// The visitor's profile.
    pub profile: &'a Profile,
    /// The instant of the evaluation.
    pub now: Millis,
    /// The request's facts; `None` outside a request (an intent signal's `where`).
    pub request: Option<&'a RequestFacts>,
    /// The business signals, when the place may read them.
    pub signals: Option<&'a Map<String, Value>>,
    /// The event being scored, in an intent signal's `where`.
    pub event: Option<&'a Event>,
    /// The product being rendered, in the item template.
    pub item: Option<&'a Product>,
    /// The intent at this instant, for `session.tier` and `session.score`.
    pub intent: Option<&'a IntentNow>,
    /// Segment results, computed at most once per evaluation: 0 unknown, 1 no, 2 yes.
    pub segments: Vec<Cell<u8>>,
}

impl<'a> Ctx<'a> {
    /// A context for reading facts of `profile` at `now`; the optional parts start empty.
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

    /// A fact's value in this context (missing when its part of the context is absent).
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
