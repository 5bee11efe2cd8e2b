//! The benchmark workloads of `benches/common` as wasm exports, timed by `bench/run.mjs`:
//! one decision (example config, 200-event profile), a page's core work in the Worker, the
//! stored profile read and written (binary and JSON), and the reference rewrite of each corpus
//! page. Each export runs its workload `n` times and
//! returns a checksum, so nothing is optimised away; the clock is on the JS side.
//!
//! The exports keep their names with `#[no_mangle]`, which the `unsafe_code` lint counts as
//! unsafe (two such symbols would clash at link time); each allows it, the crate nothing else.

#[path = "../../../benches/common/mod.rs"]
mod common;

use signpost::rewrite::RewriteOptions;
use signpost::{Engine, Profile, RequestInfo, Signals};
use std::cell::OnceCell;

/// The corpus pages, in the order `bench/run.mjs` names them.
const PAGES: [(&str, &[u8]); 3] = [
    (
        "cloudflare.com.html",
        include_bytes!("../../../tests/corpus/cloudflare.com.html"),
    ),
    (
        "ecma402-spec.html",
        include_bytes!("../../../tests/corpus/ecma402-spec.html"),
    ),
    (
        "html-parsing-spec.html",
        include_bytes!("../../../tests/corpus/html-parsing-spec.html"),
    ),
];

struct Decision {
    engine: Engine,
    profile: Profile,
    signals: Signals,
    now: i64,
    request: RequestInfo,
}

thread_local! {
    static DECISION: OnceCell<Decision> = const { OnceCell::new() };
    static PAGE: OnceCell<common::PageInput> = const { OnceCell::new() };
    /// The decision's profile, as JSON and in its stored form.
    static PROFILE: OnceCell<(Profile, Vec<u8>, Vec<u8>)> = const { OnceCell::new() };
}

fn with_profile<T>(f: impl FnOnce(&(Profile, Vec<u8>, Vec<u8>)) -> T) -> T {
    PROFILE.with(|cell| {
        f(cell.get_or_init(|| {
            let (_, p, _, _) = common::decision_setup();
            let (json, stored) = (p.to_bytes(), p.to_stored());
            (p, json, stored)
        }))
    })
}

/// Runs one decision `n` times (the set-up, outside the timing, on the first call);
/// returns the number of slots planned in total.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn decide(n: u32) -> u32 {
    DECISION.with(|cell| {
        let d = cell.get_or_init(|| {
            let (engine, profile, signals, now) = common::decision_setup();
            Decision {
                engine,
                profile,
                signals,
                now,
                request: common::decision_request(),
            }
        });
        (0..n)
            .map(|_| {
                let out = d.engine.decide(
                    std::hint::black_box(&d.profile),
                    &d.request,
                    &d.signals,
                    d.now,
                );
                out.plan.slots.len() as u32
            })
            .sum()
    })
}

/// Runs a page's core work (the Worker's `pageDecide` without its bindings) `n` times;
/// returns the length of the last session cookie written.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn page(n: u32) -> u32 {
    PAGE.with(|cell| {
        let input = cell.get_or_init(common::page_setup);
        let mut cookie = 0;
        for _ in 0..n {
            cookie = common::page_work(std::hint::black_box(input)).0.len();
        }
        cookie as u32
    })
}

/// Reads the decision's stored profile `n` times, in its stored (binary) form when `binary` is
/// 1, else its JSON as the Worker stored it before (read by serde's derive, the Worker's JSON
/// reader then); returns its page views.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn profile_read(binary: u32, n: u32) -> u32 {
    with_profile(|(_, json, stored)| {
        let bytes = if binary == 1 { stored } else { json };
        let mut views = 0;
        for _ in 0..n {
            let p = Profile::from_stored(std::hint::black_box(bytes)).expect("it reads");
            views = p.page_views;
        }
        views as u32
    })
}

/// Writes the decision's profile `n` times, in its stored form when `binary` is 1, else as
/// JSON; returns the last one's size.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn profile_write(binary: u32, n: u32) -> u32 {
    with_profile(|(profile, _, _)| {
        let mut size = 0;
        for _ in 0..n {
            let p = std::hint::black_box(profile);
            size = match binary {
                1 => p.to_stored().len(),
                _ => p.to_bytes().len(),
            };
        }
        size as u32
    })
}

/// HMAC-SHA256 (the session cookie's MAC) of `len` bytes, `n` times; returns the last tag's
/// first byte. What signing or checking `sp_s` costs in wasm, without its JSON and base64.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn hmac(len: u32, n: u32) -> u32 {
    use hmac::{Hmac, Mac};
    let message = vec![b'x'; len as usize];
    let mut first = 0;
    for _ in 0..n {
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(b"test-session-secret").expect("any key");
        mac.update(std::hint::black_box(&message));
        first = mac.finalize().into_bytes()[0];
    }
    first.into()
}

/// The size in bytes of corpus page `page` (0..3).
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn page_len(page: u32) -> u32 {
    PAGES[page as usize].1.len() as u32
}

/// Rewrites corpus page `page` with the typical Plan and state `n` times; returns the bytes
/// written by the last run.
#[allow(unsafe_code)] // an unmangled export: see the crate's docs
#[no_mangle]
pub extern "C" fn rewrite(page: u32, n: u32) -> u32 {
    let (name, input) = PAGES[page as usize];
    let plan = common::typical_plan(name);
    let state = common::state_json();
    let mut written = 0;
    for _ in 0..n {
        written = common::rewrite(
            std::hint::black_box(input),
            &plan,
            RewriteOptions::new().with_state_json(&state),
        );
    }
    written as u32
}
