//! The decision for one request: intent, segments, then for each slot the eligible offer with
//! the highest priority, rendered into a [`Plan`].

use crate::catalog::Catalog;
use crate::config::Config;
use crate::experiments::{bucket, pick};
use crate::explain::{Explanation, OfferExplain, Outcome, SegmentExplain};
use crate::facts::{format_number, Ctx};
use crate::offers::{Body, Offer};
use crate::plan::{Plan, SlotPlan};
use crate::profile::Profile;
use crate::request::RequestFacts;
use crate::time::{format_timestamp, Millis};
use serde::Serialize;
use serde_json::{Map, Value};

/// The outcome for one request: the Plan and what led to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Decision {
    /// What each slot shows.
    pub plan: Plan,
    /// False when consent is missing: the page is left untouched and nothing is recorded.
    pub personalized: bool,
    /// The intent tier (empty when no tier is reached).
    pub tier: String,
    /// The intent score.
    pub score: f64,
    /// The visitor is in the global holdout: no offer is shown.
    pub holdout: bool,
    /// Segments the visitor is in, in config order.
    pub segments: Vec<String>,
    /// Offers rendered into the page (one impression each).
    pub impressions: Vec<String>,
    /// Experiment exposures (control variants included).
    pub exposures: Vec<ExposureRecord>,
    /// Why, in words.
    pub explanation: Explanation,
}

/// One experiment exposure of a decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExposureRecord {
    /// The experiment's id.
    pub experiment: String,
    /// The variant shown.
    pub variant: String,
    /// The offer that showed it.
    pub offer: String,
}

