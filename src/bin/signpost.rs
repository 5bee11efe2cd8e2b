//! `signpost`: check a config, run acceptance journeys, simulate a request.
//!
//! ```text
//! signpost validate <config.json> [--catalog <catalog.json>]
//! signpost diff <before.json> <after.json>
//! signpost publish <config.json> [--catalog <catalog.json>] [KV target]
//! signpost publish-catalog <catalog.json> [KV target]
//! signpost signal <name> <json> [KV target]
//! signpost versions [KV target]
//! signpost rollback [--to <n>] [KV target]
//! signpost journeys <journeys.json> [--config <config.json>] [--catalog <catalog.json>]
//! signpost report [--url <worker url>] [--json]
//! signpost rewrite <page.html> (--plan <plan.json> | --state <state.json>)
//! signpost simulate --config <config.json> [--catalog <catalog.json>] --url <url>
//!                   [--at <time>] [--visitor <id>] [--event <json>]... [--events <file>]
//!                   [--profile <file>] [--save-profile <file>] [--signals <file>]
//!                   [--header <name: value>]... [--country <CC>] [--region <code>] [--text]
//! signpost limits --js
//! ```
//! KV target: `--local` (the default: wrangler's local KV, as `make dev` uses), optionally with
//! `--persist-to <dir>`; `--remote` (the namespace in wrangler.toml) or `--env <name>` (that
//! wrangler environment, remote). KV is reached through `node_modules/.bin/wrangler kv`, run
//! from the directory holding wrangler.toml.
//!
//! Exit codes: 0 success, 1 invalid config, failing journey or refused publish, 2 usage, I/O
//! or KV error.

use signpost::journeys::{run, JourneyFile};
use signpost::publish::{self, Kv, KvError, PublishError};
use signpost::time::parse_timestamp;
use signpost::{Engine, EngineError, Event, Profile, RequestInfo, Signals};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  signpost validate <config.json> [--catalog <catalog.json>]
  signpost diff <before.json> <after.json>
  signpost publish <config.json> [--catalog <catalog.json>] [TARGET]
  signpost publish-catalog <catalog.json> [TARGET]
  signpost signal <name> <json data, or null to remove> [TARGET]
  signpost versions [TARGET]
  signpost rollback [--to <version>] [TARGET]
  signpost journeys <journeys.json> [--config <config.json>] [--catalog <catalog.json>]
  signpost report [--url <worker url, default http://127.0.0.1:8787>] [--json]
                  (the admin token from SIGNPOST_ADMIN_TOKEN)
  signpost rewrite <page.html> (--plan <plan.json> | --state <state.json>)
  signpost simulate --config <config.json> [--catalog <catalog.json>] --url <url>
                    [--at <RFC 3339 time>] [--visitor <id>] [--event <json>]... [--events <file>]
                    [--profile <file>] [--save-profile <file>] [--signals <file>]
                    [--header '<name>: <value>']... [--country <CC>] [--region <code>] [--text]
  signpost limits --js       the limits on events, as the SDK's sdk-js/src/limits.js

TARGET (the Workers KV namespace bound as SIGNPOST, through wrangler):
  --local [--persist-to <dir>]   wrangler's local KV, as `make dev` uses (the default)
  --remote                       the namespace in wrangler.toml
  --env <name>                   that wrangler environment's namespace (remote)";

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
        Some("rewrite") => rewrite(&args[1..]),
        Some("report") => report(&args[1..]),
        Some("diff") => diff(&args[1..]),
        Some("publish") => publish_config(&args[1..]),
        Some("publish-catalog") => publish_catalog(&args[1..]),
        Some("signal") => signal(&args[1..]),
        Some("versions") => versions(&args[1..]),
        Some("rollback") => rollback(&args[1..]),
        Some("limits") if args[1..] == ["--js"] => {
            print!("{}", signpost::limits::js_module());
            Ok(())
        }
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

/// Prints the measurement report of a running Worker (`GET /__signpost/report`), through
/// curl. The token comes from the environment and reaches curl on stdin, never on a command
/// line another user could read.
fn report(args: &[String]) -> Result<(), Fail> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let a = Args::parse(args, &["url"], &["json"])?;
    if let Some(extra) = a.positional.first() {
        return Err(usage(format!("unexpected argument \"{extra}\"")));
    }
    let token = std::env::var("SIGNPOST_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            usage("report needs the admin token in SIGNPOST_ADMIN_TOKEN (make dev writes it to .dev.vars)")
        })?;
    let base = a.one("url").unwrap_or("http://127.0.0.1:8787");
    let url = format!("{}/__signpost/report", base.trim_end_matches('/'));
    let mut child = Command::new("curl")
        .args(["-sS", "--fail-with-body", "-H", "@-", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Fail(format!("cannot run curl: {e}"), 2))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "Authorization: Bearer {token}")
            .map_err(|e| Fail(format!("cannot talk to curl: {e}"), 2))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Fail(format!("curl failed: {e}"), 2))?;
    let body = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Fail(format!("{url}: {}{}", err.trim(), body.trim()), 2));
    }
    if a.has("json") {
        print!("{body}");
        return Ok(());
    }
    // The Worker sends data; the text is made here, so the Worker's bundle carries no layout.
    #[derive(serde::Deserialize)]
    struct Answer {
        report: signpost::report::Report,
    }
    let answer: Answer =
        serde_json::from_str(&body).map_err(|e| Fail(format!("{url}: not a report: {e}"), 2))?;
    print!("{}", answer.report.to_text());
    Ok(())
}

