//! `signpost simulate`: one request through the engine, with the events and profile given.

use crate::{engine, read, usage, Args, Fail};
use signpost::time::parse_timestamp;
use signpost::{Event, Profile, RequestInfo, Signals};
use std::path::Path;

pub(crate) fn simulate(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(
        args,
        &[
            "config",
            "catalog",
            "url",
            "at",
            "visitor",
            "event",
            "events",
            "profile",
            "save-profile",
            "signals",
            "header",
            "country",
            "region",
        ],
        &["text"],
    )?;
    if !a.positional.is_empty() {
        return Err(usage(format!(
            "unexpected argument \"{}\"",
            a.positional[0]
        )));
    }
    let config = a
        .one("config")
        .ok_or_else(|| usage("simulate needs --config"))?;
    let url = a.one("url").ok_or_else(|| usage("simulate needs --url"))?;
    let e = engine(Path::new(config), a.one("catalog").map(Path::new))?;
    let now = match a.one("at") {
        Some(t) => parse_timestamp(t, None).map_err(|m| usage(format!("--at: {m}")))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    };
    let mut profile = match a.one("profile") {
        Some(p) => {
            Profile::from_json(&read(Path::new(p))?).map_err(|m| Fail(format!("{p}: {m}"), 2))?
        }
        None => Profile::new(a.one("visitor").unwrap_or("simulated-visitor")),
    };
    if let Some(v) = a.one("visitor") {
        profile.id = v.to_string();
    }
    let mut events: Vec<Event> = Vec::new();
    if let Some(f) = a.one("events") {
        let list: Vec<Event> = serde_json::from_str(&read(Path::new(f))?)
            .map_err(|m| Fail(format!("{f}: expected a JSON array of events: {m}"), 2))?;
        events.extend(list);
    }
    for (i, ev) in a.all("event").into_iter().enumerate() {
        events
            .push(serde_json::from_str(ev).map_err(|m| usage(format!("--event #{}: {m}", i + 1)))?);
    }
    // Events without a time happen just before the request, in the order given.
    let n = events.len() as i64;
    for (i, ev) in events.iter_mut().enumerate() {
        ev.at.get_or_insert(now - (n - i as i64) * 1000);
    }
    events.sort_by_key(|e| e.at);
    for ev in &events {
        e.record_event(&mut profile, ev, ev.at.unwrap_or(now));
    }
    let signals: Signals = match a.one("signals") {
        Some(f) => serde_json::from_str(&read(Path::new(f))?)
            .map_err(|m| Fail(format!("{f}: expected a JSON object: {m}"), 2))?,
        None => Signals::new(),
    };
    let mut headers = Vec::new();
    for h in a.all("header") {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| usage(format!("--header \"{h}\": write name: value")))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let req = RequestInfo {
        url: url.to_string(),
        headers,
        country: a.one("country").map(str::to_string),
        region: a.one("region").map(str::to_string),
    };
    let d = e.on_request_unserved(&mut profile, &req, &signals, now, signpost::Detail::Full);
    e.record_served(&mut profile, &d, now);
    if let Some(p) = a.one("save-profile") {
        std::fs::write(p, profile.to_json())
            .map_err(|m| Fail(format!("cannot write {p}: {m}"), 2))?;
    }
    if a.has("text") {
        print!("{}", d.explanation.to_text());
    } else {
        let json = serde_json::to_string_pretty(&d).map_err(|m| Fail(m.to_string(), 2))?;
        println!("{json}");
    }
    Ok(())
}
