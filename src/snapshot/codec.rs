//! The snapshot's encoding: each value written in order with no names and no tags but an
//! enum's variant byte; integers as LEB128 varints (signed ones zigzagged), floats as their 8
//! bytes, text and lists prefixed by their length. Hand-written rather than serde's derives
//! plus a binary format: the Worker's wasm carries both directions, and one small trait
//! instantiated per type costs less than serde's visitors (see docs/worker.md).

use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A snapshot that ends early or holds what no writer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// Reads a snapshot front to back. A read past the end or of a value no writer writes does
/// not stop the reader: it answers zero, empty or the first variant and remembers the failure
/// ([`Reader::finish`]). The readers are then straight-line code, without the early returns
/// that would each drop what was read so far (a third of the decoder's wasm).
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    failed: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            at: 0,
            failed: false,
        }
    }

    /// Marks what was read as corrupt.
    pub fn fail(&mut self) {
        self.failed = true;
    }

    /// Whether every byte was read and all of it made sense.
    pub fn finish(&self) -> Result<(), Corrupt> {
        match !self.failed && self.at == self.bytes.len() {
            true => Ok(()),
            false => Err(Corrupt),
        }
    }

    /// The next `n` bytes (none, and a failure, past the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        match self.bytes.get(self.at..self.at.saturating_add(n)) {
            Some(out) => {
                self.at += n;
                out
            }
            None => {
                self.fail();
                &[]
            }
        }
    }

    /// The next byte (0, and a failure, past the end).
    #[inline(never)]
    pub fn byte(&mut self) -> u8 {
        match self.bytes.get(self.at) {
            Some(b) => {
                self.at += 1;
                *b
            }
            None => {
                self.fail();
                0
            }
        }
    }

    /// An unsigned LEB128 varint.
    #[inline(never)]
    pub fn varint(&mut self) -> u64 {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return out;
            }
        }
        self.fail();
        0
    }

    /// A length, no larger than what is left to read (so a corrupt one allocates nothing).
    #[inline(never)]
    fn len(&mut self) -> usize {
        let n = self.varint();
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() - self.at => n,
            _ => {
                self.fail();
                0
            }
        }
    }
}

/// Appends an unsigned LEB128 varint. (Never inlined, like the reader's primitives: the
/// snapshot's code is cold, and its size counts against the Worker's wasm budget.)
#[inline(never)]
pub fn put_varint(w: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        w.push((n as u8) | 0x80);
        n >>= 7;
    }
    w.push(n as u8);
}

/// Appends an enum's variant byte.
#[inline(never)]
pub fn put_tag(w: &mut Vec<u8>, tag: u8) {
    w.push(tag);
}

/// A type the snapshot holds: written by [`Snap::put`], read back equal by [`Snap::load`].
pub trait Snap: Sized {
    /// Appends the value.
    fn put(&self, w: &mut Vec<u8>);
    /// Reads one value (on a failure, any value: see [`Reader`]).
    fn load(r: &mut Reader<'_>) -> Self;
}

impl Snap for bool {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(u8::from(*self));
    }
    fn load(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => false,
            1 => true,
            _ => {
                r.fail();
                false
            }
        }
    }
}

impl Snap for u64 {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, *self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.varint()
    }
}

impl Snap for u32 {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, u64::from(*self));
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.varint();
        u32::try_from(n).unwrap_or_else(|_| {
            r.fail();
            0
        })
    }
}

impl Snap for usize {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, *self as u64);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.varint();
        usize::try_from(n).unwrap_or_else(|_| {
            r.fail();
            0
        })
    }
}

impl Snap for i64 {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, ((*self << 1) ^ (*self >> 63)) as u64);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.varint();
        ((n >> 1) as i64) ^ -((n & 1) as i64)
    }
}

impl Snap for f64 {
    fn put(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.to_le_bytes());
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let b = r.bytes(8).try_into().unwrap_or([0; 8]);
        f64::from_le_bytes(b)
    }
}

impl Snap for String {
    #[inline(never)]
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, self.len() as u64);
        w.extend_from_slice(self.as_bytes());
    }
    #[inline(never)]
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.len();
        let b = r.bytes(n);
        match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => {
                r.fail();
                String::new()
            }
        }
    }
}

impl Snap for Cow<'static, str> {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, self.len() as u64);
        w.extend_from_slice(self.as_bytes());
    }
    fn load(r: &mut Reader<'_>) -> Self {
        Cow::Owned(String::load(r))
    }
}

impl<T: Snap> Snap for Option<T> {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            None => w.push(0),
            Some(v) => {
                w.push(1);
                v.put(w);
            }
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => None,
            1 => Some(T::load(r)),
            _ => {
                r.fail();
                None
            }
        }
    }
}

