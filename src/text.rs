//! Substring search and slicing that cannot panic, for the code the browser's wasm runs.
//!
//! `str::find`, `contains` and `split_once` with a `&str` needle (and `contains` with a `char`
//! that is not a constant) go through core's `StrSearcher`, and `&s[a..b]` checks its bounds;
//! both keep core's panic for a slice off a char boundary, whose message formats the `char`
//! with `Debug`, which brings Unicode's printable tables into the SDK's wasm (about 4 KB
//! brotli of its 100 KB budget). Searching bytes and slicing with `get` leave them out.

use std::fmt;
use std::slice::SliceIndex;

/// The byte offset of the first `needle` in `haystack` (0 for an empty needle).
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    // The needle's bytes (mod 64): when the last byte of a window is not one of them, no
    // match can cover it, and the search moves a whole needle ahead (as std's two-way search
    // does), faster than it natively and in wasm on user agents.
    let bytes = n.iter().fold(0u64, |set, &b| set | 1 << (b & 63));
    let mut i = 0;
    while let Some(window) = h.get(i..i + n.len()) {
        if bytes & 1 << (window[n.len() - 1] & 63) == 0 {
            i += n.len();
        } else if window == n {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
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
            ("abcabd", "abd"),
            ("xxxxxxxxab", "ab"),
            ("ab", "b"),
            ("abc", "c"),
            ("zzzz", "zz"),
            ("a?b@c", "@c"),
            ("aaaaaaaaaaaaaaaaab", "aab"),
        ];
        for (h, n) in cases {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
            assert_eq!(split_once(h, n), h.split_once(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn finds_every_short_needle_as_str_does() {
        // Every text of up to 7 letters over "ab?" (one byte outside the needle's set) and
        // every needle of up to 3 letters over "ab".
        let texts = |alphabet: &[u8], max: usize| {
            let mut all = vec![String::new()];
            let mut last = all.clone();
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{}", c as char)))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        };
        let needles = texts(b"ab", 3);
        for h in texts(b"ab?", 7) {
            for n in &needles {
                assert_eq!(find(&h, n), h.find(n.as_str()), "{h:?} {n:?}");
            }
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
