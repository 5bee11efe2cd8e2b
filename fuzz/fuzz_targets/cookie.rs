//! The `sp_s` cookie: any value decodes to a state or to nothing, never a panic. And a state
//! we signed ourselves, whatever its contents, replays onto a profile safely.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use signpost::{Profile, SessionState};

const SECRET: &[u8] = b"fuzz-secret";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // As it comes from a browser: tampered, forged, truncated, oversize.
    assert!(SessionState::decode(&text, SECRET, "fuzz-visitor", common::NOW).is_none()
        || text.len() <= signpost::session::MAX_COOKIE_VALUE);
    // The bytes as the state's JSON, signed with the right key (only the Worker can do that):
    // its log replays onto a profile without a panic, and the profile keeps its bounds.
    let Ok(mut state) = serde_json::from_slice::<SessionState>(data) else {
        return;
    };
    state.version = signpost::session::STATE_VERSION;
    state.visitor = "fuzz-visitor".into();
    let cookie = state.encode(SECRET, common::NOW);
    let Some(mut back) = SessionState::decode(&cookie, SECRET, "fuzz-visitor", common::NOW) else {
        // Only a state that does not fit the cookie even with an empty log may fail.
        assert!(cookie.len() > signpost::session::MAX_COOKIE_VALUE);
        return;
    };
    let engine = common::engine();
    let mut profile = Profile::new("fuzz-visitor");
    back.sync(engine, &mut profile);
    common::decide_and_store(engine, &mut profile, "/");
});
