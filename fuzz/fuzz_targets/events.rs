//! The events endpoint's body: parse and check any bytes, one result per event; the events
//! that pass are recorded onto a profile, which then decides, stays within its size bound and
//! round-trips.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use signpost::batch::parse_page_body;
use signpost::{Profile, SessionState};

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = parse_page_body(data) else {
        return;
    };
    assert_eq!(
        batch.results.len(),
        batch.results.iter().filter(|r| r.error.is_some()).count() + batch.events.len()
    );
    let (url, events) = (batch.url.clone(), batch.events.clone());
    let engine = common::engine();
    let mut profile = Profile::new("fuzz-visitor");
    let mut state = SessionState::new("fuzz-visitor", common::NOW);
    state.record_events(engine, &mut profile, &events, common::NOW);
    // A retry of the same batch, as the SDK sends it.
    state.record_events(engine, &mut profile, &events, common::NOW + 1);
    common::decide_and_store(engine, &mut profile, &url);
    let cookie = state.encode(b"fuzz-secret", common::NOW);
    assert!(cookie.len() <= signpost::session::MAX_COOKIE_VALUE || state.log.len() <= 1);
});
