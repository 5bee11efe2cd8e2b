//! One profile into another: an anonymous visitor's profile into the profile of the user they
//! identified as, so a customer has one profile on every device.
//!
//! Each part combines so that nothing is counted twice and nothing is lost within the size
//! bound: counts and totals add up, timestamps are united, scores that decay are brought to
//! the later of their two times and added. The caller makes sure a profile is absorbed once
//! (see `crate::writer`). Where the two disagree on one value (a trait, a cart line, the
//! variant of an experiment) the user's profile keeps its own, but for the cart, whose more
//! recently changed line wins: it is the one the customer is looking at.

use super::*;
use crate::json_float::money;

/// Half-lives the decaying parts need: they live in the config, not in the profile.
#[derive(Clone, Copy, Debug)]
pub struct Decay {
    /// The intent model's half-life.
    pub intent: Millis,
    /// The category affinities' half-life.
    pub affinity: Millis,
}

impl Profile {
    /// The last entry of `device`'s session log that this profile holds (0: none).
    pub fn rev_of(&self, device: &str) -> Millis {
        match self.devices.iter().find(|(d, _)| d == device) {
            Some((_, rev)) => *rev,
            // Written before devices were kept: `rev` was its own visitor's position.
            None if self.devices.is_empty() && device == self.id => self.rev,
            None => 0,
        }
    }

    /// Records that `device`'s log is applied up to `rev` (never moving back).
    pub fn set_rev_of(&mut self, device: &str, rev: Millis) {
        let rev = rev.max(self.rev_of(device));
        let device = clip(device, MAX_ID_LEN);
        self.devices.retain(|(d, _)| *d != device);
        self.devices.insert(0, (device, rev));
        self.devices.truncate(MAX_DEVICES);
    }

    /// Whether `device`'s log was ever applied here (an absorbed visitor is one).
    pub fn knows_device(&self, device: &str) -> bool {
        self.devices.iter().any(|(d, _)| d == device)
    }

    /// Adds everything `other` holds to this profile (see the module docs).
    pub fn absorb(&mut self, other: &Profile, decay: Decay) {
        self.created = match (self.created, other.created) {
            (0, c) | (c, 0) => c,
            (a, b) => a.min(b),
        };
        self.updated = self.updated.max(other.updated);
        self.visits = self.visits.saturating_add(other.visits);
        self.page_views = self.page_views.saturating_add(other.page_views);
        if other.session.last > self.session.last {
            self.session = other.session.clone();
        }
        self.absorb_intent(&other.intent, decay.intent);
        for (k, v) in &other.traits {
            if !self.traits.contains_key(k) && self.traits.len() < MAX_TRAITS {
                self.traits.insert(k.clone(), v.clone());
            }
        }
        self.absorb_cart(&other.cart);
        self.absorb_lists(other);
        for a in &other.affinity {
            let t = a.at.max(self.affinity_at(&a.category));
            let weight = a.score * decay_factor(t - a.at, decay.affinity);
            self.add_affinity(&a.category, weight, t, decay.affinity);
        }
        for (d, rev) in other.devices.iter().rev() {
            self.set_rev_of(d, *rev);
        }
        if other.devices.is_empty() && other.rev > 0 {
            self.set_rev_of(&other.id, other.rev);
        }
        self.rev = self.rev.max(other.rev);
        for id in other.seen_ids.iter().rev() {
            self.remember_id(id);
        }
        self.journey.absorb(&other.journey);
    }

    fn affinity_at(&self, category: &str) -> Millis {
        self.affinity
            .iter()
            .find(|a| a.category == category)
            .map_or(0, |a| a.at)
    }

    fn absorb_intent(&mut self, other: &IntentState, half_life: Millis) {
        for acc in &other.accs {
            match self.intent.accs.iter_mut().find(|a| a.signal == acc.signal) {
                Some(mine) => {
                    let t = mine.at.max(acc.at);
                    mine.value = mine.value * decay_factor(t - mine.at, half_life)
                        + acc.value * decay_factor(t - acc.at, half_life);
                    mine.at = t;
                }
                None => self.intent.accs.push(acc.clone()),
            }
        }
        if self.intent.tier.is_none() {
            self.intent.tier = other.tier.clone();
        }
    }

