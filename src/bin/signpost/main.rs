//! `signpost`: check a config, run acceptance journeys, simulate a request, rewrite a page,
//! publish to Workers KV, read the measurement report and send server events.
//!
//! The commands and their flags are in args.rs (clap), which is also the help; docs/cli.md
//! is the manual. KV is reached through `node_modules/.bin/wrangler kv`, run from the
//! directory holding wrangler.toml; a running Worker through HTTP in this process.
//!
//! Exit codes: 0 success; 1 invalid config, failing journey, refused publish or a rejected
//! ingested event; 2 usage, I/O, HTTP or KV error.

mod args;
mod check;
mod http;
mod ingest;
mod kv;
mod publish;
mod report;
mod rewrite;
mod simulate;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use signpost::{Engine, EngineError};
use std::path::Path;
use std::process::ExitCode;

/// A problem that ends the command: message and exit code.
struct Fail(String, u8);

/// A usage error of `signpost <command>` found after parsing (what clap cannot see, such as an
/// environment variable), rendered as clap renders its own, with exit code 2.
fn usage(command: &str, msg: impl std::fmt::Display) -> Fail {
    let mut cli = Cli::command();
    cli.build();
    let err = match cli.find_subcommand_mut(command) {
        Some(sub) => sub.error(clap::error::ErrorKind::MissingRequiredArgument, msg),
        None => cli.error(clap::error::ErrorKind::MissingRequiredArgument, msg),
    };
    Fail(err.render().to_string().trim_end().to_string(), 2)
}

fn main() -> ExitCode {
    // Help and version exit 0; a usage error prints clap's message and exits 2.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(a) => check::validate(&a),
        Command::Journeys(a) => check::journeys(&a),
        Command::Diff(a) => check::diff(&a),
        Command::Simulate(a) => simulate::simulate(&a),
        Command::Rewrite(a) => rewrite::rewrite(&a),
        Command::Report(a) => report::report(&a),
        Command::Deliveries(a) => report::deliveries(&a),
        Command::Ingest(a) => ingest::ingest(&a),
        Command::Publish(a) => publish::publish_config(&a),
        Command::PublishCatalog(a) => publish::publish_catalog(&a),
        Command::Signal(a) => publish::signal(&a),
        Command::Versions(a) => publish::versions(&a),
        Command::Rollback(a) => publish::rollback(&a),
        Command::Limits(_) => {
            print!("{}", signpost::limits::js_module());
            Ok(())
        }
        Command::Completions(a) => {
            clap_complete::generate(
                a.shell,
                &mut Cli::command(),
                "signpost",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg, code)) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
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
