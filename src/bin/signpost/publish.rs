//! The publishing commands: publish a config or catalog, set a signal, list versions, roll
//! back (the core's `signpost::publish` over [`WranglerKv`]).

use crate::args::{Publish, PublishCatalog, Rollback, Signal, Versions};
use crate::http;
use crate::kv::kv_for;
use crate::report::ADMIN_TOKEN_HINT;
use crate::{read, usage, Fail};
use signpost::publish::{self, Meta, Publication, PublishError};
use signpost::{Engine, EngineError};
use std::path::Path;

fn published(e: PublishError) -> Fail {
    let code = match e {
        PublishError::Invalid { .. } | PublishError::Refused(_) | PublishError::Moved(_) => 1,
        PublishError::Store { .. } | PublishError::Corrupt(_) => 2,
    };
    Fail(e.to_string(), code)
}

fn print_changes(changes: &[signpost::diff::Change]) {
    if changes.is_empty() {
        println!("  no changes");
    }
    for c in changes {
        println!("  {c}");
    }
}

pub(crate) fn publish_config(a: &Publish) -> Result<(), Fail> {
    let config = &a.config;
    let how = publication(a)?;
    let json = read(Path::new(config))?;
    let catalog = a
        .catalog
        .as_deref()
        .map(|c| read(Path::new(c)))
        .transpose()?;
    // Validate before touching KV: an invalid config never reaches wrangler.
    if let Err(e) = Engine::new(&json, catalog.as_deref()) {
        let (what, path) = match &e {
            EngineError::Config(_) => ("config", config.as_str()),
            EngineError::Catalog(_) => ("catalog", a.catalog.as_deref().unwrap_or(config)),
        };
        let mut msg = format!("{path}: invalid {what}; nothing was published");
        for issue in &e.issues().0 {
            msg.push_str(&format!("\n  {issue}"));
        }
        return Err(Fail(msg, 1));
    }
    let mut kv = kv_for(&a.target)?;
    let p = publish::publish_with(&mut kv, &json, catalog.as_deref(), &how).map_err(published)?;
    if p.catalog_written {
        println!("wrote catalog");
    }
    match &p.snapshot_error {
        None => println!("wrote {}", signpost::snapshot::key(p.version)),
        // Only a cache: the Worker compiles the JSON, and writes the snapshot itself.
        Some(e) => eprintln!("warning: the compiled snapshot was not written ({e})"),
    }
    match p.previous {
        Some(prev) => {
            println!(
                "published config:{} and moved config:current {prev} → {}",
                p.version, p.version
            );
            println!("changes since version {prev}:");
            print_changes(&p.changes);
        }
        None => println!(
            "published config:{} and pointed config:current at it (first version)",
            p.version
        ),
    }
    println!("live within about a minute (KV propagation and the Worker's 30 s config cache)");
    Ok(())
}

/// The version to check (`--base`) and the record (`--author`, by default the user's login
/// name; `--message`, by default "published from the CLI").
fn publication(a: &Publish) -> Result<Publication, Fail> {
    let login = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let author = a.author.clone().unwrap_or(login);
    let message = a.message.as_deref().unwrap_or("published from the CLI");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let meta = Meta::new(now, &author, message).map_err(|e| usage("publish", e))?;
    Ok(Publication {
        base: a.base,
        meta: Some(meta),
    })
}

pub(crate) fn publish_catalog(a: &PublishCatalog) -> Result<(), Fail> {
    let catalog = &a.catalog;
    let json = read(Path::new(catalog))?;
    if let Err(issues) = signpost::catalog::Catalog::parse(&json) {
        let mut msg = format!("{catalog}: invalid catalog; nothing was published");
        for issue in &issues.0 {
            msg.push_str(&format!("\n  {issue}"));
        }
        return Err(Fail(msg, 1));
    }
    let mut kv = kv_for(&a.target)?;
    let c = publish::publish_catalog(&mut kv, &json).map_err(published)?;
    println!(
        "published catalog ({} products, currency {})",
        c.products.len(),
        c.currency
    );
    for w in &c.warnings {
        println!("  warning: {w}");
    }
    Ok(())
}

/// `signal`: through a running Worker's `POST /__signpost/signals` with `--url` (journeys that
/// read signals then look at every profile again), else straight into KV.
pub(crate) fn signal(a: &Signal) -> Result<(), Fail> {
    let (name, data) = (&a.name, a.data.clone());
    let removing = data.is_null();
    let (all, woken) = match &a.url {
        Some(base) => signal_through(base, name, data)?,
        None => {
            let mut kv = kv_for(&a.target)?;
            (
                publish::set_signal(&mut kv, name, data).map_err(published)?,
                false,
            )
        }
    };
    let names: Vec<&str> = all.keys().map(String::as_str).collect();
    println!(
        "{} signal \"{name}\"; signals now: {}{}",
        if removing { "removed" } else { "set" },
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        if woken {
            "; journeys that read signals are looking at every profile again"
        } else {
            ""
        }
    );
    Ok(())
}

/// Sets a signal through the Worker; the signals now and whether profiles are being woken.
fn signal_through(
    base: &str,
    name: &str,
    data: serde_json::Value,
) -> Result<(signpost::Signals, bool), Fail> {
    let token = http::admin_token("signal")?;
    let url = http::endpoint(base, "signals");
    let body = serde_json::json!({ "name": name, "data": data }).to_string();
    let answer = http::call("POST", &url, &token, Some(&body))?;
    if answer.status != 200 {
        return Err(answer.fail(&url, ADMIN_TOKEN_HINT));
    }
    #[derive(serde::Deserialize)]
    struct Stored {
        signals: signpost::Signals,
        #[serde(default)]
        woken: bool,
    }
    let stored: Stored = serde_json::from_str(&answer.body)
        .map_err(|e| Fail(format!("{url}: not a signals answer: {e}"), 2))?;
    Ok((stored.signals, stored.woken))
}

pub(crate) fn versions(a: &Versions) -> Result<(), Fail> {
    let mut kv = kv_for(&a.target)?;
    let list = publish::versions(&mut kv).map_err(published)?;
    if list.is_empty() {
        println!("no versions published");
    }
    for v in list {
        println!(
            "{} {:>4}  {}",
            if v.live { "*" } else { " " },
            v.number,
            v.summary
        );
        if let Some(m) = &v.meta {
            println!("        {}", m.line());
        }
    }
    Ok(())
}

pub(crate) fn rollback(a: &Rollback) -> Result<(), Fail> {
    let mut kv = kv_for(&a.target)?;
    let r = publish::rollback(&mut kv, a.to).map_err(published)?;
    println!("moved config:current {} → {}", r.from, r.to);
    println!("changes from version {} to {}:", r.from, r.to);
    print_changes(&r.changes);
    Ok(())
}
