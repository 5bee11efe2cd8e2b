//! `signpost`: check a config, run acceptance journeys, simulate a request.
//!
//! ```text
//! signpost validate <config.json> [--catalog <catalog.json>]
//! signpost journeys <journeys.json> [--config <config.json>] [--catalog <catalog.json>]
//! signpost simulate --config <config.json> [--catalog <catalog.json>] --url <url>
//!                   [--at <time>] [--visitor <id>] [--event <json>]... [--events <file>]
//!                   [--profile <file>] [--save-profile <file>] [--signals <file>]
//!                   [--header <name: value>]... [--country <CC>] [--region <code>] [--text]
//! ```
//! Exit codes: 0 success, 1 invalid config or failing journey, 2 usage or I/O error.

use signpost::journeys::{run, JourneyFile};
use signpost::time::parse_timestamp;
use signpost::{Engine, EngineError, Event, Profile, RequestInfo, Signals};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  signpost validate <config.json> [--catalog <catalog.json>]
  signpost journeys <journeys.json> [--config <config.json>] [--catalog <catalog.json>]
  signpost simulate --config <config.json> [--catalog <catalog.json>] --url <url>
                    [--at <RFC 3339 time>] [--visitor <id>] [--event <json>]... [--events <file>]
                    [--profile <file>] [--save-profile <file>] [--signals <file>]
                    [--header '<name>: <value>']... [--country <CC>] [--region <code>] [--text]";

/// A problem that ends the command: message and exit code.
struct Fail(String, u8);

fn usage(msg: impl Into<String>) -> Fail {
    Fail(format!("{}\n\n{USAGE}", msg.into()), 2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("validate") => validate(&args[1..]),
        Some("journeys") => journeys(&args[1..]),
        Some("simulate") => simulate(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("-V" | "--version") => {
            println!("signpost {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some(other) => Err(usage(format!("unknown command \"{other}\""))),
        None => Err(usage("missing command")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg, code)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

/// Flags and positional arguments; flags listed in `multi` may repeat.
struct Args {
    positional: Vec<String>,
    flags: Vec<(String, String)>,
    switches: Vec<String>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Args, Fail> {
        let mut out = Args {
            positional: Vec::new(),
            flags: Vec::new(),
            switches: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (name, None),
                };
                if switches.contains(&name) {
                    out.switches.push(name.to_string());
                } else if with_value.contains(&name) {
                    let v = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .cloned()
                            .ok_or_else(|| usage(format!("--{name} needs a value")))?,
                    };
                    out.flags.push((name.to_string(), v));
                } else {
                    return Err(usage(format!("unknown option --{name}")));
                }
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    fn one(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

fn read(path: &Path) -> Result<String, Fail> {
    std::fs::read_to_string(path)
        .map_err(|e| Fail(format!("cannot read {}: {e}", path.display()), 2))
}

fn engine(config: &Path, catalog: Option<&Path>) -> Result<Engine, Fail> {
    let cfg = read(config)?;
    let cat = catalog.map(read).transpose()?;
    Engine::new(&cfg, cat.as_deref()).map_err(|e| {
        let (what, path) = match &e {
            EngineError::Config(_) => ("config", config),
            EngineError::Catalog(_) => ("catalog", catalog.unwrap_or(config)),
        };
        let mut msg = format!("{}: invalid {what}", path.display());
        for issue in &e.issues().0 {
            msg.push_str(&format!("\n  {issue}"));
        }
        Fail(msg, 1)
    })
}

fn validate(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["catalog"], &[])?;
    let [config] = a.positional.as_slice() else {
        return Err(usage("validate takes one config file"));
    };
    let catalog = a.one("catalog").map(PathBuf::from);
    let e = engine(Path::new(config), catalog.as_deref())?;
    let c = e.config();
    println!(
        "{config}: valid ({} offers in {} slots, {} segments, {} intent signals, {} tiers, {} experiments, timezone {})",
        c.offers.len(),
        c.slots.len(),
        c.segments.len(),
        c.intent.signals.len(),
        c.intent.tiers.len(),
        c.experiments.len(),
        c.timezone.name()
    );
    if let Some(cat) = &catalog {
        println!(
            "{}: valid ({} products, currency {})",
            cat.display(),
            e.catalog().products.len(),
            e.catalog().currency
        );
        for w in &e.catalog().warnings {
            println!("  warning: {w}");
        }
    }
    Ok(())
}

fn journeys(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["config", "catalog"], &[])?;
    let [file] = a.positional.as_slice() else {
        return Err(usage("journeys takes one journeys file"));
    };
    let file = Path::new(file);
    let parsed = JourneyFile::parse(&read(file)?)
        .map_err(|e| Fail(format!("{}: {e}", file.display()), 2))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let config = match (a.one("config"), &parsed.config) {
        (Some(c), _) => PathBuf::from(c),
        (None, Some(c)) => dir.join(c),
        (None, None) => return Err(usage("the journeys file names no config; pass --config")),
    };
    let catalog = match (a.one("catalog"), &parsed.catalog) {
        (Some(c), _) => Some(PathBuf::from(c)),
        (None, Some(c)) => Some(dir.join(c)),
        (None, None) => None,
    };
    let e = engine(&config, catalog.as_deref())?;
    let report = run(&e, &parsed);
    print!("{}", report.to_text());
    if report.passed() {
        Ok(())
    } else {
        Err(Fail(String::new(), 1))
    }
}

fn simulate(args: &[String]) -> Result<(), Fail> {
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
    let d = e.on_request_with(&mut profile, &req, &signals, now, signpost::Detail::Full);
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
