//! What a profile keeps for journeys beyond the page (`actions` in the config): the segments
//! the visitor is in and since when, the actions waiting for their `wait` to pass, what each
//! action sent (for its `cap`), and the events of a type an action starts on that no action
//! has looked at yet.
//!
//! It lives in the profile, not beside it, because the profile's single writer (a Durable
//! Object per profile in the Worker, the journeys runner in tests) is the one place that sees
//! every change, and because it must move with the profile when a visitor identifies
//! (`Profile::absorb`). Every list is bounded (see the size-bound table in `profile`).
//! The logic that reads and changes it is in `crate::actions`.
//!
//! A build without feature `actions` (the browser's) never reads it: there it is [`Kept`],
//! the stored JSON carried as it is, which costs the browser's wasm nothing it does not have.

use super::*;

/// The journeys part of a profile, as this build holds it.
#[cfg(feature = "actions")]
pub type Journey = JourneyState;
/// The journeys part of a profile, as this build holds it.
#[cfg(not(feature = "actions"))]
pub type Journey = Kept;

/// The journeys part kept as stored JSON by a build that does not read it (`null`: none).
#[cfg(not(feature = "actions"))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
#[serde(transparent)]
pub struct Kept(pub Value);

#[cfg(not(feature = "actions"))]
impl Kept {
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_null()
    }

    /// An absorbed profile's part is kept only where there was none.
    pub(super) fn absorb(&mut self, other: &Kept) {
        if self.is_empty() {
            self.0 = other.0.clone();
        }
    }
}

/// Segments whose membership is kept (only those an action's `on` names are tracked).
pub const MAX_MEMBERSHIPS: usize = 32;
/// Actions waiting at once, one per action at most.
pub const MAX_WAITS: usize = 8;
/// Actions whose sends are kept (for `cap`).
pub const MAX_ACTIONS_SENT: usize = 16;
/// Send times kept per action (for rolling caps), as many as impressions per offer: an
/// action's cap is read by the same rules as an offer's.
pub const MAX_SEND_TIMES: usize = MAX_IMPRESSION_TIMES;
/// Event types an action starts on, counted until the next evaluation looks at them.
pub const MAX_UNACTED_TYPES: usize = 8;

#[cfg(feature = "actions")]
/// The journeys part of a profile (`jn`). Empty for a profile no action ever looked at.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct JourneyState {
    /// The tracked segments the visitor is in, each with when they entered.
    #[serde(rename = "m", default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Membership>,
    /// Actions waiting for their `wait`, earliest due first.
    #[serde(rename = "w", default, skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<Wait>,
    /// What each action sent.
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<Sent>,
    /// Events of a type an action starts on, recorded since the last evaluation.
    #[serde(rename = "e", default, skip_serializing_if = "Vec::is_empty")]
    pub unacted: Vec<Unacted>,
}

#[cfg(feature = "actions")]
/// The visitor is in a segment since `since`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Membership {
    /// The segment's name.
    #[serde(rename = "g")]
    pub segment: String,
    /// When the visitor entered it.
    #[serde(rename = "at")]
    pub since: Millis,
}

#[cfg(feature = "actions")]
/// An action started and waiting until `due` to re-check its `if` and send.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Wait {
    /// The action's id.
    #[serde(rename = "a")]
    pub action: String,
    /// What started it: `entered`, `exited` or `event`.
    #[serde(rename = "k")]
    pub kind: String,
    /// The segment entered or left, or the event type.
    #[serde(rename = "g")]
    pub subject: String,
    /// When it started.
    pub at: Millis,
    /// When the wait is over.
    pub due: Millis,
}

#[cfg(feature = "actions")]
/// An action's sends: lifetime count and recent times (most recent first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Sent {
    /// The action's id.
    #[serde(rename = "a")]
    pub action: String,
    /// Times it sent.
    #[serde(rename = "n")]
    pub total: u64,
    /// When it sent recently, most recent first.
    #[serde(rename = "r", default)]
    pub recent: Vec<Millis>,
}

#[cfg(feature = "actions")]
/// Events of one type not yet looked at by the actions that start on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Unacted {
    /// The event type.
    #[serde(rename = "k")]
    pub kind: String,
    /// How many.
    #[serde(rename = "n")]
    pub count: u64,
    /// The latest one's time.
    pub at: Millis,
}

