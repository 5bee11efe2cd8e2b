//! Every zone of the system's tz database against the core's zone table (`signpost::timezone`).
//!
//! The core keeps each zone's POSIX rule plus the periods in which that rule is wrong; this test
//! checks the result from the outside: for every zone in /usr/share/zoneinfo (Debian's tzdata,
//! installed by `make setup`), the UTC offset `Tz::offset_at` gives must be the TZif file's, at
//! every hour of 2026-2030 and on both sides of every transition from 2026 on. The files are
//! read directly (RFC 8536: the version 2+ 64-bit section). Debian's files are "fat": their
//! explicit transitions run to 2037, so the check never needs the file's own POSIX footer, which
//! would be checking the core's rule evaluation against itself.

use signpost::time::{format_timestamp, parse_timestamp, SECOND};
use signpost::timezone::{Tz, TZDATA_VERSION};
use std::fs;
use std::path::Path;

const ZONEINFO: &str = "/usr/share/zoneinfo";
/// Not zones: the host's own setting, the legacy default rule and the "no zone" placeholder.
const NOT_ZONES: [&str; 3] = ["localtime", "posixrules", "Factory"];

/// The UTC offsets a TZif file gives (seconds east of UTC).
struct Tzif {
    /// (UTC second, offset from then on), sorted.
    transitions: Vec<(i64, i64)>,
    /// The offset before the first transition (local time type 0).
    initial: i64,
    /// A footer with daylight saving rules (a comma): it governs after the last transition.
    footer_has_rules: bool,
}

impl Tzif {
    /// Parses a version 2+ file; `None` for anything else (tables, version 1 files).
    fn parse(data: &[u8]) -> Option<Tzif> {
        if data.len() < 44 || &data[..4] != b"TZif" || data[4] < b'2' {
            return None;
        }
        let counts = |at: usize| -> Option<[usize; 6]> {
            let mut c = [0; 6];
            for (i, n) in c.iter_mut().enumerate() {
                let b = data.get(at + 20 + 4 * i..at + 24 + 4 * i)?;
                *n = u32::from_be_bytes(b.try_into().ok()?) as usize;
            }
            Some(c)
        };
        // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt; skip the 32-bit block.
        let [isut, isstd, leap, time, types, chars] = counts(0)?;
        let v2 = 44 + time * 5 + types * 6 + chars + leap * 8 + isstd + isut;
        let [isut, isstd, leap, time, types, chars] = counts(v2)?;
        let times = v2 + 44;
        let indices = times + time * 8;
        let ttinfos = indices + time;
        let footer = ttinfos + types * 6 + chars + leap * 12 + isstd + isut;
        let be_i64 = |at: usize| i64::from_be_bytes(data[at..at + 8].try_into().unwrap());
        let offset = |ty: usize| {
            let at = ttinfos + ty * 6;
            i64::from(i32::from_be_bytes(data[at..at + 4].try_into().unwrap()))
        };
        if data.len() < footer || types == 0 {
            return None;
        }
        let transitions = (0..time)
            .map(|i| {
                (
                    be_i64(times + i * 8),
                    offset(usize::from(data[indices + i])),
                )
            })
            .collect();
        Some(Tzif {
            transitions,
            initial: offset(0),
            footer_has_rules: data[footer..].contains(&b','),
        })
    }

    /// The offset at UTC second `t`, or `None` where only the footer's rules could say.
    fn offset_at(&self, t: i64) -> Option<i64> {
        let after = self.transitions.partition_point(|&(at, _)| at <= t);
        let last = self.transitions.last().map(|&(at, _)| at);
        if self.footer_has_rules && last.is_none_or(|last| t > last) {
            return None;
        }
        Some(match after {
            0 => self.initial,
            n => self.transitions[n - 1].1,
        })
    }
}

/// Zone names (relative paths) of every TZif file under `dir`, without the `posix/` and
/// `right/` copies of the tree.
fn zone_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            if name != "posix" && name != "right" {
                zone_files(root, &path, out);
            }
        } else if !NOT_ZONES.contains(&name.as_str()) {
            out.push(name);
        }
    }
}

