use super::*;
use crate::time::Millis;
use serde_json::json;

const CONFIG: &str = include_str!("../../examples/config.json");
const CATALOG_JSON: &str = include_str!("../../examples/catalog.json");

fn changed_priority(p: i64) -> String {
    let mut v: Value = serde_json::from_str(CONFIG).unwrap();
    v["offers"][3]["priority"] = p.into();
    v.to_string()
}

fn broken() -> String {
    let mut v: Value = serde_json::from_str(CONFIG).unwrap();
    v["offers"][3]["when"] = json!({"fact": "request.path", "op": "equals", "value": "/"});
    v.to_string()
}

#[test]
fn first_publish_writes_version_then_pointer() {
    let mut kv = MemoryKv::default();
    let p = publish(&mut kv, CONFIG, Some(CATALOG_JSON)).unwrap();
    assert_eq!((p.version, p.previous), (1, None));
    assert!(p.catalog_written);
    let (snap, live) = (crate::snapshot::key(1), crate::snapshot::live_key());
    assert_eq!(
        kv.writes,
        ["config:1", "catalog", &snap, &live, "config:current"]
    );
    assert_eq!(kv.bytes[&snap], kv.bytes[&live]);
    assert_eq!(kv.data["config:current"], "1");
    assert_eq!(kv.data["config:1"], CONFIG);
    assert!(p.snapshot_error.is_none());
}

/// The snapshot written next to the JSON loads as the engine the JSON compiles to, with the
/// catalog it will run with: the one published with it, or the one already in KV.
#[test]
fn a_publish_writes_the_compiled_snapshot_of_what_goes_live() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, Some(CATALOG_JSON)).unwrap();
    let p = publish(&mut kv, &changed_priority(95), None).unwrap();
    let bytes = &kv.bytes[&crate::snapshot::key(p.version)];
    let loaded = crate::snapshot::decode(bytes, p.version, Some(CATALOG_JSON)).unwrap();
    let compiled = Engine::new(&changed_priority(95), Some(CATALOG_JSON)).unwrap();
    assert_eq!(format!("{loaded:?}"), format!("{compiled:?}"));

    // A catalog published on its own makes the live version's snapshot again.
    let catalog: Value = serde_json::from_str(CATALOG_JSON).unwrap();
    let mut fewer = catalog.clone();
    fewer["products"].as_array_mut().unwrap().truncate(2);
    let fewer = fewer.to_string();
    publish_catalog(&mut kv, &fewer).unwrap();
    let bytes = &kv.bytes[&crate::snapshot::key(p.version)];
    let loaded = crate::snapshot::decode(bytes, p.version, Some(&fewer)).unwrap();
    assert_eq!(loaded.catalog().products.len(), 2);
}

/// The snapshot is a cache: a store that refuses it does not stop the publish.
#[test]
fn a_snapshot_that_cannot_be_written_does_not_stop_the_publish() {
    let mut kv = MemoryKv {
        fail_puts: vec![crate::snapshot::key(1)],
        ..MemoryKv::default()
    };
    let p = publish(&mut kv, CONFIG, Some(CATALOG_JSON)).unwrap();
    assert!(p.snapshot_error.is_some());
    assert_eq!(kv.data["config:current"], "1");
}

#[test]
fn next_publish_reports_changes_and_keeps_the_old_version() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, Some(CATALOG_JSON)).unwrap();
    let p = publish(&mut kv, &changed_priority(95), None).unwrap();
    assert_eq!((p.version, p.previous), (2, Some(1)));
    assert_eq!(
        p.changes.iter().map(Change::to_string).collect::<Vec<_>>(),
        ["offer \"cart-reminder\": priority 80 → 95"]
    );
    assert_eq!(kv.data["config:1"], CONFIG);
    assert_eq!(kv.data["config:current"], "2");
}

#[test]
fn an_invalid_config_writes_nothing() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    let before = kv.data.clone();
    let e = publish(&mut kv, &broken(), None).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("config is invalid; nothing was written"),
        "{msg}"
    );
    assert!(
        msg.contains("offers[3].when.op: unknown operator \"equals\""),
        "{msg}"
    );
    assert_eq!(kv.data, before);
    // An invalid catalog alongside a valid config: nothing either.
    let e = publish(&mut kv, CONFIG, Some("{\"products\": 3}")).unwrap_err();
    assert!(e.to_string().starts_with("catalog is invalid"), "{e}");
    assert_eq!(kv.data, before);
    assert!(matches!(
        publish(&mut kv, "{", None),
        Err(PublishError::Invalid { .. })
    ));
    assert_eq!(kv.data, before);
}

