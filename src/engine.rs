//! The facade the hosts (Worker, browser, CLI) use: a compiled config and catalog, and the
//! three things a host does with a visitor's profile: record, decide, or both for a request.

use crate::catalog::Catalog;
use crate::config::check::Issues;
use crate::config::Config;
use crate::decision::{decide, DescribeError, Described, Detail};
use crate::events::{page_view, Event};
use crate::record::record;
use crate::request::RequestFacts;
use crate::time::Millis;
use serde_json::{Map, Value};

use crate::decision::Decision;
use crate::profile::Profile;
use crate::request::RequestInfo;

/// Site-wide business signals (`signals` in KV): name -> data.
pub type Signals = Map<String, Value>;

/// Why an engine could not be built; the message lists every problem with its path.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The config's problems.
    #[error("invalid config: {0}")]
    Config(Issues),
    /// The catalog's problems.
    #[error("invalid catalog: {0}")]
    Catalog(Issues),
}

impl EngineError {
    /// Every problem, each with its path.
    pub fn issues(&self) -> &Issues {
        match self {
            EngineError::Config(i) | EngineError::Catalog(i) => i,
        }
    }
}

/// Consent as read from a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentState {
    /// The visitor consents (or the config's default does).
    Granted,
    /// `Sec-GPC: 1` and the config respects it.
    DeniedByGpc,
    /// The consent cookie says no (or is absent and the default is "denied").
    DeniedByCookie,
}

impl ConsentState {
    /// Whether the request may be personalized.
    pub fn granted(self) -> bool {
        self == ConsentState::Granted
    }

    /// How it reads in an explanation.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Granted => "granted",
            ConsentState::DeniedByGpc => "denied by Sec-GPC",
            ConsentState::DeniedByCookie => "denied by the consent cookie",
        }
    }
}

/// A compiled config and catalog, built once per config version and shared by requests.
#[derive(Clone, Debug)]
pub struct Engine {
    config: Config,
    catalog: Catalog,
}

impl Engine {
    /// Compiles a config (and its catalog). All problems are reported at once.
    pub fn new(config_json: &str, catalog_json: Option<&str>) -> Result<Engine, EngineError> {
        let config = Config::parse(config_json).map_err(EngineError::Config)?;
        let catalog = match catalog_json {
            Some(c) => Catalog::parse(c).map_err(EngineError::Catalog)?,
            None => Catalog::empty(),
        };
        Ok(Engine { config, catalog })
    }

    /// An engine from a config and catalog already compiled.
    pub fn from_parts(config: Config, catalog: Catalog) -> Engine {
        Engine { config, catalog }
    }

    /// The compiled config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Consent for a request: `Sec-GPC: 1` (when respected), then the consent cookie, then the
    /// config's default.
    pub fn consent(&self, req: &RequestInfo) -> ConsentState {
        let c = &self.config.consent;
        if c.respect_gpc && req.header("sec-gpc").map(str::trim) == Some("1") {
            return ConsentState::DeniedByGpc;
        }
        match req.cookie(&c.cookie).map(|v| v.to_ascii_lowercase()) {
            Some(v) if matches!(v.as_str(), "denied" | "0" | "false" | "no") => {
                ConsentState::DeniedByCookie
            }
            Some(v) if matches!(v.as_str(), "granted" | "1" | "true" | "yes") => {
                ConsentState::Granted
            }
            _ if c.default_granted => ConsentState::Granted,
            _ => ConsentState::DeniedByCookie,
        }
    }

    /// The `request.*` facts of a request at `now` (in the config's timezone).
    pub fn request_facts(&self, req: &RequestInfo, now: Millis) -> RequestFacts {
        RequestFacts::new(req, &self.config.timezone, now)
    }

    /// The events a request produces at the edge: its `page_view`, then `track` events. The
    /// page's URL drives them, so a trusted type (`trusted_events`) is left out.
    pub fn request_events(&self, facts: &RequestFacts) -> Vec<Event> {
        let mut out = vec![page_view(facts)];
        out.extend(self.config.track.iter().filter_map(|t| t.derive(facts)));
        out.retain(|e| !self.config.events.is_trusted(&e.kind));
        out
    }

    /// A page request: records its own events, decides, and counts what was served.
    /// Without consent nothing is read or recorded and the decision is empty. (With a full
    /// explanation: [`Engine::on_request_unserved`], then [`Engine::record_served`].)
    pub fn on_request(
        &self,
        profile: &mut Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
    ) -> Decision {
        let d = self.on_request_unserved(profile, req, signals, now, Detail::Brief);
        self.record_served(profile, &d, now);
        d
    }

    /// [`Engine::on_request`] with a chosen level of explanation, for a host that may not show
    /// the decision (the browser when the page was already revealed): records the request's
    /// events and decides, but counts nothing served; [`Engine::record_served`] does that if
    /// it is shown.
    pub fn on_request_unserved(
        &self,
        profile: &mut Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
        detail: Detail,
    ) -> Decision {
        let facts = match self.consented_facts(req, now) {
            Ok(facts) => facts,
            Err(denied) => return Decision::unpersonalized(&profile.id, now, denied.as_str()),
        };
        self.record_request(profile, &facts, now);
        self.decide_on(profile, &facts, signals, now, detail, None)
    }

