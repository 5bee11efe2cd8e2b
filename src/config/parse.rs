//! From JSON to [`Config`]: every field checked, every name resolved.

use super::check::{index, join, show, unknown, Checker, Issues};
use super::{Config, Consent, Segment, CONFIG_VERSION};
use crate::conditions::{compile as compile_cond, Cond, SegmentNames};
use crate::config::check::msg;
use crate::events::{check_event_name, compile_track};
use crate::experiments::{range_ends, Experiment, Holdout};
use crate::facts::{format_number, Scope};
use crate::intent::{IntentModel, Signal, Tier};
use crate::offers::{Body, Cap, CapWindow, Offer, Schedule, SlotGroup, Target, Variant};
use crate::profile::MAX_IMPRESSION_TIMES;
use crate::recommend::{
    Exclusions, RecSettings, RecSpec, Strategy, EXCLUSIONS, MAX_COUNT, STRATEGIES,
};
use crate::template::Template;
use crate::time::{parse_timestamp, Millis};
use crate::timezone::Tz;
use serde_json::{Map, Value};

/// The config's top-level fields (the diff walks the same list).
pub(crate) const TOP: &[&str] = &[
    "version",
    "site",
    "timezone",
    "track",
    "intent",
    "segments",
    "offers",
    "recommendations",
    "experiments",
    "holdout",
    "consent",
    "profile",
    "attribution",
];
const OFFER: &[&str] = &[
    "id",
    "slot",
    "selector",
    "priority",
    "when",
    "schedule",
    "cap",
    "content",
    "experiment",
    "variants",
    "recommend",
    "goal",
];

pub fn compile(json: &str) -> Result<Config, Issues> {
    let v = super::check::parse_json(json)?;
    let mut ck = Checker::default();
    let cfg = compile_value(&mut ck, &v);
    match cfg {
        Some(c) if ck.issues.is_empty() => Ok(c),
        _ => Err(Issues(ck.issues)),
    }
}

fn compile_value(ck: &mut Checker, v: &Value) -> Option<Config> {
    let top = ck.object(v, "", TOP, &["version"])?;
    if let Some(ver) = top.get("version") {
        match ver.as_u64() {
            Some(CONFIG_VERSION) => {}
            _ => ck.err(
                "version",
                msg!(
                    "unsupported config version {}; this engine reads version {CONFIG_VERSION}",
                    show(ver)
                ),
            ),
        }
    }
    let site = top
        .get("site")
        .and_then(|s| ck.string(s, "site"))
        .map(str::to_string);
    let timezone = match top.get("timezone") {
        None => Tz::utc(),
        Some(t) => match ck.string(t, "timezone") {
            Some(name) => Tz::lookup(name).unwrap_or_else(|| {
                let hints = Tz::suggest(name);
                let hint = if hints.is_empty() { String::new() } else { msg!(" (did you mean {}?)", hints.join(", ")) };
                ck.err("timezone", msg!("unknown IANA timezone \"{name}\"{hint}; e.g. \"America/Denver\", \"Europe/Paris\", \"UTC\""));
                Tz::utc()
            }),
            None => Tz::utc(),
        },
    };
    let track = top
        .get("track")
        .map(|t| compile_track(ck, t, "track"))
        .unwrap_or_default();
    let intent = top
        .get("intent")
        .map(|i| compile_intent(ck, i))
        .unwrap_or_default();
    // Segment names first, so segments and offers can refer to any of them.
    let seg_map = top.get("segments").and_then(|s| ck.map(s, "segments"));
    let seg_names: Vec<String> = seg_map
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let names = SegmentNames(Some(&seg_names));
    let mut segments = Vec::new();
    if let Some(m) = seg_map {
        for (name, c) in m {
            let path = join("segments", name);
            if let Err(e) = check_name(name) {
                ck.err(&path, e);
            }
            if let Some(cond) = compile_cond(ck, c, &path, Scope::DECISION, &names) {
                segments.push(Segment {
                    name: name.clone(),
                    cond,
                });
            }
        }
        check_cycles(ck, &segments);
    }
    let experiments = top
        .get("experiments")
        .map(|e| compile_experiments(ck, e))
        .unwrap_or_default();
    let recommendations = top
        .get("recommendations")
        .map(|r| compile_recs(ck, r))
        .unwrap_or_default();
    let offers = match top.get("offers") {
        Some(o) => compile_offers(ck, o, &names, &experiments, &timezone),
        None => Vec::new(),
    };
    if recommendations.item_template.is_none() {
        for o in &offers {
            if matches!(o.body, Body::Recommend(_)) {
                ck.err(
                    &join(&index("offers", o.index), "recommend"),
                    "recommendation offers need recommendations.item_template",
                );
            }
        }
    }
    let holdout = top.get("holdout").and_then(|h| compile_holdout(ck, h));
    let consent = top
        .get("consent")
        .map(|c| compile_consent(ck, c))
        .unwrap_or_default();
    let attribution_window = top
        .get("attribution")
        .and_then(|a| compile_attribution(ck, a))
        .unwrap_or(super::DEFAULT_ATTRIBUTION_WINDOW);
    let profile_expiry = top
        .get("profile")
        .and_then(|p| compile_profile(ck, p))
        .unwrap_or(super::DEFAULT_PROFILE_EXPIRY);
    if !ck.issues.is_empty() {
        return None;
    }
    let slots = group_slots(&offers);
    let mut referenced_events: Vec<String> =
        intent.signals.iter().map(|s| s.event.clone()).collect();
    referenced_events.extend(intent.reset_on.iter().cloned());
    for s in &segments {
        collect_events(&s.cond, &mut referenced_events);
    }
    for o in &offers {
        if let Some(c) = &o.when {
            collect_events(c, &mut referenced_events);
        }
    }
    referenced_events.extend(track.iter().map(|t| t.event.clone()));
    referenced_events.extend(experiments.iter().filter_map(|e| e.goal.clone()));
    referenced_events.extend(offers.iter().filter_map(|o| o.goal.clone()));
    referenced_events.extend(holdout.as_ref().and_then(|h| h.goal.clone()));
    // Each name once, in order of first mention (only membership is asked): no sort, whose
    // code the browser's wasm would carry for this alone.
    let mut seen = 0;
    for i in 0..referenced_events.len() {
        if !referenced_events[..seen].contains(&referenced_events[i]) {
            referenced_events.swap(seen, i);
            seen += 1;
        }
    }
    referenced_events.truncate(seen);
    Some(Config {
        version: CONFIG_VERSION,
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
        referenced_events,
    })
}

