//! The profile's writer itself, the Durable Object `ProfileWriter` (in the API Worker, which
//! binds `SIGNPOST_PROFILES` for both Workers): why one writer per profile, and what pages send
//! it, is in `profiles`.

use crate::profiles::{send, Op, Reply, RETRY_MS};
use crate::store;
use signpost::actions::{self, Consent};
use signpost::batch::EventStatus;
use signpost::events::Event;
use signpost::measure;
use signpost::writer::{self, SeenIds};
use signpost::{Engine, Profile, Signals};
use std::cell::{Cell, RefCell};
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, Request, Response, State};

/// What the object holds in memory, read from its storage once per instance.
struct Held {
    profile: Option<Profile>,
    seen: SeenIds,
    alias: Option<String>,
    /// The visitor opted out of being followed beyond the page (see [`Op::Deny`]).
    denied: bool,
}

#[durable_object(alarm)]
pub struct ProfileWriter {
    state: State,
    env: Env,
    held: RefCell<Option<Held>>,
    /// The profile's KV key, once an operation has named it.
    key: RefCell<Option<String>>,
    /// Changes made, and the last one KV has; one KV write at a time.
    version: Cell<u64>,
    in_kv: Cell<u64>,
    writing: Cell<bool>,
}

impl DurableObject for ProfileWriter {
    fn new(state: State, env: Env) -> Self {
        ProfileWriter {
            state,
            env,
            held: RefCell::new(None),
            key: RefCell::new(None),
            version: Cell::new(0),
            in_kv: Cell::new(0),
            writing: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let op: Op = req.json().await?;
        match self.run(op).await {
            Ok(reply) => Response::from_json(&reply),
            Err(e) => Response::error(e.to_string(), 500),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        let exp: Option<f64> = storage.get("exp").await?;
        if exp.is_some_and(|exp| js_sys::Date::now() >= exp) {
            // Idle past the profile's expiry: KV has dropped its copy too.
            storage.delete_all().await?;
            self.held.replace(None);
            return Response::ok("");
        }
        let Some(key) = storage.get::<String>("key").await? else {
            return Response::ok("");
        };
        self.key.replace(Some(key));
        self.load().await?;
        // A KV write that failed (KV's 429): the latest state, again.
        if storage.get::<bool>("retry").await?.unwrap_or(false) {
            self.version
                .set(self.version.get().max(self.in_kv.get() + 1));
            if !self.publish().await? {
                return Response::ok(""); // retried from the alarm it set
            }
        }
        // A journey's timer: a wait is over, or a condition may have changed with time.
        let clock = self.clock().await?;
        let wake: Option<i64> = storage.get("wake").await?;
        if wake.is_some_and(|w| w <= clock) {
            let kv = self.env.kv("SIGNPOST")?;
            let live = store::live(&kv, clock as f64)
                .await
                .map_err(|e| worker::Error::RustError(e.to_string()))?;
            self.after_change(&live.engine, &live.signals, clock)
                .await?;
        } else {
            self.rearm().await?;
        }
        Response::ok("")
    }
}

type Res<T> = std::result::Result<T, worker::Error>;

/// An alarm at `ms` since the epoch (a bare integer would be an offset from now).
fn when(ms: f64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(js_sys::Date::new(&ms.into()))
}

impl ProfileWriter {
    async fn run(&self, op: Op) -> Res<Reply> {
        self.key.replace(Some(op.key().to_string()));
        self.load().await?;
        let alias = self.held.borrow().as_ref().and_then(|h| h.alias.clone());
        match op {
            Op::Erase { .. } => return self.erase().await,
            // An absorbed visitor's changes go to the user it became.
            Op::Apply { mut flush, now } if alias.is_some() => {
                flush.key = alias.unwrap_or_default();
                return Ok(send(&self.env, &Op::Apply { flush, now })
                    .await?
                    .unwrap_or_default());
            }
            Op::Ingest { events, now, .. } if alias.is_some() => {
                let key = alias.unwrap_or_default();
                let op = Op::Ingest { key, events, now };
                return Ok(send(&self.env, &op).await?.unwrap_or_default());
            }
            // An absorbed visitor's user has its own object, woken by its own key.
            Op::Identify { .. } | Op::Wake { .. } if alias.is_some() => return Ok(Reply::default()),
            Op::Wake { now, signals, .. } => return self.wake(now, signals).await,
            _ => {}
        }
        let now = match &op {
            Op::Apply { now, .. }
            | Op::Ingest { now, .. }
            | Op::Identify { now, .. }
            | Op::Absorb { now, .. }
            | Op::Deny { now, .. } => *now,
            Op::Erase { .. } | Op::Wake { .. } => 0,
        };
        let kv = self.env.kv("SIGNPOST")?;
        let live = store::live(&kv, now as f64)
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        let engine: &Engine = &live.engine;
        let mut reply = Reply::default();
        match op {
            Op::Apply { flush, .. } => {
                // Only a page with consent flushes: the visitor is followed again.
                self.set_denied(false).await?;
                self.change(|p, _| {
                    writer::apply_log(engine, p, &flush.device, &flush.log);
                });
            }
            Op::Deny { .. } => {
                self.set_denied(true).await?;
                self.change(|_, _| {});
            }
            Op::Ingest { events, now, .. } => {
                let mut rows = Vec::new();
                self.change(|p, seen| {
                    reply.statuses = writer::ingest(engine, p, seen, &events, now);
                    let accepted: Vec<Event> = (events.iter().zip(&reply.statuses))
                        .filter(|(_, s)| **s == EventStatus::Accepted)
                        .map(|(e, _)| e.clone())
                        .collect();
                    rows = measure::server_rows(engine, p, &accepted, now);
                });
                crate::measure::append(&self.env, &rows).await;
            }
            Op::Absorb { profile, .. } => {
                let anonymous = Profile::from_stored(profile.as_bytes())
                    .map_err(|e| worker::Error::RustError(e.to_string()))?;
                self.change(|p, _| {
                    writer::absorb(engine, p, &anonymous);
                });
            }
            Op::Identify { key, user, log, .. } => {
                self.change(|p, _| {
                    writer::apply_log(engine, p, &key, &log);
                });
                let profile = self.with_profile(Profile::to_json);
                let user_key = writer::user_key(&user);
                let absorb = Op::Absorb {
                    key: user_key.clone(),
                    profile,
                    now,
                };
                send(&self.env, &absorb).await?;
                // Only once the user's profile has it does the visitor's copy go.
                let storage = self.state.storage();
                storage.put("alias", &user_key).await?;
                storage.delete("p").await?;
                if let Some(h) = self.held.borrow_mut().as_mut() {
                    h.alias = Some(user_key);
                    h.profile = None;
                }
                store::delete_profile(&kv, &key)
                    .await
                    .map_err(|e| worker::Error::RustError(e.to_string()))?;
                return Ok(reply);
            }
            Op::Erase { .. } | Op::Wake { .. } => unreachable!("answered above"),
        }
        self.after_change(engine, &live.signals, now).await?;
        Ok(reply)
    }

    /// [`Op::Wake`]: the held profile's journeys at `now` with the new signals.
    async fn wake(&self, now: i64, signals: Option<Signals>) -> Res<Reply> {
        let held = self
            .held
            .borrow()
            .as_ref()
            .is_some_and(|h| h.profile.is_some());
        if !held {
            return Ok(Reply::default());
        }
        let kv = self.env.kv("SIGNPOST")?;
        let fail = |e: store::StoreError| worker::Error::RustError(e.to_string());
        let live = store::live(&kv, now as f64).await.map_err(fail)?;
        let signals = match signals {
            Some(s) => s,
            None => store::signals_now(&kv).await.map_err(fail)?,
        };
        self.after_change(&live.engine, &signals, now).await?;
        Ok(Reply::default())
    }

    /// After a change (or a timer): the profile's journeys move on (memberships, waits, what
    /// to send), then it is stored and published, its deliveries queued, and the next timer
    /// set.
    async fn after_change(&self, engine: &Engine, signals: &Signals, now: i64) -> Res<()> {
        let outcome = {
            let mut held = self.held.borrow_mut();
            match held.as_mut() {
                Some(h) => {
                    let consent = if h.denied {
                        Consent::Denied
                    } else {
                        Consent::Granted
                    };
                    h.profile
                        .as_mut()
                        .map(|p| actions::advance(engine, p, signals, now, consent))
                }
                None => None,
            }
        };
        if outcome
            .as_ref()
            .is_some_and(|o| !o.transitions.is_empty() || !o.deliveries.is_empty())
        {
            // The journeys part moved: KV gets it too (pages read memberships there).
            self.version.set(self.version.get() + 1);
        }
        self.save(store::profile_ttl_s(engine)).await?;
        self.publish().await?;
        let Some(outcome) = outcome else {
            return Ok(());
        };
        let rows: Vec<measure::Row> = {
            let held = self.held.borrow();
            match held.as_ref().and_then(|h| h.profile.as_ref()) {
                Some(p) => (outcome.transitions.iter())
                    .map(|t| measure::transition_row(engine, p, t.kind.as_str(), &t.segment, t.at))
                    .collect(),
                None => Vec::new(),
            }
        };
        crate::measure::append(&self.env, &rows).await;
        crate::deliveries::enqueue(&self.env, engine, outcome.deliveries).await;
        let storage = self.state.storage();
        // The host's clock (a test clock in tests) against real time, for the timer.
        storage
            .put("offset", now - js_sys::Date::now() as i64)
            .await?;
        match outcome.next {
            Some(next) => storage.put("wake", next).await?,
            None => {
                storage.delete("wake").await?;
            }
        }
        self.rearm().await
    }

    /// Now on the clock of the hosts that call this object (a test clock in tests).
    async fn clock(&self) -> Res<i64> {
        let offset: i64 = self.state.storage().get("offset").await?.unwrap_or(0);
        Ok(js_sys::Date::now() as i64 + offset)
    }

    /// One alarm for everything: a KV write to retry, the next journey timer, or the idle
    /// expiry, whichever comes first.
    async fn rearm(&self) -> Res<()> {
        let storage = self.state.storage();
        let exp: Option<f64> = storage.get("exp").await?;
        let wake: Option<i64> = storage.get("wake").await?;
        let offset: i64 = storage.get("offset").await?.unwrap_or(0);
        let retry = storage.get::<bool>("retry").await?.unwrap_or(false);
        let retry = retry.then(|| js_sys::Date::now() + RETRY_MS as f64);
        let at = [wake.map(|w| (w - offset) as f64), exp, retry]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        if at.is_finite() {
            storage.set_alarm(when(at.max(js_sys::Date::now()))).await?;
        }
        Ok(())
    }

    async fn set_denied(&self, denied: bool) -> Res<()> {
        let was = self.held.borrow().as_ref().is_some_and(|h| h.denied);
        if was != denied {
            self.state.storage().put("denied", denied).await?;
            if let Some(h) = self.held.borrow_mut().as_mut() {
                h.denied = denied;
            }
        }
        Ok(())
    }

    /// Reads the stored state once per instance; a profile that only KV has (written before
    /// this object existed) is taken from there.
    async fn load(&self) -> Res<()> {
        if self.held.borrow().is_some() {
            return Ok(());
        }
        let storage = self.state.storage();
        let stored: Option<store::StoredBytes> = storage.get("p").await?;
        let seen: Option<String> = storage.get("ids").await?;
        let alias: Option<String> = storage.get("alias").await?;
        // The page path's reader: a value it cannot use counts as none here too.
        let mut profile = match stored {
            Some(b) => store::parse_profile(Some(&b.0)).ok().flatten(),
            None => None,
        };
        if profile.is_none() && alias.is_none() {
            let kv = self.env.kv("SIGNPOST")?;
            let key = self.key.borrow().clone().unwrap_or_default();
            // One of a newer format (or too large) is left alone: the operation fails, and
            // the browser's log waits in its cookie for a Worker that can read it.
            profile = store::load_profile(&kv, &key)
                .await
                .map_err(|e| worker::Error::RustError(e.to_string()))?;
        }
        let seen = seen
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let denied = storage.get::<bool>("denied").await?.unwrap_or(false);
        self.held.replace(Some(Held {
            profile,
            seen,
            alias,
            denied,
        }));
        Ok(())
    }

    /// Changes the profile (made when there is none) and counts the change.
    fn change(&self, f: impl FnOnce(&mut Profile, &mut SeenIds)) {
        let key = self.key.borrow().clone().unwrap_or_default();
        let mut held = self.held.borrow_mut();
        let held = held.get_or_insert_with(|| Held {
            profile: None,
            seen: SeenIds::default(),
            alias: None,
            denied: false,
        });
        let profile = held.profile.get_or_insert_with(|| Profile::new(&key));
        f(profile, &mut held.seen);
        self.version.set(self.version.get() + 1);
    }

    /// The held profile (a new one when there is none) through `f`.
    fn with_profile<T>(&self, f: impl FnOnce(&Profile) -> T) -> T {
        let held = self.held.borrow();
        match held.as_ref().and_then(|h| h.profile.as_ref()) {
            Some(p) => f(p),
            None => f(&Profile::new(self.key.borrow().clone().unwrap_or_default())),
        }
    }

    /// Stores the state, and when it expires (re-armed on every change).
    async fn save(&self, ttl_s: u64) -> Res<()> {
        let (profile, seen) = {
            let held = self.held.borrow();
            let held = held.as_ref().expect("changed before saving");
            (
                held.profile.as_ref().map(Profile::to_stored),
                serde_json::to_string(&held.seen)?,
            )
        };
        let storage = self.state.storage();
        let key = self.key.borrow().clone().unwrap_or_default();
        let exp = js_sys::Date::now() + (ttl_s as f64) * 1000.0;
        storage.put("key", &key).await?;
        if let Some(p) = profile {
            storage
                .put_raw("p", js_sys::Uint8Array::from(&p[..]))
                .await?;
        }
        storage.put("ids", &seen).await?;
        storage.put("exp", exp).await?;
        Ok(())
    }

    /// Writes the latest state to KV and returns once KV has this change (or a later one).
    /// One write at a time, each of the state as it is when it starts, so KV never goes back
    /// to an older profile. A failed write is retried from the alarm (answers `false`).
    async fn publish(&self) -> Res<bool> {
        let mine = self.version.get();
        let kv = self.env.kv("SIGNPOST")?;
        while self.in_kv.get() < mine {
            if self.writing.get() {
                worker::Delay::from(Duration::from_millis(2)).await;
                continue;
            }
            self.writing.set(true);
            let version = self.version.get();
            let body = self.with_profile(Profile::to_stored);
            let key = self.key.borrow().clone().unwrap_or_default();
            let live = store::current();
            let ttl = live.map_or(90 * 86_400, |l| store::profile_ttl_s(&l.engine));
            let written = store::save_profile(&kv, &key, body, ttl).await;
            self.writing.set(false);
            if let Err(e) = written {
                worker::console_warn!("signpost: profile not published to KV (retried): {e}");
                let retry = js_sys::Date::now() + RETRY_MS as f64;
                self.state.storage().put("retry", true).await?;
                self.state.storage().set_alarm(when(retry)).await?;
                return Ok(false);
            }
            self.in_kv.set(self.in_kv.get().max(version));
        }
        self.state.storage().delete("retry").await?;
        Ok(true)
    }

    /// Deletes the object's storage and the KV copy.
    async fn erase(&self) -> Res<Reply> {
        let key = self.key.borrow().clone().unwrap_or_default();
        let devices = self
            .held
            .borrow()
            .as_ref()
            .and_then(|h| h.profile.as_ref())
            .map(|p| p.devices.iter().map(|(d, _)| d.clone()).collect())
            .unwrap_or_default();
        self.state.storage().delete_all().await?;
        self.held.replace(None);
        let kv = self.env.kv("SIGNPOST")?;
        store::delete_profile(&kv, &key)
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        Ok(Reply {
            statuses: Vec::new(),
            devices,
        })
    }
}
