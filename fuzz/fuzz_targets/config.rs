//! Config and catalog parse + validate: any text either compiles or gives errors, never a
//! panic; a config that compiles decides for a visitor without one either.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use signpost::{Engine, Profile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(engine) = Engine::new(text, Some(common::CATALOG)) {
        let mut profile = Profile::new("fuzz-visitor");
        for url in ["/", "/products/tent-summit-2p?utm_source=email", "/compare"] {
            common::decide_and_store(&engine, &mut profile, url);
        }
    }
    // The same text as the catalog of the example config.
    let _ = Engine::new(common::CONFIG, Some(text));
});