fn system_tzdata_version() -> String {
    let zi = fs::read_to_string(Path::new(ZONEINFO).join("tzdata.zi")).unwrap_or_default();
    let first = zi.lines().next().unwrap_or_default();
    first
        .strip_prefix("# version ")
        .unwrap_or("unknown")
        .to_string()
}

fn utc(t: i64) -> String {
    format_timestamp(t * SECOND)
}

/// Instants to check: every hour in [from, until), and each transition from `from` on (to the
/// end of the file's explicit data: 2037, or 2087 for Morocco) with the second before it.
fn instants(tzif: &Tzif, from: i64, until: i64) -> impl Iterator<Item = i64> + '_ {
    let transitions = tzif.transitions.iter().filter(move |&&(t, _)| t >= from);
    (from..until)
        .step_by(3600)
        .chain(transitions.flat_map(|&(t, _)| [t - 1, t]))
}

#[test]
fn every_zone_of_the_system_tz_database_matches_2026_to_2030() {
    let root = Path::new(ZONEINFO);
    assert!(
        root.join("UTC").exists(),
        "{ZONEINFO} is missing: install Debian's tzdata (`make setup` does)"
    );
    let from = parse_timestamp("2026-01-01T00:00:00Z", None).unwrap() / SECOND;
    let until = parse_timestamp("2031-01-01T00:00:00Z", None).unwrap() / SECOND;
    let mut names = Vec::new();
    zone_files(root, root, &mut names);
    names.sort();

    let (mut checked, mut unknown, mut wrong, mut uncovered) = (0, vec![], vec![], vec![]);
    for name in &names {
        let Some(tzif) = Tzif::parse(&fs::read(root.join(name)).unwrap()) else {
            continue;
        };
        let Some(tz) = Tz::lookup(name) else {
            unknown.push(name.clone());
            continue;
        };
        checked += 1;
        let (mut bad, mut first_bad) = (0, None);
        for t in instants(&tzif, from, until) {
            let Some(expected) = tzif.offset_at(t) else {
                uncovered.push(format!("{name} (explicit data ends before {})", utc(t)));
                break;
            };
            let core = tz.offset_at(t * SECOND);
            if core != expected {
                bad += 1;
                first_bad.get_or_insert((t, core, expected));
            }
        }
        if let Some((t, core, expected)) = first_bad {
            wrong.push(format!(
                "{name}: {bad} instants wrong, first {}: core {core} s, tzdata {expected} s",
                utc(t)
            ));
        }
    }

    let system = system_tzdata_version();
    let mut problems = Vec::new();
    if !unknown.is_empty() {
        problems.push(format!(
            "{} zone(s) the core does not know (config validation rejects them): {}",
            unknown.len(),
            unknown.join(", ")
        ));
    }
    if !wrong.is_empty() {
        problems.push(format!(
            "{} zone(s) with wrong offsets:\n  {}",
            wrong.len(),
            wrong.join("\n  ")
        ));
    }
    if !uncovered.is_empty() {
        problems.push(format!(
            "{} zone(s) whose TZif files lack explicit transitions for 2026-2030 (a \"slim\" build?; \
             this test needs Debian's fat files): {}",
            uncovered.len(),
            uncovered.join(", ")
        ));
    }
    if checked < 500 {
        problems.push(format!("only {checked} zones found in {ZONEINFO}"));
    }
    if !problems.is_empty() {
        let versions = if system == TZDATA_VERSION {
            format!("tzdata {system}, the release the core's table was generated from")
        } else {
            format!(
                "the system has tzdata {system} but the core's table was generated from \
                 {TZDATA_VERSION}: regenerate it (python3 src/timezone/generate.py > \
                 src/timezone/zones.rs)"
            )
        };
        panic!("{ZONEINFO} ({versions}):\n{}", problems.join("\n"));
    }
    let missing: Vec<_> = Tz::names()
        .filter(|n| !names.iter().any(|s| s == n))
        .collect();
    assert!(
        missing.is_empty() || system != TZDATA_VERSION,
        "zones in the core's table but not in {ZONEINFO}: {missing:?}"
    );
}
