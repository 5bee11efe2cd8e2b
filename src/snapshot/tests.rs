use super::*;
use crate::journeys::{run, JourneyFile};

const CONFIG: &str = include_str!("../../examples/config.json");
const CATALOG: &str = include_str!("../../examples/catalog.json");
const JOURNEYS: &str = include_str!("../../examples/journeys.json");
const REFERENCE_CONFIG: &str = include_str!("../../tests/fixtures/reference/config.json");
const REFERENCE_JOURNEYS: &str = include_str!("../../tests/fixtures/reference/journeys.json");
const EVERY_FIELD: &str = include_str!("../../tests/fixtures/schema/every-field.json");

fn round_trip(config: &str, catalog: Option<&str>) -> (Engine, Engine) {
    let compiled = Engine::new(config, catalog).unwrap();
    let bytes = encode(7, catalog, &compiled);
    let loaded = decode(&bytes, 7, catalog).unwrap();
    (compiled, loaded)
}

/// The compiled types all derive Debug: equal text is equal values, field by field.
fn same(a: &Engine, b: &Engine) {
    assert_eq!(format!("{:?}", a.config()), format!("{:?}", b.config()));
    assert_eq!(format!("{:?}", a.catalog()), format!("{:?}", b.catalog()));
}

#[test]
fn the_example_and_the_fixtures_come_back_the_same() {
    for (config, catalog) in [
        (CONFIG, Some(CATALOG)),
        (CONFIG, None),
        (REFERENCE_CONFIG, Some(CATALOG)),
    ] {
        let (compiled, loaded) = round_trip(config, catalog);
        same(&compiled, &loaded);
    }
}

#[test]
fn every_field_of_the_schema_comes_back_the_same() {
    // The schema's fixture sets every field the config has, journeys included.
    let every: serde_json::Value = serde_json::from_str(EVERY_FIELD).unwrap();
    let config = every.get("config").unwrap_or(&every).to_string();
    let catalog = every.get("catalog").map(ToString::to_string);
    let (compiled, loaded) = round_trip(&config, catalog.as_deref().or(Some(CATALOG)));
    same(&compiled, &loaded);
    assert!(!loaded.config().actions.is_empty() || !cfg!(feature = "actions"));
}

#[test]
fn a_loaded_engine_decides_every_journey_as_the_compiled_one() {
    for (config, journeys) in [(CONFIG, JOURNEYS), (REFERENCE_CONFIG, REFERENCE_JOURNEYS)] {
        let (_, loaded) = round_trip(config, Some(CATALOG));
        let report = run(&loaded, &JourneyFile::parse(journeys).unwrap());
        assert!(report.passed(), "\n{}", report.to_text());
    }
}

#[test]
fn another_build_version_or_catalog_is_refused() {
    let engine = Engine::new(CONFIG, Some(CATALOG)).unwrap();
    let bytes = encode(3, Some(CATALOG), &engine);
    assert!(matches!(
        decode(&bytes, 4, Some(CATALOG)),
        Err(SnapshotError::Version {
            found: 3,
            wanted: 4
        })
    ));
    assert_eq!(
        decode(&bytes, 3, Some("{}")).err(),
        Some(SnapshotError::Catalog)
    );
    assert_eq!(decode(&bytes, 3, None).err(), Some(SnapshotError::Catalog));

    // The same bytes as another build writes them: its id in the header, the check redone.
    let mut other = crate::codec::Out::new(bytes.len());
    other.bytes(MAGIC);
    other.byte(FORMAT);
    let ours = build_id();
    let theirs = format!("0.0.0-{}", "f".repeat(ours.len() - 6));
    theirs.put(&mut other);
    let header = MAGIC.len() + 1 + 1 + ours.len();
    other.bytes(&bytes[header..bytes.len() - 8]);
    let check = fnv(other.as_bytes());
    other.bytes(&check.to_le_bytes());
    assert_eq!(
        decode(&other.into_bytes(), 3, Some(CATALOG)).err(),
        Some(SnapshotError::Build(theirs))
    );
}

#[test]
fn a_cut_or_altered_snapshot_is_refused_never_read() {
    let engine = Engine::new(CONFIG, Some(CATALOG)).unwrap();
    let bytes = encode(1, Some(CATALOG), &engine);
    assert!(decode(&bytes, 1, Some(CATALOG)).is_ok());
    for cut in [0, 3, 5, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            decode(&bytes[..cut], 1, Some(CATALOG)).is_err(),
            "cut at {cut}"
        );
    }
    // Every byte flipped in turn: the check or the reader refuses each.
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x20;
        assert!(decode(&bad, 1, Some(CATALOG)).is_err(), "byte {i}");
    }
    assert_eq!(
        decode(b"{\"not\":\"a snapshot\"}", 1, None).err(),
        Some(SnapshotError::Format)
    );
}

/// A body the check accepts but the reader cannot (a writer's bug, or a hash collision): the
/// reader stops without reading past the end or allocating what a length claims.
#[test]
fn a_body_that_passes_the_check_but_not_the_reader_is_refused() {
    let mut w = crate::codec::Out::new(64);
    w.bytes(MAGIC);
    w.byte(FORMAT);
    build_id().put(&mut w);
    1u64.put(&mut w);
    None::<u64>.put(&mut w);
    w.byte(1); // the site's name: Some, then an absurd length
    w.uint(u64::MAX);
    let check = fnv(w.as_bytes());
    w.bytes(&check.to_le_bytes());
    assert_eq!(
        decode(&w.into_bytes(), 1, None).err(),
        Some(SnapshotError::Corrupt)
    );
}

#[test]
fn the_key_names_the_version_and_the_build() {
    let k = key(12);
    assert!(k.starts_with("config-snapshot:12:"), "{k}");
    assert!(k.ends_with(&build_id()));
    // Not a `config:<n>` key: version listings never see it.
    assert!(!k.starts_with("config:"));
}
