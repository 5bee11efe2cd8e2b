//! `signpost simulate`: one request through the engine, with the events and profile given.

use crate::args::Simulate;
use crate::{engine, read, Fail};
use signpost::{Event, Profile, RequestInfo, Signals};

pub(crate) fn simulate(a: &Simulate) -> Result<(), Fail> {
    let e = engine(&a.config, a.catalog.as_deref())?;
    let now = match a.at {
        Some(t) => t,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    };
    let mut profile = match &a.profile {
        // JSON as `--save-profile` writes it, or a stored profile as KV holds it (binary).
        Some(p) => std::fs::read(p)
            .map_err(|e| Fail(format!("cannot read {}: {e}", p.display()), 2))
            .and_then(|b| {
                Profile::from_stored(&b).map_err(|m| Fail(format!("{}: {m}", p.display()), 2))
            })?,
        None => Profile::new(a.visitor.as_deref().unwrap_or("simulated-visitor")),
    };
    if let Some(v) = &a.visitor {
        profile.id = v.clone();
    }
    let mut events: Vec<Event> = Vec::new();
    if let Some(f) = &a.events {
        let list: Vec<Event> = serde_json::from_str(&read(f)?).map_err(|m| {
            Fail(
                format!("{}: expected a JSON array of events: {m}", f.display()),
                2,
            )
        })?;
        events.extend(list);
    }
    events.extend(a.events_inline.iter().cloned());
    // Events without a time happen just before the request, in the order given.
    let n = events.len() as i64;
    for (i, ev) in events.iter_mut().enumerate() {
        ev.at.get_or_insert(now - (n - i as i64) * 1000);
    }
    events.sort_by_key(|e| e.at);
    for ev in &events {
        e.record_event(&mut profile, ev, ev.at.unwrap_or(now));
    }
    let signals: Signals = match &a.signals {
        Some(f) => serde_json::from_str(&read(f)?)
            .map_err(|m| Fail(format!("{}: expected a JSON object: {m}", f.display()), 2))?,
        None => Signals::new(),
    };
    let req = RequestInfo {
        url: a.url.clone(),
        headers: a.headers.clone(),
        country: a.country.clone(),
        region: a.region.clone(),
    };
    let d = e.on_request_unserved(&mut profile, &req, &signals, now, signpost::Detail::Full);
    e.record_served(&mut profile, &d, now);
    if let Some(p) = &a.save_profile {
        std::fs::write(p, profile.to_json())
            .map_err(|m| Fail(format!("cannot write {}: {m}", p.display()), 2))?;
    }
    if a.text {
        print!("{}", d.explanation.to_text());
    } else {
        let json = serde_json::to_string_pretty(&d).map_err(|m| Fail(m.to_string(), 2))?;
        println!("{json}");
    }
    Ok(())
}