#[test]
fn an_invalid_catalog_in_kv_blocks_a_config_publish() {
    let mut kv = MemoryKv::default();
    kv.data
        .insert(CATALOG.into(), "{\"products\": [{}]}".into());
    let e = publish(&mut kv, CONFIG, None).unwrap_err();
    assert!(e.to_string().starts_with("the catalog in KV"), "{e}");
    assert!(kv.writes.is_empty());
}

#[test]
fn a_failed_pointer_move_leaves_the_old_version_live() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    kv.fail_puts.push(CURRENT.into());
    let e = publish(&mut kv, &changed_priority(95), None).unwrap_err();
    assert!(matches!(e, PublishError::Store { .. }));
    assert!(
        e.to_string()
            .contains("nothing went live: version 1 is still live"),
        "{e}"
    );
    assert_eq!(kv.data["config:current"], "1");
    // The written version is kept, and the next publish does not reuse its number.
    assert!(kv.data.contains_key("config:2"));
    kv.fail_puts.clear();
    let p = publish(&mut kv, &changed_priority(96), None).unwrap();
    assert_eq!(p.version, 3);
    assert_eq!(kv.data["config:2"], changed_priority(95));
}

#[test]
fn a_failed_version_write_moves_nothing() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    kv.fail_puts.push("config:2".into());
    assert!(publish(&mut kv, &changed_priority(95), None).is_err());
    assert_eq!(kv.data["config:current"], "1");
    assert!(!kv.data.contains_key("config:2"));
}

#[test]
fn versions_are_never_overwritten() {
    let mut kv = MemoryKv::default();
    for p in [80, 81, 82] {
        publish(&mut kv, &changed_priority(p), None).unwrap();
    }
    rollback(&mut kv, Some(1)).unwrap();
    // Live is 1, but 2 and 3 exist: the next version is 4.
    let p = publish(&mut kv, &changed_priority(83), None).unwrap();
    assert_eq!(p.version, 4);
    assert_eq!(kv.data["config:3"], changed_priority(82));
    // Each key was written once.
    for k in ["config:1", "config:2", "config:3", "config:4"] {
        assert_eq!(kv.writes.iter().filter(|w| *w == k).count(), 1, "{k}");
    }
}

/// A store whose listing lags behind (KV is eventually consistent).
struct LaggingList(MemoryKv);

impl Kv for LaggingList {
    fn get(&mut self, key: &str) -> Result<Option<String>, KvError> {
        self.0.get(key)
    }
    fn put(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        self.0.put(key, value)
    }
    fn put_bytes(&mut self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.0.put_bytes(key, value)
    }
    fn list(&mut self, _prefix: &str) -> Result<Vec<String>, KvError> {
        Ok(vec![])
    }
}

#[test]
fn a_lagging_listing_cannot_cause_an_overwrite() {
    let mut inner = MemoryKv::default();
    publish(&mut inner, CONFIG, None).unwrap();
    publish(&mut inner, &changed_priority(90), None).unwrap();
    inner.data.insert(CURRENT.into(), "1".into());
    let mut kv = LaggingList(inner);
    let e = publish(&mut kv, &changed_priority(91), None).unwrap_err();
    assert!(e.to_string().contains("config:2 already exists"), "{e}");
    assert_eq!(kv.0.data["config:2"], changed_priority(90));
    assert_eq!(kv.0.data[CURRENT], "1");
}

#[test]
fn rollback_to_previous_and_to_a_given_version() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, Some(CATALOG_JSON)).unwrap();
    publish(&mut kv, &changed_priority(95), None).unwrap();
    publish(&mut kv, &changed_priority(96), None).unwrap();
    let r = rollback(&mut kv, None).unwrap();
    assert_eq!((r.from, r.to), (3, 2));
    assert_eq!(
        r.changes[0].to_string(),
        "offer \"cart-reminder\": priority 96 → 95"
    );
    assert_eq!(kv.data[CURRENT], "2");
    let r = rollback(&mut kv, None).unwrap();
    assert_eq!(r.to, 1);
    let e = rollback(&mut kv, None).unwrap_err();
    assert!(e.to_string().starts_with("no version before 1"), "{e}");
    let r = rollback(&mut kv, Some(3)).unwrap();
    assert_eq!((r.from, r.to), (1, 3));
    assert!(rollback(&mut kv, Some(3))
        .unwrap_err()
        .to_string()
        .contains("already live"));
    let e = rollback(&mut kv, Some(9)).unwrap_err();
    assert!(
        e.to_string()
            .contains("config:9 does not exist (stored versions: 1, 2, 3)"),
        "{e}"
    );
    assert_eq!(kv.data[CURRENT], "3");
}

