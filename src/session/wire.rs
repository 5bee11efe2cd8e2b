//! The session state's compact form, inside the `sp_s` cookie (`SessionState::encode`).
//!
//! Why: the cookie goes with every request to the site, assets included, and its log repeats
//! the same offer ids, paths and event types on every page; as base64url of JSON a few pages'
//! log took 1.8 KB. Here each distinct string is written once (`crate::codec`'s table), each
//! entry's time is its difference from the one before, and an event's own time its difference
//! from the entry's: the benchmark page's cookie takes 408 bytes against 1,203 as JSON, and
//! the tests check generated logs under half.
//!
//! Layout (format 1): a byte 0 (a JSON state starts with `{`), the format byte, then the
//! visitor id, `issued`, `written`, the user (an option), and the log: a count, then per
//! entry its time (as `previous - this`, the first from `issued`), a kind byte (0 an event,
//! 1 an impression, 2 an exposure) and its fields: an event's type, its time (an option,
//! as `entry - at`), its id (an option) and its properties (a count, then names and tagged
//! values); an impression's offer; an exposure's experiment and variant. Nothing after it.
//! The cookie's MAC covers which form it is (`sp_s.2.` against JSON's `sp_s.1.`), and a
//! JSON state from before this form is still read (`SessionState::decode`).

use super::{Entry, Logged, SessionState, STATE_VERSION};
use crate::codec::{BinaryError, In, Out};
use crate::events::Event;
use serde_json::Map;

/// The first byte of the compact form.
pub const MARKER: u8 = 0;
/// The compact form's format.
pub const FORMAT: u8 = 1;

/// The state in its compact form.
pub fn encode(s: &SessionState) -> Vec<u8> {
    let mut o = Out::with_table(256);
    o.byte(MARKER);
    o.byte(FORMAT);
    o.str(&s.visitor);
    o.int(s.issued);
    o.int(s.written);
    o.opt(s.user.as_deref(), Out::str);
    o.uint(s.log.len() as u64);
    let mut prev = s.issued;
    for e in &s.log {
        o.int(prev.wrapping_sub(e.seq));
        prev = e.seq;
        match &e.what {
            Logged::Event { e: ev } => {
                o.byte(0);
                o.str(&ev.kind);
                o.opt(ev.at.map(|at| e.seq.wrapping_sub(at)), Out::int);
                o.opt(ev.id.as_deref(), Out::str);
                o.uint(ev.props.len() as u64);
                for (k, v) in &ev.props {
                    o.str(k);
                    o.value(v);
                }
            }
            Logged::Impression { o: offer } => {
                o.byte(1);
                o.str(offer);
            }
            Logged::Exposure { x, v } => {
                o.byte(2);
                o.str(x);
                o.str(v);
            }
        }
    }
    o.into_bytes()
}

