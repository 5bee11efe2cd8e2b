//! Amounts of money the profile keeps (unit prices in the cart, order totals, spend).
//!
//! They are stored as JSON numbers and read back by serde_json's fast float parser (its exact
//! `float_roundtrip` mode would cost size in both wasm budgets). That parser can move a number
//! with 17 significant digits or a large exponent by one ULP, and the next write then prints
//! different digits: a stored profile would drift on every read (fuzz/events found a price of
//! 3e128). Kept to 1/10,000 of a unit and within ±10^11, an amount prints with at most 15
//! significant digits and a small exponent, which that parser reads back exactly.

/// The largest amount kept; larger ones (no real price or order) are cut to it.
pub const MAX_MONEY: f64 = 1e11;

/// `x` to 1/10,000 of a unit, within ±[`MAX_MONEY`]; not a number is 0.
pub fn money(x: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    (x.clamp(-MAX_MONEY, MAX_MONEY) * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_back_exactly() {
        for x in [
            3.0000000000000002e128,
            0.1 + 0.2,
            529.0,
            1.0 / 3.0,
            -2.5,
            99_999_999_999.999_99,
        ] {
            let kept = money(x);
            let json = serde_json::to_string(&kept).unwrap();
            let back: f64 = serde_json::from_str(&json).unwrap();
            assert_eq!(back.to_bits(), kept.to_bits(), "{x} kept as {json}");
        }
        assert_eq!(money(529.0), 529.0);
        assert_eq!(money(0.1 + 0.2), 0.3);
        assert_eq!(money(f64::INFINITY), MAX_MONEY);
        assert_eq!(money(f64::NAN), 0.0);
    }
}