#[test]
fn rollback_refuses_an_invalid_version() {
    let mut kv = MemoryKv::default();
    kv.data.insert("config:1".into(), broken());
    publish(&mut kv, CONFIG, None).unwrap();
    assert_eq!(kv.data[CURRENT], "2");
    let e = rollback(&mut kv, None).unwrap_err();
    assert!(e.to_string().starts_with("config:1 is invalid"), "{e}");
    assert!(e.to_string().contains("offers[3].when.op"), "{e}");
    assert_eq!(kv.data[CURRENT], "2");
    assert!(rollback(&mut MemoryKv::default(), None).is_err());
}

#[test]
fn a_corrupt_pointer_is_reported() {
    let mut kv = MemoryKv::default();
    kv.data.insert(CURRENT.into(), "latest".into());
    let e = publish(&mut kv, CONFIG, None).unwrap_err();
    assert!(e.to_string().contains("not a version number"), "{e}");
    assert!(kv.writes.is_empty());
}

#[test]
fn versions_mark_the_live_one_and_summarize() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    publish(&mut kv, &changed_priority(95), None).unwrap();
    rollback(&mut kv, None).unwrap();
    let v = versions(&mut kv).unwrap();
    assert_eq!(
        v,
        [
            Version {
                number: 1,
                live: true,
                summary: "first version".into(),
                meta: None,
            },
            Version {
                number: 2,
                live: false,
                summary: "since 1: offer \"cart-reminder\": priority 80 → 95".into(),
                meta: None,
            }
        ]
    );
}

#[test]
fn catalog_and_signals() {
    let mut kv = MemoryKv::default();
    assert!(publish_catalog(&mut kv, "{\"products\": 1}").is_err());
    assert!(kv.writes.is_empty());
    let c = publish_catalog(&mut kv, CATALOG_JSON).unwrap();
    assert!(!c.products.is_empty());
    assert_eq!(kv.data[CATALOG], CATALOG_JSON);

    set_signal(
        &mut kv,
        "restock",
        json!({"product_ids": ["tent-ultralight-1p"]}),
    )
    .unwrap();
    let s = set_signal(&mut kv, "weather_advisory", json!({"active": true})).unwrap();
    assert_eq!(s.len(), 2);
    let stored: Value = serde_json::from_str(&kv.data[SIGNALS]).unwrap();
    assert_eq!(stored["restock"]["product_ids"][0], "tent-ultralight-1p");
    // null removes one signal and keeps the others.
    set_signal(&mut kv, "restock", Value::Null).unwrap();
    let stored: Value = serde_json::from_str(&kv.data[SIGNALS]).unwrap();
    assert_eq!(stored, json!({"weather_advisory": {"active": true}}));
    assert!(set_signal(&mut kv, "", json!(1)).is_err());
    kv.data.insert(SIGNALS.into(), "[1]".into());
    let writes = kv.writes.len();
    assert!(set_signal(&mut kv, "x", json!(1)).is_err());
    assert_eq!(kv.writes.len(), writes);
}

fn based_on(n: u64) -> Publication {
    Publication {
        base: Some(n),
        meta: None,
    }
}

fn by(who: &str, at: Millis, message: &str) -> Publication {
    Publication {
        base: None,
        meta: Some(Meta::new(at, who, message).unwrap()),
    }
}