/// A state in the compact form (`b` starts with [`MARKER`]).
pub fn decode(b: &[u8]) -> Result<SessionState, BinaryError> {
    match b.get(1) {
        Some(&FORMAT) => {}
        Some(&tag) => return Err(BinaryError::Tag { tag, at: 1 }),
        None => return Err(BinaryError::Truncated(1)),
    }
    let r = &mut In::with_table(b, 2);
    let visitor = r.str()?;
    let issued = r.int()?;
    let written = r.int()?;
    let user = r.opt(In::str)?;
    let mut prev = issued;
    let log = r.list(|r| {
        let seq = prev.wrapping_sub(r.int()?);
        prev = seq;
        let at = r.at();
        let what = match r.byte()? {
            0 => {
                let kind = r.str()?;
                let at = r.opt(In::int)?.map(|d| seq.wrapping_sub(d));
                let id = r.opt(In::str)?;
                let mut props = Map::new();
                for _ in 0..r.count()? {
                    let k = r.str()?;
                    props.insert(k, r.value()?);
                }
                Logged::Event {
                    e: Event {
                        kind,
                        at,
                        id,
                        props,
                    },
                }
            }
            1 => Logged::Impression { o: r.str()? },
            2 => Logged::Exposure {
                x: r.str()?,
                v: r.str()?,
            },
            tag => return Err(BinaryError::Tag { tag, at }),
        };
        Ok(Entry { seq, what })
    })?;
    r.end()?;
    Ok(SessionState {
        version: STATE_VERSION,
        visitor,
        issued,
        written,
        log,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{b64_encode, mac};
    use super::*;
    use crate::testutil::Rng;
    use hmac::Mac;
    use serde_json::json;

    const SECRET: &[u8] = b"test-session-secret";
    const T: i64 = 1_795_194_000_000;

    /// A state with a log of every kind of entry, strings repeated and not, odd values.
    fn state(seed: u64) -> SessionState {
        let mut rng = Rng(seed);
        let mut s = SessionState::new("0123456789abcdef0123456789abcdef", T);
        s.written = T - 8_000;
        if rng.below(2) == 1 {
            s.user = Some("u-é\"1".into());
        }
        let mut seq = T - 60_000;
        for i in 0..rng.below(40) {
            seq += rng.below(5_000) as i64;
            let what = match rng.below(3) {
                0 => {
                    let mut e = Event::new(*rng.pick(&["page_view", "product_view", "x✓"]));
                    e.at = (rng.below(2) == 1).then(|| seq - rng.below(3_000) as i64);
                    e.id = (rng.below(2) == 1).then(|| format!("ev-{i}"));
                    e = e
                        .with("url", format!("/products/p{}", rng.below(3)))
                        .with("quantity", rng.below(4))
                        .with("delta", -(rng.below(9) as i64))
                        .with("price", rng.below(10_000) as f64 / 100.0)
                        .with("gift", rng.below(2) == 1)
                        .with("items", json!(["a", {"b": null}]));
                    Logged::Event { e }
                }
                1 => Logged::Impression {
                    o: rng.pick(&["for-you", "retargeting-ad"]).to_string(),
                },
                _ => Logged::Exposure {
                    x: "compare-hero".into(),
                    v: rng.pick(&["control", "guide"]).to_string(),
                },
            };
            s.log.push(Entry { seq, what });
        }
        s
    }

    /// The cookie value as a build before the compact form wrote it.
    fn json_cookie(s: &SessionState) -> String {
        let payload = b64_encode(serde_json::to_string(s).unwrap().as_bytes());
        let sig = b64_encode(&mac(SECRET, &payload, false).finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    #[test]
    fn states_survive_the_compact_form_exactly() {
        for seed in 0..300 {
            let s = state(seed);
            assert_eq!(decode(&encode(&s)).unwrap(), s, "seed {seed}");
            let mut signed = s.clone();
            let cookie = signed.encode(SECRET, T);
            assert!(cookie.starts_with('A'), "{cookie}");
            let back = SessionState::decode(&cookie, SECRET, &s.visitor, T).unwrap();
            assert_eq!(back, signed, "seed {seed}");
        }
    }

    #[test]
    fn a_cookie_from_before_is_still_read() {
        // Small enough for the JSON form's 3,500 bytes.
        let s = (0..)
            .map(state)
            .find(|s| json_cookie(s).len() < 3_000 && s.log.len() > 5)
            .unwrap();
        let old = json_cookie(&s);
        assert!(old.starts_with('e'));
        let back = SessionState::decode(&old, SECRET, &s.visitor, T).unwrap();
        assert_eq!(back, s);
        // Each form's MAC covers the form: a payload signed as the other one is refused.
        let mut s2 = s.clone();
        let new = s2.encode(SECRET, T);
        let (payload, _) = new.split_once('.').unwrap();
        let wrong = b64_encode(&mac(SECRET, payload, false).finalize().into_bytes());
        assert!(
            SessionState::decode(&format!("{payload}.{wrong}"), SECRET, &s.visitor, T).is_none()
        );
    }

    #[test]
    fn the_compact_form_is_a_fraction_of_the_json() {
        let (mut json, mut compact) = (0, 0);
        for seed in 0..100 {
            let mut s = state(seed);
            json += json_cookie(&s).len();
            compact += s.encode(SECRET, T).len();
        }
        assert!(compact * 2 < json, "{compact} bytes against {json}");
    }

    #[test]
    fn corrupt_bytes_fail_without_a_panic() {
        let good = encode(&state(3));
        for end in 0..good.len() {
            assert!(decode(&good[..end]).is_err(), "cut at {end}");
        }
        let mut rng = Rng(5);
        for _ in 0..3000 {
            let mut bad = good.clone();
            let i = 2 + rng.below(good.len() as u64 - 2) as usize;
            bad[i] = rng.below(256) as u8;
            let _ = decode(&bad);
        }
        let mut newer = good.clone();
        newer[1] = FORMAT + 1;
        assert!(decode(&newer).is_err());
    }
}
