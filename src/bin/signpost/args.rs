//! The command line as clap reads it: one struct per command, whose doc comments are the help
//! (`signpost --help`, `signpost <command> --help`) and whose names are the flags docs/cli.md,
//! README and the tests use. Values that can be checked alone (numbers, JSON, times, headers)
//! are checked here, so a bad one is a usage error before anything runs.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// What every `--help` ends with: the exit codes scripts can rely on.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the answer is no: an invalid config or catalog, a failing journey, a refused publish
     or rollback, a rejected ingested event
  2  usage error (unknown command or flag, missing or malformed argument), or the work could
     not be done: a file unreadable, the Worker unreachable or answering an error, KV failing";

/// Signpost's command line: check a config, run acceptance journeys, simulate a request,
/// rewrite a page, publish to Workers KV, read a running Worker's measurement report and
/// deliveries, and send it server events.
///
/// Manual: docs/cli.md.
#[derive(Parser)]
#[command(
    name = "signpost",
    version,
    verbatim_doc_comment,
    after_help = EXIT_CODES,
    args_override_self = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Check a config (and a catalog) and say what it holds
    Validate(Validate),
    /// Print the changes between two configs, one line each
    Diff(Diff),
    /// Validate, then write config:<n> to KV and point config:current at it
    Publish(Publish),
    /// Validate a catalog, then write it to KV
    PublishCatalog(PublishCatalog),
    /// Set or remove a signal, in KV or through a running Worker
    Signal(Signal),
    /// List the published config versions, the live one starred
    Versions(Versions),
    /// Point config:current back at an earlier version
    Rollback(Rollback),
    /// Run acceptance journeys against a config; exit 1 if any step fails
    Journeys(Journeys),
    /// Print a running Worker's measurement report
    Report(Admin),
    /// Print a running Worker's journey deliveries per destination, and the last errors
    Deliveries(Admin),
    /// Send server events from a file to a running Worker's ingest endpoint
    Ingest(Ingest),
    /// Apply a plan (or a Worker's state) to a page, as the Worker would serve it
    Rewrite(Rewrite),
    /// Run one request through the engine and print its decision
    Simulate(Box<Simulate>),
    /// Print the limits on events, as the SDK's sdk-js/src/limits.js
    Limits(Limits),
    /// Print a shell completion script
    Completions(Completions),
}

#[derive(Args)]
pub(crate) struct Validate {
    /// The config to check
    #[arg(value_name = "CONFIG.json")]
    pub(crate) config: PathBuf,
    /// A product catalog to check with it
    #[arg(long, value_name = "CATALOG.json")]
    pub(crate) catalog: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct Diff {
    /// The config as it was
    #[arg(value_name = "BEFORE.json")]
    pub(crate) before: String,
    /// The config as it is to be
    #[arg(value_name = "AFTER.json")]
    pub(crate) after: String,
}

/// Where the KV namespace bound as SIGNPOST is, reached through wrangler from the directory
/// holding wrangler.toml.
#[derive(Args)]
#[command(next_help_heading = "Target (the KV namespace bound as SIGNPOST, through wrangler)")]
pub(crate) struct Target {
    /// wrangler's local KV, as `make dev` uses (the default)
    #[arg(long, conflicts_with = "remote")]
    pub(crate) local: bool,
    /// The local KV kept in this directory
    #[arg(long, value_name = "DIR", conflicts_with = "remote")]
    pub(crate) persist_to: Option<PathBuf>,
    /// The namespace in wrangler.toml
    #[arg(long)]
    pub(crate) remote: bool,
    /// That wrangler environment's namespace (remote unless --local)
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
    /// The wrangler configuration [default: wrangler.toml here or above]
    #[arg(long, value_name = "FILE")]
    pub(crate) wrangler_config: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct Publish {
    /// The config to publish (validated first: an invalid one writes nothing)
    #[arg(value_name = "CONFIG.json")]
    pub(crate) config: String,
    /// Publish this catalog with the config
    #[arg(long, value_name = "CATALOG.json")]
    pub(crate) catalog: Option<String>,
    /// Refuse (write nothing) unless this version is still the live one
    #[arg(long, value_name = "VERSION")]
    pub(crate) base: Option<u64>,
    /// Who publishes, in the version's record [default: $USER]
    #[arg(long, value_name = "NAME")]
    pub(crate) author: Option<String>,
    /// Why, in the version's record [default: "published from the CLI"]
    #[arg(long, value_name = "WHY")]
    pub(crate) message: Option<String>,
    #[command(flatten)]
    pub(crate) target: Target,
}

#[derive(Args)]
pub(crate) struct PublishCatalog {
    /// The catalog to publish (validated first: an invalid one writes nothing)
    #[arg(value_name = "CATALOG.json")]
    pub(crate) catalog: String,
    #[command(flatten)]
    pub(crate) target: Target,
}

#[derive(Args)]
#[command(
    after_help = "With --url through the Worker (the admin token as for report), which also\n\
                        wakes the journeys that read signals; else straight into KV."
)]
pub(crate) struct Signal {
    /// The signal's name
    pub(crate) name: String,
    /// Its JSON data, or null to remove it
    #[arg(value_name = "JSON", value_parser = json_value, allow_hyphen_values = true)]
    pub(crate) data: serde_json::Value,
    /// Through the Worker at this URL (admin token from SIGNPOST_ADMIN_TOKEN)
    #[arg(long, value_name = "WORKER_URL", value_parser = worker_url,
          conflicts_with_all = ["local", "persist_to", "remote", "env"])]
    pub(crate) url: Option<String>,
    #[command(flatten)]
    pub(crate) target: Target,
}

