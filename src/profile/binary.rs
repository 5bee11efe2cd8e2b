//! The profile's stored form: a compact binary layout, written by every host that stores
//! profiles (the Worker's KV `profile:<id>` and its profile writers).
//!
//! Why: the Worker reads a profile on most pages and writes one every few seconds per active
//! visitor. JSON costs a parse of every key and number, and the profile's times take 13 digits
//! each; here a field is where its position says, a count or a time is a varint, a list of
//! times is held as differences, and a number is its 8 bytes (read back exactly, which JSON's
//! fast float parser does not promise). A typical profile is about half its JSON's size.
//!
//! # Layout (format 1)
//! `00 53 50 01` ("\0SP" and the format), then the profile's fields in the order of
//! [`Profile`]'s definition, each as its type says, nothing after them:
//! - whole numbers: unsigned LEB128 varints; times ([`Millis`]) and signed numbers zigzag
//!   encoded first;
//! - `f64`: 8 bytes, little-endian;
//! - strings: a varint byte length and the UTF-8 bytes;
//! - lists: a varint count and the items; a list of times (most recent first) holds the
//!   first time, then each one's difference from the one before it (zigzag);
//! - `Option`: a byte 0 (none) or 1 and the value;
//! - traits: a count and per trait its name and a tagged value (`crate::codec`: null, false,
//!   true, unsigned, signed, float, string, or any other JSON as its text).
//!
//! The layout version (`"v"` of the JSON) is not stored: format 1 holds layout v1. A change of
//! layout takes a new format byte; a reader refuses a format newer than it knows
//! ([`ProfileError::TooNew`]: the value is left for a build that reads it) and a value that
//! does not decode ([`ProfileError::Binary`]: the host counts it as no profile, as a corrupt
//! JSON one). A stored value that does not start with the magic is JSON (every profile written
//! before this form, and any version of it) and goes to the JSON reader: [`Profile::from_stored`]
//! reads both, so a JSON profile is upgraded on its next write.
//!
//! Only builds with feature `actions` (the hosts) have this form: it holds the journeys part,
//! which the browser's build carries as JSON it never reads.

use super::*;
pub use crate::codec::BinaryError;

/// The first bytes of a binary profile. No JSON text starts with a NUL byte.
pub const MAGIC: [u8; 3] = *b"\0SP";
/// The binary format this build writes (and the newest it reads).
pub const BINARY_FORMAT: u8 = 1;

use crate::codec::{In, Out};

impl Profile {
    /// The stored form (see the module docs).
    pub fn to_stored(&self) -> Vec<u8> {
        let mut o = Out::new(512);
        o.bytes(&MAGIC);
        o.byte(BINARY_FORMAT);
        o.str(&self.id);
        o.int(self.created);
        o.int(self.updated);
        o.int(self.rev);
        o.list(&self.devices, |o, (d, t)| {
            o.str(d);
            o.int(*t);
        });
        o.uint(self.visits.into());
        o.uint(self.page_views);
        let s = &self.session;
        o.int(s.started);
        o.int(s.last);
        o.uint(s.page_views.into());
        o.uint(s.events.into());
        o.list(&s.categories, |o, (c, n)| {
            o.str(c);
            o.uint((*n).into());
        });
        o.str(&s.landing_path);
        o.list(&s.utm, |o, (k, v)| {
            o.str(k);
            o.str(v);
        });
        o.str(&s.referrer);
        o.list(&self.intent.accs, |o, a| {
            o.str(&a.signal);
            o.float(a.value);
            o.int(a.at);
        });
        o.opt(self.intent.tier.as_deref(), Out::str);
        o.uint(self.traits.len() as u64);
        for (k, v) in &self.traits {
            o.str(k);
            o.value(v);
        }
        o.list(&self.cart.lines, |o, l| {
            o.str(&l.product);
            o.uint(l.quantity.into());
            o.opt(l.price, Out::float);
        });
        o.int(self.cart.changed);
        o.list(&self.viewed, |o, v| {
            o.str(&v.product);
            o.uint(v.count.into());
            o.int(v.at);
        });
        o.list(&self.purchased, |o, p| {
            o.str(&p.product);
            o.int(p.at);
        });
        let orders = &self.orders;
        o.uint(orders.count);
        o.float(orders.spend);
        o.opt(orders.last, Out::int);
        o.list(&orders.recent, |o, (t, x)| {
            o.int(*t);
            o.float(*x);
        });
        o.list(&self.affinity, |o, a| {
            o.str(&a.category);
            o.float(a.score);
            o.int(a.at);
        });
        o.list(&self.events, |o, e| {
            o.str(&e.kind);
            o.uint(e.total);
            o.times(&e.recent);
        });
        o.list(&self.impressions, |o, i| {
            o.str(&i.offer);
            o.uint(i.total);
            o.times(&i.recent);
        });
        o.list(&self.exposures, |o, x| {
            o.str(&x.experiment);
            o.str(&x.variant);
            o.int(x.at);
            o.uint(x.count);
        });
        o.list(&self.seen_ids, |o, id| o.str(id));
        let j = &self.journey;
        o.list(&j.members, |o, m| {
            o.str(&m.segment);
            o.int(m.since);
        });
        o.list(&j.waits, |o, w| {
            o.str(&w.action);
            o.str(&w.kind);
            o.str(&w.subject);
            o.int(w.at);
            o.int(w.due);
        });
        o.list(&j.sent, |o, s| {
            o.str(&s.action);
            o.uint(s.total);
            o.times(&s.recent);
        });
        o.list(&j.unacted, |o, u| {
            o.str(&u.kind);
            o.uint(u.count);
            o.int(u.at);
        });
        o.into_bytes()
    }

