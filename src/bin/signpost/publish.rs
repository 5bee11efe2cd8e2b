//! The publishing commands: publish a config or catalog, set a signal, list versions, roll
//! back (the core's `signpost::publish` over [`WranglerKv`]).

use crate::http;
use crate::kv::{kv_for, TARGET_FLAGS, TARGET_SWITCHES};
use crate::{read, usage, Args, Fail};
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

pub(crate) fn publish_config(args: &[String]) -> Result<(), Fail> {
    let flags = ["catalog", "base", "author", "message", "env", "persist-to"];
    let a = Args::parse(args, &flags, TARGET_SWITCHES)?;
    let [config] = a.positional.as_slice() else {
        return Err(usage("publish takes one config file"));
    };
    let how = publication(&a)?;
    let json = read(Path::new(config))?;
    let catalog = a.one("catalog").map(|c| read(Path::new(c))).transpose()?;
    // Validate before touching KV: an invalid config never reaches wrangler.
    if let Err(e) = Engine::new(&json, catalog.as_deref()) {
        let (what, path) = match &e {
            EngineError::Config(_) => ("config", config.as_str()),
            EngineError::Catalog(_) => ("catalog", a.one("catalog").unwrap_or(config)),
        };
        let mut msg = format!("{path}: invalid {what}; nothing was published");
        for issue in &e.issues().0 {
            msg.push_str(&format!("\n  {issue}"));
        }
        return Err(Fail(msg, 1));
    }
    let mut kv = kv_for(&a)?;
    let p = publish::publish_with(&mut kv, &json, catalog.as_deref(), &how).map_err(published)?;
    if p.catalog_written {
        println!("wrote catalog");
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

/// A version number given as `--<name> <n>`, if given.
fn version_flag(a: &Args, name: &str) -> Result<Option<u64>, Fail> {
    a.one(name)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| usage(format!("--{name} {v}: expected a version number")))
        })
        .transpose()
}

/// The version to check (`--base`) and the record (`--author`, by default the user's login
/// name; `--message`, by default "published from the CLI").
fn publication(a: &Args) -> Result<Publication, Fail> {
    let base = version_flag(a, "base")?;
    let login = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let author = a.one("author").map_or(login, str::to_string);
    let message = a.one("message").unwrap_or("published from the CLI");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let meta = Meta::new(now, &author, message).map_err(|e| usage(e.to_string()))?;
    Ok(Publication {
        base,
        meta: Some(meta),
    })
}

pub(crate) fn publish_catalog(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, TARGET_FLAGS, TARGET_SWITCHES)?;
    let [catalog] = a.positional.as_slice() else {
        return Err(usage("publish-catalog takes one catalog file"));
    };
    let json = read(Path::new(catalog))?;
    if let Err(issues) = signpost::catalog::Catalog::parse(&json) {
        let mut msg = format!("{catalog}: invalid catalog; nothing was published");
        for issue in &issues.0 {
            msg.push_str(&format!("\n  {issue}"));
        }
        return Err(Fail(msg, 1));
    }
    let mut kv = kv_for(&a)?;
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
pub(crate) fn signal(args: &[String]) -> Result<(), Fail> {
    let flags = [TARGET_FLAGS, &["url"]].concat();
    let a = Args::parse(args, &flags, TARGET_SWITCHES)?;
    let [name, data] = a.positional.as_slice() else {
        return Err(usage(
            "signal takes a name and its JSON data (null removes it)",
        ));
    };
    let data: serde_json::Value = serde_json::from_str(data)
        .map_err(|e| usage(format!("signal data is not valid JSON: {e}")))?;
    let removing = data.is_null();
    let (all, woken) = match a.one("url") {
        Some(base) => signal_through(base, name, data)?,
        None => {
            let mut kv = kv_for(&a)?;
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
    let token = http::admin_token("signal --url")?;
    let url = http::endpoint(Some(base), "signals");
    let body = serde_json::json!({ "name": name, "data": data }).to_string();
    let answer = http::call("POST", &url, &token, Some(&body))?;
    if answer.status != 200 {
        return Err(Fail(
            format!("{url}: {}: {}", answer.status, answer.error()),
            2,
        ));
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

pub(crate) fn versions(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, TARGET_FLAGS, TARGET_SWITCHES)?;
    if let Some(p) = a.positional.first() {
        return Err(usage(format!("unexpected argument \"{p}\"")));
    }
    let mut kv = kv_for(&a)?;
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

pub(crate) fn rollback(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["to", "env", "persist-to"], TARGET_SWITCHES)?;
    if let Some(p) = a.positional.first() {
        return Err(usage(format!("unexpected argument \"{p}\"")));
    }
    let to = version_flag(&a, "to")?;
    let mut kv = kv_for(&a)?;
    let r = publish::rollback(&mut kv, to).map_err(published)?;
    println!("moved config:current {} → {}", r.from, r.to);
    println!("changes from version {} to {}:", r.from, r.to);
    print_changes(&r.changes);
    Ok(())
}
