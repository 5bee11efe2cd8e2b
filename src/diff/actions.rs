//! How `destinations` and `actions` changed, in the marketer's words: "action \"cart-email\"
//! added: on enter cart_abandoner, wait 1h, send email", "action \"pql\": cap no cap → 1
//! ever", "destination \"crm\": url … → …".

use super::words::{cap, cond_opt, opt, short};
use super::{compare_lists, fields, keyed, named, Aspect, Change, Subject};
use crate::config::grammar::TOP;
use serde_json::Value;

/// The changes of the top-level section `name` (`destinations` or `actions`).
pub(super) fn section(out: &mut Vec<Change>, name: &str, a: Option<&Value>, b: Option<&Value>) {
    if name == "destinations" {
        let changed = |out: &mut _, s, x: &_, y: &_| fields(out, s, x, y, &[]);
        let sides = (&named(a)[..], &named(b)[..]);
        compare_lists(out, sides, Subject::Destination, destination, changed);
    } else {
        let (x, y) = (keyed(&TOP, name, a), keyed(&TOP, name, b));
        compare_lists(out, (&x, &y), Subject::Action, action, action_changes);
    }
}

/// `segment to https://crm.example/hooks`.
fn destination(d: &Value) -> String {
    let format = d.get("format").map_or_else(|| "signpost".into(), short);
    format!("{format} to {}", opt(d.get("url")))
}

/// `enter cart_abandoner`, `event purchase`.
fn trigger(on: Option<&Value>) -> String {
    match on.and_then(Value::as_object).and_then(|m| m.iter().next()) {
        Some((k, v)) => format!("{k} {}", short(v)),
        None => opt(on),
    }
}

/// `on enter cart_abandoner, wait 1h, if …, send email`.
fn action(a: &Value) -> String {
    let mut s = format!("on {}", trigger(a.get("on")));
    if let Some(w) = a.get("wait") {
        s.push_str(&format!(", wait {}", short(w)));
    }
    if a.get("if").is_some() {
        s.push_str(&format!(", if {}", cond_opt(a.get("if"))));
    }
    s.push_str(&format!(", send {}", opt(a.get("send"))));
    s
}

fn action_changes(out: &mut Vec<Change>, subject: Subject, a: &Value, b: &Value) {
    if a.get("on") != b.get("on") {
        let (from, to) = (trigger(a.get("on")), trigger(b.get("on")));
        out.push(Change::changed(
            subject.clone(),
            Aspect::Field("on".into()),
            from,
            to,
        ));
    }
    if a.get("if") != b.get("if") {
        let (from, to) = (cond_opt(a.get("if")), cond_opt(b.get("if")));
        out.push(Change::changed(
            subject.clone(),
            Aspect::Condition,
            from,
            to,
        ));
    }
    if a.get("cap") != b.get("cap") {
        let (from, to) = (cap(a.get("cap")), cap(b.get("cap")));
        out.push(Change::changed(subject.clone(), Aspect::Cap, from, to));
    }
    fields(out, subject, a, b, &["id", "on", "if", "cap"]);
}

#[cfg(test)]
mod tests {
    use super::super::diff;
    use serde_json::{json, Value};

    fn lines(a: &Value, b: &Value) -> Vec<String> {
        diff(a, b).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn destinations_and_actions_in_words() {
        let a: Value = serde_json::from_str(include_str!("../../examples/config.json")).unwrap();
        let mut b = a.clone();
        b["destinations"]["crm"]["url"] = "https://crm.example/hooks".into();
        b["destinations"]["ads"] = json!({"url": "https://ads.example/", "secret": "ADS"});
        b["actions"][0]["wait"] = "1h".into();
        b["actions"][0]["if"] = json!({"segment": "returning"});
        b["actions"][1]["on"] = json!({"exit": "trip_planner_power_user"});
        b["actions"][4]["cap"] = json!({"max": 2, "per": "30d"});
        b["actions"].as_array_mut().unwrap().remove(3);
        assert_eq!(
            lines(&a, &b),
            [
                "destination \"ads\" added: signpost to https://ads.example/",
                "destination \"crm\": url \"http://127.0.0.1:8790/hooks/crm\" → \"https://crm.example/hooks\"",
                "action \"ads-off\" removed (was: on exit retargeting_audience, send crm)",
                "action \"cart-email\": condition changed: not (purchase within 10m) → segment returning",
                "action \"cart-email\": wait \"10m\" → \"1h\"",
                "action \"pql\": on enter trip_planner_power_user → exit trip_planner_power_user",
                "action \"gold\": cap 1 ever → 2 per 30d",
            ]
        );
    }
}