fn collect_events(c: &Cond, out: &mut Vec<String>) {
    match c {
        Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| collect_events(c, out)),
        Cond::Not(c) => collect_events(c, out),
        Cond::Event { kind, .. } => out.push(kind.clone()),
        _ => {}
    }
}

/// Ids and names: letters, digits, `_ - . :`, up to 128 characters.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name must not be empty".into());
    }
    if name.chars().count() > crate::profile::MAX_ID_LEN {
        return Err(msg!(
            "names are at most {} characters",
            crate::profile::MAX_ID_LEN
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
    {
        Some(c) => Err(msg!(
            "invalid character {c:?} in \"{name}\" (use letters, digits, _ - . :)"
        )),
        None => Ok(()),
    }
}

fn id_field(ck: &mut Checker, m: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
    let p = join(path, key);
    let s = ck.string(m.get(key)?, &p)?;
    match check_name(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ck.err(&p, e);
            None
        }
    }
}

fn check_cycles(ck: &mut Checker, segments: &[Segment]) {
    fn refs(c: &Cond, out: &mut Vec<usize>) {
        match c {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| refs(c, out)),
            Cond::Not(c) => refs(c, out),
            Cond::Segment(i, _) => out.push(*i),
            _ => {}
        }
    }
    // Indexes refer to the name list, which equals the segment order when all compiled.
    let n = segments.len();
    let edges: Vec<Vec<usize>> = segments
        .iter()
        .map(|s| {
            let mut v = Vec::new();
            refs(&s.cond, &mut v);
            v.retain(|i| *i < n);
            v
        })
        .collect();
    // 0 unvisited, 1 on the stack, 2 done.
    fn visit(
        i: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        stack.push(i);
        for &j in &edges[i] {
            if state[j] == 1 {
                let from = stack.iter().position(|x| *x == j).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(j);
                return Some(cycle);
            }
            if state[j] == 0 {
                if let Some(c) = visit(j, edges, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; n];
    for i in 0..n {
        if state[i] == 0 {
            if let Some(cycle) = visit(i, &edges, &mut state, &mut Vec::new()) {
                let names: Vec<&str> = cycle.iter().map(|i| segments[*i].name.as_str()).collect();
                ck.err(
                    &join("segments", names[0]),
                    msg!(
                        "segments refer to each other in a loop: {}",
                        names.join(" -> ")
                    ),
                );
                return;
            }
        }
    }
}

fn compile_intent(ck: &mut Checker, v: &Value) -> IntentModel {
    let mut model = IntentModel::default();
    let Some(m) = ck.object(
        v,
        "intent",
        &["half_life", "signals", "tiers", "hysteresis", "reset_on"],
        &["half_life"],
    ) else {
        return model;
    };
    if let Some(h) = m
        .get("half_life")
        .and_then(|h| ck.duration(h, "intent.half_life"))
    {
        model.half_life = h;
    }
    if let Some(h) = m
        .get("hysteresis")
        .and_then(|h| ck.number(h, "intent.hysteresis"))
    {
        if h < 0.0 {
            ck.err("intent.hysteresis", "must be 0 or more");
        }
        model.hysteresis = h;
    }
    if let Some(list) = m.get("signals").and_then(|s| ck.array(s, "intent.signals")) {
        let where_names = SegmentNames(None);
        for (i, s) in list.iter().enumerate() {
            let path = index("intent.signals", i);
            let Some(sm) = ck.object(
                s,
                &path,
                &["id", "event", "where", "repeat", "score", "cap"],
                &["id", "event", "score"],
            ) else {
                continue;
            };
            let before = ck.issues.len();
            let id = id_field(ck, sm, "id", &path);
            if let Some(id) = &id {
                if model.signals.iter().any(|s| &s.id == id) {
                    ck.err(&join(&path, "id"), msg!("duplicate signal id \"{id}\""));
                }
            }
            let event = sm
                .get("event")
                .and_then(|e| event_name(ck, e, &join(&path, "event")));
            let when = sm.get("where").and_then(|w| {
                compile_cond(
                    ck,
                    w,
                    &join(&path, "where"),
                    Scope::SIGNAL_WHERE,
                    &where_names,
                )
            });
            let repeat = sm
                .get("repeat")
                .and_then(|r| ck.boolean(r, &join(&path, "repeat")));
            let score = sm
                .get("score")
                .and_then(|x| ck.number(x, &join(&path, "score")));
            let cap = sm
                .get("cap")
                .and_then(|x| ck.number(x, &join(&path, "cap")));
            if ck.issues.len() == before {
                if let (Some(id), Some(event), Some(score)) = (id, event, score) {
                    model.signals.push(Signal {
                        id,
                        event,
                        when,
                        repeat,
                        score,
                        cap,
                    });
                }
            }
        }
    }
    if let Some(list) = m.get("tiers").and_then(|t| ck.array(t, "intent.tiers")) {
        for (i, t) in list.iter().enumerate() {
            let path = index("intent.tiers", i);
            let Some(tm) = ck.object(t, &path, &["name", "min_score"], &["name", "min_score"])
            else {
                continue;
            };
            let name = id_field(ck, tm, "name", &path);
            let min = tm
                .get("min_score")
                .and_then(|x| ck.number(x, &join(&path, "min_score")));
            if let (Some(name), Some(min_score)) = (name, min) {
                if model.tiers.iter().any(|t| t.name == name) {
                    ck.err(&join(&path, "name"), msg!("duplicate tier \"{name}\""));
                } else if let Some(prev) = model.tiers.last().filter(|p| p.min_score >= min_score) {
                    ck.err(
                        &join(&path, "min_score"),
                        msg!(
                            "tiers go from lowest to highest: {} is not above {} (tier \"{}\")",
                            format_number(min_score),
                            format_number(prev.min_score),
                            prev.name
                        ),
                    );
                } else {
                    model.tiers.push(Tier { name, min_score });
                }
            }
        }
    }
    if let Some(list) = m
        .get("reset_on")
        .and_then(|r| ck.array(r, "intent.reset_on"))
    {
        for (i, e) in list.iter().enumerate() {
            if let Some(e) = event_name(ck, e, &index("intent.reset_on", i)) {
                model.reset_on.push(e);
            }
        }
    }
    model
}

fn event_name(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    let s = ck.string(v, path)?;
    match check_event_name(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ck.err(path, e);
            None
        }
    }
}

fn compile_experiments(ck: &mut Checker, v: &Value) -> Vec<Experiment> {
    let mut out = Vec::new();
    let Some(m) = ck.map(v, "experiments") else {
        return out;
    };
    for (id, e) in m {
        let path = join("experiments", id);
        if let Err(msg) = check_name(id) {
            ck.err(&path, msg);
        }
        let Some(em) = ck.object(e, &path, &["goal", "salt"], &[]) else {
            continue;
        };
        let goal = em
            .get("goal")
            .and_then(|g| event_name(ck, g, &join(&path, "goal")));
        let salt = em
            .get("salt")
            .and_then(|s| ck.string(s, &join(&path, "salt")))
            .map(str::to_string)
            .unwrap_or_else(|| id.clone());
        out.push(Experiment {
            id: id.clone(),
            salt,
            goal,
        });
    }
    out
}

fn compile_recs(ck: &mut Checker, v: &Value) -> RecSettings {
    let mut r = RecSettings::default();
    let Some(m) = ck.object(
        v,
        "recommendations",
        &["catalog", "item_template", "affinity_half_life"],
        &[],
    ) else {
        return r;
    };
    if let Some(c) = m
        .get("catalog")
        .and_then(|c| ck.string(c, "recommendations.catalog"))
    {
        r.catalog = c.to_string();
    }
    if let Some(t) = m
        .get("item_template")
        .and_then(|t| ck.string(t, "recommendations.item_template"))
    {
        match Template::compile(t, Scope::ITEM) {
            Ok(t) => r.item_template = Some(t),
            Err(e) => ck.err("recommendations.item_template", e),
        }
    }
    if let Some(h) = m
        .get("affinity_half_life")
        .and_then(|h| ck.duration(h, "recommendations.affinity_half_life"))
    {
        r.affinity_half_life = h;
    }
    r
}

fn compile_holdout(ck: &mut Checker, v: &Value) -> Option<Holdout> {
    let m = ck.object(
        v,
        "holdout",
        &["percent", "salt", "goal"],
        &["percent", "salt"],
    )?;
    let percent = m
        .get("percent")
        .and_then(|p| ck.number(p, "holdout.percent"));
    if percent.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        ck.err("holdout.percent", "must be between 0 and 100");
        return None;
    }
    let goal = m
        .get("goal")
        .and_then(|g| event_name(ck, g, "holdout.goal"));
    let salt = m.get("salt").and_then(|s| ck.string(s, "holdout.salt"))?;
    Some(Holdout {
        percent: percent?,
        salt: salt.to_string(),
        goal,
    })
}

/// `attribution.window`: how long after an exposure a goal still counts for it.
fn compile_attribution(ck: &mut Checker, v: &Value) -> Option<Millis> {
    let m = ck.object(v, "attribution", &["window"], &[])?;
    let w = m
        .get("window")
        .and_then(|w| ck.duration(w, "attribution.window"))?;
    if w <= 0 {
        ck.err("attribution.window", "must be longer than zero");
        return None;
    }
    Some(w)
}

/// `profile.expire_after`: how long a profile lives without a write (KV's `expirationTtl`).
fn compile_profile(ck: &mut Checker, v: &Value) -> Option<Millis> {
    let m = ck.object(v, "profile", &["expire_after"], &[])?;
    let d = m
        .get("expire_after")
        .and_then(|d| ck.duration(d, "profile.expire_after"))?;
    // KV refuses a TTL under 60 s; two years is long past any honest use of a journey.
    if !(super::MIN_PROFILE_EXPIRY..=super::MAX_PROFILE_EXPIRY).contains(&d) {
        ck.err(
            "profile.expire_after",
            "must be between 1 minute and 730 days (\"1m\" .. \"730d\")",
        );
        return None;
    }
    Some(d)
}

fn compile_consent(ck: &mut Checker, v: &Value) -> Consent {
    let mut c = Consent::default();
    let Some(m) = ck.object(v, "consent", &["cookie", "default", "respect_gpc"], &[]) else {
        return c;
    };
    if let Some(name) = m.get("cookie").and_then(|x| ck.string(x, "consent.cookie")) {
        c.cookie = name.to_string();
    }
    if let Some(d) = m
        .get("default")
        .and_then(|x| ck.string(x, "consent.default"))
    {
        match d {
            "granted" => c.default_granted = true,
            "denied" => c.default_granted = false,
            other => ck.err(
                "consent.default",
                unknown("value", other, &["granted", "denied"]),
            ),
        }
    }
    if let Some(b) = m
        .get("respect_gpc")
        .and_then(|x| ck.boolean(x, "consent.respect_gpc"))
    {
        c.respect_gpc = b;
    }
    c
}

fn compile_offers(
    ck: &mut Checker,
    v: &Value,
    names: &SegmentNames,
    experiments: &[Experiment],
    tz: &Tz,
) -> Vec<Offer> {
    let mut out: Vec<Offer> = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    let Some(list) = ck.array(v, "offers") else {
        return out;
    };
    for (i, o) in list.iter().enumerate() {
        let path = index("offers", i);
        let Some(m) = ck.object(o, &path, OFFER, &["id"]) else {
            continue;
        };
        let before = ck.issues.len();
        let id = id_field(ck, m, "id", &path);
        if let Some(id) = &id {
            if let Some((_, prev)) = seen.iter().find(|(s, _)| s == id) {
                ck.err(
                    &join(&path, "id"),
                    msg!("duplicate offer id \"{id}\" (also offers[{prev}])"),
                );
            }
            seen.push((id.clone(), i));
        }
        let target = match (m.get("slot"), m.get("selector")) {
            (Some(_), Some(_)) => {
                ck.err(&path, "give either \"slot\" or \"selector\", not both");
                None
            }
            (None, None) => {
                ck.err(&path, "missing \"slot\" (or a CSS \"selector\")");
                None
            }
            (Some(s), None) => {
                let p = join(&path, "slot");
                ck.string(s, &p).and_then(|s| match check_name(s) {
                    Ok(()) => Some(Target::Slot(s.to_string())),
                    Err(e) => {
                        ck.err(&p, e);
                        None
                    }
                })
            }
            (None, Some(s)) => {
                let p = join(&path, "selector");
                ck.string(s, &p).and_then(|s| match check_selector(s) {
                    Ok(()) => Some(Target::Selector(s.trim().to_string())),
                    Err(e) => {
                        ck.err(&p, e);
                        None
                    }
                })
            }
        };
        let priority = match m.get("priority") {
            Some(p) => ck.number(p, &join(&path, "priority")),
            None => Some(0.0),
        };
        let when = m
            .get("when")
            .and_then(|w| compile_cond(ck, w, &join(&path, "when"), Scope::DECISION, names));
        let schedule = m
            .get("schedule")
            .map(|s| compile_schedule(ck, s, &join(&path, "schedule"), tz))
            .unwrap_or_default();
        let cap = m
            .get("cap")
            .and_then(|c| compile_cap(ck, c, &join(&path, "cap")));
        let body = compile_body(ck, m, &path, experiments);
        let goal = m
            .get("goal")
            .and_then(|g| event_name(ck, g, &join(&path, "goal")));
        if ck.issues.len() == before {
            if let (Some(id), Some(target), Some(priority), Some(body)) =
                (id, target, priority, body)
            {
                out.push(Offer {
                    id,
                    index: i,
                    target,
                    priority,
                    when,
                    schedule,
                    cap,
                    body,
                    goal,
                });
            }
        }
    }
    out
}

fn compile_body(
    ck: &mut Checker,
    m: &Map<String, Value>,
    path: &str,
    experiments: &[Experiment],
) -> Option<Body> {
    let present: Vec<&str> = ["content", "variants", "recommend"]
        .into_iter()
        .filter(|k| m.contains_key(*k))
        .collect();
    if m.contains_key("experiment") && !m.contains_key("variants") {
        ck.err(
            &join(path, "experiment"),
            "an experiment needs \"variants\"",
        );
    }
    match present.as_slice() {
        ["content"] => {
            let p = join(path, "content");
            let s = ck.string(&m["content"], &p)?;
            Template::compile(s, Scope::DECISION)
                .map(Body::Content)
                .map_err(|e| ck.err(&p, e))
                .ok()
        }
        ["variants"] => {
            let ep = join(path, "experiment");
            let experiment = match m.get("experiment") {
                None => {
                    ck.err(
                        path,
                        "variants need an \"experiment\" (its salt decides who sees which variant)",
                    );
                    None
                }
                Some(e) => ck.string(e, &ep).and_then(|name| {
                    match experiments.iter().position(|x| x.id == name) {
                        Some(i) => Some(i),
                        None => {
                            let names: Vec<&str> =
                                experiments.iter().map(|x| x.id.as_str()).collect();
                            ck.err(&ep, unknown("experiment", name, &names));
                            None
                        }
                    }
                }),
            };
            let vp = join(path, "variants");
            let list = ck.array(&m["variants"], &vp)?;
            if list.is_empty() {
                ck.err(&vp, "must list at least one variant");
            }
            let mut variants: Vec<Variant> = Vec::new();
            let before = ck.issues.len();
            for (i, v) in list.iter().enumerate() {
                let p = index(&vp, i);
                let Some(vm) = ck.object(
                    v,
                    &p,
                    &["id", "weight", "content", "control"],
                    &["id", "weight"],
                ) else {
                    continue;
                };
                let id = id_field(ck, vm, "id", &p);
                if let Some(id) = &id {
                    if variants.iter().any(|x| &x.id == id) {
                        ck.err(&join(&p, "id"), msg!("duplicate variant id \"{id}\""));
                    }
                }
                let weight = vm
                    .get("weight")
                    .and_then(|w| ck.number(w, &join(&p, "weight")));
                if weight.is_some_and(|w| w <= 0.0) {
                    ck.err(&join(&p, "weight"), "must be more than 0");
                }
                let control = vm
                    .get("control")
                    .and_then(|c| ck.boolean(c, &join(&p, "control")))
                    .unwrap_or(false);
                let content = match (control, vm.get("content")) {
                    (true, Some(_)) => {
                        ck.err(
                            &join(&p, "content"),
                            "a control variant keeps the page's own content; remove \"content\"",
                        );
                        None
                    }
                    (true, None) => None,
                    (false, None) => {
                        ck.err(&p, "missing \"content\" (or \"control\": true)");
                        None
                    }
                    (false, Some(c)) => {
                        let cp = join(&p, "content");
                        ck.string(c, &cp).and_then(|s| {
                            Template::compile(s, Scope::DECISION)
                                .map_err(|e| ck.err(&cp, e))
                                .ok()
                        })
                    }
                };
                if let (Some(id), Some(weight)) = (id, weight) {
                    variants.push(Variant {
                        id,
                        weight,
                        content,
                    });
                }
            }
            if ck.issues.len() > before || variants.is_empty() {
                return None;
            }
            let ends = range_ends(&variants.iter().map(|v| v.weight).collect::<Vec<_>>());
            Some(Body::Experiment {
                experiment: experiment?,
                variants,
                ends,
            })
        }
        ["recommend"] => {
            compile_recommend(ck, &m["recommend"], &join(path, "recommend")).map(Body::Recommend)
        }
        [] => {
            ck.err(
                path,
                "an offer needs \"content\", \"variants\" or \"recommend\"",
            );
            None
        }
        many => {
            ck.err(
                path,
                msg!(
                    "an offer has one of \"content\", \"variants\" or \"recommend\"; found {}",
                    many.join(" and ")
                ),
            );
            None
        }
    }
}

fn compile_recommend(ck: &mut Checker, v: &Value, path: &str) -> Option<RecSpec> {
    let m = ck.object(v, path, &["strategy", "count", "exclude"], &["strategy"])?;
    let before = ck.issues.len();
    let sp = join(path, "strategy");
    let strategy = m
        .get("strategy")
        .and_then(|s| ck.string(s, &sp))
        .and_then(|s| {
            Strategy::parse(s).or_else(|| {
                ck.err(&sp, unknown("strategy", s, STRATEGIES));
                None
            })
        });
    let count = match m.get("count") {
        None => 4,
        Some(c) => {
            let cp = join(path, "count");
            match ck.count(c, &cp) {
                Some(n) if (1..=MAX_COUNT).contains(&n) => n,
                Some(n) => {
                    ck.err(&cp, msg!("must be between 1 and {MAX_COUNT}, found {n}"));
                    0
                }
                None => 0,
            }
        }
    };
    let mut exclude = Exclusions::default();
    if let Some(list) = m
        .get("exclude")
        .and_then(|x| ck.array(x, &join(path, "exclude")))
    {
        for (i, x) in list.iter().enumerate() {
            let xp = index(&join(path, "exclude"), i);
            match ck.string(x, &xp) {
                Some("purchased") => exclude.purchased = true,
                Some("in_cart") => exclude.in_cart = true,
                Some("out_of_stock") => exclude.out_of_stock = true,
                Some("viewed") => exclude.viewed = true,
                Some(other) => ck.err(&xp, unknown("exclusion", other, EXCLUSIONS)),
                None => {}
            }
        }
    }
    if ck.issues.len() > before {
        return None;
    }
    Some(RecSpec {
        strategy: strategy?,
        count: count as usize,
        exclude,
    })
}

fn compile_schedule(ck: &mut Checker, v: &Value, path: &str, tz: &Tz) -> Schedule {
    let mut s = Schedule::default();
    let Some(m) = ck.object(v, path, &["start", "end"], &[]) else {
        return s;
    };
    if m.is_empty() {
        ck.err(path, "a schedule needs \"start\", \"end\" or both");
    }
    let offset = |t: i64| tz.offset_at(t);
    for key in ["start", "end"] {
        if let Some(x) = m.get(key) {
            let p = join(path, key);
            if let Some(text) = ck.string(x, &p) {
                match parse_timestamp(text, Some(&offset)) {
                    Ok(t) => {
                        if key == "start" {
                            s.start = Some(t)
                        } else {
                            s.end = Some(t)
                        }
                    }
                    Err(e) => ck.err(&p, e),
                }
            }
        }
    }
    if let (Some(a), Some(b)) = (s.start, s.end) {
        if a >= b {
            ck.err(&join(path, "end"), "the schedule ends before it starts");
        }
    }
    s
}

fn compile_cap(ck: &mut Checker, v: &Value, path: &str) -> Option<Cap> {
    let m = ck.object(v, path, &["max", "per"], &["max", "per"])?;
    let mp = join(path, "max");
    let max = m.get("max").and_then(|x| ck.count(x, &mp));
    if max == Some(0) {
        ck.err(
            &mp,
            "must be at least 1 (to stop an offer, remove it or end its schedule)",
        );
        return None;
    }
    let pp = join(path, "per");
    let per = m
        .get("per")
        .and_then(|x| ck.string(x, &pp))
        .and_then(|s| match s {
            "lifetime" => Some(CapWindow::Lifetime),
            "session" => Some(CapWindow::Session),
            d => match crate::time::parse_duration(d) {
                Ok(w) => Some(CapWindow::Rolling(w)),
                Err(e) => {
                    ck.err(&pp, msg!("{e}; or \"session\", \"lifetime\""));
                    None
                }
            },
        });
    if per.as_ref().is_some_and(|p| *p != CapWindow::Lifetime)
        && max.is_some_and(|m| m > MAX_IMPRESSION_TIMES as u64)
    {
        ck.err(
            &mp,
            msg!("at most {MAX_IMPRESSION_TIMES} for a window (impression times kept per offer)"),
        );
        return None;
    }
    Some(Cap {
        max: max?,
        per: per?,
    })
}

/// A CSS selector the three rewriters support: type, `#id`, `.class`, `[attr]` forms, `*`,
/// descendant and child combinators, `:not()`, `:nth-child()` and friends.
pub fn check_selector(s: &str) -> Result<(), String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty selector".into());
    }
    let mut depth_sq = 0i32;
    let mut depth_par = 0i32;
    let mut quote: Option<char> = None;
    for c in t.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth_sq += 1,
            (None, ']') => depth_sq -= 1,
            (None, '(') => depth_par += 1,
            (None, ')') => depth_par -= 1,
            (None, '{' | '}' | ';') => return Err(msg!("invalid selector \"{s}\": '{c}' is not allowed")),
            (None, '+' | '~') if depth_sq == 0 && depth_par == 0 => {
                return Err(msg!("invalid selector \"{s}\": the '{c}' combinator is not supported by HTML rewriters (use descendant or '>')"))
            }
            _ => {}
        }
        if depth_sq < 0 || depth_par < 0 {
            return Err(msg!("invalid selector \"{s}\": unbalanced brackets"));
        }
    }
    if quote.is_some() || depth_sq != 0 || depth_par != 0 {
        return Err(msg!(
            "invalid selector \"{s}\": unbalanced brackets or quotes"
        ));
    }
    if t.contains("::") {
        return Err(msg!(
            "invalid selector \"{s}\": pseudo-elements cannot be rewritten"
        ));
    }
    #[cfg(feature = "html")]
    {
        if let Err(e) = t.parse::<lol_html::Selector>() {
            return Err(msg!("invalid selector \"{s}\": {e}"));
        }
    }
    Ok(())
}

