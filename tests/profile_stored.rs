//! The profile's stored (binary) form: generated profiles survive it exactly, a JSON profile
//! stored before it is upgraded with nothing lost (every fact a condition reads, and the
//! decision, the same), and a corrupt or truncated value is refused with a reason.

use signpost::facts::{known_facts, Ctx, Fact, Scope};
use signpost::profile::{Membership, Profile, ProfileError, Wait, BINARY_FORMAT, MAGIC};
use signpost::testutil::{example_engine, Rng};
use signpost::time::{DAY, MINUTE, SECOND};
use signpost::{Engine, Event, RequestInfo, Signals};

const T0: i64 = 1_795_194_000_000; // 2026-11-20T17:00:00Z

const PRODUCTS: &[&str] = &[
    "tent-summit-2p",
    "tent-basecamp-4p",
    "boot-granite-mid",
    "acc-headlamp",
    "not-in-catalog",
];
const KINDS: &[&str] = &[
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "purchase",
    "identify",
    "newsletter_signup",
    "trip_planned",
];

/// A profile that went through a random visit: pages, events of every kind, traits of every
/// JSON scalar, journeys' parts, strings with multi-byte and escaped characters.
fn generated(seed: u64) -> Profile {
    let e = example_engine();
    let mut rng = Rng(seed);
    let mut p = Profile::new(format!("visitor-{seed}-é\"x"));
    let mut t = T0;
    for i in 0..rng.below(120) {
        t += (1 + rng.below(4 * 3600)) as i64 * SECOND;
        let product = *rng.pick(PRODUCTS);
        let kind = *rng.pick(KINDS);
        let ev = match kind {
            "product_view" | "add_to_cart" | "remove_from_cart" => Event::new(kind)
                .with("product_id", product)
                .with("quantity", 1 + rng.below(3))
                .with("price", rng.below(90_000) as f64 / 100.0),
            "purchase" => Event::new(kind)
                .with("items", vec![product])
                .with("total", rng.below(90_000) as f64 / 7.0),
            "identify" => Event::new(kind).with(
                "traits",
                serde_json::json!({
                    "first_name": "Ada ✓",
                    "age": rng.below(90),
                    "balance": -(rng.below(1000) as i64),
                    "ratio": rng.below(1000) as f64 / 3.0,
                    "vip": rng.below(2) == 1,
                }),
            ),
            _ => Event::new(kind),
        };
        e.record_event(&mut p, &ev.with("id", format!("e{i}")), t);
        if rng.below(3) == 0 {
            let url = format!("/products/{product}?utm_source=mail&utm_campaign=c{i}");
            let mut info = RequestInfo::new(url);
            info.headers
                .push(("referer".into(), "https://ex.com/".into()));
            e.on_request(&mut p, &info, &Signals::new(), t);
        }
    }
    p.rev = t;
    p.devices.push((format!("dev-{seed}"), t - 5));
    for i in 0..rng.below(4) {
        p.journey.members.push(Membership {
            segment: format!("seg{i}"),
            since: t - i as i64 * DAY,
        });
        p.journey.add_wait(Wait {
            action: format!("a{i}"),
            kind: "entered".into(),
            subject: format!("seg{i}"),
            at: t,
            due: t + 30 * MINUTE,
        });
        p.journey.record_sent(&format!("a{i}"), t - 7);
        p.journey.note_event("purchase", t);
    }
    p
}

/// Every fact of the profile and session that a condition can read, by name.
fn facts(e: &Engine, p: &Profile, now: i64) -> Vec<(String, Option<serde_json::Value>)> {
    let mut names: Vec<String> = known_facts()
        .map(|(name, _)| name)
        .filter(|n| n.starts_with("profile.") || n.starts_with("session."))
        .filter(|n| !n.contains('*'))
        .map(str::to_string)
        .collect();
    names.extend(p.traits.keys().map(|k| format!("profile.traits.{k}")));
    names.extend(["profile.traits.missing".into(), "session.utm.source".into()]);
    names.extend(
        p.exposures
            .iter()
            .map(|x| format!("profile.experiments.{}", x.experiment)),
    );
    let ctx = Ctx::new(e.config(), e.catalog(), p, now);
    names
        .into_iter()
        .map(|name| {
            let fact = Fact::parse(&name, Scope::DECISION).expect(&name);
            let fact: &'static Fact = Box::leak(Box::new(fact));
            let value = ctx.get(fact).to_json();
            (name, value)
        })
        .collect()
}

/// What a condition or cap reads beyond the named facts: event counts within windows,
/// impressions, journeys' memberships and sends.
fn counts(p: &Profile, now: i64) -> Vec<u64> {
    let mut out = Vec::new();
    for kind in KINDS.iter().chain(["page_view"].iter()) {
        for window in [None, Some(DAY), Some(7 * DAY), Some(30 * DAY)] {
            out.push(p.event_count(kind, window, now));
        }
    }
    for i in &p.impressions {
        out.push(p.impressions_total(&i.offer));
        out.push(p.impressions_since(&i.offer, now - DAY));
    }
    for s in &p.journey.sent {
        out.push(p.journey.sent_count(&s.action, Some(now - DAY)));
    }
    for m in &p.journey.members {
        out.push(p.journey.member_since(&m.segment).unwrap_or(0) as u64);
    }
    out.push(p.orders_within(365 * DAY, now));
    out
}