/// Applies a Plan to a page with the core's reference rewriter (lol_html), streaming to stdout.
/// `--state` takes the decision state a Worker injects (`{"plan": ..., ...}`): its plan is
/// applied and the state itself injected, so the output is what the Worker serves.
fn rewrite(args: &[String]) -> Result<(), Fail> {
    use signpost::rewrite::{RewriteOptions, Rewriter};
    use std::io::{Read, Write};
    let a = Args::parse(args, &["plan", "state"], &[])?;
    let [page] = a.positional.as_slice() else {
        return Err(usage(
            "rewrite takes one page: rewrite <page.html> --plan <plan.json>",
        ));
    };
    let (plan_value, state) = match (a.one("plan"), a.one("state")) {
        (Some(p), None) => (read_json(p)?, None),
        (None, Some(s)) => {
            let text = read(Path::new(s))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Fail(format!("{s}: not valid JSON: {e}"), 2))?;
            let plan = value
                .get("plan")
                .cloned()
                .ok_or_else(|| Fail(format!("{s}: a state needs a \"plan\""), 2))?;
            (plan, Some(text))
        }
        _ => return Err(usage("rewrite needs exactly one of --plan and --state")),
    };
    let plan: signpost::Plan =
        serde_json::from_value(plan_value).map_err(|e| Fail(format!("not a plan: {e}"), 2))?;
    let mut input =
        std::fs::File::open(page).map_err(|e| Fail(format!("cannot read {page}: {e}"), 2))?;
    let mut stdout = std::io::stdout().lock();
    let mut failed = None;
    let options = RewriteOptions::new().with_state_json_opt(state.as_deref().map(str::trim));
    let mut rewriter = Rewriter::new(&plan, options, |chunk: &[u8]| {
        if let Err(e) = stdout.write_all(chunk) {
            failed.get_or_insert(e);
        }
    })
    .map_err(|e| Fail(e.to_string(), 1))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| Fail(format!("cannot read {page}: {e}"), 2))?;
        if n == 0 {
            break;
        }
        rewriter
            .write(&buf[..n])
            .map_err(|e| Fail(e.to_string(), 1))?;
    }
    rewriter.end().map_err(|e| Fail(e.to_string(), 1))?;
    match failed {
        Some(e) => Err(Fail(format!("cannot write the page: {e}"), 2)),
        None => Ok(()),
    }
}

fn read_json(path: &str) -> Result<serde_json::Value, Fail> {
    let text = read(Path::new(path))?;
    serde_json::from_str(&text).map_err(|e| Fail(format!("{path}: not valid JSON: {e}"), 2))
}

fn diff(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &[], &[])?;
    let [before, after] = a.positional.as_slice() else {
        return Err(usage("diff takes two config files: <before> <after>"));
    };
    let changes = signpost::diff::diff(&read_json(before)?, &read_json(after)?);
    if changes.is_empty() {
        println!("no changes");
    }
    for c in changes {
        println!("{c}");
    }
    Ok(())
}

/// Where the KV namespace is: wrangler's local copy, or the remote namespace.
#[derive(Debug)]
enum Target {
    Local { persist_to: Option<PathBuf> },
    Remote { env: Option<String> },
}

