//! How a profile changes: sessions, events, views, the cart, orders, impressions and
//! exposures, each within its list's limit (see the module docs of `profile`).

use super::*;
use crate::json_float::{money, number};

impl Profile {
    /// Starts a new session when the last activity is older than `timeout`; returns true if so.
    pub fn touch_session(&mut self, t: Millis, timeout: Millis) -> bool {
        if self.created == 0 {
            self.created = t;
        }
        self.updated = self.updated.max(t);
        let new = self.visits == 0 || t - self.session.last > timeout;
        if new {
            self.visits += 1;
            self.session = Session {
                started: t,
                last: t,
                ..Session::default()
            };
        } else {
            self.session.last = self.session.last.max(t);
        }
        new
    }

    /// Remembers an event id; false if it was seen already (a retried batch).
    pub fn remember_id(&mut self, id: &str) -> bool {
        let id = clip(id, MAX_ID_LEN);
        if self.seen_ids.contains(&id) {
            return false;
        }
        self.seen_ids.insert(0, id);
        self.seen_ids.truncate(MAX_SEEN_IDS);
        true
    }

    /// Counts an event type. `keep` names types the config uses, evicted last.
    pub fn count_event(&mut self, kind: &str, t: Millis, keep: &dyn Fn(&str) -> bool) {
        let kind = clip(kind, MAX_EVENT_NAME_LEN);
        let found = self.events.iter().position(|e| e.kind == kind);
        let i = entry_index(
            &mut self.events,
            found,
            MAX_EVENT_TYPES,
            |e| e.recent.first().copied().unwrap_or(0),
            |e| keep(&e.kind),
            || EventStat {
                kind,
                total: 0,
                recent: Vec::new(),
            },
        );
        let stat = &mut self.events[i];
        stat.total += 1;
        let pos = stat
            .recent
            .iter()
            .position(|x| *x <= t)
            .unwrap_or(stat.recent.len());
        stat.recent.insert(pos, t);
        stat.recent.truncate(MAX_EVENT_TIMES);
    }

    /// Records a product view: most recent first, with its count.
    pub fn record_view(&mut self, product: &str, t: Millis) {
        let product = clip(product, MAX_ID_LEN);
        let count = match self.viewed.iter().position(|v| v.product == product) {
            Some(i) => self.viewed.remove(i).count + 1,
            None => 1,
        };
        self.viewed.insert(
            0,
            Viewed {
                product,
                count,
                at: t,
            },
        );
        self.viewed.truncate(MAX_VIEWED);
    }

    /// Adds `weight` to a category's affinity, decayed by `half_life` to `t`.
    pub fn add_affinity(&mut self, category: &str, weight: f64, t: Millis, half_life: Millis) {
        let category = clip(category, MAX_ID_LEN);
        match self.affinity.iter_mut().find(|a| a.category == category) {
            Some(a) => {
                a.score = a.score * decay_factor(t - a.at, half_life) + weight;
                a.at = a.at.max(t);
            }
            None => {
                if self.affinity.len() >= MAX_AFFINITIES {
                    let weakest = self
                        .affinity
                        .iter()
                        .enumerate()
                        .min_by(|a, b| {
                            let da = a.1.score * decay_factor(t - a.1.at, half_life);
                            let db = b.1.score * decay_factor(t - b.1.at, half_life);
                            da.total_cmp(&db)
                        })
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    self.affinity.remove(weakest);
                }
                self.affinity.push(Affinity {
                    category,
                    score: weight,
                    at: t,
                });
            }
        }
    }

    /// Counts a product view of a category in the session.
    pub fn add_session_category(&mut self, category: &str) {
        let cats = &mut self.session.categories;
        match cats.iter().position(|c| c.0 == category) {
            Some(i) => cats[i].1 += 1,
            None if cats.len() < MAX_SESSION_CATEGORIES => {
                cats.push((clip(category, MAX_ID_LEN), 1))
            }
            None => {}
        }
    }

    /// Remembers the session's landing page: path, `utm_*` parameters and referrer.
    pub fn set_landing(&mut self, path: &str, utm: &[(String, String)], referrer: Option<&str>) {
        self.session.landing_path = clip(path, MAX_PATH_LEN);
        self.session.utm = utm
            .iter()
            .take(MAX_SESSION_UTM)
            .map(|(k, v)| (clip(k, 32), clip(v, MAX_ID_LEN)))
            .collect();
        self.session.referrer = clip(referrer.unwrap_or(""), MAX_PATH_LEN);
    }

    /// Adds to the cart (a line per product), with the unit price if given.
    /// An add older than a purchase of the same product is not added: it reached the profile
    /// late (a browser's log arrives after the shop's backend sent the order) and the purchase
    /// already took it out of the cart.
    pub fn cart_add(&mut self, product: &str, quantity: u32, price: Option<f64>, t: Millis) {
        let product = clip(product, MAX_ID_LEN);
        if self
            .purchased
            .iter()
            .any(|p| p.product == product && p.at >= t)
        {
            return;
        }
        let price = price.map(money);
        match self.cart.lines.iter_mut().find(|l| l.product == product) {
            Some(l) => {
                l.quantity = l.quantity.saturating_add(quantity);
                if price.is_some() {
                    l.price = price;
                }
            }
            None => {
                if self.cart.lines.len() >= MAX_CART_LINES {
                    self.cart.lines.remove(0);
                }
                self.cart.lines.push(CartLine {
                    product,
                    quantity,
                    price,
                });
            }
        }
        self.cart.changed = t;
    }

