//! [`Snap`] for the compiled config's types whose fields are public; the few with private
//! fields have theirs next to their definition (catalog.rs, template.rs, config/track.rs).

use super::codec::{snap_enum, snap_struct, Reader, Snap};
use crate::actions::{Action, Destination, Format, Trigger};
use crate::conditions::{Cond, EventCount, Op, Rhs};
use crate::config::check::Issue;
use crate::config::track::PropSource;
use crate::config::{Config, Consent, EventTypes, Segment};
use crate::experiments::{Experiment, Holdout};
use crate::facts::{Fact, ProfileFact, RequestFact, SessionFact, Val};
use crate::intent::{IntentModel, Signal, Tier};
use crate::offers::{Body, Cap, CapWindow, Offer, Schedule, SlotGroup, Target, Variant};
use crate::recommend::{Exclusions, RecSettings, RecSpec, Strategy};
use crate::timezone::Tz;
use std::borrow::Cow;

snap_struct!(Config {
    site,
    timezone,
    track,
    intent,
    segments,
    offers,
    slots,
    recommendations,
    experiments,
    holdout,
    consent,
    profile_expiry,
    attribution_window,
    events,
    funnels,
    destinations,
    actions,
});
snap_struct!(EventTypes {
    referenced,
    trusted
});
snap_struct!(Segment { name, cond });
snap_struct!(Consent {
    cookie,
    default_granted,
    respect_gpc
});
snap_struct!(IntentModel {
    half_life,
    signals,
    tiers,
    hysteresis,
    reset_on
});
snap_struct!(Signal {
    id,
    event,
    when,
    repeat,
    score,
    cap
});
snap_struct!(Tier { name, min_score });
snap_struct!(Experiment { id, salt, goal });
snap_struct!(Holdout {
    percent,
    salt,
    goal
});
snap_struct!(Offer {
    id,
    index,
    target,
    priority,
    when,
    schedule,
    cap,
    body,
    goal,
    edge_only
});
snap_struct!(Schedule { start, end });
snap_struct!(Cap { max, per });
snap_struct!(Variant {
    id,
    weight,
    content
});
snap_struct!(SlotGroup { key, css, offers });
snap_struct!(EventCount {
    kind,
    within,
    min,
    max
});
snap_struct!(Exclusions {
    purchased,
    in_cart,
    out_of_stock,
    viewed
});
snap_struct!(RecSpec {
    strategy,
    count,
    exclude
});
snap_struct!(RecSettings {
    catalog,
    item_template,
    affinity_half_life
});
snap_struct!(Destination {
    name,
    url,
    secret,
    format,
    traits
});
snap_struct!(Action {
    id,
    on,
    wait,
    cond,
    send,
    cap
});

snap_enum!(Cond {
    0 => All(a),
    1 => Any(a),
    2 => Not(a),
    3 => Segment(i, name),
    4 => Test { fact, path, op, rhs },
    5 => Event(e),
});
snap_enum!(Rhs {
    0 => None,
    1 => Lit(v),
    2 => From(fact, path),
});
snap_enum!(Op {
    0 => Eq,
    1 => Ne,
    2 => Gt,
    3 => Gte,
    4 => Lt,
    5 => Lte,
    6 => In,
    7 => Contains,
    8 => StartsWith,
    9 => Intersects,
    10 => Exists,
});
snap_enum!(Target {
    0 => Slot(s),
    1 => Selector(s),
});
snap_enum!(CapWindow {
    0 => Rolling(ms),
    1 => Session,
    2 => Lifetime,
});
snap_enum!(Body {
    0 => Content(t),
    1 => Experiment { experiment, variants, ends },
    2 => Recommend(spec),
});
snap_enum!(Strategy {
    0 => Affinity,
    1 => Complements,
    2 => RecentlyViewed,
});
snap_enum!(Format {
    0 => Signpost,
    1 => Segment,
});
snap_enum!(Trigger {
    0 => Enter(i),
    1 => Exit(i),
    2 => Event(kind),
});
snap_enum!(PropSource {
    0 => Capture(name),
    1 => Request(fact),
    2 => Literal(value),
});
snap_enum!(Fact {
    0 => Request(f),
    1 => Session(f),
    2 => Profile(f),
    3 => Signal(path),
    4 => Event(path),
    5 => Item(path),
});
snap_enum!(RequestFact {
    0 => Path,
    1 => Url,
    2 => Host,
    3 => Query(name),
    4 => Utm(name),
    5 => Referrer,
    6 => Country,
    7 => Region,
    8 => Device,
    9 => Hour,
    10 => Weekday,
    11 => Language,
});
snap_enum!(SessionFact {
    0 => Tier,
    1 => Score,
    2 => PageViews,
    3 => Events,
    4 => TopCategory,
    5 => Minutes,
    6 => LandingPath,
    7 => Referrer,
    8 => Utm(name),
    9 => IsFirst,
});
snap_enum!(ProfileFact {
    0 => Id,
    1 => Visits,
    2 => PageViews,
    3 => Orders,
    4 => Orders365d,
    5 => DaysSinceLastOrder,
    6 => DaysSinceFirstVisit,
    7 => LifetimeSpend,
    8 => AvgOrderValue,
    9 => TopCategory,
    10 => TopCategories,
    11 => ViewedProducts,
    12 => PurchasedProducts,
    13 => CartItems,
    14 => CartValue,
    15 => CartIdleMinutes,
    16 => CartProducts,
    17 => Traits(names),
    18 => Experiment(name),
});

/// A condition's literal. Objects are never literals (`Val::literal` makes them missing), so
/// an `Obj` is written as missing too.
impl Snap for Val<'static> {
    fn put(&self, w: &mut crate::codec::Out) {
        match self {
            Val::Missing | Val::Obj(_) => w.byte(0),
            Val::Bool(b) => {
                w.byte(1);
                b.put(w);
            }
            Val::Num(n) => {
                w.byte(2);
                n.put(w);
            }
            Val::Str(s) => {
                w.byte(3);
                s.put(w);
            }
            Val::List(l) => {
                w.byte(4);
                l.put(w);
            }
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            1 => Val::Bool(bool::load(r)),
            2 => Val::Num(f64::load(r)),
            3 => Val::Str(Cow::load(r)),
            4 => Val::List(Vec::load(r)),
            0 => Val::Missing,
            _ => {
                r.fail();
                Val::Missing
            }
        }
    }
}

/// A zone by its name: the table is in the build, and a config names only zones it knows.
impl Snap for Tz {
    fn put(&self, w: &mut crate::codec::Out) {
        self.name().to_string().put(w);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        Tz::lookup(&String::load(r)).unwrap_or_else(Tz::utc)
    }
}

snap_struct!(Issue { path, message });
