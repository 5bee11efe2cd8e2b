//! Running journeys: each device a browser, each profile stored between steps in its
//! serialized form, every change by the single writer's operations, as in the Worker. After
//! each change the writer evaluates the profile's actions and keeps one timer per profile;
//! timers due before a step fire first, in time order.

use super::{check, check_sent, request_info, summary, Journey, JourneyFile, JourneyReport};
use super::{Report, Sent, Step, StepFailure, StepRequest};
use crate::decision::{Decision, Detail};
use crate::engine::{Engine, Signals};
use crate::profile::Profile;
use crate::request::RequestInfo;
use crate::time::{parse_timestamp, Millis};
use crate::writer::{self, SeenIds};
use std::collections::BTreeMap;

/// Runs every journey against an engine.
pub fn run(engine: &Engine, file: &JourneyFile) -> Report {
    Report {
        journeys: file
            .journeys
            .iter()
            .map(|j| run_journey(engine, j))
            .collect(),
    }
}

/// One browser: its visitor id, the user it is identified as, and its last page.
struct Device {
    /// The visitor id it started with (a logout draws `<first>-r<n>`).
    first_visitor: String,
    visitor: String,
    user: Option<String>,
    last_url: String,
    resets: u32,
}

impl Device {
    fn new(visitor: String) -> Device {
        Device {
            first_visitor: visitor.clone(),
            visitor,
            user: None,
            last_url: "/".into(),
            resets: 0,
        }
    }
}

/// What the Worker keeps for one journey: profiles by key (in KV and their writers), the ids
/// each writer has seen, which visitors were absorbed into which user, and the signals.
struct World<'a> {
    engine: &'a Engine,
    base: String,
    devices: BTreeMap<String, Device>,
    first: Option<String>,
    stored: BTreeMap<String, Vec<u8>>,
    seen: BTreeMap<String, SeenIds>,
    absorbed: BTreeMap<String, String>,
    signals: Signals,
    /// Each profile's one timer: when its actions must be evaluated again.
    timers: BTreeMap<String, Millis>,
    /// Deliveries since the last step that checked `sent`.
    sent: Vec<Sent>,
}

/// Timers fired between two steps at most: a config whose conservative wake-ups come every
/// minute still runs days of journey; only a bug loops forever.
const MAX_TIMERS_BETWEEN_STEPS: usize = 100_000;