    /// Removes `quantity` of a product (all of it when `None`).
    pub fn cart_remove(&mut self, product: &str, quantity: Option<u32>, t: Millis) {
        if let Some(i) = self.cart.lines.iter().position(|l| l.product == product) {
            let line = &mut self.cart.lines[i];
            match quantity {
                Some(q) if q < line.quantity => line.quantity -= q,
                _ => {
                    self.cart.lines.remove(i);
                }
            }
            self.cart.changed = t;
        }
    }

    /// Records an order: totals, purchased products, and takes its items out of the cart.
    pub fn record_purchase(&mut self, items: &[String], total: f64, t: Millis) {
        let total = money(total);
        self.orders.count += 1;
        self.orders.spend = money(self.orders.spend + total);
        self.orders.last = Some(self.orders.last.map_or(t, |l| l.max(t)));
        let pos = self
            .orders
            .recent
            .iter()
            .position(|(at, _)| *at <= t)
            .unwrap_or(self.orders.recent.len());
        self.orders.recent.insert(pos, (t, total));
        self.orders.recent.truncate(MAX_ORDERS_KEPT);
        for item in items.iter().rev() {
            let item = clip(item, MAX_ID_LEN);
            self.purchased.retain(|p| p.product != item);
            self.purchased.insert(
                0,
                Purchased {
                    product: item.clone(),
                    at: t,
                },
            );
            if self.in_cart(&item) {
                self.cart_remove(&item, None, t);
            }
        }
        self.purchased.truncate(MAX_PURCHASED);
    }

    /// Merges `identify` traits: scalars only, strings clipped, at most [`MAX_TRAITS`].
    pub fn merge_traits(&mut self, traits: &Map<String, Value>) {
        for (k, v) in traits {
            let k = clip(k, MAX_EVENT_NAME_LEN);
            let v = match v {
                Value::String(s) => Value::String(clip(s, MAX_TRAIT_LEN)),
                Value::Number(n) if n.is_f64() => Value::from(number(n.as_f64().unwrap_or(0.0))),
                Value::Number(_) | Value::Bool(_) => v.clone(),
                Value::Null => {
                    self.traits.remove(&k);
                    continue;
                }
                _ => continue,
            };
            if self.traits.len() >= MAX_TRAITS && !self.traits.contains_key(&k) {
                continue;
            }
            self.traits.insert(k, v);
        }
    }

    /// Counts an impression of an offer at `t`.
    pub fn record_impression(&mut self, offer: &str, t: Millis) {
        let offer = clip(offer, MAX_ID_LEN);
        let found = self.impressions.iter().position(|i| i.offer == offer);
        let i = entry_index(
            &mut self.impressions,
            found,
            MAX_OFFERS_TRACKED,
            |i| i.recent.first().copied().unwrap_or(0),
            |_| false,
            || Impression {
                offer,
                total: 0,
                recent: Vec::new(),
            },
        );
        let imp = &mut self.impressions[i];
        imp.total += 1;
        imp.recent.insert(0, t);
        imp.recent.truncate(MAX_IMPRESSION_TIMES);
    }

    /// Counts an exposure to an experiment's variant; a new variant starts the count again.
    pub fn record_exposure(&mut self, experiment: &str, variant: &str, t: Millis) {
        match self
            .exposures
            .iter_mut()
            .find(|e| e.experiment == experiment)
        {
            Some(e) => {
                e.count += 1;
                if e.variant != variant {
                    // Weights changed: keep the latest assignment, counted from now.
                    e.variant = clip(variant, MAX_ID_LEN);
                    e.at = t;
                    e.count = 1;
                }
            }
            None => {
                if self.exposures.len() >= MAX_EXPOSURES {
                    if let Some(oldest) = self
                        .exposures
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, e)| e.at)
                        .map(|(i, _)| i)
                    {
                        self.exposures.remove(oldest);
                    }
                }
                self.exposures.push(Exposure {
                    experiment: clip(experiment, MAX_ID_LEN),
                    variant: clip(variant, MAX_ID_LEN),
                    at: t,
                    count: 1,
                });
            }
        }
    }
}

/// The index of the entry `found` names, or of a new one (`make`) pushed last. A full list
/// first drops the entry seen least recently (`last_seen`), any that `spare` keeps going only
/// when every entry is spared.
fn entry_index<T>(
    list: &mut Vec<T>,
    found: Option<usize>,
    max: usize,
    last_seen: impl Fn(&T) -> Millis,
    spare: impl Fn(&T) -> bool,
    make: impl FnOnce() -> T,
) -> usize {
    if let Some(i) = found {
        return i;
    }
    if list.len() >= max {
        let oldest = |sparing: bool| {
            list.iter()
                .enumerate()
                .filter(|(_, e)| !(sparing && spare(e)))
                .min_by_key(|(_, e)| last_seen(e))
                .map(|(i, _)| i)
        };
        let victim = oldest(true).or_else(|| oldest(false)).unwrap_or(0);
        list.remove(victim);
    }
    list.push(make());
    list.len() - 1
}