fn group_slots(offers: &[Offer]) -> Vec<SlotGroup> {
    let mut groups: Vec<SlotGroup> = Vec::new();
    for (i, o) in offers.iter().enumerate() {
        let (key, css) = match &o.target {
            Target::Slot(s) => (s.clone(), None),
            Target::Selector(c) => (c.clone(), Some(c.clone())),
        };
        match groups.iter_mut().find(|g| g.key == key && g.css == css) {
            Some(g) => g.offers.push(i),
            None => groups.push(SlotGroup {
                key,
                css,
                offers: vec![i],
            }),
        }
    }
    for g in &mut groups {
        // Stable: equal priorities stay in file order.
        crate::profile::sort_desc_stable(&mut g.offers, &|i| offers[i].priority);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../examples/config.json");

    fn errors_of(patch: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
        patch(&mut v);
        match compile(&v.to_string()) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|i| i.to_string()).collect(),
        }
    }

    #[test]
    fn the_example_compiles() {
        let c = compile(EXAMPLE).unwrap();
        assert_eq!(c.offers.len(), 13);
        assert_eq!(c.segments.len(), 9);
        assert_eq!(c.timezone.name(), "America/Denver");
        let slots: Vec<&str> = c.slots.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(slots, ["banner", "hero", "recommendations", "ad"]);
        let banner: Vec<&str> = c.slots[0]
            .offers
            .iter()
            .map(|i| c.offers[*i].id.as_str())
            .collect();
        assert_eq!(
            banner[..3],
            ["storm-safety", "winter-preview-expired", "gold-welcome"]
        );
    }

    #[test]
    fn profile_expiry_defaults_to_90_days_and_is_bounded() {
        use crate::time::{DAY, MINUTE};
        assert_eq!(compile(EXAMPLE).unwrap().profile_expiry, 90 * DAY);
        let with = |d: &str| {
            let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
            v["profile"] = serde_json::json!({ "expire_after": d });
            compile(&v.to_string()).map(|c| c.profile_expiry)
        };
        assert_eq!(with("30d").unwrap(), 30 * DAY);
        assert_eq!(with("1m").unwrap(), MINUTE);
        for bad in ["30s", "731d"] {
            let e = with(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("profile.expire_after: must be between"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_documented_error_example() {
        let e = errors_of(|v| {
            v["offers"][3]["when"] = serde_json::json!({"all": [
                {"segment": "cart_abandoner"},
                {"fact": "request.path", "op": "equals", "value": "/"}
            ]});
        });
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "offers[3].when.all[1].op: unknown operator \"equals\"; expected one of eq, ne, "
            ),
            "{}",
            e[0]
        );
    }

    #[test]
    fn every_problem_at_once() {
        let e = errors_of(|v| {
            v["timezone"] = "America/Denvr".into();
            v["offers"][0]["prority"] = 3.into();
            v["offers"][1]["when"]["segment"] = "high_value".into();
            v["offers"][2]["cap"]["per"] = "forever".into();
            v["offers"][6]["schedule"]["end"] = "2026-02-30T00:00:00Z".into();
            v["offers"][8]["experiment"] = "nope".into();
            v["offers"][10]["recommend"]["strategy"] = "bestsellers".into();
            v["intent"]["tiers"][2]["min_score"] = 3.into();
            v["holdout"]["percent"] = 150.into();
            v["segments"]["returning"]["op"] = "gte ".into();
        });
        let expected = [
            "timezone: unknown IANA timezone \"America/Denvr\"",
            "offers[0].prority: unknown field \"prority\" (did you mean \"priority\"?)",
            "offers[1].when.segment: unknown segment \"high_value\"",
            "offers[2].cap.per: invalid duration \"forever\"",
            "offers[6].schedule.end: invalid timestamp",
            "offers[8].experiment: unknown experiment \"nope\"; expected one of compare-hero-2026q4",
            "offers[10].recommend.strategy: unknown strategy \"bestsellers\"; expected one of affinity, complements, recently_viewed",
            "intent.tiers[2].min_score: tiers go from lowest to highest",
            "holdout.percent: must be between 0 and 100",
            "segments.returning.op: unknown operator \"gte \"",
        ];
        for x in expected {
            assert!(
                e.iter().any(|m| m.starts_with(x)),
                "missing {x:?} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expected.len(), "{e:#?}");
    }

    #[test]
    fn structural_rules() {
        let e = errors_of(|v| {
            v["offers"][0]["selector"] = "main > h1".into();
            v["offers"][1]["recommend"] = serde_json::json!({"strategy": "affinity"});
            v["offers"][4].as_object_mut().unwrap().remove("content");
            v["offers"][8]["variants"][2]["content"] = "x".into();
            v["offers"][9]["id"] = "storm-safety".into();
            v["segments"]["returning"] = serde_json::json!({"segment": "gold_member"});
            v["segments"]["gold_member"] = serde_json::json!({"segment": "returning"});
            v["version"] = 2.into();
            v["surprise"] = true.into();
        });
        let expected = [
            "offers[0]: give either \"slot\" or \"selector\", not both",
            "offers[1]: an offer has one of \"content\", \"variants\" or \"recommend\"; found content and",
            "offers[4]: an offer needs \"content\", \"variants\" or \"recommend\"",
            "offers[8].variants[2].content: a control variant keeps the page's own content",
            "offers[9].id: duplicate offer id \"storm-safety\" (also offers[0])",
            "segments.",
            "version: unsupported config version 2",
            "surprise: unknown field \"surprise\"",
        ];
        for x in expected {
            assert!(
                e.iter().any(|m| m.starts_with(x)),
                "missing {x:?} in {e:#?}"
            );
        }
        assert!(e.iter().any(|m| m.contains("in a loop")), "{e:#?}");
    }

    #[test]
    fn selectors_are_checked() {
        assert!(check_selector("main > h1.title").is_ok());
        assert!(check_selector("[data-sp-slot=\"hero\"]").is_ok());
        assert!(check_selector("div:not(.x)").is_ok());
        assert!(check_selector("h1 + p").is_err());
        assert!(check_selector("div[").is_err());
        assert!(check_selector("p::before").is_err());
        assert!(check_selector("a { color: red }").is_err());
    }

    #[test]
    fn local_schedule_times_use_the_config_timezone() {
        let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
        v["offers"][6]["schedule"] = serde_json::json!({"start": "2026-07-01T09:00:00"});
        let c = compile(&v.to_string()).unwrap();
        let want = parse_timestamp("2026-07-01T15:00:00Z", None).unwrap(); // MDT = UTC-6
        assert_eq!(c.offers[6].schedule.start, Some(want));
    }

    #[test]
    fn invalid_json_is_reported() {
        let e = compile("{\"version\": 1,").unwrap_err();
        assert!(e.to_string().starts_with("not valid JSON"), "{e}");
    }
}
