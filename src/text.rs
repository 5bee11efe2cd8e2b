//! Substring search and slicing that cannot panic, for the code the browser's wasm runs.
//!
//! `str::find`, `contains` and `split_once` with a `&str` needle (and `contains` with a `char`
//! that is not a constant) go through core's `StrSearcher`, and `&s[a..b]` checks its bounds;
//! both keep core's panic for a slice off a char boundary, whose message formats the `char`
//! with `Debug`, which brings Unicode's printable tables into the SDK's wasm (about 4 KB
//! brotli of its 100 KB budget). Searching bytes and slicing with `get` leave them out. The
//! texts searched are bounded (names, URLs, templates, user agents) and the needles short, so
//! a plain scan costs no more than the two-way search.

use std::fmt;
use std::slice::SliceIndex;

/// The byte offset of the first `needle` in `haystack` (0 for an empty needle).
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return Some(0);
    };
    h.windows(n.len()).position(|w| w[0] == first && w == n)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `haystack` before and after the first `needle`. A match of valid UTF-8 in valid UTF-8
/// starts and ends on char boundaries, so both halves are whole.
pub fn split_once<'a>(haystack: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let i = find(haystack, needle)?;
    haystack.get(..i).zip(haystack.get(i + needle.len()..))
}

/// `&s[range]` for a range the caller found in `s` itself (on char boundaries); empty, never
/// a panic, if it were not.
pub fn slice<R: SliceIndex<str, Output = str>>(s: &str, range: R) -> &str {
    s.get(range).unwrap_or_default()
}

/// A character quoted as `{:?}` quotes it, for the characters names meet: ASCII with Rust's
/// escapes, controls and spaces (other than ' ') as `\u{..}`, other characters as they are
/// (where `{:?}` would also escape the rarer invisible ones, which takes the printable tables).
pub struct Quoted(pub char);

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // `escape_default` writes these two as `{:?}` does not.
            '"' => f.write_str("'\"'"),
            '\0' => f.write_str("'\\0'"),
            c if c.is_ascii() || c.is_control() || c.is_whitespace() => {
                write!(f, "'{}'", c.escape_default())
            }
            c => write!(f, "'{c}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_debug_does() {
        let mut chars: Vec<char> = (0..=0x7f_u8).map(char::from).collect();
        chars.extend([
            '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}', 'é', 'ß', 'Ж', '中', '🙂',
        ]);
        for c in chars {
            assert_eq!(Quoted(c).to_string(), format!("{c:?}"), "{}", c as u32);
        }
    }

    #[test]
    fn finds_as_str_does() {
        let cases = [
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("abc", "abc"),
            ("abc", "abcd"),
            ("aab", "ab"),
            ("x{{y}}z", "{{"),
            ("x{{y}}z", "}}"),
            ("héllo wörld", "wö"),
            ("héllo", "é"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS)", "iPhone"),
            ("ababab", "bab"),
        ];
        for (h, n) in cases {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
            assert_eq!(split_once(h, n), h.split_once(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn slices_off_a_boundary_are_empty() {
        assert_eq!(slice("héllo", 0..1), "h");
        assert_eq!(slice("héllo", 1..3), "é");
        assert_eq!(slice("héllo", 1..2), "");
        assert_eq!(slice("héllo", 3..), "llo");
        assert_eq!(slice("abc", 2..9), "");
    }
}
