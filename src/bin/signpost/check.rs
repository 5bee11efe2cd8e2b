//! The offline commands: validate a config, run acceptance journeys, diff two configs.

use crate::{engine, read, read_json, usage, Args, Fail};
use signpost::journeys::{run, JourneyFile};
use std::path::{Path, PathBuf};

pub(crate) fn validate(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["catalog"], &[])?;
    let [config] = a.positional.as_slice() else {
        return Err(usage("validate takes one config file"));
    };
    let catalog = a.one("catalog").map(PathBuf::from);
    let e = engine(Path::new(config), catalog.as_deref())?;
    let c = e.config();
    println!(
        "{config}: valid ({} offers in {} slots, {} segments, {} intent signals, {} tiers, {} experiments, {} actions to {} destinations, timezone {})",
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
    if let Some(cat) = &catalog {
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

pub(crate) fn journeys(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &["config", "catalog"], &[])?;
    let [file] = a.positional.as_slice() else {
        return Err(usage("journeys takes one journeys file"));
    };
    let file = Path::new(file);
    let parsed = JourneyFile::parse(&read(file)?)
        .map_err(|e| Fail(format!("{}: {e}", file.display()), 2))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let config = match (a.one("config"), &parsed.config) {
        (Some(c), _) => PathBuf::from(c),
        (None, Some(c)) => dir.join(c),
        (None, None) => return Err(usage("the journeys file names no config; pass --config")),
    };
    let catalog = match (a.one("catalog"), &parsed.catalog) {
        (Some(c), _) => Some(PathBuf::from(c)),
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

pub(crate) fn diff(args: &[String]) -> Result<(), Fail> {
    let a = Args::parse(args, &[], &[])?;
    let [before, after] = a.positional.as_slice() else {
        return Err(usage("diff takes two config files: <before> <after>"));
    };
    let changes = signpost::diff::diff(&read_json(before)?, &read_json(after)?);
    if changes.is_empty() {
        println!("no changes");
    }
    for c in changes {
        println!("{c}");
    }
    Ok(())
}