impl Decision {
    /// The decision when consent is missing: nothing personalized.
    pub fn unpersonalized(visitor: &str, now: Millis, consent: &str) -> Decision {
        Decision {
            explanation: Explanation {
                visitor: visitor.to_string(),
                at: format_timestamp(now),
                personalized: false,
                consent: consent.to_string(),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// A visitor described rather than observed (the editor's preview): the tier and the segments
/// to decide as, whatever the profile's events say. `None` keeps what the profile gives.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Described {
    /// The tier to decide as; `None` keeps the profile's.
    pub tier: Option<String>,
    /// The segments to decide as; `None` keeps the profile's.
    pub segments: Option<Vec<String>>,
}

/// A description of a visitor that names what the config does not define.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DescribeError {
    /// A tier the config does not have.
    #[error("tier: unknown tier {tier:?} (the config has {})", .known.join(", "))]
    UnknownTier {
        /// The tier asked for.
        tier: String,
        /// The config's tiers.
        known: Vec<String>,
    },
    /// A segment the config does not have.
    #[error("segments: unknown segment {segment:?} (the config has {})", .known.join(", "))]
    UnknownSegment {
        /// The segment asked for.
        segment: String,
        /// The config's segments.
        known: Vec<String>,
    },
}

impl Described {
    /// The first name that the config does not define, if any.
    pub fn check(&self, cfg: &Config) -> Result<(), DescribeError> {
        if let Some(t) = &self.tier {
            if !t.is_empty() && !cfg.intent.tiers.iter().any(|x| &x.name == t) {
                return Err(DescribeError::UnknownTier {
                    tier: t.clone(),
                    known: cfg.intent.tiers.iter().map(|x| x.name.clone()).collect(),
                });
            }
        }
        for name in self.segments.iter().flatten() {
            if !cfg.segments.iter().any(|s| &s.name == name) {
                return Err(DescribeError::UnknownSegment {
                    segment: name.clone(),
                    known: cfg.segments.iter().map(|s| s.name.clone()).collect(),
                });
            }
        }
        Ok(())
    }
}

/// How much an explanation says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// Each offer's outcome with a short reason ("condition not met", "capped: ...").
    /// Cheap enough for every request.
    #[default]
    Brief,
    /// Also which facts made each condition and segment hold or fail, in sentences
    /// (the explain endpoint, the CLI, failing journeys).
    Full,
}

// Everything a decision reads, passed as it is rather than bundled for one call site.
/// Decides every slot for a visitor at `now`, without recording anything: the Plan and why.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    cfg: &Config,
    catalog: &Catalog,
    profile: &Profile,
    req: &RequestFacts,
    signals: &Map<String, Value>,
    now: Millis,
    detail: Detail,
    described: Option<&Described>,
) -> Decision {
    let full = detail == Detail::Full;
    let mut intent = cfg.intent.evaluate(&profile.intent, now);
    if let Some(t) = described.and_then(|d| d.tier.as_deref()) {
        // The tier as described, with a score that reaches it (conditions on the score agree).
        intent.tier = cfg.intent.tiers.iter().position(|x| x.name == t);
        intent.tier_name = intent.tier.map(|i| cfg.intent.tiers[i].name.clone());
        intent.held_by_hysteresis = false;
        if let Some(i) = intent.tier {
            intent.score = intent.score.max(cfg.intent.tiers[i].min_score);
        }
    }
    let forced = described.and_then(|d| d.segments.as_ref());
    let holdout = cfg
        .holdout
        .as_ref()
        .is_some_and(|h| h.contains(&profile.id));
    let mut ctx = Ctx::new(cfg, catalog, profile, now);
    ctx.request = Some(req);
    ctx.signals = Some(signals);
    ctx.intent = Some(&intent);

    let mut seg_explain = Vec::with_capacity(cfg.segments.len());
    let mut segments = Vec::new();
    for (i, s) in cfg.segments.iter().enumerate() {
        let (matched, why) = if let Some(list) = forced {
            let m = list.contains(&s.name);
            ctx.segments[i].set(if m { 2 } else { 1 });
            let why = if m {
                "described as in it"
            } else {
                "described as not in it"
            };
            (m, why.to_string())
        } else if full {
            let (m, why) = s.cond.explain(&ctx);
            // Keep the memo consistent with the explanation's verdict.
            ctx.segments[i].set(if m { 2 } else { 1 });
            (m, why)
        } else {
            (ctx.segment(i), String::new())
        };
        if matched {
            segments.push(s.name.clone());
        }
        seg_explain.push(SegmentExplain {
            name: s.name.clone(),
            matched,
            why,
        });
    }

    let mut offer_explain: Vec<Option<OfferExplain>> = vec![None; cfg.offers.len()];
    let mut winners: Vec<(usize, SlotPlan)> = Vec::new();
    let mut exposures = Vec::new();
    for group in &cfg.slots {
        let mut winner: Option<&Offer> = None;
        for &oi in &group.offers {
            let o = &cfg.offers[oi];
            let ex = |outcome, variant: Option<String>, why: String| OfferExplain {
                id: o.id.clone(),
                slot: group.key.clone(),
                priority: o.priority,
                outcome,
                variant,
                why,
            };
            if let Err(why) = pre_check(o, &ctx, full) {
                offer_explain[oi] = Some(ex(Outcome::NotEligible, None, why.why()));
                continue;
            }
            let when_why = match (&o.when, full) {
                (Some(c), true) => c.explain(&ctx).1,
                (Some(_), false) => "its condition holds".to_string(),
                (None, _) => "no condition".to_string(),
            };
            if let Some(w) = winner {
                offer_explain[oi] = Some(ex(
                    Outcome::Outranked,
                    None,
                    format!(
                        "eligible, but {} (priority {}) comes first; {when_why}",
                        w.id,
                        format_number(w.priority)
                    ),
                ));
                continue;
            }
            match render(o, &ctx, cfg, catalog) {
                Err(why) => offer_explain[oi] = Some(ex(Outcome::NotEligible, None, why.why())),
                Ok(r) => {
                    winner = Some(o);
                    if holdout {
                        offer_explain[oi] = Some(ex(
                            Outcome::HeldOut,
                            r.variant.clone(),
                            format!(
                                "eligible ({when_why}), but the visitor is in the global holdout"
                            ),
                        ));
                        continue;
                    }
                    if let (Some(v), Body::Experiment { experiment, .. }) = (&r.variant, &o.body) {
                        exposures.push(ExposureRecord {
                            experiment: cfg.experiments[*experiment].id.clone(),
                            variant: v.clone(),
                            offer: o.id.clone(),
                        });
                    }
                    let why = format!(
                        "highest eligible priority ({}): {when_why}",
                        format_number(o.priority)
                    );
                    offer_explain[oi] = Some(ex(Outcome::Shown, r.variant.clone(), why.clone()));
                    winners.push((
                        oi,
                        SlotPlan {
                            slot: match &group.css {
                                Some(_) => o.id.clone(),
                                None => group.key.clone(),
                            },
                            css: group.css.clone(),
                            offer: o.id.clone(),
                            variant: r.variant,
                            html: r.html,
                            items: r.items,
                            why,
                        },
                    ));
                }
            }
        }
    }
    // In offer order. Offer indices are unique (one winner per slot), so picking by index
    // gives the sorted order without a sort routine in the wasm (a handful of slots).
    let mut slots = Vec::with_capacity(winners.len());
    while let Some(k) = (0..winners.len()).min_by_key(|&k| winners[k].0) {
        slots.push(winners.swap_remove(k).1);
    }
    let plan = Plan { slots };
    let impressions = plan.slots.iter().map(|s| s.offer.clone()).collect();
    let tier = intent.tier_name.clone().unwrap_or_default();
    let score = intent.score;
    Decision {
        plan,
        personalized: true,
        tier,
        score,
        holdout,
        segments,
        impressions,
        exposures,
        explanation: Explanation {
            visitor: profile.id.clone(),
            at: format_timestamp(now),
            personalized: true,
            consent: "granted".into(),
            intent,
            holdout,
            segments: seg_explain,
            offers: offer_explain.into_iter().flatten().collect(),
        },
    }
}