    /// Counts a served decision: one impression per filled slot, and experiment exposures.
    /// `on_request` does this itself; a host that decides and renders separately calls it.
    pub fn record_served(&self, profile: &mut Profile, d: &Decision, now: Millis) {
        for offer in &d.impressions {
            profile.record_impression(offer, now);
        }
        for x in &d.exposures {
            profile.record_exposure(&x.experiment, &x.variant, now);
        }
    }

    /// Events from the page (the SDK's batch). An event's own `at` is used when it is not in
    /// the future; otherwise `now`. Events carrying an `id` already seen are skipped, and so
    /// are events of a trusted type (see [`Engine::record_event`]).
    pub fn record_events(&self, profile: &mut Profile, events: &[Event], now: Millis) {
        for e in events {
            self.record_event(profile, e, now);
        }
    }

    /// One event from the page. An event of a type in `trusted_events` is not recorded: only
    /// the site's server may send it, and every page path (the edge's event post, the
    /// in-page wasm, the journeys runner) records through here. Returns whether the type was
    /// accepted (an id already seen is still skipped silently).
    pub fn record_event(&self, profile: &mut Profile, event: &Event, now: Millis) -> bool {
        if self.config.events.is_trusted(&event.kind) {
            return false;
        }
        self.record_trusted_event(profile, event, now);
        true
    }

    /// One event from a trusted source (the admin's preview; later the server ingest): any
    /// type, `trusted_events` included. Timing and ids as in [`Engine::record_events`].
    pub fn record_trusted_event(&self, profile: &mut Profile, event: &Event, now: Millis) {
        let t = event.at.map_or(now, |at| at.min(now));
        record(&self.config, &self.catalog, profile, event, t, None);
    }

    /// Decides without recording anything (pure). The explanation is brief: each offer's
    /// outcome and a short reason; [`Engine::decide_with`] and [`Detail::Full`] (for
    /// `GET /__signpost/explain` and the CLI) also say which facts decided.
    pub fn decide(
        &self,
        profile: &Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
    ) -> Decision {
        self.decide_with(profile, req, signals, now, Detail::Brief)
    }

    /// Decides with the chosen level of explanation, without recording anything (pure).
    pub fn decide_with(
        &self,
        profile: &Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
        detail: Detail,
    ) -> Decision {
        match self.consented_facts(req, now) {
            Ok(facts) => self.decide_on(profile, &facts, signals, now, detail, None),
            Err(denied) => Decision::unpersonalized(&profile.id, now, denied.as_str()),
        }
    }

    /// The editor's preview: the full decision for a visitor described by a tier and segments
    /// (either may be left to the profile), after the request's own events are recorded into a
    /// copy of the profile, as the page would record them. Pure; consent is taken as given.
    /// Fails when the description names a tier or segment the config does not have.
    pub fn preview(
        &self,
        profile: &Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
        described: &Described,
    ) -> Result<Decision, DescribeError> {
        described.check(&self.config)?;
        let mut profile = profile.clone();
        let facts = self.request_facts(req, now);
        self.record_request(&mut profile, &facts, now);
        Ok(self.decide_on(
            &profile,
            &facts,
            signals,
            now,
            Detail::Full,
            Some(described),
        ))
    }

    /// The request's facts when the visitor consents; otherwise how consent was denied (the
    /// request is then answered with an empty decision, nothing read or recorded).
    fn consented_facts(
        &self,
        req: &RequestInfo,
        now: Millis,
    ) -> Result<RequestFacts, ConsentState> {
        let consent = self.consent(req);
        if !consent.granted() {
            return Err(consent);
        }
        Ok(self.request_facts(req, now))
    }

    /// Records the events a request produces at the edge ([`Engine::request_events`]).
    fn record_request(&self, profile: &mut Profile, facts: &RequestFacts, now: Millis) {
        for e in self.request_events(facts) {
            record(&self.config, &self.catalog, profile, &e, now, Some(facts));
        }
    }

    /// The decision over this engine's config and catalog.
    fn decide_on(
        &self,
        profile: &Profile,
        facts: &RequestFacts,
        signals: &Signals,
        now: Millis,
        detail: Detail,
        described: Option<&Described>,
    ) -> Decision {
        decide(
            &self.config,
            &self.catalog,
            profile,
            facts,
            signals,
            now,
            detail,
            described,
        )
    }

    /// Applies a business signal (`POST /__signpost/signals`): replaces the named signal's data.
    /// `null` data removes it.
    pub fn apply_signal(signals: &mut Signals, name: &str, data: Value) {
        if data.is_null() {
            signals.remove(name);
        } else {
            signals.insert(name.to_string(), data);
        }
    }
}
