//! Workers KV for the publishing commands, through wrangler.

use crate::{args, Fail};
use signpost::publish::{Kv, KvError};
use std::path::{Path, PathBuf};

/// Where the KV namespace is: wrangler's local copy, or the remote namespace; of the top-level
/// configuration or of one of its environments.
#[derive(Debug)]
struct Target {
    place: Place,
    env: Option<String>,
    /// `--wrangler-config`, absolute.
    config: Option<PathBuf>,
}

#[derive(Debug)]
enum Place {
    Local { persist_to: Option<PathBuf> },
    Remote,
}

impl Target {
    /// Local unless `--remote`, or `--env` without `--local`/`--persist-to`; clap has refused
    /// the flags that cannot go together (`--local` or `--persist-to` with `--remote`).
    fn from_args(a: &args::Target) -> Result<Target, Fail> {
        let place = if a.remote || (a.env.is_some() && !a.local && a.persist_to.is_none()) {
            Place::Remote
        } else {
            Place::Local {
                persist_to: a.persist_to.as_deref().map(absolute).transpose()?,
            }
        };
        Ok(Target {
            place,
            env: a.env.clone(),
            config: a.wrangler_config.as_deref().map(absolute).transpose()?,
        })
    }

    fn describe(&self) -> String {
        let mut out = match &self.place {
            Place::Local { persist_to: None } => "local KV (wrangler's .wrangler/state)".into(),
            Place::Local {
                persist_to: Some(p),
            } => format!("local KV in {}", p.display()),
            Place::Remote => "remote KV".to_string(),
        };
        match &self.env {
            Some(e) => out.push_str(&format!(" of environment \"{e}\"")),
            None if matches!(self.place, Place::Remote) => {
                out.push_str(" (the namespace in wrangler.toml)")
            }
            None => {}
        }
        if let Some(c) = &self.config {
            out.push_str(&format!(", per {}", c.display()));
        }
        out
    }

    fn flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        match &self.place {
            Place::Local { persist_to } => {
                v.push("--local".to_string());
                if let Some(p) = persist_to {
                    v.push("--persist-to".into());
                    v.push(p.to_string_lossy().into_owned());
                }
            }
            Place::Remote => v.push("--remote".to_string()),
        }
        if let Some(e) = &self.env {
            v.extend(["--env".to_string(), e.clone()]);
        }
        if let Some(c) = &self.config {
            v.extend(["--config".to_string(), c.to_string_lossy().into_owned()]);
        }
        v
    }
}

/// `p` from the current directory, as wrangler runs elsewhere.
fn absolute(p: &Path) -> Result<PathBuf, Fail> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    Ok(std::env::current_dir()
        .map_err(|e| Fail(format!("no current directory: {e}"), 2))?
        .join(p))
}

/// Workers KV through `wrangler kv key get/put/list --binding SIGNPOST`, run from the project
/// root (the directory holding wrangler.toml) with wrangler's telemetry and banner off.
pub(crate) struct WranglerKv {
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
        // wrangler runs where its configuration is (it reads paths relative to it), and is the
        // project's own (node_modules), found from there upwards.
        let root = match &target.config {
            Some(c) if c.is_file() => c.parent().unwrap_or(&cwd).to_path_buf(),
            Some(c) => return Err(Fail(format!("{}: no such file", c.display()), 2)),
            None => cwd
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
                .to_path_buf(),
        };
        let wrangler = root
            .ancestors()
            .chain(cwd.ancestors())
            .map(|d| d.join("node_modules/.bin/wrangler"))
            .find(|w| w.exists())
            .ok_or_else(|| {
                Fail(
                    format!(
                        "no node_modules/.bin/wrangler in {} or above: run `npm install` (or `make dev`) first",
                        root.display()
                    ),
                    2,
                )
            })?;
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
        self.put_bytes(key, value.as_bytes())
    }

    fn put_bytes(&mut self, key: &str, value: &[u8]) -> Result<(), KvError> {
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

pub(crate) fn kv_for(a: &args::Target) -> Result<WranglerKv, Fail> {
    let target = Target::from_args(a)?;
    let kv = WranglerKv::new(target)?;
    println!("target: {}", kv.target.describe());
    Ok(kv)
}
