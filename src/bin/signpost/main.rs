//! `signpost`: check a config, run acceptance journeys, simulate a request, rewrite a page,
//! publish to Workers KV, read the measurement report and send server events.
//!
#![doc = concat!("```text\n", include_str!("usage.txt"), "```")]
//!
//! KV is reached through `node_modules/.bin/wrangler kv`, run from the directory holding
//! wrangler.toml.
//!
//! Exit codes: 0 success, 1 invalid config, failing journey, refused publish or a rejected
//! ingested event, 2 usage, I/O, HTTP or KV error.

mod args;
mod check;
mod http;
mod ingest;
mod kv;
mod publish;
mod report;
mod rewrite;
mod simulate;

use args::Args;
use signpost::{Engine, EngineError};
use std::path::Path;
use std::process::ExitCode;

/// What `--help` prints, and every usage error after its message (also the docs above).
const USAGE: &str = include_str!("usage.txt");

/// A problem that ends the command: message and exit code.
struct Fail(String, u8);

fn usage(msg: impl Into<String>) -> Fail {
    Fail(format!("{}\n\n{}", msg.into(), USAGE.trim_end()), 2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("validate") => check::validate(&args[1..]),
        Some("journeys") => check::journeys(&args[1..]),
        Some("simulate") => simulate::simulate(&args[1..]),
        Some("rewrite") => rewrite::rewrite(&args[1..]),
        Some("report") => report::report(&args[1..]),
        Some("deliveries") => report::deliveries(&args[1..]),
        Some("ingest") => ingest::ingest(&args[1..]),
        Some("diff") => check::diff(&args[1..]),
        Some("publish") => publish::publish_config(&args[1..]),
        Some("publish-catalog") => publish::publish_catalog(&args[1..]),
        Some("signal") => publish::signal(&args[1..]),
        Some("versions") => publish::versions(&args[1..]),
        Some("rollback") => publish::rollback(&args[1..]),
        Some("limits") if args[1..] == ["--js"] => {
            print!("{}", signpost::limits::js_module());
            Ok(())
        }
        Some("-h" | "--help" | "help") => {
            println!("{}", USAGE.trim_end());
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

fn read_json(path: &str) -> Result<serde_json::Value, Fail> {
    let text = read(Path::new(path))?;
    serde_json::from_str(&text).map_err(|e| Fail(format!("{path}: not valid JSON: {e}"), 2))
}
