//! A decision against a step's expectation, and the summary a failing step prints.

use super::{Expect, Sent};
use crate::decision::Decision;
use crate::facts::format_number;

/// `offer` or `offer/variant`.
fn shown(d: &Decision, slot: &str) -> Option<String> {
    d.plan.slot(slot).map(|s| match &s.variant {
        Some(v) => format!("{}/{v}", s.offer),
        None => s.offer.clone(),
    })
}

/// What a decision did, in the expectation's terms.
pub fn summary(d: &Decision) -> String {
    let slots: Vec<String> = d
        .plan
        .slots
        .iter()
        .map(|s| {
            let items = if s.items.is_empty() {
                String::new()
            } else {
                format!(" {:?}", s.items)
            };
            format!(
                "{}={}{}",
                s.slot,
                shown(d, &s.slot).unwrap_or_default(),
                items
            )
        })
        .collect();
    format!(
        "tier {} (score {}), personalized {}, holdout {}, slots {{{}}}",
        if d.tier.is_empty() { "(none)" } else { &d.tier },
        format_number(d.score),
        d.personalized,
        d.holdout,
        slots.join(", ")
    )
}

/// Every way a decision differs from an expectation.
pub fn check(e: &Expect, d: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &e.tier {
        if &d.tier != t {
            out.push(format!(
                "tier: expected {t}, got {} (score {})",
                d.tier,
                format_number(d.score)
            ));
        }
    }
    if let Some(p) = e.personalized {
        if d.personalized != p {
            out.push(format!(
                "personalized: expected {p}, got {}",
                d.personalized
            ));
        }
    }
    if let Some(h) = e.holdout {
        if d.holdout != h {
            out.push(format!("holdout: expected {h}, got {}", d.holdout));
        }
    }
    for (slot, want) in e.slots.iter().flatten() {
        let got = shown(d, slot);
        let ok = match (want, &got) {
            (None, None) => true,
            (Some(w), Some(g)) => {
                w == g || (!w.contains('/') && g.split('/').next() == Some(w.as_str()))
            }
            _ => false,
        };
        if !ok {
            out.push(format!(
                "slot {slot}: expected {}, got {}",
                want.as_deref().unwrap_or("untouched"),
                got.as_deref().unwrap_or("untouched")
            ));
        }
    }
    let html_of = |slot: &str| {
        d.plan
            .slot(slot)
            .and_then(|s| s.html.as_deref())
            .unwrap_or("")
    };
    let texts = e.contains.iter().map(|t| (t, true));
    for ((slot, text), wanted) in texts.chain(e.not_contains.iter().map(|t| (t, false))) {
        let html = html_of(slot);
        if html.contains(text.as_str()) != wanted {
            let not = if wanted { "" } else { " not" };
            out.push(format!(
                "slot {slot}: expected the HTML{not} to contain {text:?}; it is {html:?}"
            ));
        }
    }
    for (slot, items) in &e.items {
        let got: Vec<String> = d
            .plan
            .slot(slot)
            .map(|s| s.items.clone())
            .unwrap_or_default();
        if &got != items {
            out.push(format!(
                "slot {slot}: expected items {items:?}, got {got:?}"
            ));
        }
    }
    out
}

/// How the deliveries made differ from those expected, if they do.
pub fn check_sent(expected: &[Sent], got: &[Sent]) -> Option<String> {
    if expected == got {
        return None;
    }
    let list = |l: &[Sent]| {
        let items: Vec<String> = l.iter().map(Sent::to_string).collect();
        format!("[{}]", items.join(", "))
    };
    Some(format!(
        "sent: expected {}, got {}",
        list(expected),
        list(got)
    ))
}
