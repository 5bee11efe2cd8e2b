//! Numbers as configs write them and explanations show them, by hand: core's float parser
//! and formatter would add about 35 KB to the browser's wasm.

use serde_json::Value;

/// A number written as text, with the grammar of Rust's `f64::from_str` (`+1`, `.5`, `5.`,
/// `007`, `1e3`, `inf`, `NaN`), read by the JSON reader's number parser: the same value as
/// the same digits in JSON, and core's own float parser (about 15 KB with its tables) stays
/// out of the browser's wasm.
pub fn parse_number(s: &str) -> Option<f64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let signed = |n: f64| if neg { -n } else { n };
    for (name, n) in [
        ("inf", f64::INFINITY),
        ("infinity", f64::INFINITY),
        ("nan", f64::NAN),
    ] {
        if body.eq_ignore_ascii_case(name) {
            return Some(signed(n));
        }
    }
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    // In JSON: no leading zeros, digits on both sides of the point, a signed exponent.
    let mut json = String::with_capacity(s.len() + 3);
    json.push_str(if neg { "-" } else { "" });
    let int = int.trim_start_matches('0');
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(e) = exp {
        let e_digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e_digits.is_empty() || !digits(e_digits) {
            return None;
        }
        json.push('e');
        json.push_str(e);
    }
    match serde_json::from_slice(json.as_bytes()) {
        Ok(Value::Number(n)) => n.as_f64(),
        // Valid digits the JSON reader refuses are out of range: infinite, as Rust reads them.
        _ => Some(signed(f64::INFINITY)),
    }
}

/// Whole numbers without a decimal point; others with up to 2 decimals, trailing zeros cut.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = fixed_2(n);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `format!("{n:.2}")`, digit for digit: the exact binary value rounded half to even at two
/// decimals. By hand because core's float formatting is about 20 KB of the browser's wasm and
/// every other number there is an integer or goes through the JSON writer.
fn fixed_2(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    let sign = if n.is_sign_negative() { "-" } else { "" };
    if n.is_infinite() {
        return format!("{sign}inf");
    }
    // n = mant * 2^exp, exactly.
    let bits = n.abs().to_bits();
    let biased = (bits >> 52) as i32;
    let frac_bits = bits & ((1 << 52) - 1);
    let (mant, exp) = if biased == 0 {
        (frac_bits, -1074)
    } else {
        (frac_bits | (1 << 52), biased - 1075)
    };
    if exp >= 0 {
        return format!("{sign}{}.00", whole_digits(mant, exp as u32));
    }
    // Hundredths: mant * 100 / 2^k, rounded half to even (mant * 100 < 2^60: u64 is exact,
    // and no u128 formatting in the wasm).
    let k = (-exp) as u32;
    let hundredths = if k >= 64 {
        0 // below 2^60 / 2^64 of a hundredth: under a half
    } else {
        let x = mant * 100;
        let (q, r, half) = (x >> k, x & ((1 << k) - 1), 1u64 << (k - 1));
        q + u64::from(r > half || (r == half && q & 1 == 1))
    };
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The digits of a whole number held in an f64 of at least 2^53 (exactly, not rounded).
pub(crate) fn integer_text(x: f64) -> String {
    let bits = x.to_bits();
    let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    whole_digits(mant, ((bits >> 52) & 0x7ff) as u32 - 1075)
}

/// The decimal digits of `mant * 2^exp` (any f64 magnitude), in base-10^9 limbs.
fn whole_digits(mant: u64, exp: u32) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs = vec![mant % BASE, mant / BASE % BASE, mant / BASE / BASE];
    for _ in 0..exp {
        let mut carry = 0;
        for l in limbs.iter_mut() {
            let v = *l * 2 + carry;
            *l = v % BASE;
            carry = v / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = limbs.last().map_or(String::new(), u64::to_string);
    for l in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{l:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimals_match_the_standard_library_exactly() {
        let mut samples = vec![
            0.125,
            0.375,
            0.005,
            1.005,
            0.015,
            -0.001,
            -0.125,
            2.5,
            1e15 + 0.5,
            1e20,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-320,
            123.456,
            -987.655,
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4503599627370495.5,
            9007199254740993.0,
        ];
        // Plus every kind of bit pattern (a fixed LCG), and prices with a few cents.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            samples.push(f64::from_bits(x));
            samples.push(f64::from(i) / 8.0 - 1000.0);
            samples.push(f64::from(i) * 0.01 + f64::from(i % 7) * 0.005);
        }
        for n in samples {
            assert_eq!(fixed_2(n), format!("{n:.2}"), "{n:e}");
        }
    }

    #[test]
    fn numbers_in_text_read_as_rust_reads_them() {
        // The grammar is Rust's: the same strings are numbers, with the same values.
        let odd = [
            "0",
            "-0",
            "+1",
            ".5",
            "5.",
            "-.5",
            "007",
            "1e3",
            "1E-3",
            "2.5e+2",
            "1_000",
            "1,5",
            ".",
            "-",
            "+",
            "",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "0x10",
            " 1",
            "inf",
            "-Infinity",
            "NaN",
            "nan",
            "infinite",
            "1e400",
            "-1e400",
            "1e-400",
            "12345678901234567890123",
            "00.000",
            "1.5h",
            "--1",
            "+-1",
        ];
        for s in odd {
            let want = s.parse::<f64>().ok();
            let got = parse_number(s);
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "{s:?}: {got:?}"
            );
        }
        // Prices, counts and short decimals (up to 15 significant digits) read exactly as
        // Rust reads them; every number reads as the same digits do in JSON.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let cents = format!("{}.{:02}", i * 7 % 100_000, x % 100);
            let short = format!("{}e{}", x % 1_000_000_000_000_000, (x >> 60) as i32 - 8);
            for s in [cents, short, (x >> 11).to_string(), i.to_string()] {
                assert_eq!(parse_number(&s), s.parse::<f64>().ok(), "{s}");
            }
            let any = f64::from_bits(x ^ (x >> 17));
            if any.is_finite() {
                let text = any.to_string();
                let json: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(parse_number(&text), json.as_f64(), "{text}");
            }
        }
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.33");
    }
}
