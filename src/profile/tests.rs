use super::*;

#[test]
fn the_merge_sort_orders_as_the_standard_stable_sort() {
    let specials = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        2.5,
    ];
    let mut x: u64 = 7;
    for n in 0..200usize {
        let keys: Vec<f64> = (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                specials[(x >> 61) as usize % specials.len()] + ((x >> 40) % 3) as f64
            })
            .collect();
        let key = |i: usize| keys[i];
        let mut ours: Vec<usize> = (0..n).rev().collect();
        let mut std = ours.clone();
        sort_desc_stable(&mut ours, &key);
        std.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
        assert_eq!(ours, std, "{keys:?}");
    }
}
use crate::time::MINUTE;

#[test]
fn round_trips_through_json() {
    let mut p = Profile::new("v-1");
    p.touch_session(1000, 30 * MINUTE);
    p.record_view("tent", 1000);
    p.cart_add("tent", 2, Some(10.0), 1000);
    p.record_purchase(&["tent".into()], 20.0, 2000);
    p.record_impression("offer", 2000);
    let json = p.to_json();
    assert!(json.starts_with("{\"v\":1,"));
    let back = Profile::from_json(&json).unwrap();
    assert_eq!(back, p);
    let via_serde: Profile = serde_json::from_str(&json).unwrap();
    assert_eq!(via_serde, p);
    assert_eq!(Profile::from_bytes(&p.to_bytes()).unwrap(), p);
}

#[test]
fn reads_the_version_0_layout() {
    let old = r#"{"id":"abc","traits":{"first_name":"Ada","nested":{"x":1}},"page_views":7}"#;
    let p = Profile::from_json(old).unwrap();
    assert_eq!(p.id, "abc");
    assert_eq!(p.page_views, 7);
    assert_eq!(p.traits["first_name"], "Ada");
    assert!(
        !p.traits.contains_key("nested"),
        "only scalar traits are kept"
    );
    assert_eq!(p.version, FORMAT_VERSION);
}

#[test]
fn a_frozen_version_1_profile_stays_readable() {
    // Written by format v1; later builds must keep reading it.
    let v1 = r#"{"v":1,"id":"frozen","c":1000,"u":5000,"vis":2,"pv":3,
        "s":{"b":4000,"l":5000,"pv":1,"e":2,"cat":[["tents",1]],"lp":"/","utm":[["source","email"]]},
        "i":{"a":[{"k":"page","x":0.5,"at":5000}],"t":"browsing"},
        "t":{"first_name":"Ada"},"cart":{"l":[{"p":"tent","q":1,"pr":349.0}],"at":4500},
        "vw":[{"p":"tent","n":2,"at":4500}],"pu":[{"p":"boot","at":3000}],
        "o":{"n":1,"sp":179.0,"l":3000,"r":[[3000,179.0]]},"af":[{"c":"tents","x":2.0,"at":4500}],
        "ev":[{"k":"page_view","n":3,"r":[5000,4000,1000]}],"im":[{"o":"hero","n":1,"r":[5000]}],
        "ex":[{"x":"exp","var":"guide","at":5000,"n":1}],"ids":["e1"]}"#;
    let p = Profile::from_json(v1).unwrap();
    assert_eq!(p.visits, 2);
    assert_eq!(p.cart_items(), 1);
    assert_eq!(p.session_top_category(), Some("tents"));
    assert_eq!(p.event_count("page_view", None, 6000), 3);
    assert_eq!(p.intent.tier.as_deref(), Some("browsing"));
}

