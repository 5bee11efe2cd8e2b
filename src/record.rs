//! Recording events into a profile: sessions, intent accumulators, cart, orders, views,
//! affinity, traits and per-type counts.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::events::{complete_page_view, Event};
use crate::facts::Ctx;
use crate::profile::Profile;
use crate::request::RequestFacts;
use crate::time::{Millis, MINUTE};

/// A session ends after this long without a request or event.
pub const SESSION_TIMEOUT: Millis = 30 * MINUTE;

/// Category affinity added per event type: a purchase says more than a view.
const AFFINITY_VIEW: f64 = 1.0;
const AFFINITY_CART: f64 = 2.0;
const AFFINITY_PURCHASE: f64 = 3.0;

/// Props of `identify` that are not traits when traits are sent flat.
const IDENTIFY_RESERVED: &[&str] = &["traits"];

/// Records one event at time `t`. `req` is set for the edge's own events of a request.
pub fn record(
    cfg: &Config,
    catalog: &Catalog,
    profile: &mut Profile,
    event: &Event,
    t: Millis,
    req: Option<&RequestFacts>,
) {
    if let Some(id) = &event.id {
        if !profile.remember_id(id) {
            return; // a retried batch: already counted
        }
    }
    let completed;
    let event = if event.kind == "page_view" && req.is_none() && !event.props.contains_key("utm") {
        let mut e = event.clone();
        complete_page_view(&mut e);
        completed = e;
        &completed
    } else {
        event
    };
    if profile.touch_session(t, SESSION_TIMEOUT) {
        match req {
            Some(r) => profile.set_landing(&r.path, &r.utm, r.referrer.as_deref()),
            None if event.kind == "page_view" => {
                let utm: Vec<(String, String)> = match event.props.get("utm") {
                    Some(serde_json::Value::Object(m)) => m
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect(),
                    _ => Vec::new(),
                };
                let path = event.str_prop("path").unwrap_or("").to_string();
                let referrer = event.str_prop("referrer").map(str::to_string);
                profile.set_landing(&path, &utm, referrer.as_deref());
            }
            None => {}
        }
    }
    score_intent(cfg, catalog, profile, event, t);
    apply_to_profile(cfg, catalog, profile, event, t);
    let keep = |k: &str| cfg.events.is_referenced(k);
    profile.count_event(&event.kind, t, &keep);
    // Counted for the actions that start on this type, until `crate::actions` looks.
    #[cfg(feature = "actions")]
    let starts = |a: &crate::actions::Action| matches!(&a.on, crate::actions::Trigger::Event(k) if *k == event.kind);
    #[cfg(feature = "actions")]
    if cfg.actions.iter().any(starts) {
        profile.journey.note_event(&event.kind, t);
    }
    profile.session.events += 1;
    cfg.intent.settle(&mut profile.intent, t);
}

fn score_intent(cfg: &Config, catalog: &Catalog, profile: &mut Profile, event: &Event, t: Millis) {
    let model = &cfg.intent;
    if model.reset_on.contains(&event.kind) {
        model.reset(&mut profile.intent);
    }
    // Which signals match is decided on the profile as it was before this event.
    let matching: Vec<usize> = {
        let mut ctx = Ctx::new(cfg, catalog, profile, t);
        ctx.event = Some(event);
        model
            .signals
            .iter()
            .enumerate()
            .filter(|(_, s)| s.event == event.kind)
            .filter(|(_, s)| match s.repeat {
                None => true,
                Some(want) => event.product_id().map(|p| profile.has_viewed(p)) == Some(want),
            })
            .filter(|(_, s)| s.when.as_ref().is_none_or(|w| w.eval(&ctx)))
            .map(|(i, _)| i)
            .collect()
    };
    model.prune(&mut profile.intent);
    for i in matching {
        model.add(&mut profile.intent, &model.signals[i], t);
    }
}

fn apply_to_profile(
    cfg: &Config,
    catalog: &Catalog,
    profile: &mut Profile,
    event: &Event,
    t: Millis,
) {
    let hl = cfg.recommendations.affinity_half_life;
    let category_of = |pid: &str, e: &Event| -> Option<String> {
        catalog
            .get(pid)
            .and_then(|p| p.category.clone())
            .or_else(|| e.str_prop("category").map(str::to_string))
    };
    match event.kind.as_str() {
        "page_view" => {
            profile.page_views += 1;
            profile.session.page_views += 1;
        }
        "product_view" => {
            if let Some(pid) = event.product_id() {
                if let Some(cat) = category_of(pid, event) {
                    profile.add_affinity(&cat, AFFINITY_VIEW, t, hl);
                    profile.add_session_category(&cat);
                }
                profile.record_view(pid, t);
            }
        }
        "add_to_cart" => {
            if let Some(pid) = event.product_id() {
                let price = event
                    .num_prop("price")
                    .or_else(|| catalog.get(pid).and_then(|p| p.price));
                profile.cart_add(pid, event.quantity().unwrap_or(1), price, t);
                if let Some(cat) = category_of(pid, event) {
                    profile.add_affinity(&cat, AFFINITY_CART, t, hl);
                }
            }
        }
        "remove_from_cart" => {
            if let Some(pid) = event.product_id() {
                profile.cart_remove(pid, event.quantity(), t);
            }
        }
        "purchase" => {
            let items = event.items();
            let total = order_total(event, catalog);
            for (id, _, _) in &items {
                if let Some(cat) = category_of(id, event) {
                    profile.add_affinity(&cat, AFFINITY_PURCHASE, t, hl);
                }
            }
            let ids: Vec<String> = items.into_iter().map(|(id, _, _)| id).collect();
            profile.record_purchase(&ids, total.max(0.0), t);
        }
        "identify" => match event.props.get("traits") {
            Some(serde_json::Value::Object(traits)) => profile.merge_traits(traits),
            _ => {
                let mut flat = event.props.clone();
                for r in IDENTIFY_RESERVED {
                    flat.remove(*r);
                }
                profile.merge_traits(&flat);
            }
        },
        _ => {}
    }
}

/// An order's value: its `total` (or `value`, `revenue`), else its items' prices (the
/// catalog's where the item names none) times their quantities.
pub(crate) fn order_total(event: &Event, catalog: &Catalog) -> f64 {
    ["total", "value", "revenue"]
        .iter()
        .find_map(|k| event.num_prop(k))
        .unwrap_or_else(|| {
            event
                .items()
                .iter()
                .map(|(id, q, price)| {
                    price
                        .or_else(|| catalog.get(id).and_then(|p| p.price))
                        .unwrap_or(0.0)
                        * *q as f64
                })
                .sum()
        })
}