/// The facts, the counts and the decision of the next page are the same for both profiles.
fn same_facts(e: &Engine, a: &Profile, b: &Profile, what: &str) {
    let now = a.updated.max(T0) + 10 * MINUTE;
    assert_eq!(facts(e, a, now), facts(e, b, now), "{what}: facts");
    assert_eq!(counts(a, now), counts(b, now), "{what}: counts");
    let (mut a, mut b) = (a.clone(), b.clone());
    let info = RequestInfo::new("/products/tent-summit-2p");
    let da = e.on_request(&mut a, &info, &Signals::new(), now);
    let db = e.on_request(&mut b, &info, &Signals::new(), now);
    assert_eq!(da, db, "{what}: decision");
    assert_eq!(a, b, "{what}: the profile after the page");
}

#[test]
fn generated_profiles_survive_the_stored_form_exactly() {
    let e = example_engine();
    let (mut json_bytes, mut stored_bytes) = (0, 0);
    for seed in 0..200 {
        let p = generated(seed);
        let stored = p.to_stored();
        assert!(stored.starts_with(&MAGIC) && stored[MAGIC.len()] == BINARY_FORMAT);
        let back = Profile::from_stored(&stored).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(back, p, "seed {seed}");
        assert_eq!(
            back.to_stored(),
            stored,
            "seed {seed}: written again the same"
        );
        same_facts(&e, &p, &back, &format!("seed {seed}"));
        json_bytes += p.to_json().len();
        stored_bytes += stored.len();
    }
    assert!(
        stored_bytes * 10 < json_bytes * 7,
        "the stored form is {stored_bytes} bytes against JSON's {json_bytes}"
    );
}

#[test]
fn a_json_profile_is_upgraded_with_nothing_lost() {
    let e = example_engine();
    for seed in 0..50 {
        let p = generated(seed);
        // As an earlier build stored it: JSON.
        let old = p.to_json();
        let read = Profile::from_stored(old.as_bytes()).unwrap();
        let written = read.to_stored();
        assert!(Profile::is_binary(&written) && !Profile::is_binary(old.as_bytes()));
        let upgraded = Profile::from_stored(&written).unwrap();
        // Against the profile as JSON gave it (JSON's float parser may move a score by a
        // unit in the last place; the binary form keeps every bit of what it is given).
        assert_eq!(upgraded, read, "seed {seed}");
        same_facts(&e, &read, &upgraded, &format!("seed {seed}"));
        assert_eq!(
            upgraded.to_json(),
            read.to_json(),
            "seed {seed}: its JSON as read"
        );
    }
}

#[test]
fn old_layouts_and_odd_traits_upgrade_too() {
    // Version 0, and a v1 profile whose traits hold what the writer no longer accepts (an
    // object, an array) and numbers of each kind: kept as they were.
    let v0 = r#"{"id":"abc","traits":{"first_name":"Ada"},"page_views":7}"#;
    let p = Profile::from_stored(v0.as_bytes()).unwrap();
    let back = Profile::from_stored(&p.to_stored()).unwrap();
    assert_eq!(
        (back.page_views, back.traits["first_name"].as_str()),
        (7, Some("Ada"))
    );
    let v1 = r#"{"v":1,"id":"x","t":{"o":{"a":[1,2]},"l":[true,null],"u":18446744073709551615,
        "n":-9223372036854775808,"f":-0.5,"z":0.0,"b":false,"s":"\u0000\"\\"}}"#;
    let p = Profile::from_stored(v1.as_bytes()).unwrap();
    let back = Profile::from_stored(&p.to_stored()).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.to_json(), p.to_json());
}

#[test]
fn a_corrupt_or_truncated_value_is_refused_with_a_reason() {
    let stored = generated(7).to_stored();
    // Every cut of a valid value fails (none panics), as does every value with bytes after it.
    for end in MAGIC.len()..stored.len() {
        let err = Profile::from_stored(&stored[..end]).unwrap_err();
        assert!(
            matches!(err, ProfileError::Binary(_)),
            "cut at {end}: {err}"
        );
    }
    let mut long = stored.clone();
    long.push(0);
    let err = Profile::from_stored(&long).unwrap_err().to_string();
    assert_eq!(
        err,
        "binary profile is corrupt: 1 bytes after the last field"
    );
    // Flipped bytes: an error or another profile, never a panic.
    let mut rng = Rng(3);
    for _ in 0..2000 {
        let mut bad = stored.clone();
        let i = MAGIC.len() + 1 + rng.below((bad.len() - MAGIC.len() - 1) as u64) as usize;
        bad[i] = rng.below(256) as u8;
        let _ = Profile::from_stored(&bad);
    }
    // A count larger than the value cannot make it allocate for it.
    let mut huge = MAGIC.to_vec();
    huge.extend([BINARY_FORMAT, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(matches!(
        Profile::from_stored(&huge),
        Err(ProfileError::Binary(_))
    ));
    // A string that is not UTF-8.
    let mut utf = MAGIC.to_vec();
    utf.extend([BINARY_FORMAT, 1, 0xff]);
    assert!(Profile::from_stored(&utf)
        .unwrap_err()
        .to_string()
        .contains("UTF-8"));
}

#[test]
fn a_newer_format_is_left_alone() {
    let mut newer = Profile::new("x").to_stored();
    newer[MAGIC.len()] = BINARY_FORMAT + 1;
    assert!(matches!(
        Profile::from_stored(&newer),
        Err(ProfileError::TooNew(n)) if n == u64::from(BINARY_FORMAT) + 1
    ));
    assert!(matches!(
        Profile::from_stored(br#"{"v":9,"id":"x"}"#),
        Err(ProfileError::TooNew(9))
    ));
}
