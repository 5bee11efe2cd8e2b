//! Every journey of examples/journeys.json passes against the example config and catalog, and
//! the reference examples of shared/ (copied into tests/fixtures/reference, where `purchase`
//! is not yet trusted and comes from the page) still pass as they are.

use signpost::journeys::{run, JourneyFile};
use signpost::Engine;

const CATALOG: &str = include_str!("../examples/catalog.json");
const JOURNEYS: &str = include_str!("../examples/journeys.json");

fn engine(config: &str) -> Engine {
    Engine::new(config, Some(CATALOG)).unwrap()
}

#[test]
fn example_journeys_all_pass() {
    let file = JourneyFile::parse(JOURNEYS).unwrap();
    assert!(file.journeys.len() >= 19);
    let report = run(&engine(include_str!("../examples/config.json")), &file);
    assert!(report.passed(), "\n{}", report.to_text());
}

#[test]
fn the_reference_examples_pass_as_they_are() {
    let file = JourneyFile::parse(include_str!("fixtures/reference/journeys.json")).unwrap();
    let report = run(
        &engine(include_str!("fixtures/reference/config.json")),
        &file,
    );
    assert!(report.passed(), "\n{}", report.to_text());
}

/// The trust journeys fail where trust is missing: a config that believes the page, and a
/// login that does not carry the cart to the second device.
#[test]
fn the_trust_journeys_can_fail() {
    let mut file = JourneyFile::parse(JOURNEYS).unwrap();
    file.journeys
        .retain(|j| j.name == "faked-page-purchase-changes-nothing");
    let trusting = engine(include_str!("fixtures/reference/config.json"));
    let report = run(&trusting, &file);
    assert!(
        !report.passed(),
        "a page purchase counts when nothing is trusted"
    );
    assert!(
        report.to_text().contains("gold-welcome"),
        "{}",
        report.to_text()
    );

    let mut file = JourneyFile::parse(JOURNEYS).unwrap();
    file.journeys
        .retain(|j| j.name == "second-device-login-gets-cart");
    for step in &mut file.journeys[0].steps {
        if step.device.as_deref() == Some("phone") {
            step.identify = None;
        }
    }
    file.journeys[0].steps.retain(|s| {
        s.device.as_deref() != Some("phone") || s.request.is_some() || s.reset.is_some()
    });
    let report = run(&engine(include_str!("../examples/config.json")), &file);
    assert!(!report.passed(), "without identify the phone is a stranger");
}
