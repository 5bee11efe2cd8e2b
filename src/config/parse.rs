//! From JSON to [`Config`]: the top level. Each section's grammar is in its own file
//! (`intent.rs`, `offers.rs`, ...); this one reads the few top-level values, calls the sections
//! in the order their names resolve, and collects what the whole config refers to.

use super::check::{index, join, show, Checker, Fields, Issues};
use super::conditions::SegmentNames;
use super::grammar::TOP;
use super::{
    experiments, intent, offers, recommend, segments, settings, track, Config, EventTypes,
    CONFIG_VERSION,
};
use crate::conditions::Cond;
use crate::config::check::msg;
use crate::offers::Body;
use crate::timezone::Tz;
use serde_json::Value;

/// Parses and compiles a config, or returns every problem found, each with its path.
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
    let top = ck.object(v, "", &TOP)?;
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
    let site = ck
        .field(top, "", "site", Checker::string)
        .map(str::to_string);
    let timezone = ck
        .field(top, "", "timezone", timezone)
        .unwrap_or_else(Tz::utc);
    let track = section(ck, top, "track", |ck, t| track::compile(ck, t, "track"));
    let intent = section(ck, top, "intent", intent::compile);
    // Segment names first, so segments and offers can refer to any of them.
    let (seg_names, segments) = section(ck, top, "segments", segments::compile);
    let names = SegmentNames(Some(&seg_names));
    let experiments = section(ck, top, "experiments", experiments::compile);
    let recommendations = section(ck, top, "recommendations", recommend::compile);
    let offers = section(ck, top, "offers", |ck, o| {
        offers::compile(ck, o, &names, &experiments, &timezone)
    });
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
    let holdout = section(ck, top, "holdout", experiments::compile_holdout);
    let consent = section(ck, top, "consent", settings::consent);
    let attribution = section(ck, top, "attribution", settings::attribution);
    let profile = section(ck, top, "profile", settings::profile);
    let trusted_events = section(ck, top, "trusted_events", settings::trusted_events);
    let funnels = section(ck, top, "funnels", settings::funnels);
    #[cfg(feature = "actions")]
    let (destinations, actions) = {
        let d = section(ck, top, "destinations", super::actions::destinations);
        let dests = top.get("destinations").and_then(Value::as_object);
        let dests: Vec<&str> = dests
            .into_iter()
            .flat_map(|m| m.keys())
            .map(String::as_str)
            .collect();
        let a = section(ck, top, "actions", |ck, v| {
            super::actions::actions(ck, v, &seg_names, &segments, &dests)
        });
        (d, a)
    };
    #[cfg(not(feature = "actions"))]
    let (destinations, actions) = (Vec::new(), Vec::new());
    if !ck.issues.is_empty() {
        return None;
    }
    let mut cfg = Config {
        site,
        timezone,
        track,
        intent,
        segments,
        slots: offers::group_slots(&offers),
        offers,
        recommendations,
        experiments,
        holdout,
        consent,
        profile_expiry: profile.unwrap_or(super::DEFAULT_PROFILE_EXPIRY),
        attribution_window: attribution.unwrap_or(super::DEFAULT_ATTRIBUTION_WINDOW),
        events: EventTypes {
            referenced: Vec::new(),
            trusted: trusted_events,
        },
        funnels,
        destinations,
        actions,
    };
    cfg.events.referenced = referenced_events(&cfg);
    Some(cfg)
}

/// A top-level section compiled by `f`, or its default when the config leaves it out.
fn section<T: Default>(
    ck: &mut Checker,
    top: &Fields,
    name: &str,
    f: impl FnOnce(&mut Checker, &Value) -> T,
) -> T {
    top.get(name).map(|v| f(ck, v)).unwrap_or_default()
}

