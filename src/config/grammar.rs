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
    pub fields: &'static [Field],
}

/// One field of an [`Object`].
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
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

use Shape::{Condition, Conditions, List, Names, Value};

/// The config itself.
pub const TOP: Object = Object {
    fields: &[
        req("version", Value),
        opt("site", Value),
        opt("timezone", Value),
        opt("track", List(&TRACK_RULE, "path")),
        opt("intent", Shape::Object(&INTENT)),
        opt("segments", Names(&Condition)),
        opt("offers", List(&OFFER, "id")),
        opt("recommendations", Shape::Object(&RECOMMENDATIONS)),
        opt("experiments", Names(&Shape::Object(&EXPERIMENT))),
        opt("holdout", Shape::Object(&HOLDOUT)),
        opt("consent", Shape::Object(&CONSENT)),
        opt("profile", Shape::Object(&PROFILE)),
        opt("attribution", Shape::Object(&ATTRIBUTION)),
    ],
};

/// `track[]`: a path pattern that records an event at the edge.
pub const TRACK_RULE: Object = Object {
    fields: &[req("path", Value), req("event", Value), opt("props", Value)],
};

pub const INTENT: Object = Object {
    fields: &[
        req("half_life", Value),
        opt("signals", List(&SIGNAL, "id")),
        opt("tiers", List(&TIER, "name")),
        opt("hysteresis", Value),
        opt("reset_on", Value),
    ],
};

/// `intent.signals[]`
pub const SIGNAL: Object = Object {
    fields: &[
        req("id", Value),
        req("event", Value),
        opt("where", Condition),
        opt("repeat", Value),
        req("score", Value),
        opt("cap", Value),
    ],
};

/// `intent.tiers[]`
pub const TIER: Object = Object {
    fields: &[req("name", Value), req("min_score", Value)],
};

/// `offers[]`
pub const OFFER: Object = Object {
    fields: &[
        req("id", Value),
        opt("slot", Value),
        opt("selector", Value),
        opt("priority", Value),
        opt("when", Condition),
        opt("schedule", Shape::Object(&SCHEDULE)),
        opt("cap", Shape::Object(&CAP)),
        opt("content", Value),
        opt("experiment", Value),
        opt("variants", List(&VARIANT, "id")),
        opt("recommend", Shape::Object(&RECOMMEND)),
        opt("goal", Value),
    ],
};

/// `offers[].schedule`
pub const SCHEDULE: Object = Object {
    fields: &[opt("start", Value), opt("end", Value)],
};

/// `offers[].cap`
pub const CAP: Object = Object {
    fields: &[req("max", Value), req("per", Value)],
};

/// `offers[].variants[]`
pub const VARIANT: Object = Object {
    fields: &[
        req("id", Value),
        req("weight", Value),
        opt("content", Value),
        opt("control", Value),
    ],
};

/// `offers[].recommend`
pub const RECOMMEND: Object = Object {
    fields: &[
        req("strategy", Value),
        opt("count", Value),
        opt("exclude", Value),
    ],
};

pub const RECOMMENDATIONS: Object = Object {
    fields: &[
        opt("catalog", Value),
        opt("item_template", Value),
        opt("affinity_half_life", Value),
    ],
};

/// `experiments.<name>`
pub const EXPERIMENT: Object = Object {
    fields: &[opt("goal", Value), opt("salt", Value)],
};

pub const HOLDOUT: Object = Object {
    fields: &[
        req("percent", Value),
        req("salt", Value),
        opt("goal", Value),
    ],
};

pub const CONSENT: Object = Object {
    fields: &[
        opt("cookie", Value),
        opt("default", Value),
        opt("respect_gpc", Value),
    ],
};

pub const PROFILE: Object = Object {
    fields: &[opt("expire_after", Value)],
};

pub const ATTRIBUTION: Object = Object {
    fields: &[opt("window", Value)],
};

/// The kinds of condition, each an object whose first field names the kind.
pub const CONDITIONS: [Object; 6] = [
    Object {
        fields: &[req("all", Conditions)],
    },
    Object {
        fields: &[req("any", Conditions)],
    },
    Object {
        fields: &[req("not", Condition)],
    },
    Object {
        fields: &[req("segment", Value)],
    },
    Object {
        fields: &[
            req("fact", Value),
            req("op", Value),
            opt("value", Value),
            opt("value_from", Value),
        ],
    },
    Object {
        fields: &[
            req("event", Value),
            opt("within", Value),
            opt("min", Value),
            opt("max", Value),
        ],
    },
];
