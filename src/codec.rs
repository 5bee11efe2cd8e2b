//! The primitives of the core's compact binary forms (the stored profile, `profile::binary`,
//! the session cookie's log, `session::wire`, and the config snapshot, `snapshot`): LEB128
//! varints, zigzag for signed numbers, little-endian floats, length-prefixed UTF-8, lists as a
//! count and their items, lists of times as differences, tagged JSON values. One definition,
//! so the three forms cannot drift.
//!
//! A writer made `with_table` writes each string once: a string is a varint `len << 1`
//! followed by its bytes, or `index << 1 | 1` for the `index`-th distinct string written
//! before (the cookie's log repeats offer ids, paths and event types on every page). The
//! profile's format 1 has no table.

// A build without `actions` has no stored profile's binary form: some primitives are the
// profile's alone.
#![cfg_attr(not(feature = "actions"), allow(dead_code))]

use serde_json::Value;

/// Why bytes do not decode as the form they claim to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    /// The value ends inside a field.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// A varint longer than a u64, or a number out of its field's range.
    #[error("a number out of range at byte {0}")]
    Range(usize),
    /// A string that is not UTF-8.
    #[error("a string that is not UTF-8 at byte {0}")]
    Utf8(usize),
    /// An option, value or entry tag this format does not have.
    #[error("an unknown tag {tag} at byte {at}")]
    Tag {
        /// The tag's value.
        tag: u8,
        /// Where it is.
        at: usize,
    },
    /// Bytes after the last field.
    #[error("{0} bytes after the last field")]
    Trailing(usize),
}

type Res<T> = Result<T, BinaryError>;

/// A JSON value's kind in a tagged value.
#[repr(u8)]
enum Tag {
    Null = 0,
    False = 1,
    True = 2,
    Unsigned = 3,
    Signed = 4,
    Float = 5,
    String = 6,
    /// Any other JSON value (an array, an object), as its text.
    Json = 7,
}

/// Bytes being written.
pub(crate) struct Out {
    buf: Vec<u8>,
    /// Strings written so far, when strings are written once.
    table: Option<Vec<String>>,
}

impl Out {
    /// A writer without a string table.
    pub fn new(capacity: usize) -> Out {
        Out {
            buf: Vec::with_capacity(capacity),
            table: None,
        }
    }

    /// A writer that writes each distinct string once.
    pub fn with_table(capacity: usize) -> Out {
        Out {
            table: Some(Vec::new()),
            ..Out::new(capacity)
        }
    }

    /// What was written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// What was written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn byte(&mut self, x: u8) {
        self.buf.push(x);
    }

    pub fn bytes(&mut self, x: &[u8]) {
        self.buf.extend_from_slice(x);
    }

    pub fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.buf.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
    }

    pub fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    pub fn float(&mut self, x: f64) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }

    pub fn str(&mut self, s: &str) {
        match &mut self.table {
            None => self.uint(s.len() as u64),
            Some(table) => {
                if let Some(i) = table.iter().position(|t| t == s) {
                    return self.uint((i as u64) << 1 | 1);
                }
                table.push(s.to_string());
                self.uint((s.len() as u64) << 1);
            }
        }
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Out, &T)) {
        self.uint(items.len() as u64);
        for x in items {
            each(self, x);
        }
    }

    /// A list of times, each after the first as its difference from the one before.
    pub fn times(&mut self, times: &[i64]) {
        self.uint(times.len() as u64);
        let mut prev = 0i64;
        for &t in times {
            self.int(prev.wrapping_sub(t));
            prev = t;
        }
    }

    pub fn opt<T: Copy>(&mut self, x: Option<T>, each: impl FnOnce(&mut Out, T)) {
        match x {
            None => self.buf.push(0),
            Some(x) => {
                self.buf.push(1);
                each(self, x);
            }
        }
    }

    /// A JSON value: a tag (`Tag`) and the scalar; an array or object as its JSON text.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.byte(Tag::Null as u8),
            Value::Bool(false) => self.byte(Tag::False as u8),
            Value::Bool(true) => self.byte(Tag::True as u8),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => {
                    self.byte(Tag::Unsigned as u8);
                    self.uint(u);
                }
                (None, Some(i)) => {
                    self.byte(Tag::Signed as u8);
                    self.int(i);
                }
                _ => {
                    self.byte(Tag::Float as u8);
                    self.float(n.as_f64().unwrap_or(0.0));
                }
            },
            Value::String(s) => {
                self.byte(Tag::String as u8);
                self.str(s);
            }
            other => {
                self.byte(Tag::Json as u8);
                self.str(&other.to_string());
            }
        }
    }
}

