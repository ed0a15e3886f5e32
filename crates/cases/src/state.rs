//! The case's lifecycle as a type: a state, an action, and the only transitions the law's
//! procedure allows. Every service function asks [`State::after`] before it writes, so no
//! sequence of calls can reach a state this table does not name.
//!
//! ```text
//! draft ─submit→ submitted ─notice→ supplementing ─supplement→ submitted
//!                submitted ─accept→ in-review ⇄ paused (pause / resume)
//!                submitted | supplementing ─refuse-to-accept→ not-accepted
//!                in-review ─approve→ approved (free) | awaiting-payment ─paid→ approved
//!                in-review ─refuse→ refused
//!                approved ─dispatch→ delivering ─deliver→ closed;  approved ─deliver→ closed
//! draft … paused ─withdraw→ withdrawn (before a decision)
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Draft,
    Submitted,
    Supplementing,
    NotAccepted,
    InReview,
    Paused,
    AwaitingPayment,
    Approved,
    Refused,
    Delivering,
    Closed,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Submit,
    /// The one-time notice (一次告知) of everything missing.
    Notice,
    Supplement,
    Accept,
    RefuseToAccept,
    /// A special procedure stops the clock.
    Pause,
    Resume,
    /// Approval; `fee_due` when the item charges a fee.
    Approve {
        fee_due: bool,
    },
    Refuse,
    Paid,
    /// Sent by express.
    Dispatch,
    /// Handed over (at the window, or received from the courier).
    Deliver,
    Withdraw,
}

impl State {
    pub const ALL: [State; 12] = [
        State::Draft,
        State::Submitted,
        State::Supplementing,
        State::NotAccepted,
        State::InReview,
        State::Paused,
        State::AwaitingPayment,
        State::Approved,
        State::Refused,
        State::Delivering,
        State::Closed,
        State::Withdrawn,
    ];

    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Supplementing => "supplementing",
            State::NotAccepted => "not-accepted",
            State::InReview => "in-review",
            State::Paused => "paused",
            State::AwaitingPayment => "awaiting-payment",
            State::Approved => "approved",
            State::Refused => "refused",
            State::Delivering => "delivering",
            State::Closed => "closed",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.key() == s)
    }

    /// The state `action` leads to from this one, or `None` where the procedure does not
    /// allow it.
    pub fn after(self, action: Action) -> Option<State> {
        use Action as A;
        use State as S;
        Some(match (self, action) {
            (S::Draft, A::Submit) => S::Submitted,
            (S::Submitted, A::Notice) => S::Supplementing,
            (S::Supplementing, A::Supplement) => S::Submitted,
            (S::Submitted, A::Accept) => S::InReview,
            (S::Submitted | S::Supplementing, A::RefuseToAccept) => S::NotAccepted,
            (S::InReview, A::Pause) => S::Paused,
            (S::Paused, A::Resume) => S::InReview,
            (S::InReview, A::Approve { fee_due: true }) => S::AwaitingPayment,
            (S::InReview, A::Approve { fee_due: false }) | (S::AwaitingPayment, A::Paid) => {
                S::Approved
            }
            (S::InReview, A::Refuse) => S::Refused,
            (S::Approved, A::Dispatch) => S::Delivering,
            (S::Approved | S::Delivering, A::Deliver) => S::Closed,
            (S::Draft | S::Submitted | S::Supplementing | S::InReview | S::Paused, A::Withdraw) => {
                S::Withdrawn
            }
            _ => return None,
        })
    }

    /// Nothing more can happen to the case.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::NotAccepted | State::Refused | State::Closed | State::Withdrawn
        )
    }

    /// The deadline's clock runs (accepted, not paused, not yet decided).
    pub fn clock_runs(self) -> bool {
        self == State::InReview
    }
}

impl Action {
    pub fn key(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Notice => "notice",
            Action::Supplement => "supplement",
            Action::Accept => "accept",
            Action::RefuseToAccept => "refuse-to-accept",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Approve { .. } => "approve",
            Action::Refuse => "refuse",
            Action::Paid => "paid",
            Action::Dispatch => "dispatch",
            Action::Deliver => "deliver",
            Action::Withdraw => "withdraw",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Submit),
            Just(Action::Notice),
            Just(Action::Supplement),
            Just(Action::Accept),
            Just(Action::RefuseToAccept),
            Just(Action::Pause),
            Just(Action::Resume),
            any::<bool>().prop_map(|fee_due| Action::Approve { fee_due }),
            Just(Action::Refuse),
            Just(Action::Paid),
            Just(Action::Dispatch),
            Just(Action::Deliver),
            Just(Action::Withdraw),
        ]
    }

    #[test]
    fn keys_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.key()), Some(s));
        }
        assert_eq!(State::parse("approved-ish"), None);
    }

    #[test]
    fn the_main_flow_and_its_branches() {
        let flow = [
            Action::Submit,
            Action::Notice,
            Action::Supplement,
            Action::Accept,
            Action::Pause,
            Action::Resume,
            Action::Approve { fee_due: true },
            Action::Paid,
            Action::Dispatch,
            Action::Deliver,
        ];
        let end = flow.iter().try_fold(State::Draft, |s, a| s.after(*a));
        assert_eq!(end, Some(State::Closed));
        // A second notice is not a transition: supplementing waits for the supplement.
        assert_eq!(State::Supplementing.after(Action::Notice), None);
        // No withdrawal once decided.
        assert_eq!(State::Approved.after(Action::Withdraw), None);
        // No decision without acceptance.
        assert_eq!(
            State::Submitted.after(Action::Approve { fee_due: false }),
            None
        );
    }

    proptest! {
        /// Whatever is tried in whatever order, the case is only ever in a state reachable
        /// from a draft, final states stay final, and a decision needs acceptance first.
        #[test]
        fn no_sequence_reaches_an_illegal_state(actions in proptest::collection::vec(action(), 0..40)) {
            let mut s = State::Draft;
            let mut accepted = false;
            for a in actions {
                if let Some(next) = s.after(a) {
                    prop_assert!(!s.is_final(), "{s:?} is final but {a:?} moved it");
                    if next == State::InReview && s == State::Submitted {
                        accepted = true;
                    }
                    if matches!(next, State::Approved | State::AwaitingPayment | State::Refused) {
                        prop_assert!(accepted, "decided without acceptance");
                    }
                    if matches!(next, State::Delivering | State::Closed) {
                        prop_assert!(matches!(s, State::Approved | State::Delivering));
                    }
                    s = next;
                }
            }
        }
    }
}