#[cfg(feature = "actions")]
impl JourneyState {
    /// True when nothing is kept (left out of the stored JSON).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
            && self.waits.is_empty()
            && self.sent.is_empty()
            && self.unacted.is_empty()
    }

    /// Since when the visitor is in `segment`, if they are.
    pub fn member_since(&self, segment: &str) -> Option<Millis> {
        self.members
            .iter()
            .find(|m| m.segment == segment)
            .map(|m| m.since)
    }

    /// Counts an event of a type some action starts on (recording calls this). When the list
    /// is full the oldest type goes: an event nobody looked at for that long is stale.
    pub fn note_event(&mut self, kind: &str, t: Millis) {
        let kind = clip(kind, MAX_EVENT_NAME_LEN);
        match self.unacted.iter_mut().find(|u| u.kind == kind) {
            Some(u) => {
                u.count = u.count.saturating_add(1);
                u.at = u.at.max(t);
            }
            None => {
                if self.unacted.len() >= MAX_UNACTED_TYPES {
                    self.unacted.remove(0);
                }
                self.unacted.push(Unacted {
                    kind,
                    count: 1,
                    at: t,
                });
            }
        }
    }

    /// Starts waiting for `wait` unless the action already waits or the list is full (then
    /// the start is dropped: an action's earlier start is kept, not postponed). Returns
    /// whether it was added.
    pub fn add_wait(&mut self, wait: Wait) -> bool {
        if self.waits.len() >= MAX_WAITS || self.waits.iter().any(|w| w.action == wait.action) {
            return false;
        }
        let wait = Wait {
            action: clip(&wait.action, MAX_ID_LEN),
            subject: clip(&wait.subject, MAX_ID_LEN),
            kind: clip(&wait.kind, 8),
            ..wait
        };
        let pos = self.waits.iter().position(|w| w.due > wait.due);
        self.waits.insert(pos.unwrap_or(self.waits.len()), wait);
        true
    }

    /// Records that `action` sent at `t`.
    pub fn record_sent(&mut self, action: &str, t: Millis) {
        let action = clip(action, MAX_ID_LEN);
        let i = match self.sent.iter().position(|s| s.action == action) {
            Some(i) => i,
            None => {
                if self.sent.len() >= MAX_ACTIONS_SENT {
                    // The action that sent least recently goes.
                    let last = |s: &Sent| s.recent.first().copied().unwrap_or(0);
                    if let Some(v) = (0..self.sent.len()).min_by_key(|i| last(&self.sent[*i])) {
                        self.sent.remove(v);
                    }
                }
                self.sent.push(Sent {
                    action,
                    total: 0,
                    recent: Vec::new(),
                });
                self.sent.len() - 1
            }
        };
        let s = &mut self.sent[i];
        s.total = s.total.saturating_add(1);
        s.recent.insert(0, t);
        s.recent.truncate(MAX_SEND_TIMES);
    }

    /// Times `action` sent since `since` (exact up to [`MAX_SEND_TIMES`]), or ever (`None`).
    pub fn sent_count(&self, action: &str, since: Option<Millis>) -> u64 {
        let Some(s) = self.sent.iter().find(|s| s.action == action) else {
            return 0;
        };
        match since {
            None => s.total,
            Some(t) => s.recent.iter().filter(|x| **x >= t).count() as u64,
        }
    }

    /// Adds another profile's journeys part (an anonymous visitor who identified): the user
    /// stays in the segments they are in (with their own `since`) and joins the others'; an
    /// action waiting in both keeps the earlier wait; sends and unacted events add up. What
    /// does not fit the bounds is left out.
    pub(super) fn absorb(&mut self, other: &JourneyState) {
        use super::merge::{join, united};
        join(
            &mut self.members,
            &other.members,
            MAX_MEMBERSHIPS,
            |x, m| (x.segment == m.segment).then(|| x.since = x.since.min(m.since)),
        );
        for w in &other.waits {
            match self.waits.iter().position(|x| x.action == w.action) {
                Some(i) if self.waits[i].due > w.due => {
                    self.waits.remove(i);
                    self.add_wait(w.clone());
                }
                Some(_) => {}
                None => {
                    self.add_wait(w.clone());
                }
            }
        }
        join(&mut self.sent, &other.sent, MAX_ACTIONS_SENT, |x, s| {
            (x.action == s.action).then(|| {
                x.total = x.total.saturating_add(s.total);
                x.recent = united(&x.recent, &s.recent, MAX_SEND_TIMES);
            })
        });
        join(
            &mut self.unacted,
            &other.unacted,
            MAX_UNACTED_TYPES,
            |x, u| {
                (x.kind == u.kind).then(|| {
                    x.count = x.count.saturating_add(u.count);
                    x.at = x.at.max(u.at);
                })
            },
        );
    }
}

