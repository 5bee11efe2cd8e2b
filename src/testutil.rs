//! Helpers shared by tests: the example engine, deterministic randomness (no external
//! crate), config editing.

use crate::Engine;

/// The example config (examples/config.json): the one the docs describe and most tests use.
pub const EXAMPLE_CONFIG: &str = include_str!("../examples/config.json");
/// The example config's catalog (examples/catalog.json).
pub const EXAMPLE_CATALOG: &str = include_str!("../examples/catalog.json");

/// An engine of the example config and catalog.
pub fn example_engine() -> Engine {
    Engine::new(EXAMPLE_CONFIG, Some(EXAMPLE_CATALOG)).expect("the example config is valid")
}

/// xorshift64*: small, fast, reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One element of `xs`, uniformly.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// Panics unless `got` is within `tolerance` of `want`, naming `what` (statistics tests).
pub fn assert_close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want} (± {tolerance})"
    );
}

/// The offer with `id` in a config's JSON, to change it in place.
pub fn offer_mut<'a>(config: &'a mut serde_json::Value, id: &str) -> &'a mut serde_json::Value {
    config["offers"]
        .as_array_mut()
        .expect("a config with offers")
        .iter_mut()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no offer \"{id}\""))
}