    /// A stored profile in either form: binary (this module) or JSON of any version.
    pub fn from_stored(b: &[u8]) -> Result<Profile, ProfileError> {
        match b.strip_prefix(&MAGIC) {
            Some([format, ..]) if *format > BINARY_FORMAT => {
                Err(ProfileError::TooNew(u64::from(*format)))
            }
            Some(_) => decode(b).map_err(ProfileError::Binary),
            None => Profile::from_bytes(b),
        }
    }

    /// Whether stored bytes are in the binary form (a JSON one is rewritten on its next write).
    pub fn is_binary(b: &[u8]) -> bool {
        b.starts_with(&MAGIC)
    }
}

type Res<T> = Result<T, BinaryError>;

/// A binary profile (the magic already checked) into the profile.
fn decode(b: &[u8]) -> Res<Profile> {
    let mut r = In::new(b, MAGIC.len() + 1);
    let r = &mut r;
    let mut p = Profile::new("");
    p.id = r.str()?;
    p.created = r.int()?;
    p.updated = r.int()?;
    p.rev = r.int()?;
    p.devices = r.list(|r| Ok((r.str()?, r.int()?)))?;
    p.visits = r.u32()?;
    p.page_views = r.uint()?;
    p.session = Session {
        started: r.int()?,
        last: r.int()?,
        page_views: r.u32()?,
        events: r.u32()?,
        categories: r.list(|r| Ok((r.str()?, r.u32()?)))?,
        landing_path: r.str()?,
        utm: r.list(|r| Ok((r.str()?, r.str()?)))?,
        referrer: r.str()?,
    };
    p.intent = IntentState {
        accs: r.list(|r| {
            Ok(Acc {
                signal: r.str()?,
                value: r.float()?,
                at: r.int()?,
            })
        })?,
        tier: r.opt(In::str)?,
    };
    for _ in 0..r.count()? {
        let k = r.str()?;
        let v = r.value()?;
        p.traits.insert(k, v);
    }
    p.cart = Cart {
        lines: r.list(|r| {
            Ok(CartLine {
                product: r.str()?,
                quantity: r.u32()?,
                price: r.opt(In::float)?,
            })
        })?,
        changed: r.int()?,
    };
    p.viewed = r.list(|r| {
        Ok(Viewed {
            product: r.str()?,
            count: r.u32()?,
            at: r.int()?,
        })
    })?;
    p.purchased = r.list(|r| {
        Ok(Purchased {
            product: r.str()?,
            at: r.int()?,
        })
    })?;
    p.orders = Orders {
        count: r.uint()?,
        spend: r.float()?,
        last: r.opt(In::int)?,
        recent: r.list(|r| Ok((r.int()?, r.float()?)))?,
    };
    p.affinity = r.list(|r| {
        Ok(Affinity {
            category: r.str()?,
            score: r.float()?,
            at: r.int()?,
        })
    })?;
    p.events = r.list(|r| {
        Ok(EventStat {
            kind: r.str()?,
            total: r.uint()?,
            recent: r.times()?,
        })
    })?;
    p.impressions = r.list(|r| {
        Ok(Impression {
            offer: r.str()?,
            total: r.uint()?,
            recent: r.times()?,
        })
    })?;
    p.exposures = r.list(|r| {
        Ok(Exposure {
            experiment: r.str()?,
            variant: r.str()?,
            at: r.int()?,
            count: r.uint()?,
        })
    })?;
    p.seen_ids = r.list(In::str)?;
    p.journey = JourneyState {
        members: r.list(|r| {
            Ok(Membership {
                segment: r.str()?,
                since: r.int()?,
            })
        })?,
        waits: r.list(|r| {
            Ok(Wait {
                action: r.str()?,
                kind: r.str()?,
                subject: r.str()?,
                at: r.int()?,
                due: r.int()?,
            })
        })?,
        sent: r.list(|r| {
            Ok(Sent {
                action: r.str()?,
                total: r.uint()?,
                recent: r.times()?,
            })
        })?,
        unacted: r.list(|r| {
            Ok(Unacted {
                kind: r.str()?,
                count: r.uint()?,
                at: r.int()?,
            })
        })?,
    };
    r.end().map(|()| p)
}