    fn absorb_cart(&mut self, other: &Cart) {
        let theirs_newer = other.changed > self.cart.changed;
        join(
            &mut self.cart.lines,
            &other.lines,
            MAX_CART_LINES,
            |mine, line| {
                (mine.product == line.product).then(|| {
                    if theirs_newer {
                        *mine = line.clone();
                    }
                })
            },
        );
        self.cart.changed = self.cart.changed.max(other.changed);
    }

    fn absorb_lists(&mut self, other: &Profile) {
        for v in &other.viewed {
            match self.viewed.iter_mut().find(|m| m.product == v.product) {
                Some(m) => {
                    m.count = m.count.saturating_add(v.count);
                    m.at = m.at.max(v.at);
                }
                None => self.viewed.push(v.clone()),
            }
        }
        newest_first(&mut self.viewed, |v| v.at);
        self.viewed.truncate(MAX_VIEWED);

        for p in &other.purchased {
            match self.purchased.iter_mut().find(|m| m.product == p.product) {
                Some(m) => m.at = m.at.max(p.at),
                None => self.purchased.push(p.clone()),
            }
        }
        newest_first(&mut self.purchased, |p| p.at);
        self.purchased.truncate(MAX_PURCHASED);

        let o = &other.orders;
        self.orders.count = self.orders.count.saturating_add(o.count);
        self.orders.spend = money(self.orders.spend + o.spend);
        self.orders.last = self.orders.last.max(o.last);
        self.orders.recent.extend(o.recent.iter().copied());
        newest_first(&mut self.orders.recent, |r| r.0);
        self.orders.recent.truncate(MAX_ORDERS_KEPT);

        join(&mut self.events, &other.events, MAX_EVENT_TYPES, |m, e| {
            (m.kind == e.kind).then(|| {
                add_counts(
                    &mut m.total,
                    &mut m.recent,
                    e.total,
                    &e.recent,
                    MAX_EVENT_TIMES,
                )
            })
        });
        join(
            &mut self.impressions,
            &other.impressions,
            MAX_OFFERS_TRACKED,
            |m, i| {
                (m.offer == i.offer).then(|| {
                    add_counts(
                        &mut m.total,
                        &mut m.recent,
                        i.total,
                        &i.recent,
                        MAX_IMPRESSION_TIMES,
                    )
                })
            },
        );
        join(
            &mut self.exposures,
            &other.exposures,
            MAX_EXPOSURES,
            |m, x| {
                (m.experiment == x.experiment).then(|| m.count = m.count.saturating_add(x.count))
            },
        );
    }
}

/// Each of `theirs` into `mine`: `combine` folds it into the entry it matches (answering
/// `Some`), otherwise it is added while `mine` has fewer than `max`.
pub(super) fn join<T: Clone>(
    mine: &mut Vec<T>,
    theirs: &[T],
    max: usize,
    mut combine: impl FnMut(&mut T, &T) -> Option<()>,
) {
    for t in theirs {
        if mine.iter_mut().any(|m| combine(m, t).is_some()) {
            continue;
        }
        if mine.len() < max {
            mine.push(t.clone());
        }
    }
}

/// Sorts most recent first, keeping the order of equal times.
fn newest_first<T>(list: &mut [T], at: impl Fn(&T) -> Millis) {
    list.sort_by_key(|x| std::cmp::Reverse(at(x)));
}

/// A count with its recent times, plus another's: totals add, times unite.
fn add_counts(total: &mut u64, recent: &mut Vec<Millis>, n: u64, times: &[Millis], max: usize) {
    *total = total.saturating_add(n);
    *recent = united(recent, times, max);
}