/// `timezone`: an IANA name, or UTC (reported) when it names none.
fn timezone(ck: &mut Checker, v: &Value, path: &str) -> Option<Tz> {
    let name = ck.string(v, path)?;
    Some(Tz::lookup(name).unwrap_or_else(|| {
        // The hints inside `msg!`: a build without messages has no use for the search.
        ck.err(path, msg!("unknown IANA timezone \"{name}\"{}; e.g. \"America/Denver\", \"Europe/Paris\", \"UTC\"", zone_hints(name)));
        Tz::utc()
    }))
}

/// ` (did you mean A, B?)` with the zones close to an unknown `name`, or nothing.
fn zone_hints(name: &str) -> String {
    let hints = Tz::suggest(name);
    if hints.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", hints.join(", "))
    }
}

/// Event types the config refers to, each once, in order of first mention.
fn referenced_events(c: &Config) -> Vec<String> {
    let mut out: Vec<String> = c.intent.signals.iter().map(|s| s.event.clone()).collect();
    out.extend(c.intent.reset_on.iter().cloned());
    for s in &c.segments {
        collect_events(&s.cond, &mut out);
    }
    for o in &c.offers {
        if let Some(when) = &o.when {
            collect_events(when, &mut out);
        }
    }
    out.extend(c.track.iter().map(|t| t.event.clone()));
    out.extend(c.experiments.iter().filter_map(|e| e.goal.clone()));
    out.extend(c.offers.iter().filter_map(|o| o.goal.clone()));
    out.extend(c.holdout.as_ref().and_then(|h| h.goal.clone()));
    for a in &c.actions {
        if let crate::actions::Trigger::Event(k) = &a.on {
            out.push(k.clone());
        }
        if let Some(cond) = &a.cond {
            collect_events(cond, &mut out);
        }
    }
    // Only membership is asked: no sort, whose code the browser's wasm would carry for this
    // alone.
    let mut seen = 0;
    for i in 0..out.len() {
        if !out[..seen].contains(&out[i]) {
            out.swap(seen, i);
            seen += 1;
        }
    }
    out.truncate(seen);
    out
}

fn collect_events(c: &Cond, out: &mut Vec<String>) {
    match c {
        Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| collect_events(c, out)),
        Cond::Not(c) => collect_events(c, out),
        Cond::Event(e) => out.push(e.kind.clone()),
        _ => {}
    }
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

    /// Every message of `expected` starts one of `e`.
    fn assert_reported(e: &[String], expected: &[&str]) {
        for x in expected {
            assert!(
                e.iter().any(|m| m.starts_with(x)),
                "missing {x:?} in {e:#?}"
            );
        }
    }

    #[test]
    fn the_example_compiles() {
        let c = compile(EXAMPLE).unwrap();
        assert_eq!(c.offers.len(), 13);
        assert_eq!(c.segments.len(), 10);
        assert_eq!((c.destinations.len(), c.actions.len()), (2, 5));
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
        assert_reported(&e, &expected);
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
        assert_reported(&e, &expected);
        assert!(e.iter().any(|m| m.contains("in a loop")), "{e:#?}");
    }

    #[test]
    fn trusted_events_are_event_names_each_once() {
        let with = |t: Value| {
            let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
            v["trusted_events"] = t;
            compile(&v.to_string())
        };
        let c = with(serde_json::json!(["purchase", "refund"])).unwrap();
        assert!(c.events.is_trusted("refund") && !c.events.is_trusted("add_to_cart"));
        assert_eq!(compile(EXAMPLE).unwrap().events.trusted, ["purchase"]);
        assert!(with(serde_json::json!([]))
            .unwrap()
            .events
            .trusted
            .is_empty());
        let e = with(serde_json::json!(["purchase", "a b", "purchase"])).unwrap_err();
        let e: Vec<String> = e.0.iter().map(|i| i.to_string()).collect();
        assert_reported(
            &e,
            &[
                "trusted_events[1]: ",
                "trusted_events[2]: \"purchase\" is listed twice",
            ],
        );
        assert!(with("purchase".into()).is_err());
    }

    #[test]
    fn invalid_json_is_reported() {
        let e = compile("{\"version\": 1,").unwrap_err();
        assert!(e.to_string().starts_with("not valid JSON"), "{e}");
    }
}