impl<T: Snap> Snap for Vec<T> {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, self.len() as u64);
        for v in self {
            v.put(w);
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        // Every element takes at least one byte: `len` bounds the allocation.
        let n = r.len();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::load(r));
        }
        out
    }
}

impl<T: Snap> Snap for Box<T> {
    fn put(&self, w: &mut Vec<u8>) {
        (**self).put(w);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        Box::new(T::load(r))
    }
}

impl<A: Snap, B: Snap> Snap for (A, B) {
    fn put(&self, w: &mut Vec<u8>) {
        self.0.put(w);
        self.1.put(w);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        (A::load(r), B::load(r))
    }
}

impl<K: Snap + Ord, V: Snap> Snap for BTreeMap<K, V> {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, self.len() as u64);
        for (k, v) in self {
            k.put(w);
            v.put(w);
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.len();
        let mut out = BTreeMap::new();
        for _ in 0..n {
            out.insert(K::load(r), V::load(r));
        }
        out
    }
}

impl Snap for Map<String, Value> {
    fn put(&self, w: &mut Vec<u8>) {
        put_varint(w, self.len() as u64);
        for (k, v) in self {
            k.put(w);
            v.put(w);
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let n = r.len();
        let mut out = Map::new();
        for _ in 0..n {
            out.insert(String::load(r), Value::load(r));
        }
        out
    }
}

/// JSON values (catalog fields, `track` literals), their numbers kept as they were parsed.
impl Snap for Value {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Value::Null => w.push(0),
            Value::Bool(b) => w.push(1 + u8::from(*b)),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    w.push(3);
                    u.put(w);
                } else if let Some(i) = n.as_i64() {
                    w.push(4);
                    i.put(w);
                } else {
                    w.push(5);
                    n.as_f64().unwrap_or(0.0).put(w);
                }
            }
            Value::String(s) => {
                w.push(6);
                s.put(w);
            }
            Value::Array(a) => {
                w.push(7);
                a.put(w);
            }
            Value::Object(m) => {
                w.push(8);
                m.put(w);
            }
        }
    }
    fn load(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(u64::load(r).into()),
            4 => Value::Number(i64::load(r).into()),
            5 => match Number::from_f64(f64::load(r)) {
                Some(n) => Value::Number(n),
                None => {
                    r.fail();
                    Value::Null
                }
            },
            6 => Value::String(String::load(r)),
            7 => Value::Array(Vec::load(r)),
            8 => Value::Object(Map::load(r)),
            0 => Value::Null,
            _ => {
                r.fail();
                Value::Null
            }
        }
    }
}

/// [`Snap`] for a struct: its fields in the order named, every one of them (a field left out
/// does not compile). Used where the struct is defined when its fields are private.
macro_rules! snap_struct {
    ($ty:ident { $($f:ident),* $(,)? }) => {
        impl $crate::snapshot::Snap for $ty {
            fn put(&self, w: &mut Vec<u8>) {
                $( $crate::snapshot::Snap::put(&self.$f, w); )*
            }
            fn load(r: &mut $crate::snapshot::Reader<'_>) -> Self {
                $ty { $( $f: $crate::snapshot::Snap::load(r) ),* }
            }
        }
    };
}

/// [`Snap`] for an enum: each variant's byte, then its fields. Every variant must be listed
/// (the match is exhaustive), numbered from 0; a byte no variant has is corrupt.
macro_rules! snap_enum {
    ($ty:ident { $( $tag:literal => $var:ident $(( $($t:ident),+ ))? $({ $($f:ident),+ })? ),* $(,)? }) => {
        impl $crate::snapshot::Snap for $ty {
            fn put(&self, w: &mut Vec<u8>) {
                match self {
                    $( $ty::$var $(( $($t),+ ))? $({ $($f),+ })? => {
                        $crate::snapshot::put_tag(w, $tag);
                        $($( $crate::snapshot::Snap::put($t, w); )+)?
                        $($( $crate::snapshot::Snap::put($f, w); )+)?
                    } )*
                }
            }
            fn load(r: &mut $crate::snapshot::Reader<'_>) -> Self {
                let mut tag = r.byte();
                // A byte no variant has: a failure, and the first variant read instead.
                loop {
                    break match tag {
                        $( $tag => $ty::$var
                            $(( $( { let $t = $crate::snapshot::Snap::load(r); $t } ),+ ))?
                            $({ $( $f: $crate::snapshot::Snap::load(r) ),+ })?, )*
                        _ => {
                            r.fail();
                            tag = 0;
                            continue;
                        }
                    };
                }
            }
        }
    };
}

pub(crate) use {snap_enum, snap_struct};
