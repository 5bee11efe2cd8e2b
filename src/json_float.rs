//! Floats the profile stores as JSON numbers: amounts of money (cart prices, order totals,
//! spend) and numeric traits.
//!
//! serde_json's fast float parser (its exact `float_roundtrip` mode would cost size in both
//! wasm budgets) can move a number with 17 significant digits or a large exponent by one ULP,
//! and the next write then prints other digits: a stored profile would drift on every read
//! (fuzz/events found a price of 3e128 and a trait of 3e91). A number with at most 15
//! significant digits whose decimal exponent stays within ±22 is read back exactly, so what the
//! profile keeps is cut to that.

/// The largest amount of money kept; larger ones (no real price or order) are cut to it.
pub const MAX_MONEY: f64 = 1e11;

/// The largest numeric trait kept (in magnitude); larger ones are cut to it.
pub const MAX_NUMBER: f64 = 1e15;
/// The smallest numeric trait kept (in magnitude); smaller ones are 0.
pub const MIN_NUMBER: f64 = 1e-7;

/// An amount to 1/10,000 of a unit, within ±[`MAX_MONEY`]; not a number is 0.
pub fn money(x: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    (x.clamp(-MAX_MONEY, MAX_MONEY) * 1e4).round() / 1e4
}

/// A numeric trait to 15 significant digits, within ±[`MAX_NUMBER`]; not a number is 0.
pub fn number(x: f64) -> f64 {
    if x.is_nan() || x.abs() < MIN_NUMBER {
        return 0.0;
    }
    let x = x.clamp(-MAX_NUMBER, MAX_NUMBER);
    // The largest scale 10^s (s from 21 down to -1) that keeps 15 digits before the point;
    // powers of ten up to 10^22 are exact, so the result is the double nearest m * 10^-s.
    // (No float formatting: core's would add kilobytes to the wasm.)
    for s in (-1..=21).rev() {
        let scaled = if s >= 0 {
            x * 10f64.powi(s)
        } else {
            x / 10f64.powi(-s)
        };
        if scaled.abs() < 1e15 {
            let m = scaled.round();
            return if s >= 0 {
                m / 10f64.powi(s)
            } else {
                m * 10f64.powi(-s)
            };
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_back(kept: f64) {
        let json = serde_json::to_string(&kept).unwrap();
        let back: f64 = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_bits(), kept.to_bits(), "kept as {json}");
    }

    #[test]
    fn amounts_read_back_exactly() {
        for x in [
            3.000_000_000_000_000_2e128,
            0.1 + 0.2,
            529.0,
            1.0 / 3.0,
            -2.5,
            99_999_999_999.999_99,
        ] {
            reads_back(money(x));
        }
        assert_eq!(money(529.0), 529.0);
        assert_eq!(money(0.1 + 0.2), 0.3);
        assert_eq!(money(f64::INFINITY), MAX_MONEY);
        assert_eq!(money(f64::NAN), 0.0);
    }

    #[test]
    fn numbers_read_back_exactly() {
        for x in [
            3.000_000_000_000_000_4e91,
            0.1 + 0.2,
            1.0 / 3.0,
            -2.0 / 3.0 * 1e14,
            1.234_567e-7,
            42.5,
        ] {
            reads_back(number(x));
        }
        assert_eq!(number(42.5), 42.5);
        assert_eq!(number(0.1 + 0.2), 0.3);
        assert_eq!(number(-1e300), -MAX_NUMBER);
        assert_eq!(number(1e-9), 0.0);
    }

    #[test]
    fn random_floats_of_every_size_read_back_exactly() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            // 53 random bits times 10^-10 .. 10^19, either sign.
            let digits = (state >> 11) as f64 / (1u64 << 53) as f64;
            let x = digits
                * 10f64.powi((state % 30) as i32 - 10)
                * if state & 1 == 0 { 1.0 } else { -1.0 };
            reads_back(money(x));
            reads_back(number(x));
        }
    }
}