/// The two readers agree: whatever the typed one reads, the tree reads the same, and it
/// leaves every case it does not read (other versions, malformed input) to the tree.
#[cfg(feature = "typed-profile")]
#[test]
fn the_typed_reader_reads_what_the_tree_reads_or_nothing() {
    let frozen = r#"{"v":1,"id":"frozen","c":1000,"u":5000,"vis":2,"pv":3,
        "s":{"b":4000,"l":5000,"pv":1,"e":2,"cat":[["tents",1]],"lp":"/","utm":[["source","email"]]},
        "i":{"a":[{"k":"page","x":0.5,"at":5000}],"t":"browsing"},
        "t":{"first_name":"Ada","n":2.5},"cart":{"l":[{"p":"tent","q":1,"pr":349.0}],"at":4500},
        "vw":[{"p":"tent","n":2,"at":4500}],"pu":[{"p":"boot","at":3000}],
        "o":{"n":1,"sp":179.0,"l":3000,"r":[[3000,179.0]]},"af":[{"c":"tents","x":2.0,"at":4500}],
        "ev":[{"k":"page_view","n":3,"r":[5000,4000,1000]}],"im":[{"o":"hero","n":1,"r":[5000]}],
        "ex":[{"x":"exp","var":"guide","at":5000,"n":1}],"ids":["e1"],"future":{"x":[1]}}"#;
    let typed = Profile::read_typed(frozen.as_bytes()).expect("a v1 profile reads typed");
    assert_eq!(typed, Profile::read_tree(frozen.as_bytes()).unwrap());
    let mut rich = Profile::new("r");
    rich.touch_session(1000, 30 * MINUTE);
    rich.record_view("tent", 1000);
    rich.cart_add("tent", 2, None, 1000);
    rich.record_purchase(&["tent".into()], 20.0, 2000);
    let json = rich.to_json();
    assert_eq!(Profile::read_typed(json.as_bytes()), Some(rich));

    let cases = [
        // The tree's own: other versions and what is malformed.
        (r#"{"id":"a","page_views":3}"#, "v0"),
        (r#"{"v":0,"id":"a"}"#, "v0 named"),
        (r#"{"v":2,"id":"a"}"#, "newer"),
        (r#"{"v":1}"#, "no id"),
        (r#"{"v":1,"id":"a","pv":-1}"#, "negative count"),
        (r#"{"v":1,"id":"a","pv":1.5}"#, "fractional count"),
        (r#"{"v":1,"id":"a","vis":4294967296}"#, "count out of range"),
        (r#"{"v":1,"id":"a","c":null}"#, "null for a number"),
        (
            r#"{"v":1,"id":"a","vw":[{"p":"x","n":1}]}"#,
            "an entry without its time",
        ),
        (
            r#"{"v":1,"id":"a","s":{"cat":[["a",1,2]]}}"#,
            "a pair of three",
        ),
        (r#"{"v":1,"id":"a","id":"b"}"#, "a duplicate key"),
        (r#"{"v":1,"id":"a"} x"#, "trailing text"),
        (
            r#"{"v":1,"id":"a","o":{"l":null}}"#,
            "null for an absent option",
        ),
        (r#"{"v":1,"id":"a","c":1e3}"#, "a time in float notation"),
    ];
    // Whatever the typed reader makes of them, the tree's answers (errors included) stand.
    for (text, what) in cases {
        let a = Profile::from_bytes(text.as_bytes()).map_err(|e| e.to_string());
        let b = Profile::read_tree(text.as_bytes()).map_err(|e| e.to_string());
        assert_eq!(a, b, "{what}");
    }
}

#[test]
fn refuses_a_newer_format() {
    let err = Profile::from_json(r#"{"v":9,"id":"x"}"#).unwrap_err();
    assert!(matches!(err, ProfileError::TooNew(9)));
}

#[test]
fn purchase_empties_its_cart_lines_and_orders_by_recency() {
    let mut p = Profile::new("x");
    p.cart_add("a", 1, Some(5.0), 10);
    p.cart_add("b", 3, None, 11);
    p.record_purchase(&["a".into()], 5.0, 20);
    assert_eq!(p.cart_items(), 3);
    assert_eq!(p.cart.changed, 20);
    p.record_purchase(&["c".into(), "d".into()], 7.0, 30);
    let order: Vec<&str> = p.purchased.iter().map(|x| x.product.as_str()).collect();
    assert_eq!(order, ["c", "d", "a"]);
    assert_eq!(p.orders.count, 2);
    assert_eq!(p.orders.spend, 12.0);
}

#[test]
fn sessions_end_after_the_timeout() {
    let mut p = Profile::new("x");
    assert!(p.touch_session(0, 30 * MINUTE));
    assert!(!p.touch_session(29 * MINUTE, 30 * MINUTE));
    assert!(!p.touch_session(58 * MINUTE, 30 * MINUTE));
    assert!(p.touch_session(89 * MINUTE, 30 * MINUTE));
    assert_eq!(p.visits, 2);
}

#[test]
fn event_windows_count_recent_times() {
    let mut p = Profile::new("x");
    for t in [0, 10, 20, 30] {
        p.count_event("trip_planned", t * DAY, &|_| false);
    }
    assert_eq!(p.event_count("trip_planned", None, 30 * DAY), 4);
    assert_eq!(p.event_count("trip_planned", Some(15 * DAY), 30 * DAY), 2);
    assert_eq!(p.event_count("other", None, 30 * DAY), 0);
}

#[test]
fn dedupes_event_ids() {
    let mut p = Profile::new("x");
    assert!(p.remember_id("e1"));
    assert!(!p.remember_id("e1"));
}