#[test]
fn a_record_is_written_before_the_pointer_and_listed() {
    let mut kv = MemoryKv::default();
    let first = by("Ana", 1_764_900_000_000, "  first offers\n");
    publish_with(&mut kv, CONFIG, None, &first).unwrap();
    let (snap, live) = (crate::snapshot::key(1), crate::snapshot::live_key());
    assert_eq!(
        kv.writes,
        ["config:1", "config-meta:1", &snap, &live, "config:current"]
    );
    assert_eq!(
        kv.data["config-meta:1"],
        r#"{"at":1764900000000,"by":"Ana","message":"first offers"}"#
    );
    // A publish without a record (as before records existed) lists with none.
    publish(&mut kv, &changed_priority(95), None).unwrap();
    let v = versions(&mut kv).unwrap();
    assert_eq!(v[0].meta, first.meta);
    assert_eq!(v[1].meta, None);
    assert_eq!(
        v[0].meta.as_ref().unwrap().line(),
        "by Ana, 2025-12-05T02:00:00Z: \"first offers\""
    );
    // Records are not versions: the listing of `config:` keys is unchanged.
    assert_eq!(stored_versions(&mut kv).unwrap(), [1, 2]);
    // An unreadable record is no record, never an error.
    kv.data.insert("config-meta:2".into(), "{".into());
    assert_eq!(versions(&mut kv).unwrap()[1].meta, None);
}

#[test]
fn a_record_is_checked() {
    let long = "x".repeat(MAX_BY + 1);
    assert_eq!(
        Meta::new(0, &long, "").unwrap_err().to_string(),
        "author: at most 80 characters"
    );
    assert!(Meta::new(0, "Ana\nBob", "").is_err());
    assert!(Meta::new(0, "Ana", "two\nlines").is_ok());
    assert!(Meta::new(0, "Ana", "bell\u{7}").is_err());
    assert!(Meta::new(0, "", &"é".repeat(MAX_MESSAGE)).is_ok());
}

#[test]
fn a_failed_record_write_moves_nothing() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    kv.fail_puts.push("config-meta:2".into());
    let e = publish_with(&mut kv, &changed_priority(95), None, &by("Ana", 0, "")).unwrap_err();
    assert!(e.to_string().contains("version 1 is still live"), "{e}");
    assert_eq!(kv.data[CURRENT], "1");
}

#[test]
fn a_publish_on_a_stale_base_is_refused_with_both_diffs() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    // Bo publishes from version 1 first.
    let bo = Publication {
        base: Some(1),
        meta: Some(Meta::new(1_764_900_000_000, "Bo", "hero first").unwrap()),
    };
    publish_with(&mut kv, &changed_priority(95), None, &bo).unwrap();
    let before = kv.data.clone();
    // Ana's draft was also based on version 1.
    let mut ana: Value = serde_json::from_str(CONFIG).unwrap();
    ana["offers"][0]["priority"] = 7.into();
    let ana = ana.to_string();
    let stale = based_on(1);
    let e = publish_with(&mut kv, &ana, None, &stale).unwrap_err();
    let PublishError::Moved(m) = &e else {
        panic!("{e}")
    };
    assert_eq!((m.base, m.live), (1, Some(2)));
    assert_eq!(m.live_meta.as_ref().unwrap().by, "Bo");
    let lines = |c: &[Change]| c.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(
        lines(&m.base_to_live),
        ["offer \"cart-reminder\": priority 80 → 95"]
    );
    assert_eq!(m.live_to_draft.len(), 2, "{:?}", lines(&m.live_to_draft));
    let text = e.to_string();
    assert!(
        text.starts_with(
            "version 2 went live after version 1, the one this draft was based on (by Bo, "
        ),
        "{text}"
    );
    assert!(text.contains("Rebase the draft on version 2"), "{text}");
    assert!(text.contains("changes from version 1 to 2:\n    offer \"cart-reminder\""));
    assert_eq!(kv.data, before, "nothing written");
    // Based on the live version, or on none (as before), it goes through.
    let current = based_on(2);
    assert_eq!(
        publish_with(&mut kv, &ana, None, &current).unwrap().version,
        3
    );
    assert_eq!(publish(&mut kv, CONFIG, None).unwrap().version, 4);
}

#[test]
fn a_rollback_since_the_base_counts_as_a_move() {
    let mut kv = MemoryKv::default();
    publish(&mut kv, CONFIG, None).unwrap();
    publish(&mut kv, &changed_priority(95), None).unwrap();
    rollback(&mut kv, None).unwrap();
    let stale = based_on(2);
    let e = publish_with(&mut kv, &changed_priority(96), None, &stale).unwrap_err();
    let PublishError::Moved(m) = e else {
        panic!("{e}")
    };
    assert_eq!((m.base, m.live), (2, Some(1)));
    assert_eq!(
        m.base_to_live[0].to_string(),
        "offer \"cart-reminder\": priority 95 → 80"
    );
}
