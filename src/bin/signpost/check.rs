//! The offline commands: validate a config, run acceptance journeys, diff two configs.

use crate::args::{Diff, Journeys, Validate};
use crate::{engine, read, read_json, usage, Fail};
use signpost::journeys::{run, JourneyFile};
use std::path::Path;

pub(crate) fn validate(a: &Validate) -> Result<(), Fail> {
    let catalog = a.catalog.as_deref();
    let e = engine(&a.config, catalog)?;
    let c = e.config();
    println!(
        "{}: valid ({} offers in {} slots, {} segments, {} intent signals, {} tiers, {} experiments, {} actions to {} destinations, timezone {})",
        a.config.display(),
        c.offers.len(),
        c.slots.len(),
        c.segments.len(),
        c.intent.signals.len(),
        c.intent.tiers.len(),
        c.experiments.len(),
        c.actions.len(),
        c.destinations.len(),
        c.timezone.name()
    );
    if let Some(cat) = catalog {
        println!(
            "{}: valid ({} products, currency {})",
            cat.display(),
            e.catalog().products.len(),
            e.catalog().currency
        );
        for w in &e.catalog().warnings {
            println!("  warning: {w}");
        }
    }
    Ok(())
}

pub(crate) fn journeys(a: &Journeys) -> Result<(), Fail> {
    let file = a.file.as_path();
    let parsed = JourneyFile::parse(&read(file)?)
        .map_err(|e| Fail(format!("{}: {e}", file.display()), 2))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let config = match (&a.config, &parsed.config) {
        (Some(c), _) => c.clone(),
        (None, Some(c)) => dir.join(c),
        (None, None) => {
            return Err(usage(
                "journeys",
                "the journeys file names no config; pass --config",
            ))
        }
    };
    let catalog = match (&a.catalog, &parsed.catalog) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(c)) => Some(dir.join(c)),
        (None, None) => None,
    };
    let e = engine(&config, catalog.as_deref())?;
    let report = run(&e, &parsed);
    print!("{}", report.to_text());
    if report.passed() {
        Ok(())
    } else {
        Err(Fail(String::new(), 1))
    }
}

pub(crate) fn diff(a: &Diff) -> Result<(), Fail> {
    let changes = signpost::diff::diff(&read_json(&a.before)?, &read_json(&a.after)?);
    if changes.is_empty() {
        println!("no changes");
    }
    for c in changes {
        println!("{c}");
    }
    Ok(())
}