/// Bytes being read.
pub(crate) struct In<'a> {
    b: &'a [u8],
    at: usize,
    /// Strings read so far, when the writer had a table.
    table: Option<Vec<String>>,
}

impl<'a> In<'a> {
    /// A reader of `b` from byte `at`, of a form without a string table.
    pub fn new(b: &'a [u8], at: usize) -> In<'a> {
        In { b, at, table: None }
    }

    /// A reader of a form written `with_table`.
    pub fn with_table(b: &'a [u8], at: usize) -> In<'a> {
        In {
            table: Some(Vec::new()),
            ..In::new(b, at)
        }
    }

    /// Where the next byte is.
    pub fn at(&self) -> usize {
        self.at
    }

    /// Ok when every byte was read.
    pub fn end(&self) -> Res<()> {
        match self.b.len() - self.at {
            0 => Ok(()),
            n => Err(BinaryError::Trailing(n)),
        }
    }

    pub fn byte(&mut self) -> Res<u8> {
        let x = *self.b.get(self.at).ok_or(BinaryError::Truncated(self.at))?;
        self.at += 1;
        Ok(x)
    }

    pub fn uint(&mut self) -> Res<u64> {
        let start = self.at;
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let x = self.byte()?;
            let bits = u64::from(x & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(BinaryError::Range(start));
            }
            n |= bits << shift;
            if x & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(BinaryError::Range(start))
    }

    pub fn u32(&mut self) -> Res<u32> {
        let start = self.at;
        u32::try_from(self.uint()?).map_err(|_| BinaryError::Range(start))
    }

    pub fn int(&mut self) -> Res<i64> {
        let n = self.uint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    pub fn float(&mut self) -> Res<f64> {
        let end = self.at + 8;
        let bytes = (self.b.get(self.at..end)).ok_or(BinaryError::Truncated(self.at))?;
        self.at = end;
        let mut x = [0; 8];
        x.copy_from_slice(bytes);
        Ok(f64::from_le_bytes(x))
    }

    pub fn str(&mut self) -> Res<String> {
        let start = self.at;
        let mut n = self.uint()?;
        if let Some(table) = &self.table {
            if n & 1 == 1 {
                let i = usize::try_from(n >> 1).map_err(|_| BinaryError::Range(start))?;
                return table.get(i).cloned().ok_or(BinaryError::Range(start));
            }
            n >>= 1;
        }
        let len = usize::try_from(n).map_err(|_| BinaryError::Range(start))?;
        let end = self.at.checked_add(len).ok_or(BinaryError::Range(start))?;
        let bytes = (self.b.get(self.at..end)).ok_or(BinaryError::Truncated(self.at))?;
        let s = std::str::from_utf8(bytes).map_err(|_| BinaryError::Utf8(self.at))?;
        self.at = end;
        if let Some(table) = &mut self.table {
            table.push(s.to_string());
        }
        Ok(s.to_string())
    }

    /// A count of items, each at least a byte: a corrupt count cannot ask for more memory
    /// than the value's own size.
    pub fn count(&mut self) -> Res<usize> {
        let start = self.at;
        let n = self.uint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.b.len() - self.at => Ok(n),
            _ => Err(BinaryError::Truncated(start)),
        }
    }

    pub fn list<T>(&mut self, mut each: impl FnMut(&mut Self) -> Res<T>) -> Res<Vec<T>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(each(self)?);
        }
        Ok(v)
    }

    pub fn times(&mut self) -> Res<Vec<i64>> {
        let mut prev = 0i64;
        self.list(|r| {
            prev = prev.wrapping_sub(r.int()?);
            Ok(prev)
        })
    }

    pub fn opt<T>(&mut self, each: impl FnOnce(&mut Self) -> Res<T>) -> Res<Option<T>> {
        let at = self.at;
        match self.byte()? {
            0 => Ok(None),
            1 => each(self).map(Some),
            tag => Err(BinaryError::Tag { tag, at }),
        }
    }

    pub fn value(&mut self) -> Res<Value> {
        let at = self.at;
        Ok(match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::from(self.uint()?),
            4 => Value::from(self.int()?),
            5 => {
                let x = self.float()?;
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
            6 => Value::String(self.str()?),
            7 => {
                let text = self.str()?;
                serde_json::from_str(&text).map_err(|_| BinaryError::Tag { tag: 7, at })?
            }
            tag => return Err(BinaryError::Tag { tag, at }),
        })
    }
}
