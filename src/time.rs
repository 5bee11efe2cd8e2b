//! Instants, calendar dates and durations, without a clock: every function takes its time.

/// Milliseconds since the Unix epoch, as the hosts' clocks give it.
pub type Millis = i64;

/// A second, in milliseconds.
pub const SECOND: Millis = 1_000;
/// A minute, in milliseconds.
pub const MINUTE: Millis = 60 * SECOND;
/// An hour, in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
/// A day, in milliseconds.
pub const DAY: Millis = 24 * HOUR;

/// What is wrong with a duration as written (`30m`, `1h30m`); each names the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing but spaces.
    #[error("empty duration; write e.g. \"30m\", \"12h\", \"7d\"")]
    Empty,
    /// A letter other than s, m, h, d, w.
    #[error(
        "invalid duration \"{text}\": unknown unit '{unit}'; use s, m, h, d or w (e.g. \"30m\")"
    )]
    UnknownUnit {
        /// The duration as written.
        text: String,
        /// The letter.
        unit: char,
    },
    /// A unit without a number before it (`m`, `1hm`).
    #[error("invalid duration \"{text}\": a number must come before '{unit}'")]
    NoNumber {
        /// The duration as written.
        text: String,
        /// The unit.
        unit: char,
    },
    /// A number at the end without its unit (`30`).
    #[error("invalid duration \"{text}\": missing unit after {number} (s, m, h, d or w)")]
    NoUnit {
        /// The duration as written.
        text: String,
        /// The number left without a unit.
        number: String,
    },
    /// Zero (`0m`).
    #[error("invalid duration \"{0}\": must be more than zero")]
    NotPositive(String),
}

/// A timestamp that is neither RFC 3339 nor a local date and time (the text as written).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp \"{0}\"; expected e.g. \"2026-03-01T00:00:00Z\"")]
pub struct TimestampError(pub String);

/// Parses a duration such as `30m`, `1d`, `2w`, `45s` or `1h30m` into milliseconds.
pub fn parse_duration(s: &str) -> Result<Millis, DurationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: Millis = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => SECOND,
            'm' => MINUTE,
            'h' => HOUR,
            'd' => DAY,
            'w' => 7 * DAY,
            _ => {
                return Err(DurationError::UnknownUnit {
                    text: s.to_string(),
                    unit: c,
                })
            }
        };
        let n = crate::facts::parse_number(&num).ok_or_else(|| DurationError::NoNumber {
            text: s.to_string(),
            unit: c,
        })?;
        total += (n * unit as f64).round() as Millis;
        num.clear();
    }
    if !num.is_empty() {
        return Err(DurationError::NoUnit {
            text: s.to_string(),
            number: num,
        });
    }
    if total <= 0 {
        return Err(DurationError::NotPositive(s.to_string()));
    }
    Ok(total)
}

/// Writes a duration back in the units marketers use (`1d`, `30m`, `1h30m`).
pub fn format_duration(ms: Millis) -> String {
    if ms <= 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, name) in [(DAY, 'd'), (HOUR, 'h'), (MINUTE, 'm'), (SECOND, 's')] {
        if rest >= unit {
            out.push_str(&(rest / unit).to_string());
            out.push(name);
            rest %= unit;
        }
    }
    if out.is_empty() {
        out = format!("{ms}ms");
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month 1-12, day 1-31) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Day of the week of a day number: 0 = Sunday .. 6 = Saturday.
pub fn weekday_from_days(z: i64) -> u32 {
    (z + 4).rem_euclid(7) as u32
}

