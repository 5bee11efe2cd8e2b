//! Workers KV for the publishing commands, through wrangler.

use crate::{args, Fail};
use signpost::publish::{Kv, KvError};
use std::path::PathBuf;

/// Where the KV namespace is: wrangler's local copy, or the remote namespace.
#[derive(Debug)]
enum Target {
    Local { persist_to: Option<PathBuf> },
    Remote { env: Option<String> },
}

impl Target {
    /// Local unless `--remote` or `--env`; clap has refused the flags that cannot go together
    /// (`--local` or `--persist-to` with `--remote` or `--env`).
    fn from_args(a: &args::Target) -> Result<Target, Fail> {
        if a.remote || a.env.is_some() {
            return Ok(Target::Remote { env: a.env.clone() });
        }
        let persist_to = match &a.persist_to {
            Some(p) => Some(if p.is_absolute() {
                p.clone()
            } else {
                std::env::current_dir()
                    .map_err(|e| Fail(format!("no current directory: {e}"), 2))?
                    .join(p)
            }),
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

pub(crate) fn kv_for(a: &args::Target) -> Result<WranglerKv, Fail> {
    let target = Target::from_args(a)?;
    let kv = WranglerKv::new(target)?;
    println!("target: {}", kv.target.describe());
    Ok(kv)
}