#[derive(Args)]
pub(crate) struct Versions {
    #[command(flatten)]
    pub(crate) target: Target,
}

#[derive(Args)]
pub(crate) struct Rollback {
    /// The version to go back to [default: the newest one below the live one]
    #[arg(long, value_name = "VERSION")]
    pub(crate) to: Option<u64>,
    #[command(flatten)]
    pub(crate) target: Target,
}

#[derive(Args)]
pub(crate) struct Journeys {
    /// The journeys to run
    #[arg(value_name = "JOURNEYS.json")]
    pub(crate) file: PathBuf,
    /// The config [default: the one the journeys file names]
    #[arg(long, value_name = "CONFIG.json")]
    pub(crate) config: Option<PathBuf>,
    /// The catalog [default: the one the journeys file names]
    #[arg(long, value_name = "CATALOG.json")]
    pub(crate) catalog: Option<PathBuf>,
}

/// `report` and `deliveries`: a GET with the admin token.
#[derive(Args)]
#[command(
    after_help = "The admin token comes from SIGNPOST_ADMIN_TOKEN (make dev writes it to .dev.vars)."
)]
pub(crate) struct Admin {
    /// The Worker
    #[arg(long, value_name = "WORKER_URL", default_value = crate::http::DEFAULT_URL,
          value_parser = worker_url)]
    pub(crate) url: String,
    /// Print the Worker's JSON answer as it came
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Args)]
#[command(
    after_help = "The file holds server events ({\"events\": [...]} or a list); they go in\n\
                        order, in calls of at most 500 events and 1 MiB. Each event's id makes a\n\
                        second run count nothing twice."
)]
pub(crate) struct Ingest {
    /// The events to send
    #[arg(value_name = "EVENTS.json")]
    pub(crate) file: String,
    /// The Worker
    #[arg(long, value_name = "WORKER_URL", default_value = crate::http::DEFAULT_URL,
          value_parser = worker_url)]
    pub(crate) url: String,
    /// The environment variable holding the ingest token
    #[arg(long, value_name = "NAME", default_value = "SIGNPOST_INGEST_TOKEN")]
    pub(crate) token_env: String,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("apply").required(true).args(["plan", "state"]))]
pub(crate) struct Rewrite {
    /// The page as the origin sent it
    #[arg(value_name = "PAGE.html")]
    pub(crate) page: String,
    /// The plan to apply
    #[arg(long, value_name = "PLAN.json")]
    pub(crate) plan: Option<String>,
    /// A state the Worker injects: its plan applied, the state itself injected
    #[arg(long, value_name = "STATE.json")]
    pub(crate) state: Option<String>,
}

#[derive(Args)]
pub(crate) struct Simulate {
    /// The config
    #[arg(long, value_name = "CONFIG.json")]
    pub(crate) config: PathBuf,
    /// The product catalog
    #[arg(long, value_name = "CATALOG.json")]
    pub(crate) catalog: Option<PathBuf>,
    /// The page requested
    #[arg(long)]
    pub(crate) url: String,
    /// The request's time, RFC 3339 [default: now]
    #[arg(long, value_name = "TIME", value_parser = timestamp)]
    pub(crate) at: Option<i64>,
    /// The visitor's id
    #[arg(long, value_name = "ID")]
    pub(crate) visitor: Option<String>,
    /// An event before the request (repeatable; without "at", just before it, in order)
    #[arg(long = "event", value_name = "JSON", value_parser = event)]
    pub(crate) events_inline: Vec<signpost::Event>,
    /// A JSON array of events before the request
    #[arg(long, value_name = "FILE")]
    pub(crate) events: Option<PathBuf>,
    /// The visitor's profile before the request: JSON, or as stored in KV
    #[arg(long, value_name = "FILE")]
    pub(crate) profile: Option<PathBuf>,
    /// Write the profile after the request here
    #[arg(long, value_name = "FILE")]
    pub(crate) save_profile: Option<PathBuf>,
    /// The signals, a JSON object
    #[arg(long, value_name = "FILE")]
    pub(crate) signals: Option<PathBuf>,
    /// A request header (repeatable)
    #[arg(long = "header", value_name = "'NAME: VALUE'", value_parser = header)]
    pub(crate) headers: Vec<(String, String)>,
    /// The visitor's country
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// The visitor's region
    #[arg(long, value_name = "CODE")]
    pub(crate) region: Option<String>,
    /// Print the explanation as text instead of the decision as JSON
    #[arg(long)]
    pub(crate) text: bool,
}

#[derive(Args)]
pub(crate) struct Limits {
    /// As a JavaScript module (the only form there is)
    #[arg(long, required = true)]
    pub(crate) js: bool,
}

#[derive(Args)]
#[command(after_help = "For example, for bash:\n  \
                        signpost completions bash > ~/.local/share/bash-completion/completions/signpost")]
pub(crate) struct Completions {
    /// The shell
    pub(crate) shell: clap_complete::Shell,
}

/// A Worker's URL: http(s), a host, no query (the CLI adds `/__signpost/<endpoint>`).
fn worker_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or("expected http://host[:port] or https://host")?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#', ' ']) {
        return Err("expected http://host[:port][/path] with a host and no query".into());
    }
    Ok(s.to_string())
}

fn json_value(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not valid JSON: {e}"))
}

fn event(s: &str) -> Result<signpost::Event, String> {
    serde_json::from_str(s).map_err(|e| format!("not an event: {e}"))
}

fn timestamp(s: &str) -> Result<i64, String> {
    signpost::time::parse_timestamp(s, None).map_err(|e| e.to_string())
}

fn header(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once(':').ok_or("write it as 'name: value'")?;
    Ok((k.trim().to_ascii_lowercase(), v.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