const TARGET_FLAGS: &[&str] = &["env", "persist-to"];
const TARGET_SWITCHES: &[&str] = &["local", "remote"];

impl Target {
    fn from_args(a: &Args) -> Result<Target, Fail> {
        let env = a.one("env").map(str::to_string);
        let persist = a.one("persist-to");
        if a.has("local") && (a.has("remote") || env.is_some()) {
            return Err(usage("--local cannot go with --remote or --env"));
        }
        if persist.is_some() && (a.has("remote") || env.is_some()) {
            return Err(usage("--persist-to is for --local"));
        }
        if a.has("remote") || env.is_some() {
            return Ok(Target::Remote { env });
        }
        let persist_to = match persist {
            Some(p) => {
                let p = PathBuf::from(p);
                Some(if p.is_absolute() {
                    p
                } else {
                    std::env::current_dir()
                        .map_err(|e| Fail(format!("no current directory: {e}"), 2))?
                        .join(p)
                })
            }
            None => None,
        };
        Ok(Target::Local { persist_to })
    }

    fn describe(&self) -> String {
        match self {
            Target::Local { persist_to: None } => "local KV (wrangler's .wrangler/state)".into(),
            Target::Local {
                persist_to: Some(p),
            } => format!("local KV in {}", p.display()),
            Target::Remote { env: None } => "remote KV (the namespace in wrangler.toml)".into(),
            Target::Remote { env: Some(e) } => format!("remote KV of environment \"{e}\""),
        }
    }

    fn flags(&self) -> Vec<String> {
        match self {
            Target::Local { persist_to } => {
                let mut v = vec!["--local".to_string()];
                if let Some(p) = persist_to {
                    v.push("--persist-to".into());
                    v.push(p.to_string_lossy().into_owned());
                }
                v
            }
            Target::Remote { env } => {
                let mut v = vec!["--remote".to_string()];
                if let Some(e) = env {
                    v.push("--env".into());
                    v.push(e.clone());
                }
                v
            }
        }
    }
}

/// Workers KV through `wrangler kv key get/put/list --binding SIGNPOST`, run from the project
/// root (the directory holding wrangler.toml) with wrangler's telemetry and banner off.
struct WranglerKv {
    root: PathBuf,
    wrangler: PathBuf,
    target: Target,
    scratch: PathBuf,
    written: usize,
}

/// What `wrangler kv key get` prints (exit 0) when a key has no value.
const NOT_FOUND: &str = "Value not found";

impl WranglerKv {
    fn new(target: Target) -> Result<WranglerKv, Fail> {
        let cwd =
            std::env::current_dir().map_err(|e| Fail(format!("no current directory: {e}"), 2))?;
        let root = cwd
            .ancestors()
            .find(|d| d.join("wrangler.toml").is_file())
            .ok_or_else(|| {
                Fail(
                    format!(
                        "no wrangler.toml in {} or above: run signpost from the project",
                        cwd.display()
                    ),
                    2,
                )
            })?
            .to_path_buf();
        let wrangler = root.join("node_modules/.bin/wrangler");
        if !wrangler.exists() {
            return Err(Fail(
                format!(
                    "{} is missing: run `npm install` (or `make dev`) first",
                    wrangler.display()
                ),
                2,
            ));
        }
        let scratch = std::env::temp_dir().join(format!("signpost-kv-{}", std::process::id()));
        Ok(WranglerKv {
            root,
            wrangler,
            target,
            scratch,
            written: 0,
        })
    }

