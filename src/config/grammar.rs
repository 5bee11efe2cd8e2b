//! The config's grammar in one table: every object a config holds, the fields it accepts, which
//! of them are required and how each value is shaped.
//!
//! Parsing checks unknown and missing fields against it ([`Checker::object`]), the diff walks it
//! for the fields it compares, and `tests/schema.rs` holds it against
//! `schema/config.schema.json`. So a new field is a row here, its parse code in its section's
//! file, its schema entry and its tests. Fields are listed in the order error messages name
//! them ("expected one of ...").
//!
//! [`Checker::object`]: super::check::Checker::object

/// An object of the config: the fields it accepts.
#[derive(Debug)]
pub struct Object {
    /// Its fields, in the order the docs and the schema list them.
    pub fields: &'static [Field],
}

/// One field of an [`Object`].
#[derive(Debug)]
pub struct Field {
    /// Its key.
    pub name: &'static str,
    /// Whether the object is refused without it.
    pub required: bool,
    /// What it holds.
    pub shape: Shape,
}

/// What a field holds, as far as walking the config needs to know.
#[derive(Debug)]
pub enum Shape {
    /// A string, number or boolean, or a list or map of them: read and compared whole.
    Value,
    /// A condition: an object of one of the [`CONDITIONS`].
    Condition,
    /// A list of conditions (`all`, `any`).
    Conditions,
    /// An object with fields of its own.
    Object(&'static Object),
    /// A list of objects, each known by its field named second (`id`, `name`, `path`).
    List(&'static Object, &'static str),
    /// An object whose keys are names the marketer chooses (segments, experiments), each
    /// holding the shape given.
    Names(&'static Shape),
}

impl Object {
    /// The field called `name`, if this object accepts one.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The names of the fields, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }
}

/// A required field.
pub const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: true,
        shape,
    }
}

/// An optional field.
pub const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: false,
        shape,
    }
}

/// `object!(a, b!, c: Shape)`: an [`Object`] whose fields are optional unless marked `!`, and
/// hold a [`Shape::Value`] unless a shape is given.
macro_rules! object {
    (@ [$($done:tt)*]) => { [$($done)*] };
    (@ [$($done:tt)*] $f:ident ! : $s:expr $(, $($rest:tt)*)?) => {
        object!(@ [$($done)* req(stringify!($f), $s),] $($($rest)*)?)
    };
    (@ [$($done:tt)*] $f:ident ! $(, $($rest:tt)*)?) => {
        object!(@ [$($done)* req(stringify!($f), Value),] $($($rest)*)?)
    };
    (@ [$($done:tt)*] $f:ident : $s:expr $(, $($rest:tt)*)?) => {
        object!(@ [$($done)* opt(stringify!($f), $s),] $($($rest)*)?)
    };
    (@ [$($done:tt)*] $f:ident $(, $($rest:tt)*)?) => {
        object!(@ [$($done)* opt(stringify!($f), Value),] $($($rest)*)?)
    };
    ($($fields:tt)*) => {
        Object { fields: &object!(@ [] $($fields)*) }
    };
}

use Shape::{Condition, Conditions, List, Names, Object as Obj, Value};

/// The config itself.
pub const TOP: Object = object!(
    version!, site, timezone,
    track: List(&TRACK_RULE, "path"),
    intent: Obj(&INTENT),
    segments: Names(&Condition),
    offers: List(&OFFER, "id"),
    recommendations: Obj(&RECOMMENDATIONS),
    experiments: Names(&Obj(&EXPERIMENT)),
    holdout: Obj(&HOLDOUT),
    consent: Obj(&CONSENT),
    profile: Obj(&PROFILE),
    attribution: Obj(&ATTRIBUTION),
    trusted_events,
    funnels: Names(&Value),
    destinations: Names(&Obj(&DESTINATION)),
    actions: List(&ACTION, "id"),
);

/// `track[]`: a path pattern that records an event at the edge.
pub const TRACK_RULE: Object = object!(path!, event!, props);

/// `intent`: how actions score, and what the score means.
pub const INTENT: Object = object!(
    half_life!,
    signals: List(&SIGNAL, "id"),
    tiers: List(&TIER, "name"),
    hysteresis,
    reset_on,
);

/// `intent.signals[]`
pub const SIGNAL: Object = object!(id!, event!, where: Condition, repeat, score!, cap);

/// `intent.tiers[]`
pub const TIER: Object = object!(name!, min_score!);

/// `offers[]`
pub const OFFER: Object = object!(
    id!, slot, selector, priority,
    when: Condition,
    schedule: Obj(&SCHEDULE),
    cap: Obj(&CAP),
    content, experiment,
    variants: List(&VARIANT, "id"),
    recommend: Obj(&RECOMMEND),
    goal, edge_only,
);

/// `offers[].schedule`
pub const SCHEDULE: Object = object!(start, end);

/// `offers[].cap`
pub const CAP: Object = object!(max!, per!);

/// `offers[].variants[]`
pub const VARIANT: Object = object!(id!, weight!, content, control);

/// `offers[].recommend`: which products, how many, which left out.
pub const RECOMMEND: Object = object!(strategy!, count, exclude);

/// `recommendations`: the catalog, and how one item shows.
pub const RECOMMENDATIONS: Object = object!(catalog, item_template, affinity_half_life);

/// `experiments.<name>`: an experiment's goal and bucketing salt.
pub const EXPERIMENT: Object = object!(goal, salt);

/// `holdout`: visitors kept from personalization, to measure it.
pub const HOLDOUT: Object = object!(percent!, salt!, goal);

/// `consent`: the cookie holding the visitor's choice, and the default without one.
pub const CONSENT: Object = object!(cookie, default, respect_gpc);

/// `profile`: how long a stored profile lives.
pub const PROFILE: Object = object!(expire_after);

/// `attribution`: how long after an exposure a conversion counts for it.
pub const ATTRIBUTION: Object = object!(window);

/// `destinations.<name>`: where an action's messages go (the secret is an environment
/// variable's name).
pub const DESTINATION: Object = object!(url!, secret!, format, traits);

/// `actions[]`: on a segment's enter or exit, or an event, send to a destination.
pub const ACTION: Object = object!(
    id!,
    on!: Obj(&ACTION_ON),
    wait,
    if: Condition,
    send!,
    cap: Obj(&CAP),
);

/// `actions[].on`: one of its fields.
pub const ACTION_ON: Object = object!(enter, exit, event);

/// The kinds of condition, each an object whose first field names the kind.
pub const CONDITIONS: [Object; 6] = [
    object!(all!: Conditions),
    object!(any!: Conditions),
    object!(not!: Condition),
    object!(segment!),
    object!(fact!, op!, value, value_from),
    object!(event!, within, min, max),
];
