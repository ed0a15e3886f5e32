//! The knowledge base's types: an article, where it stands, and what makes it stale.

use org::model::Names;
use serde::Serialize;
use time::Date;

/// Where an article stands: a draft waits for its department's approval; a published one
/// is read by agents and the public while it is valid; a retired one by no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleState {
    Draft,
    Published,
    Retired,
}

impl ArticleState {
    pub const ALL: [ArticleState; 3] = [
        ArticleState::Draft,
        ArticleState::Published,
        ArticleState::Retired,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Published => "published",
            ArticleState::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleState> {
        ArticleState::ALL.into_iter().find(|a| a.key() == s)
    }
}

/// An article of the knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    pub id: i64,
    /// The owning department's code: it approves the article and keeps it true.
    pub department: String,
    /// The dispatch catalogue's category, or empty.
    pub category: String,
    pub title: Names,
    pub body: Names,
    pub state: ArticleState,
    /// The first day it holds.
    pub valid_from: Date,
    /// The last day it holds, if it ends.
    pub valid_until: Option<Date>,
    /// The day by which the department reviews it again.
    pub review_by: Date,
    /// The consultation it was drafted from.
    pub source_ticket: Option<i64>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
}

/// Why an article needs its department's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stale {
    /// Its review date has passed.
    ReviewOverdue,
    /// Its last valid day has passed: agents and the public no longer see it.
    Expired,
    /// Published without a Tibetan version.
    NoTibetan,
}

impl Stale {
    pub fn key(self) -> &'static str {
        match self {
            Stale::ReviewOverdue => "review-overdue",
            Stale::Expired => "expired",
            Stale::NoTibetan => "no-tibetan",
        }
    }
}

impl Article {
    /// Whether it holds on `today`.
    pub fn valid_on(&self, today: Date) -> bool {
        self.valid_from <= today && self.valid_until.is_none_or(|u| today <= u)
    }

    /// Whether agents and the public read it on `today`.
    pub fn shown_on(&self, today: Date) -> bool {
        self.state == ArticleState::Published && self.valid_on(today)
    }

    /// What makes a published article stale on `today` (none for drafts and retired ones).
    pub fn stale_on(&self, today: Date) -> Vec<Stale> {
        if self.state != ArticleState::Published {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.valid_until.is_some_and(|u| u < today) {
            out.push(Stale::Expired);
        } else if self.review_by < today {
            out.push(Stale::ReviewOverdue);
        }
        if self.title.bo.trim().is_empty() || self.body.bo.trim().is_empty() {
            out.push(Stale::NoTibetan);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn article() -> Article {
        Article {
            id: 1,
            department: "540100-civil-affairs".into(),
            category: String::new(),
            title: Names::new("婚姻登记需要什么材料", "", ""),
            body: Names::new("户口簿和身份证。", "", ""),
            state: ArticleState::Published,
            valid_from: date!(2026 - 01 - 01),
            valid_until: Some(date!(2026 - 12 - 31)),
            review_by: date!(2026 - 06 - 30),
            source_ticket: None,
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
            approved_at: None,
            approved_by: None,
        }
    }

    #[test]
    fn an_article_holds_between_its_days_and_is_stale_after_its_review() {
        let a = article();
        assert!(!a.shown_on(date!(2025 - 12 - 31)));
        assert!(a.shown_on(date!(2026 - 01 - 01)));
        assert!(a.shown_on(date!(2026 - 12 - 31)));
        assert!(!a.shown_on(date!(2027 - 01 - 01)));
        assert_eq!(a.stale_on(date!(2026 - 06 - 30)), vec![Stale::NoTibetan]);
        assert_eq!(
            a.stale_on(date!(2026 - 07 - 01)),
            vec![Stale::ReviewOverdue, Stale::NoTibetan]
        );
        assert_eq!(
            a.stale_on(date!(2027 - 01 - 01)),
            vec![Stale::Expired, Stale::NoTibetan]
        );
        let draft = Article {
            state: ArticleState::Draft,
            ..a
        };
        assert!(!draft.shown_on(date!(2026 - 03 - 01)));
        assert!(draft.stale_on(date!(2027 - 01 - 01)).is_empty());
        for s in ArticleState::ALL {
            assert_eq!(ArticleState::parse(s.key()), Some(s));
        }
    }
}
