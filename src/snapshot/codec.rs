//! The snapshot's encoding: each value written in order with no names and no tags but an
//! enum's variant byte, through the core's binary primitives (`crate::codec`: LEB128
//! varints, zigzag, little-endian floats, length-prefixed text, tagged JSON values), the same
//! ones the stored profile and the cookie use. Hand-written rather than serde's derives plus
//! a binary format: the Worker's wasm carries both directions, and one small trait
//! instantiated per type costs less than serde's visitors (see docs/worker.md).

use crate::codec::{BinaryError, In, Out};
use serde_json::{Map, Value};
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
    bytes: In<'a>,
    failed: bool,
}

/// The reader's primitives: `crate::codec::In`'s own, each answering its type's default and
/// remembering the failure instead of returning an error.
macro_rules! sticky {
    ($( $(#[$doc:meta])* $vis:vis fn $name:ident -> $t:ty = $read:ident; )*) => {$(
        $(#[$doc])*
        #[inline(never)]
        $vis fn $name(&mut self) -> $t {
            let read = self.bytes.$read();
            self.or_fail(read)
        }
    )*};
}

impl<'a> Reader<'a> {
    /// A reader of `bytes` from byte `at`.
    pub fn new(bytes: &'a [u8], at: usize) -> Reader<'a> {
        Reader {
            bytes: In::new(bytes, at),
            failed: false,
        }
    }

    /// Marks what was read as corrupt.
    pub fn fail(&mut self) {
        self.failed = true;
    }

    /// Whether every byte was read and all of it made sense.
    pub fn finish(&self) -> Result<(), Corrupt> {
        match !self.failed && self.bytes.end().is_ok() {
            true => Ok(()),
            false => Err(Corrupt),
        }
    }

    /// A primitive's value, or (remembering the failure) its default.
    fn or_fail<T: Default>(&mut self, read: Result<T, BinaryError>) -> T {
        read.unwrap_or_else(|_| {
            self.fail();
            T::default()
        })
    }

    sticky! {
        /// The next byte.
        pub fn byte -> u8 = byte;
        /// An unsigned varint.
        pub fn varint -> u64 = uint;
        /// A length, no larger than what is left to read (so a corrupt one allocates nothing).
        fn len -> usize = count;
        fn int -> i64 = int;
        fn float -> f64 = float;
        fn string -> String = str;
        fn value -> Value = value;
    }
}

/// Appends an enum's variant byte.
#[inline(never)]
pub fn put_tag(w: &mut Out, tag: u8) {
    w.byte(tag);
}

/// A type the snapshot holds: written by [`Snap::put`], read back equal by [`Snap::load`].
pub trait Snap: Sized {
    /// Appends the value.
    fn put(&self, w: &mut Out);
    /// Reads one value (on a failure, any value: see [`Reader`]).
    fn load(r: &mut Reader<'_>) -> Self;
}

impl Snap for bool {
    fn put(&self, w: &mut Out) {
        w.byte(u8::from(*self));
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
    fn put(&self, w: &mut Out) {
        w.uint(*self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.varint()
    }
}

/// A varint that must fit `T`: a larger one fails the reader.
fn narrow<T: TryFrom<u64> + Default>(r: &mut Reader<'_>) -> T {
    let n = r.varint();
    T::try_from(n).unwrap_or_else(|_| {
        r.fail();
        T::default()
    })
}

impl Snap for u32 {
    fn put(&self, w: &mut Out) {
        w.uint(u64::from(*self));
    }
    fn load(r: &mut Reader<'_>) -> Self {
        narrow(r)
    }
}

impl Snap for usize {
    fn put(&self, w: &mut Out) {
        w.uint(*self as u64);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        narrow(r)
    }
}

impl Snap for i64 {
    fn put(&self, w: &mut Out) {
        w.int(*self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.int()
    }
}

impl Snap for f64 {
    fn put(&self, w: &mut Out) {
        w.float(*self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.float()
    }
}

impl Snap for String {
    fn put(&self, w: &mut Out) {
        w.str(self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.string()
    }
}

impl Snap for Cow<'static, str> {
    fn put(&self, w: &mut Out) {
        w.str(self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        Cow::Owned(r.string())
    }
}

impl<T: Snap> Snap for Option<T> {
    fn put(&self, w: &mut Out) {
        match self {
            None => w.byte(0),
            Some(v) => {
                w.byte(1);
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
    fn put(&self, w: &mut Out) {
        w.uint(self.len() as u64);
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
    fn put(&self, w: &mut Out) {
        (**self).put(w);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        Box::new(T::load(r))
    }
}

impl<A: Snap, B: Snap> Snap for (A, B) {
    fn put(&self, w: &mut Out) {
        self.0.put(w);
        self.1.put(w);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        (A::load(r), B::load(r))
    }
}

impl<K: Snap + Ord, V: Snap> Snap for BTreeMap<K, V> {
    fn put(&self, w: &mut Out) {
        put_entries(w, self.len(), self.iter());
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let mut out = BTreeMap::new();
        load_entries(r, |k, v| {
            out.insert(k, v);
        });
        out
    }
}

impl Snap for Map<String, Value> {
    fn put(&self, w: &mut Out) {
        put_entries(w, self.len(), self.iter());
    }
    fn load(r: &mut Reader<'_>) -> Self {
        let mut out = Map::new();
        load_entries(r, |k, v| {
            out.insert(k, v);
        });
        out
    }
}

/// A map as its count, then each key and value.
fn put_entries<'a, K: Snap + 'a, V: Snap + 'a>(
    w: &mut Out,
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
) {
    w.uint(len as u64);
    for (k, v) in entries {
        k.put(w);
        v.put(w);
    }
}

/// Each of a map's entries, in the order written (inserting one by one: collecting a
/// `BTreeMap` would sort and bulk-build, more code per map type in the Worker's wasm).
fn load_entries<K: Snap, V: Snap>(r: &mut Reader<'_>, mut insert: impl FnMut(K, V)) {
    for _ in 0..r.len() {
        let k = K::load(r);
        insert(k, V::load(r));
    }
}

/// JSON values (catalog fields, `track` literals) as `crate::codec` tags them: scalars kept
/// as they were parsed, an array or object as its JSON text.
impl Snap for Value {
    fn put(&self, w: &mut Out) {
        w.value(self);
    }
    fn load(r: &mut Reader<'_>) -> Self {
        r.value()
    }
}

/// [`Snap`] for a struct: its fields in the order named, every one of them (a field left out
/// does not compile). Used where the struct is defined when its fields are private.
macro_rules! snap_struct {
    ($ty:ident { $($f:ident),* $(,)? }) => {
        impl $crate::snapshot::Snap for $ty {
            fn put(&self, w: &mut $crate::codec::Out) {
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
            fn put(&self, w: &mut $crate::codec::Out) {
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