    /// Runs a wrangler KV command, retried: wrangler's local mode starts a runtime per call and
    /// sometimes fails on a busy machine; every operation here (get, list, put of one value)
    /// is idempotent, so a retry is safe.
    fn run(&self, args: &[&str]) -> Result<String, KvError> {
        let mut attempt = 1;
        loop {
            match self.run_once(args) {
                Err(e) if attempt < 3 => {
                    eprintln!("signpost: retrying after: {}", e.0);
                    std::thread::sleep(std::time::Duration::from_millis(500 * attempt));
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn run_once(&self, args: &[&str]) -> Result<String, KvError> {
        let mut cmd = std::process::Command::new(&self.wrangler);
        cmd.current_dir(&self.root)
            .arg("kv")
            .args(args)
            .args(["--binding", "SIGNPOST"])
            .args(self.target.flags())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .stdin(std::process::Stdio::null());
        let out = cmd
            .output()
            .map_err(|e| KvError(format!("cannot run {}: {e}", self.wrangler.display())))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let detail = err
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            return Err(KvError(format!(
                "wrangler kv {} failed ({}): {detail}",
                args.join(" "),
                out.status
            )));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| KvError(format!("wrangler kv {}: output is not UTF-8", args[0])))
    }
}

impl Kv for WranglerKv {
    fn get(&mut self, key: &str) -> Result<Option<String>, KvError> {
        let out = self.run(&["key", "get", key, "--text"])?;
        // wrangler prints the value and a newline, or this sentence when there is none.
        let value = out.strip_suffix('\n').unwrap_or(&out);
        if value == NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(value.to_string()))
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        std::fs::create_dir_all(&self.scratch)
            .map_err(|e| KvError(format!("cannot create {}: {e}", self.scratch.display())))?;
        self.written += 1;
        let file = self.scratch.join(format!("value-{}", self.written));
        std::fs::write(&file, value)
            .map_err(|e| KvError(format!("cannot write {}: {e}", file.display())))?;
        let path = file.to_string_lossy().into_owned();
        let result = self.run(&["key", "put", key, "--path", &path]).map(|_| ());
        let _ = std::fs::remove_file(&file);
        result
    }

    fn list(&mut self, prefix: &str) -> Result<Vec<String>, KvError> {
        let out = self.run(&["key", "list", "--prefix", prefix])?;
        let json = out.find('[').map_or("", |i| &out[i..]);
        let keys: Vec<serde_json::Value> = serde_json::from_str(json)
            .map_err(|e| KvError(format!("wrangler kv key list: unexpected output ({e})")))?;
        Ok(keys
            .iter()
            .filter_map(|k| k.get("name")?.as_str().map(str::to_string))
            .collect())
    }
}

impl Drop for WranglerKv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.scratch);
    }
}

fn kv_for(a: &Args) -> Result<WranglerKv, Fail> {
    let target = Target::from_args(a)?;
    let kv = WranglerKv::new(target)?;
    println!("target: {}", kv.target.describe());
    Ok(kv)
}

fn published(e: PublishError) -> Fail {
    let code = match e {
        PublishError::Invalid { .. } | PublishError::Refused(_) => 1,
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

fn publish_config(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["catalog", "env", "persist-to"], TARGET_SWITCHES)?;
    let [config] = a.positional.as_slice() else {
        return Err(usage("publish takes one config file"));
    };
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
    let p = publish::publish(&mut kv, &json, catalog.as_deref()).map_err(published)?;
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

fn publish_catalog(args: &[String]) -> Result<(), Fail> {
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

fn signal(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, TARGET_FLAGS, TARGET_SWITCHES)?;
    let [name, data] = a.positional.as_slice() else {
        return Err(usage(
            "signal takes a name and its JSON data (null removes it)",
        ));
    };
    let data: serde_json::Value = serde_json::from_str(data)
        .map_err(|e| usage(format!("signal data is not valid JSON: {e}")))?;
    let removing = data.is_null();
    let mut kv = kv_for(&a)?;
    let all = publish::set_signal(&mut kv, name, data).map_err(published)?;
    let names: Vec<&str> = all.keys().map(String::as_str).collect();
    println!(
        "{} signal \"{name}\"; signals now: {}",
        if removing { "removed" } else { "set" },
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    );
    Ok(())
}

fn versions(args: &[String]) -> Result<(), Fail> {
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
    }
    Ok(())
}

fn rollback(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["to", "env", "persist-to"], TARGET_SWITCHES)?;
    if let Some(p) = a.positional.first() {
        return Err(usage(format!("unexpected argument \"{p}\"")));
    }
    let to = a
        .one("to")
        .map(|t| {
            t.parse::<u64>()
                .map_err(|_| usage(format!("--to {t}: expected a version number")))
        })
        .transpose()?;
    let mut kv = kv_for(&a)?;
    let r = publish::rollback(&mut kv, to).map_err(published)?;
    println!("moved config:current {} → {}", r.from, r.to);
    println!("changes from version {} to {}:", r.from, r.to);
    print_changes(&r.changes);
    Ok(())
}