impl World<'_> {
    /// The step's device, made on first use: the journey's first device has the journey's
    /// visitor id, another `<visitor>-<name>`.
    fn device(&mut self, name: Option<&str>) -> &mut Device {
        let name = match (name, &self.first) {
            (Some(n), _) => n.to_string(),
            (None, Some(first)) => first.clone(),
            (None, None) => String::new(),
        };
        if !self.devices.contains_key(&name) {
            let visitor = if self.first.is_none() {
                self.base.clone()
            } else {
                format!("{}-{name}", self.base)
            };
            self.first.get_or_insert_with(|| name.clone());
            self.devices.insert(name.clone(), Device::new(visitor));
        }
        self.devices.get_mut(&name).expect("inserted above")
    }

    fn load(&self, key: &str) -> Profile {
        match self.stored.get(key) {
            Some(b) => {
                Profile::from_stored(b).expect("a profile written by this engine reads back")
            }
            None => Profile::new(key),
        }
    }

    fn save(&mut self, key: String, p: &Profile) {
        self.stored.insert(key, p.to_stored());
    }

    /// What the profile's writer does after a change or when its timer fires: evaluates the
    /// actions at `at`, keeps the deliveries and sets the profile's one timer.
    #[cfg(feature = "actions")]
    fn settle(&mut self, key: &str, at: Millis, granted: bool) {
        use crate::actions::{advance, Consent};
        let consent = if granted {
            Consent::Granted
        } else {
            Consent::Denied
        };
        let mut profile = self.load(key);
        let out = advance(self.engine, &mut profile, &self.signals, at, consent);
        self.save(key.to_string(), &profile);
        self.sent.extend(out.deliveries.iter().map(|d| Sent {
            action: d.action.clone(),
            kind: d.kind.as_str().into(),
            destination: d.destination.clone(),
        }));
        match out.next {
            Some(t) => self.timers.insert(key.to_string(), t.max(at + 1)),
            None => self.timers.remove(key),
        };
    }

    /// A signal changed: as the Worker does, every profile is evaluated again when some
    /// action's segment or `if` reads signals.
    #[cfg(feature = "actions")]
    fn wake_all(&mut self, at: Millis) {
        if crate::actions::reads_signals(self.engine.config()) {
            let keys: Vec<String> = self.stored.keys().cloned().collect();
            for key in keys {
                self.settle(&key, at, true);
            }
        }
    }

    #[cfg(not(feature = "actions"))]
    fn wake_all(&mut self, _at: Millis) {}

    /// Without feature `actions` nothing is ever sent.
    #[cfg(not(feature = "actions"))]
    fn settle(&mut self, _key: &str, _at: Millis, _granted: bool) {}

    /// Fires every timer due at or before `t`, earliest first.
    fn fire_until(&mut self, t: Millis) {
        for _ in 0..MAX_TIMERS_BETWEEN_STEPS {
            let due = self.timers.iter().min_by_key(|(_, at)| **at);
            let Some((key, at)) = due.filter(|(_, at)| **at <= t) else {
                return;
            };
            let (key, at) = (key.clone(), *at);
            self.settle(&key, at, true);
        }
    }

    /// The profile a device reads and writes.
    fn key_of(d: &Device) -> String {
        match &d.user {
            Some(u) => writer::user_key(u),
            None => d.visitor.clone(),
        }
    }

    /// Where a server event for a visitor lands: the user it was absorbed into, if any.
    fn visitor_key(&self, visitor: &str) -> String {
        self.absorbed
            .get(visitor)
            .cloned()
            .unwrap_or_else(|| visitor.to_string())
    }

    /// Does what the step says; answers the decision of a request step.
    fn act(
        &mut self,
        i: usize,
        step: &Step,
        at: Millis,
    ) -> Option<(Decision, Profile, RequestInfo)> {
        let engine = self.engine;
        let device = self.device(step.device.as_deref());
        let key = World::key_of(device);
        if let Some(r) = &step.request {
            device.last_url = r.url.clone();
            let req = request_info(r);
            let mut profile = self.load(&key);
            let before = profile.clone();
            let d = engine.on_request(&mut profile, &req, &self.signals, at);
            self.save(key.clone(), &profile);
            self.settle(&key, at, engine.consent(&req).granted());
            return Some((d, before, req));
        }
        if let Some(e) = &step.event {
            let mut profile = self.load(&key);
            engine.record_event(&mut profile, e, at);
            self.save(key.clone(), &profile);
            self.settle(&key, at, true);
        } else if let Some(sig) = &step.signal {
            Engine::apply_signal(&mut self.signals, &sig.name, sig.data.clone());
            self.wake_all(at);
        } else if let Some(e) = &step.server_event {
            let mut e = e.clone();
            let key = match e.props.remove("user") {
                Some(serde_json::Value::String(u)) => writer::user_key(&u),
                _ => {
                    let visitor = device.visitor.clone();
                    self.visitor_key(&visitor)
                }
            };
            e.id.get_or_insert_with(|| format!("step-{i}"));
            let mut profile = self.load(&key);
            let seen = self.seen.entry(key.clone()).or_default();
            writer::ingest(engine, &mut profile, seen, &[e], at);
            self.save(key.clone(), &profile);
            self.settle(&key, at, true);
        } else if let Some(id) = &step.identify {
            let visitor = device.visitor.clone();
            device.user = Some(id.user.clone());
            let user_key = writer::user_key(&id.user);
            if !self.absorbed.contains_key(&visitor) {
                let anonymous = self.load(&visitor);
                let mut user = self.load(&user_key);
                writer::absorb(engine, &mut user, &anonymous);
                self.save(user_key.clone(), &user);
                self.stored.remove(&visitor);
                self.timers.remove(&visitor);
                self.settle(&user_key, at, true);
                self.absorbed.insert(visitor, user_key);
            }
        } else if step.reset == Some(true) {
            device.resets += 1;
            device.user = None;
            device.visitor = format!("{}-r{}", device.first_visitor, device.resets);
        }
        None
    }
}

/// Runs one journey with fresh profiles, kept between steps through their stored form.
pub fn run_journey(engine: &Engine, journey: &Journey) -> JourneyReport {
    let mut world = World {
        engine,
        base: journey.visitor.clone(),
        devices: BTreeMap::new(),
        first: None,
        stored: BTreeMap::new(),
        seen: BTreeMap::new(),
        absorbed: BTreeMap::new(),
        signals: Signals::new(),
        timers: BTreeMap::new(),
        sent: Vec::new(),
    };
    let mut report = JourneyReport {
        name: journey.name.clone(),
        visitor: journey.visitor.clone(),
        steps: journey.steps.len(),
        checked: 0,
        failures: Vec::new(),
    };
    for (i, step) in journey.steps.iter().enumerate() {
        // Parsed and checked by JourneyFile::parse; a bad time here is a programming error.
        let at = parse_timestamp(&step.at, None).unwrap_or(0);
        world.fire_until(at);
        let acted = world.act(i, step, at);
        let Some(expect) = &step.expect else { continue };
        report.checked += 1;
        // A request is checked by its own decision; another step by a decision for the
        // device's last page that records nothing.
        let (d, before, req) = match acted {
            Some(x) => x,
            None => {
                let device = world.device(step.device.as_deref());
                let req = request_info(&StepRequest::at(&device.last_url));
                let key = World::key_of(device);
                let profile = world.load(&key);
                let d = engine.decide(&profile, &req, &world.signals, at);
                (d, profile, req)
            }
        };
        let mut problems = check(expect, &d);
        if let Some(want) = &expect.sent {
            let got = std::mem::take(&mut world.sent);
            problems.extend(check_sent(want, &got));
        }
        if problems.is_empty() {
            continue;
        }
        // Replay the step with the full explanation of which facts decided.
        let mut replay = before;
        let full = engine.on_request_unserved(&mut replay, &req, &world.signals, at, Detail::Full);
        report.failures.push(StepFailure {
            step: i,
            at: step.at.clone(),
            url: req.url.clone(),
            problems,
            expected: serde_json::to_string(expect).unwrap_or_default(),
            actual: summary(&d),
            explanation: full.explanation.to_text(),
        });
    }
    report
}
