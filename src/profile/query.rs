//! What a profile says without changing it: the derived facts conditions read.

use super::*;

impl Profile {
    /// Units in the cart.
    pub fn cart_items(&self) -> u64 {
        self.cart.lines.iter().map(|l| l.quantity as u64).sum()
    }

    /// The cart's value, from the lines' prices.
    pub fn cart_value(&self) -> f64 {
        self.cart
            .lines
            .iter()
            .map(|l| l.price.unwrap_or(0.0) * l.quantity as f64)
            .sum()
    }

    /// Whether the product is in the cart.
    pub fn in_cart(&self, product: &str) -> bool {
        self.cart.lines.iter().any(|l| l.product == product)
    }

    /// Whether the visitor bought the product.
    pub fn has_purchased(&self, product: &str) -> bool {
        self.purchased.iter().any(|p| p.product == product)
    }

    /// Whether the visitor viewed the product.
    pub fn has_viewed(&self, product: &str) -> bool {
        self.viewed.iter().any(|v| v.product == product)
    }

    /// Orders placed within `window` before `now` (as far as the kept orders go).
    pub fn orders_within(&self, window: Millis, now: Millis) -> u64 {
        self.orders
            .recent
            .iter()
            .filter(|(at, _)| now - at <= window)
            .count() as u64
    }

    /// Categories by affinity decayed to `now`, strongest first.
    pub fn top_categories(&self, half_life: Millis, now: Millis) -> Vec<(&str, f64)> {
        let v: Vec<(&str, f64)> = self
            .affinity
            .iter()
            .map(|a| {
                (
                    a.category.as_str(),
                    a.score * decay_factor(now - a.at, half_life),
                )
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        // Stable (equal scores keep their order), through the crate's one stable sort.
        let mut order: Vec<usize> = (0..v.len()).collect();
        sort_desc_stable(&mut order, &|i| v[i].1);
        order.into_iter().map(|i| v[i]).collect()
    }

    /// The session's most viewed category (ties: the first seen).
    pub fn session_top_category(&self) -> Option<&str> {
        let mut best: Option<&(String, u32)> = None;
        for c in &self.session.categories {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
        best.map(|c| c.0.as_str())
    }

    /// How many events of a type happened within `window` before `now` (or ever, if `None`).
    /// Windowed counts are exact up to [`MAX_EVENT_TIMES`].
    pub fn event_count(&self, kind: &str, window: Option<Millis>, now: Millis) -> u64 {
        let Some(stat) = self.events.iter().find(|e| e.kind == kind) else {
            return 0;
        };
        match window {
            None => stat.total,
            Some(w) => stat.recent.iter().filter(|t| now - **t <= w).count() as u64,
        }
    }

    /// Impressions of an offer since `since` (exact up to [`MAX_IMPRESSION_TIMES`]).
    pub fn impressions_since(&self, offer: &str, since: Millis) -> u64 {
        self.impressions
            .iter()
            .find(|i| i.offer == offer)
            .map(|i| i.recent.iter().filter(|t| **t >= since).count() as u64)
            .unwrap_or(0)
    }

    /// Times the offer was shown, ever.
    pub fn impressions_total(&self, offer: &str) -> u64 {
        self.impressions
            .iter()
            .find(|i| i.offer == offer)
            .map(|i| i.total)
            .unwrap_or(0)
    }

    /// Days since the last order, if any (whole days).
    pub fn days_since_last_order(&self, now: Millis) -> Option<i64> {
        self.orders.last.map(|l| (now - l).max(0) / DAY)
    }
}
