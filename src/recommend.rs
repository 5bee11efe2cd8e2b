//! Recommendations: which catalog items a recommendation offer shows.
//!
//! - `affinity`: products of the visitor's categories, strongest decayed affinity first, and
//!   within a category the most popular first;
//! - `complements`: the catalog complements of purchased products, most recent purchase first,
//!   each product's complements in list order, without duplicates;
//! - `recently_viewed`: viewed products, most recent first.
//!
//! Then `exclude` filters (purchased, in_cart, out_of_stock, viewed) and `count` cuts.

use crate::catalog::{Catalog, Product};
use crate::profile::Profile;
use crate::template::Template;
use crate::time::Millis;

/// How a recommendation picks its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// The visitor's strongest categories, most popular products first.
    Affinity,
    /// Complements of the products the visitor bought, latest purchase first.
    Complements,
    /// What the visitor viewed, most recent first.
    RecentlyViewed,
}

/// The strategies' names in configs, for messages.
pub const STRATEGIES: &[&str] = &["affinity", "complements", "recently_viewed"];
/// The exclusions' names in configs, for messages.
pub const EXCLUSIONS: &[&str] = &["purchased", "in_cart", "out_of_stock", "viewed"];
/// Most items one offer may show.
pub const MAX_COUNT: u64 = 24;

impl Strategy {
    /// A strategy from its name in the config.
    pub fn parse(s: &str) -> Option<Strategy> {
        match s {
            "affinity" => Some(Strategy::Affinity),
            "complements" => Some(Strategy::Complements),
            "recently_viewed" => Some(Strategy::RecentlyViewed),
            _ => None,
        }
    }
}

/// What a recommendation leaves out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exclusions {
    /// Products the visitor bought.
    pub purchased: bool,
    /// Products in the cart.
    pub in_cart: bool,
    /// Products out of stock.
    pub out_of_stock: bool,
    /// Products the visitor viewed.
    pub viewed: bool,
}

/// A recommendation offer's settings.
#[derive(Clone, Debug)]
pub struct RecSpec {
    /// How it picks.
    pub strategy: Strategy,
    /// How many items it shows at most.
    pub count: usize,
    /// What it leaves out.
    pub exclude: Exclusions,
}

/// `recommendations` in the config.
#[derive(Clone, Debug)]
pub struct RecSettings {
    /// The KV key of the catalog.
    pub catalog: String,
    /// The template each item is rendered with (`item.*`).
    pub item_template: Option<Template>,
    /// How fast category affinity fades.
    pub affinity_half_life: Millis,
}

impl Default for RecSettings {
    fn default() -> Self {
        RecSettings {
            catalog: "catalog".into(),
            item_template: None,
            affinity_half_life: 14 * crate::time::DAY,
        }
    }
}

impl RecSpec {
    /// The items to show, in order; empty when nothing qualifies.
    pub fn items<'c>(
        &self,
        catalog: &'c Catalog,
        profile: &Profile,
        half_life: Millis,
        now: Millis,
    ) -> Vec<&'c Product> {
        let mut out: Vec<&Product> = Vec::with_capacity(self.count);
        let consider = |p: &'c Product, out: &mut Vec<&'c Product>| {
            if out.len() < self.count
                && !out.iter().any(|o| o.id == p.id)
                && !self.excluded(p, profile)
            {
                out.push(p);
            }
        };
        match self.strategy {
            Strategy::Affinity => {
                for (cat, _) in profile.top_categories(half_life, now) {
                    for p in catalog.in_category(cat) {
                        consider(p, &mut out);
                    }
                    if out.len() >= self.count {
                        break;
                    }
                }
            }
            Strategy::Complements => {
                for bought in &profile.purchased {
                    if let Some(p) = catalog.get(&bought.product) {
                        for c in &p.complements {
                            if let Some(cp) = catalog.get(c) {
                                consider(cp, &mut out);
                            }
                        }
                    }
                    if out.len() >= self.count {
                        break;
                    }
                }
            }
            Strategy::RecentlyViewed => {
                for v in &profile.viewed {
                    if let Some(p) = catalog.get(&v.product) {
                        consider(p, &mut out);
                    }
                    if out.len() >= self.count {
                        break;
                    }
                }
            }
        }
        out
    }

    fn excluded(&self, p: &Product, profile: &Profile) -> bool {
        let x = &self.exclude;
        (x.out_of_stock && !p.in_stock)
            || (x.purchased && profile.has_purchased(&p.id))
            || (x.in_cart && profile.in_cart(&p.id))
            || (x.viewed && profile.has_viewed(&p.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DAY;

    fn catalog() -> Catalog {
        Catalog::parse(include_str!("../examples/catalog.json")).unwrap()
    }

    fn ids(v: Vec<&Product>) -> Vec<&str> {
        v.into_iter().map(|p| p.id.as_str()).collect()
    }

    fn spec(strategy: Strategy, count: usize, exclude: Exclusions) -> RecSpec {
        RecSpec {
            strategy,
            count,
            exclude,
        }
    }

    #[test]
    fn complements_most_recent_purchase_first_without_duplicates() {
        let cat = catalog();
        let mut p = Profile::new("x");
        p.record_purchase(&["tent-basecamp-4p".into()], 529.0, 1);
        p.record_purchase(&["boot-canyon-low".into()], 139.0, 2);
        let all = Exclusions {
            purchased: true,
            out_of_stock: true,
            ..Default::default()
        };
        let got = ids(spec(Strategy::Complements, 5, all).items(&cat, &p, DAY, 3));
        assert_eq!(
            got,
            [
                "acc-trekking-poles",
                "jacket-stormshell",
                "pack-daytrip-22",
                "acc-sleeping-bag",
                "acc-sleeping-pad"
            ]
        );
    }

    #[test]
    fn affinity_orders_by_category_then_popularity_and_excludes() {
        let cat = catalog();
        let mut p = Profile::new("x");
        p.add_affinity("boots", 1.0, 0, DAY);
        p.add_affinity("tents", 3.0, 0, DAY);
        p.cart_add("tent-family-6p", 1, None, 0);
        let x = Exclusions {
            in_cart: true,
            out_of_stock: true,
            ..Default::default()
        };
        let got = ids(spec(Strategy::Affinity, 4, x).items(&cat, &p, DAY, 0));
        assert_eq!(
            got,
            [
                "tent-basecamp-4p",
                "tent-summit-2p",
                "shoe-trail-runner",
                "boot-canyon-low"
            ]
        );
    }

    #[test]
    fn recently_viewed_most_recent_first() {
        let cat = catalog();
        let mut p = Profile::new("x");
        p.record_view("tent-summit-2p", 1);
        p.record_view("unknown-product", 2);
        p.record_view("tent-basecamp-4p", 3);
        p.record_purchase(&["tent-basecamp-4p".into()], 1.0, 4);
        let got =
            ids(spec(Strategy::RecentlyViewed, 2, Exclusions::default()).items(&cat, &p, DAY, 5));
        assert_eq!(got, ["tent-basecamp-4p", "tent-summit-2p"]);
        let x = Exclusions {
            purchased: true,
            ..Default::default()
        };
        let got = ids(spec(Strategy::RecentlyViewed, 2, x).items(&cat, &p, DAY, 5));
        assert_eq!(got, ["tent-summit-2p"]);
    }
}
