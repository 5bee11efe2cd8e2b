//! Experiments and the global holdout: deterministic bucketing of a visitor by a salt.
//!
//! `bucket(salt, visitor)` is the first 8 bytes, big-endian, of `SHA-256("<salt>.<visitor>")`,
//! mod 10000. Variants take consecutive bucket ranges in file order, in proportion to their
//! weights; the holdout is `bucket < percent * 100`.

use sha2::{Digest, Sha256};

/// How many buckets visitors are spread over.
pub const BUCKETS: u64 = 10_000;

/// The bucket of a visitor for a salt, in `0..BUCKETS`.
pub fn bucket(salt: &str, visitor: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b".");
    h.update(visitor.as_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    u64::from_be_bytes(first) % BUCKETS
}

/// An experiment: its id and the salt that buckets visitors.
#[derive(Clone, Debug)]
pub struct Experiment {
    /// Its id.
    pub id: String,
    /// The salt of its bucketing.
    pub salt: String,
    /// The event that counts as a conversion (reported with exposures).
    pub goal: Option<String>,
}

/// The global holdout: a share of visitors who are never personalized.
#[derive(Clone, Debug)]
pub struct Holdout {
    /// The share held out, in percent.
    pub percent: f64,
    /// The salt of its bucketing.
    pub salt: String,
    /// The event whose rate compares personalized visitors with the holdout (`goal`).
    pub goal: Option<String>,
}

impl Holdout {
    /// Whether the visitor is held out.
    pub fn contains(&self, visitor: &str) -> bool {
        (bucket(&self.salt, visitor) as f64) < self.percent * 100.0
    }
}

/// Bucket range ends for weights: variant `i` takes `[ends[i-1], ends[i])`.
pub fn range_ends(weights: &[f64]) -> Vec<u64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut ends: Vec<u64> = weights
        .iter()
        .map(|w| {
            acc += w;
            ((acc / total) * BUCKETS as f64).round() as u64
        })
        .collect();
    if let Some(last) = ends.last_mut() {
        *last = BUCKETS;
    }
    ends
}

/// Which variant a bucket falls in.
pub fn pick(ends: &[u64], b: u64) -> usize {
    ends.iter()
        .position(|e| b < *e)
        .unwrap_or(ends.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_test_vectors() {
        assert_eq!(bucket("global-holdout-2026", "first-visit-000"), 8916);
        assert_eq!(bucket("compare-hero-2026q4", "exp-000"), 4825);
        assert_eq!(bucket("salt", "visitor"), 7332);
    }

    #[test]
    fn ranges_follow_weights_in_order() {
        let ends = range_ends(&[50.0, 30.0, 20.0]);
        assert_eq!(ends, [5000, 8000, 10000]);
        assert_eq!(pick(&ends, 0), 0);
        assert_eq!(pick(&ends, 4999), 0);
        assert_eq!(pick(&ends, 5000), 1);
        assert_eq!(pick(&ends, 9999), 2);
        assert_eq!(range_ends(&[1.0, 1.0]), [5000, 10000]);
    }

    /// Over 10,000 visitors each variant gets its weight's share within ±1.5 points.
    #[test]
    fn bucket_spread_matches_weights() {
        let mut rng = crate::testutil::Rng(0x5eed_1234);
        for weights in [
            vec![50.0, 30.0, 20.0],
            vec![10.0, 90.0],
            vec![25.0; 4],
            vec![1.0, 2.0, 97.0],
        ] {
            let ends = range_ends(&weights);
            let total: f64 = weights.iter().sum();
            let salt = format!("exp-{}", rng.next_u64());
            let mut counts = vec![0u32; weights.len()];
            let n = 10_000;
            for i in 0..n {
                let visitor = format!("v{}-{}", i, rng.next_u64());
                counts[pick(&ends, bucket(&salt, &visitor))] += 1;
            }
            for (c, w) in counts.iter().zip(&weights) {
                let share = *c as f64 / n as f64 * 100.0;
                let want = w / total * 100.0;
                assert!(
                    (share - want).abs() <= 1.5,
                    "salt {salt}: {share}% vs {want}%"
                );
            }
        }
    }

    #[test]
    fn holdout_percent() {
        let h = Holdout {
            percent: 5.0,
            salt: "global-holdout-2026".into(),
            goal: None,
        };
        assert!(!h.contains("first-visit-000"));
        let inside = (0..10_000)
            .filter(|i| h.contains(&format!("visitor-{i}")))
            .count();
        assert!((350..=650).contains(&inside), "{inside}");
    }
}