/// Two most-recent-first lists of times as one, most recent first, at most `max`.
pub(super) fn united(a: &[Millis], b: &[Millis], max: usize) -> Vec<Millis> {
    let mut all: Vec<Millis> = a.iter().chain(b).copied().collect();
    all.sort_unstable_by(|x, y| y.cmp(x));
    all.truncate(max);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECAY: Decay = Decay {
        intent: DAY,
        affinity: 30 * DAY,
    };

    fn shopper(id: &str, t: Millis) -> Profile {
        let mut p = Profile::new(id);
        p.created = t;
        p.visits = 2;
        p.page_views = 5;
        p.cart_add("tent", 1, Some(100.0), t);
        p.record_view("tent", t);
        p.count_event("add_to_cart", t, &|_| true);
        p.record_impression("hero", t);
        p.remember_id("e-1");
        p
    }

    #[test]
    fn counts_add_up_and_times_unite() {
        let mut user = shopper("u:1", 1_000);
        let mut anon = shopper("v1", 2_000);
        anon.record_purchase(&["boots".into()], 50.0, 2_500);
        user.absorb(&anon, DECAY);
        assert_eq!((user.visits, user.page_views), (4, 10));
        assert_eq!(user.created, 1_000);
        assert_eq!(user.events[0].total, 2);
        assert_eq!(user.events[0].recent, vec![2_000, 1_000]);
        assert_eq!(user.impressions[0].total, 2);
        assert_eq!(user.viewed[0].count, 2);
        assert_eq!((user.orders.count, user.orders.spend), (1, 50.0));
        assert_eq!(user.purchased[0].product, "boots");
        assert_eq!(user.seen_ids, vec!["e-1".to_string()]);
        assert_eq!(
            user.id, "u:1",
            "the user's id stays (experiments bucket by it)"
        );
    }

    #[test]
    fn the_more_recent_cart_wins_a_shared_line_and_other_lines_join() {
        let mut user = Profile::new("u:1");
        user.cart_add("tent", 1, None, 1_000);
        user.cart_add("stove", 1, None, 1_000);
        let mut anon = Profile::new("v1");
        anon.cart_add("tent", 3, None, 5_000);
        anon.cart_add("boots", 1, None, 5_000);
        user.absorb(&anon, DECAY);
        let lines: Vec<_> = user
            .cart
            .lines
            .iter()
            .map(|l| (l.product.as_str(), l.quantity))
            .collect();
        assert_eq!(lines, [("tent", 3), ("stove", 1), ("boots", 1)]);
        assert_eq!(user.cart.changed, 5_000);
    }

    #[test]
    fn decaying_scores_meet_at_the_later_time() {
        let mut user = Profile::new("u:1");
        user.intent.accs.push(Acc {
            signal: "s".into(),
            value: 4.0,
            at: 0,
        });
        let mut anon = Profile::new("v1");
        anon.intent.accs.push(Acc {
            signal: "s".into(),
            value: 1.0,
            at: DAY,
        });
        user.absorb(&anon, DECAY);
        assert_eq!(user.intent.accs[0].at, DAY);
        assert!(
            (user.intent.accs[0].value - 3.0).abs() < 1e-9,
            "4 halved + 1"
        );
    }

    #[test]
    fn device_positions_travel_and_a_legacy_rev_becomes_one() {
        let mut user = Profile::new("u:1");
        user.set_rev_of("phone", 10);
        let mut anon = Profile::new("laptop");
        anon.rev = 20;
        assert_eq!(
            anon.rev_of("laptop"),
            20,
            "a legacy profile's rev is its own device's"
        );
        assert_eq!(anon.rev_of("phone"), 0);
        user.absorb(&anon, DECAY);
        assert_eq!((user.rev_of("phone"), user.rev_of("laptop")), (10, 20));
        assert!(user.knows_device("laptop"));
        user.set_rev_of("laptop", 5);
        assert_eq!(user.rev_of("laptop"), 20, "a position never moves back");
    }

    #[test]
    fn a_merged_profile_reads_back() {
        let mut user = shopper("u:1", 1_000);
        user.absorb(&shopper("v1", 2_000), DECAY);
        user.set_rev_of("v1", 2_000);
        assert_eq!(Profile::from_json(&user.to_json()).unwrap(), user);
    }
}
