//! The problem list (问题清单): each department's matters that draw complaints and bad
//! ratings, ranked, and those listed for rectification, tracked until the department replies.

use serde::Serialize;

/// Where a matter comes from: a service item rated badly (好差评), or a hotline category
/// complained about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Item,
    Category,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Source::Item => "item",
            Source::Category => "category",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        [Source::Item, Source::Category]
            .into_iter()
            .find(|x| x.key() == s)
    }
}

/// Where a listed problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemState {
    /// Listed; the department has not replied.
    Open,
    /// The department replied with what it changed.
    Rectified,
}

impl ProblemState {
    pub fn key(self) -> &'static str {
        match self {
            ProblemState::Open => "open",
            ProblemState::Rectified => "rectified",
        }
    }

    pub fn parse(s: &str) -> Option<ProblemState> {
        [ProblemState::Open, ProblemState::Rectified]
            .into_iter()
            .find(|x| x.key() == s)
    }
}

/// What puts a matter on the list, over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Weighed {
    /// Hotline complaints (投诉) about it.
    pub complaints: i64,
    /// Hotline tickets about it rated dissatisfied.
    pub dissatisfied: i64,
    /// Hotline tickets about it reopened.
    pub reopened: i64,
    /// Bad service ratings (不满意 or 非常不满意) of the item.
    pub bad_ratings: i64,
}

impl Weighed {
    /// The rank's weight: a bad rating counts twice (a person who used the service said it
    /// failed them), every complaint, dissatisfied rating and reopening once.
    pub fn weight(&self) -> i64 {
        self.complaints + self.dissatisfied + self.reopened + 2 * self.bad_ratings
    }
}

/// A ranked matter of a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub department: String,
    pub source: Source,
    /// The item's or category's code.
    pub subject: String,
    /// The item's name (as its cases carry it); empty for a category (named by its code).
    pub title: String,
    pub weighed: Weighed,
    /// The open rectification already listed for it.
    pub open: Option<i64>,
}

/// A matter listed for rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub id: i64,
    pub department: String,
    pub source: Source,
    pub subject: String,
    pub title: String,
    /// The period whose figures listed it (days).
    pub from: String,
    pub to: String,
    pub weighed: Weighed,
    pub weight: i64,
    /// What the hotline or the supervisor asks of the department.
    pub note: String,
    pub state: ProblemState,
    pub due_at: String,
    pub listed_by: String,
    pub listed_at: String,
    pub reply: String,
    pub replied_by: String,
    pub replied_at: Option<String>,
}
