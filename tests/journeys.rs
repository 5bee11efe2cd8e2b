//! Every journey of examples/journeys.json passes against the example config and catalog.

use signpost::journeys::{run, JourneyFile};
use signpost::Engine;

#[test]
fn example_journeys_all_pass() {
    let engine = Engine::new(
        include_str!("../examples/config.json"),
        Some(include_str!("../examples/catalog.json")),
    )
    .unwrap();
    let file = JourneyFile::parse(include_str!("../examples/journeys.json")).unwrap();
    assert!(file.journeys.len() >= 15);
    let report = run(&engine, &file);
    assert!(report.passed(), "\n{}", report.to_text());
}