/// Whether `y` is a leap year (proleptic Gregorian).
pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1 to 12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// A timestamp as written in configs and journeys: RFC 3339 (`2026-03-01T00:00:00Z`,
/// `...+02:00`), or a date and time without offset, which `local_offset` resolves (the config's
/// timezone). A bare date means its midnight.
pub fn parse_timestamp(
    s: &str,
    local_offset: Option<&dyn Fn(i64) -> i64>,
) -> Result<Millis, TimestampError> {
    let bad = || TimestampError(s.to_string());
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, TimestampError> {
        let part = b.get(r).ok_or_else(bad)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        // At most a few ASCII digits: no overflow, and no parse error whose Debug form the
        // wasm would carry.
        Ok(part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return Err(bad());
    }
    let (mut h, mut mi, mut sec, mut frac) = (0i64, 0i64, 0i64, 0i64);
    let mut i = 10;
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
            return Err(bad());
        }
        h = num(11..13)?;
        if b.get(13) != Some(&b':') {
            return Err(bad());
        }
        mi = num(14..16)?;
        i = 16;
        if b.get(16) == Some(&b':') {
            sec = num(17..19)?;
            i = 19;
            if b.get(19) == Some(&b'.') {
                let start = 20;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return Err(bad());
                }
                let digits = s.trim().get(start..end.min(start + 3)).ok_or_else(bad)?;
                frac = format!("{digits:0<3}").parse().map_err(|_| bad())?;
                i = end;
            }
        }
        if h > 23 || mi > 59 || sec > 60 {
            return Err(bad());
        }
    }
    let local = days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MINUTE + sec * SECOND + frac;
    let rest = &b[i..];
    match rest {
        [] => Ok(match local_offset {
            // The offset is a function of UTC time; one refinement step settles DST edges.
            Some(offset) => {
                let guess = local - offset(local) * SECOND;
                local - offset(guess) * SECOND
            }
            None => local,
        }),
        [b'Z'] | [b'z'] => Ok(local),
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let digits = [*oh1, *oh2, *om1, *om2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let oh = ((oh1 - b'0') * 10 + (oh2 - b'0')) as i64;
            let om = ((om1 - b'0') * 10 + (om2 - b'0')) as i64;
            let off = (oh * HOUR + om * MINUTE) * if *sign == b'-' { -1 } else { 1 };
            Ok(local - off)
        }
        _ => Err(bad()),
    }
}

/// Formats an instant as RFC 3339 in UTC, to the second.
pub fn format_timestamp(ms: Millis) -> String {
    let days = ms.div_euclid(DAY);
    let rem = ms.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / HOUR,
        rem % HOUR / MINUTE,
        rem % MINUTE / SECOND
    )
}

/// `2^(-dt/half_life)`: how much of a value remains after `dt`. Never grows (dt < 0 counts as 0).
pub fn decay_factor(dt: Millis, half_life: Millis) -> f64 {
    if dt <= 0 {
        1.0
    } else {
        (-(dt as f64) / half_life as f64).exp2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), 30 * MINUTE);
        assert_eq!(parse_duration("1d").unwrap(), DAY);
        assert_eq!(parse_duration("1h30m").unwrap(), 90 * MINUTE);
        assert_eq!(parse_duration("2w").unwrap(), 14 * DAY);
        let e = |s| parse_duration(s).unwrap_err().to_string();
        assert!(e("30").contains("missing unit"));
        assert!(e("3y").contains("unknown unit"));
        assert!(parse_duration("0m").is_err());
        assert_eq!(format_duration(90 * MINUTE), "1h30m");
        assert_eq!(format_duration(7 * DAY), "7d");
    }

    #[test]
    fn civil_round_trip() {
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday_from_days(0), 4); // a Thursday
        assert_eq!(weekday_from_days(days_from_civil(2026, 11, 20)), 5); // a Friday
    }

    #[test]
    fn timestamps() {
        let t = parse_timestamp("2026-11-20T17:00:00Z", None).unwrap();
        assert_eq!(t, 1_795_194_000_000);
        assert_eq!(format_timestamp(t), "2026-11-20T17:00:00Z");
        assert_eq!(
            parse_timestamp("2026-11-20T10:00:00-07:00", None).unwrap(),
            t
        );
        assert_eq!(
            parse_timestamp("2026-11-20T17:00:00.250Z", None).unwrap(),
            t + 250
        );
        assert_eq!(
            parse_timestamp("2026-11-20", None).unwrap(),
            days_from_civil(2026, 11, 20) * DAY
        );
        let mst = |_: i64| -7 * 3600;
        assert_eq!(
            parse_timestamp("2026-11-20T10:00:00", Some(&mst)).unwrap(),
            t
        );
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-02-30",
            "yesterday",
            "2026-11-20T25:00:00Z",
            "2026-11-20T10:00:00+7",
        ] {
            assert!(parse_timestamp(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn decay_halves_per_half_life() {
        assert_eq!(decay_factor(30 * MINUTE, 30 * MINUTE), 0.5);
        assert_eq!(decay_factor(-5, 30 * MINUTE), 1.0);
        assert!((decay_factor(60 * MINUTE, 30 * MINUTE) - 0.25).abs() < 1e-12);
    }
}