/// Why an offer is not eligible. Not an error but a reason, and said only in the explanation
/// ([`NotEligible::why`]): no `Display`, whose formatting would grow the browser's wasm.
#[derive(Debug)]
enum NotEligible {
    /// Outside its schedule (the schedule's sentence).
    Schedule(String),
    /// Shown as often as its cap allows (the cap's sentence).
    Capped(String),
    /// Its condition does not hold.
    Condition,
    /// Its condition does not hold, with the facts that failed it (a full explanation).
    ConditionExplained(String),
    /// A recommendation with no catalog to pick from.
    NoCatalog,
    /// A recommendation whose every item was excluded.
    NoItem,
    /// A recommendation without `recommendations.item_template`.
    NoItemTemplate,
}

impl NotEligible {
    /// The reason as the explanation says it.
    fn why(self) -> String {
        match self {
            NotEligible::Schedule(why) | NotEligible::Capped(why) => why,
            NotEligible::Condition => "condition not met".into(),
            NotEligible::ConditionExplained(facts) => format!("condition not met: {facts}"),
            NotEligible::NoCatalog => "no recommendation: no catalog loaded".into(),
            NotEligible::NoItem => "no recommendation: no item qualifies after exclusions".into(),
            NotEligible::NoItemTemplate => "no item template".into(),
        }
    }
}

/// Schedule, cap and condition.
fn pre_check(o: &Offer, ctx: &Ctx, full: bool) -> Result<(), NotEligible> {
    if let Some(why) = o.schedule.check(ctx.now) {
        return Err(NotEligible::Schedule(why));
    }
    if let Some(why) = o
        .cap
        .as_ref()
        .and_then(|c| c.check(&o.id, ctx.profile, ctx.now))
    {
        return Err(NotEligible::Capped(why));
    }
    if let Some(c) = &o.when {
        if !c.eval(ctx) {
            return Err(if full {
                NotEligible::ConditionExplained(c.explain(ctx).1)
            } else {
                NotEligible::Condition
            });
        }
    }
    Ok(())
}

struct Rendered {
    variant: Option<String>,
    html: Option<String>,
    items: Vec<String>,
}

fn render(o: &Offer, ctx: &Ctx, cfg: &Config, catalog: &Catalog) -> Result<Rendered, NotEligible> {
    let currency = catalog.currency.as_str();
    match &o.body {
        Body::Content(t) => Ok(Rendered {
            variant: None,
            html: Some(t.render_string(ctx, currency)),
            items: Vec::new(),
        }),
        Body::Experiment {
            experiment,
            variants,
            ends,
        } => {
            let salt = &cfg.experiments[*experiment].salt;
            let v = &variants[pick(ends, bucket(salt, &ctx.profile.id))];
            Ok(Rendered {
                variant: Some(v.id.clone()),
                html: v.content.as_ref().map(|t| t.render_string(ctx, currency)),
                items: Vec::new(),
            })
        }
        Body::Recommend(spec) => {
            let items = spec.items(
                catalog,
                ctx.profile,
                cfg.recommendations.affinity_half_life,
                ctx.now,
            );
            if items.is_empty() {
                return Err(if catalog.products.is_empty() {
                    NotEligible::NoCatalog
                } else {
                    NotEligible::NoItem
                });
            }
            let tmpl = cfg
                .recommendations
                .item_template
                .as_ref()
                .ok_or(NotEligible::NoItemTemplate)?;
            let mut html = String::new();
            let mut ids = Vec::with_capacity(items.len());
            for item in items {
                // Item templates cannot test segments, so no memo is needed.
                let ictx = Ctx {
                    item: Some(item),
                    segments: Vec::new(),
                    ..*ctx
                };
                tmpl.render(&ictx, currency, &mut html);
                ids.push(item.id.clone());
            }
            Ok(Rendered {
                variant: None,
                html: Some(html),
                items: ids,
            })
        }
    }
}