#[cfg(all(test, feature = "actions"))]
mod tests {
    use super::*;

    fn wait(action: &str, due: Millis) -> Wait {
        Wait {
            action: action.into(),
            kind: "entered".into(),
            subject: "s".into(),
            at: 0,
            due,
        }
    }

    #[test]
    fn one_wait_per_action_earliest_due_first_and_bounded() {
        let mut j = JourneyState::default();
        assert!(j.add_wait(wait("b", 20)));
        assert!(j.add_wait(wait("a", 10)));
        assert!(
            !j.add_wait(wait("a", 5)),
            "a started action is not restarted"
        );
        let order: Vec<&str> = j.waits.iter().map(|w| w.action.as_str()).collect();
        assert_eq!(order, ["a", "b"]);
        for i in 0..20 {
            j.add_wait(wait(&format!("x{i}"), 30));
        }
        assert_eq!(j.waits.len(), MAX_WAITS);
    }

    #[test]
    fn sends_are_counted_in_windows_and_bounded() {
        let mut j = JourneyState::default();
        for t in 0..20 {
            j.record_sent("a", t);
        }
        assert_eq!(j.sent_count("a", None), 20);
        assert_eq!(j.sent_count("a", Some(15)), 5);
        assert_eq!(j.sent[0].recent.len(), MAX_SEND_TIMES);
        for i in 0..20 {
            j.record_sent(&format!("x{i}"), 100 + i);
        }
        assert_eq!(j.sent.len(), MAX_ACTIONS_SENT);
        assert_eq!(j.sent_count("a", None), 0, "the least recent sender went");
    }

    #[test]
    fn unacted_events_add_up_and_the_oldest_type_goes() {
        let mut j = JourneyState::default();
        j.note_event("purchase", 5);
        j.note_event("purchase", 3);
        assert_eq!((j.unacted[0].count, j.unacted[0].at), (2, 5));
        for i in 0..MAX_UNACTED_TYPES {
            j.note_event(&format!("e{i}"), 10);
        }
        assert_eq!(j.unacted.len(), MAX_UNACTED_TYPES);
        assert!(j.unacted.iter().all(|u| u.kind != "purchase"));
    }

    #[test]
    fn the_journeys_part_reads_back_by_either_reader() {
        let mut p = Profile::new("v1");
        p.journey.members.push(Membership {
            segment: "gold".into(),
            since: 5,
        });
        p.journey.add_wait(wait("a", 10));
        p.journey.record_sent("a", 7);
        p.journey.note_event("purchase", 8);
        let json = p.to_json();
        assert!(
            json.contains(r#""jn":{"m":[{"g":"gold","at":5}]"#),
            "{json}"
        );
        assert_eq!(Profile::read_tree(json.as_bytes()).unwrap(), p);
        assert_eq!(Profile::from_json(&json).unwrap(), p);
        assert!(!Profile::new("v2").to_json().contains("jn"));
    }

    #[test]
    fn absorbing_keeps_the_earlier_membership_and_wait() {
        let mut user = JourneyState::default();
        user.members.push(Membership {
            segment: "gold".into(),
            since: 50,
        });
        user.add_wait(wait("a", 100));
        user.record_sent("a", 1);
        let mut anon = JourneyState::default();
        anon.members.push(Membership {
            segment: "gold".into(),
            since: 20,
        });
        anon.members.push(Membership {
            segment: "cart".into(),
            since: 30,
        });
        anon.add_wait(wait("a", 60));
        anon.add_wait(wait("b", 70));
        anon.record_sent("a", 2);
        anon.note_event("purchase", 9);
        user.absorb(&anon);
        assert_eq!(user.member_since("gold"), Some(20));
        assert_eq!(user.member_since("cart"), Some(30));
        let dues: Vec<Millis> = user.waits.iter().map(|w| w.due).collect();
        assert_eq!(dues, [60, 70]);
        assert_eq!(user.sent_count("a", None), 2);
        assert_eq!(user.unacted.len(), 1);
    }
}
