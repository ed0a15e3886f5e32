//! The knowledge base (知识库): articles in Chinese and Tibetan (English optional) that
//! agents answer calls from and the public reads on the portal.
//!
//! - The hotline's agents and managers draft articles for any department; a department's
//!   officials draft their own. A closed consultation becomes a draft for the department that
//!   answered it (`from_ticket`).
//! - The owning department's approvers (or a hotline manager) publish a draft; a published
//!   article is changed by them only, and retired by them.
//! - A published article is read by everyone from its first valid day to its last; after its
//!   review date, or without a Tibetan version, it is flagged as stale to its keepers.
//! - `index`: the search over published articles (and, beside it, the service guides).

pub mod index;

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use kernel::time_util::{format_instant, parse_date};
use org::model::Names;
use time::Date;

use super::{department_of, is_hotline, refused};
use crate::model::{Article, ArticleState, HotlineError, Kind, Stale, State};
use crate::store;

/// The longest title kept, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest body kept, in characters.
pub const BODY_MAX: usize = 10_000;
/// How long after its approval an article is reviewed, unless its keeper says otherwise.
pub const REVIEW_AFTER_DAYS: i64 = 365;

/// An article as its keeper writes it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ArticleForm {
    pub department: String,
    pub category: String,
    pub title_zh: String,
    pub title_bo: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_bo: String,
    pub body_en: String,
    /// `YYYY-MM-DD`; empty: today.
    pub valid_from: String,
    /// `YYYY-MM-DD`; empty: no end.
    pub valid_until: String,
    /// `YYYY-MM-DD`; empty: a year from today.
    pub review_by: String,
}

impl ArticleForm {
    /// The form showing an article as it stands.
    pub fn of(a: &Article) -> ArticleForm {
        ArticleForm {
            department: a.department.clone(),
            category: a.category.clone(),
            title_zh: a.title.zh.clone(),
            title_bo: a.title.bo.clone(),
            title_en: a.title.en.clone(),
            body_zh: a.body.zh.clone(),
            body_bo: a.body.bo.clone(),
            body_en: a.body.en.clone(),
            valid_from: kernel::time_util::format_date(a.valid_from),
            valid_until: a
                .valid_until
                .map(kernel::time_util::format_date)
                .unwrap_or_default(),
            review_by: kernel::time_util::format_date(a.review_by),
        }
    }
}

/// An article with what makes it stale, for its keepers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Kept {
    pub article: Article,
    pub stale: Vec<Stale>,
}

/// Whether `by` may draft and edit drafts of `department`'s articles.
fn may_write(by: &Principal, department: &str) -> bool {
    is_hotline(by) || department_of(by) == Some(department)
}

/// Whether `by` may publish, change a published and retire `department`'s articles: its
/// approvers, or a hotline manager.
fn may_approve(by: &Principal, department: &str) -> bool {
    if matches!(by, Principal::Operator(_)) {
        return true;
    }
    by.official().is_some_and(|s| {
        let holds = |role| s.account.grants.iter().any(|g| g.role == role);
        holds(Role::HotlineManager)
            || (s.account.department.as_deref() == Some(department) && holds(Role::Approver))
    })
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Reads a date field: empty gives `otherwise`; a bad one is a problem of `field`.
fn date_field(
    value: &str,
    field: &str,
    otherwise: Option<Date>,
    problems: &mut Vec<(String, Message)>,
) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return otherwise;
    }
    let d = parse_date(v);
    if d.is_none() {
        problems.push((field.to_owned(), Message::new("hotline-article-bad-date")));
    }
    d
}

/// Checks a form against the rules, all problems at once: the texts and days of `a`.
async fn check(db: &Db, form: &ArticleForm, a: &mut Article) -> Result<(), HotlineError> {
    let today = db.clock().today();
    let mut problems = Vec::new();
    let trim = |s: &str| s.trim().to_owned();
    a.title = Names::new(
        trim(&form.title_zh),
        trim(&form.title_bo),
        trim(&form.title_en),
    );
    a.body = Names::new(
        trim(&form.body_zh),
        trim(&form.body_bo),
        trim(&form.body_en),
    );
    if a.title.zh.is_empty() && a.title.bo.is_empty() {
        problems.push((
            "title_zh".into(),
            Message::new("hotline-article-title-missing"),
        ));
    }
    if a.body.zh.is_empty() && a.body.bo.is_empty() {
        problems.push((
            "body_zh".into(),
            Message::new("hotline-article-body-missing"),
        ));
    }
    for (field, text, max) in [
        ("title_zh", &a.title.zh, TITLE_MAX),
        ("title_bo", &a.title.bo, TITLE_MAX),
        ("title_en", &a.title.en, TITLE_MAX),
        ("body_zh", &a.body.zh, BODY_MAX),
        ("body_bo", &a.body.bo, BODY_MAX),
        ("body_en", &a.body.en, BODY_MAX),
    ] {
        if chars(text) > max {
            problems.push((
                field.into(),
                Message::new("hotline-article-too-long").arg("max", max as u32),
            ));
        }
    }
    let category = form.category.trim();
    if !category.is_empty() {
        let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
        if !store::categories(&mut conn)
            .await?
            .iter()
            .any(|c| c.code == category)
        {
            problems.push(("category".into(), Message::new("hotline-category-unknown")));
        }
    }
    a.category = category.to_owned();
    let from = date_field(&form.valid_from, "valid_from", Some(today), &mut problems);
    let until = date_field(&form.valid_until, "valid_until", None, &mut problems);
    let review = date_field(
        &form.review_by,
        "review_by",
        Some(today + time::Duration::days(REVIEW_AFTER_DAYS)),
        &mut problems,
    );
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        problems.push((
            "valid_until".into(),
            Message::new("hotline-article-ends-before"),
        ));
    }
    if !problems.is_empty() {
        return Err(HotlineError::Invalid(problems));
    }
    if let (Some(f), Some(r)) = (from, review) {
        a.valid_from = f;
        a.valid_until = until;
        a.review_by = r;
    }
    Ok(())
}

/// The audit subject of an article.
fn subject(id: i64) -> String {
    format!("hotline-article:{id}")
}

async fn appended(
    tx: &mut db::Conn,
    by: &Principal,
    action: &str,
    a: &Article,
) -> Result<(), HotlineError> {
    audit::append(
        tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &subject(a.id),
            payload: serde_json::json!({
                "department": a.department,
                "state": a.state.key(),
                "title": a.title.zh,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Drafts an article for a department. Every refusal is audited; nothing is stored then.
pub async fn draft(db: &Db, by: &Principal, form: &ArticleForm) -> Result<Article, HotlineError> {
    let department = form.department.trim();
    if !may_write(by, department) {
        by.refuse(
            db,
            "hotline:knowledge",
            "hotline-agent",
            "hotline.article.draft",
        )
        .await?;
        return Err(HotlineError::Forbidden);
    }
    draft_checked(db, by, form, None).await
}

async fn draft_checked(
    db: &Db,
    by: &Principal,
    form: &ArticleForm,
    source_ticket: Option<i64>,
) -> Result<Article, HotlineError> {
    let at = format_instant(db.clock().now());
    let department = form.department.trim().to_owned();
    let today = db.clock().today();
    let mut a = Article {
        id: 0,
        department,
        category: String::new(),
        title: Names::default(),
        body: Names::default(),
        state: ArticleState::Draft,
        valid_from: today,
        valid_until: None,
        review_by: today,
        source_ticket,
        created_at: at.clone(),
        created_by: by.id(),
        updated_at: at,
        updated_by: by.id(),
        approved_at: None,
        approved_by: None,
    };
    let known = org::service::department(db, &a.department).await?.is_some();
    let checked = if known {
        check(db, form, &mut a).await
    } else {
        Err(HotlineError::field(
            "department",
            "hotline-department-unknown",
        ))
    };
    if let Err(e) = checked {
        return Err(refused(db, by, "hotline:knowledge", "hotline.article.draft", e).await);
    }
    let mut tx = db.begin().await?;
    a.id = store::insert_article(&mut tx, &a).await?;
    appended(&mut tx, by, "hotline.article.drafted", &a).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(a)
}

/// An article for `by` to keep: refused (audited, as `action`) unless `allowed`.
async fn kept_for(
    db: &Db,
    by: &Principal,
    id: i64,
    action: &str,
    allowed: impl Fn(&Article) -> bool,
) -> Result<Article, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let a = store::article_by_id(&mut conn, id)
        .await?
        .ok_or_else(|| HotlineError::NotFound(Message::new("hotline-article-unknown")))?;
    drop(conn);
    if !allowed(&a) {
        by.refuse(db, &subject(id), "hotline-article-keeper", action)
            .await?;
        return Err(HotlineError::Forbidden);
    }
    Ok(a)
}

/// Changes an article's text and days. A draft is changed by those who may draft for its
/// department; a published one only by its approvers (and stays published). The owning
/// department does not change.
pub async fn edit(
    db: &Db,
    by: &Principal,
    id: i64,
    form: &ArticleForm,
) -> Result<Article, HotlineError> {
    let action = "hotline.article.edit";
    let mut a = kept_for(db, by, id, action, |a| match a.state {
        ArticleState::Draft => may_write(by, &a.department),
        ArticleState::Published => may_approve(by, &a.department),
        ArticleState::Retired => may_write(by, &a.department),
    })
    .await?;
    let was = a.state;
    if was == ArticleState::Retired {
        let e = HotlineError::refused("hotline-article-retired");
        return Err(refused(db, by, &subject(id), action, e).await);
    }
    if let Err(e) = check(db, form, &mut a).await {
        return Err(refused(db, by, &subject(id), action, e).await);
    }
    if was == ArticleState::Published && a.title.zh.is_empty() {
        let e = HotlineError::field("title_zh", "hotline-article-chinese-missing");
        return Err(refused(db, by, &subject(id), action, e).await);
    }
    a.updated_at = format_instant(db.clock().now());
    a.updated_by = by.id();
    store_change(db, by, &a, was, "hotline.article.edited").await?;
    Ok(a)
}

/// Stores a change of `a` (which stood as `was`), audited as `action`; raises the revision
/// when what is published changes. A change made meanwhile by someone else is refused.
async fn store_change(
    db: &Db,
    by: &Principal,
    a: &Article,
    was: ArticleState,
    action: &str,
) -> Result<(), HotlineError> {
    let mut tx = db.begin().await?;
    if !store::update_article(&mut tx, a, was).await? {
        drop(tx);
        let e = HotlineError::refused("hotline-article-changed");
        return Err(refused(db, by, &subject(a.id), action, e).await);
    }
    if was == ArticleState::Published || a.state == ArticleState::Published {
        store::bump_knowledge_revision(&mut tx).await?;
    }
    appended(&mut tx, by, action, a).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

/// Publishes a draft: its department's approvers or a hotline manager. It needs its Chinese
/// title and body (the text every reader falls back to).
pub async fn approve(db: &Db, by: &Principal, id: i64) -> Result<Article, HotlineError> {
    let action = "hotline.article.approve";
    let mut a = kept_for(db, by, id, action, |a| may_approve(by, &a.department)).await?;
    let problem = if a.state != ArticleState::Draft {
        Some(HotlineError::refused("hotline-article-not-draft"))
    } else if a.title.zh.is_empty() || a.body.zh.is_empty() {
        Some(HotlineError::refused("hotline-article-chinese-missing"))
    } else {
        None
    };
    if let Some(e) = problem {
        return Err(refused(db, by, &subject(id), action, e).await);
    }
    let at = format_instant(db.clock().now());
    a.state = ArticleState::Published;
    a.approved_at = Some(at.clone());
    a.approved_by = Some(by.id());
    a.updated_at = at;
    a.updated_by = by.id();
    store_change(db, by, &a, ArticleState::Draft, "hotline.article.published").await?;
    Ok(a)
}

/// Retires a draft or a published article: its department's approvers or a hotline manager.
pub async fn retire(db: &Db, by: &Principal, id: i64) -> Result<Article, HotlineError> {
    let action = "hotline.article.retire";
    let mut a = kept_for(db, by, id, action, |a| may_approve(by, &a.department)).await?;
    let was = a.state;
    if was == ArticleState::Retired {
        let e = HotlineError::refused("hotline-article-retired");
        return Err(refused(db, by, &subject(id), action, e).await);
    }
    a.state = ArticleState::Retired;
    a.updated_at = format_instant(db.clock().now());
    a.updated_by = by.id();
    store_change(db, by, &a, was, "hotline.article.retired").await?;
    Ok(a)
}

/// An article as `by` may read it: a published one on its valid days for everyone (signed
/// in or not); any other to those who may draft for its department.
pub async fn article(db: &Db, by: Option<&Principal>, id: i64) -> Result<Article, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let a = store::article_by_id(&mut conn, id)
        .await?
        .filter(|a| a.state != ArticleState::Retired || by.is_some())
        .ok_or_else(|| HotlineError::NotFound(Message::new("hotline-article-unknown")))?;
    drop(conn);
    if a.shown_on(db.clock().today()) {
        return Ok(a);
    }
    match by {
        Some(by) if may_write(by, &a.department) => Ok(a),
        Some(by) => {
            by.refuse(
                db,
                &subject(id),
                "hotline-article-keeper",
                "hotline.article.view",
            )
            .await?;
            Err(HotlineError::Forbidden)
        }
        None => Err(HotlineError::NotFound(Message::new(
            "hotline-article-unknown",
        ))),
    }
}

/// An article for its keeper's form: those who may draft for its department only (refused
/// and audited otherwise), whatever its state.
pub async fn to_keep(db: &Db, by: &Principal, id: i64) -> Result<Article, HotlineError> {
    kept_for(db, by, id, "hotline.article.keep", |a| {
        may_write(by, &a.department)
    })
    .await
}

/// The articles `by` keeps, with what makes each stale: every department's for the hotline,
/// one's own for a department's officials; drafts first, then by review date.
pub async fn kept(db: &Db, by: &Principal, limit: i64) -> Result<Vec<Kept>, HotlineError> {
    let department = if is_hotline(by) {
        None
    } else if let Some(d) = department_of(by) {
        Some(d)
    } else {
        by.refuse(
            db,
            "hotline:knowledge",
            "hotline-article-keeper",
            "hotline.article.list",
        )
        .await?;
        return Err(HotlineError::Forbidden);
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let list = store::kept_articles(&mut conn, department, limit.clamp(1, 500)).await?;
    let today = db.clock().today();
    Ok(list
        .into_iter()
        .map(|article| Kept {
            stale: article.stale_on(today),
            article,
        })
        .collect())
}

/// Whether a text is written mostly in Tibetan script.
fn tibetan(text: &str) -> bool {
    let bo = text
        .chars()
        .filter(|c| ('\u{0F00}'..='\u{0FFF}').contains(c))
        .count();
    let han = text
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    bo > han
}

/// Drafts an article from a closed consultation, for the department that answered it (or,
/// answered on the spot, the one the catalogue names): the question as its title, the answer
/// as its body, in the language they were written in. The hotline or that department.
pub async fn from_ticket(db: &Db, by: &Principal, ticket_id: i64) -> Result<Article, HotlineError> {
    let action = "hotline.article.draft";
    let (t, _, _) = super::ticket_for(db, by, ticket_id, action, |s| {
        matches!(
            s,
            super::Standing::Hotline | super::Standing::Department(crate::model::Part::Lead)
        )
    })
    .await?;
    if t.kind != Kind::Consult || t.state != State::Closed || t.reply.trim().is_empty() {
        let e = HotlineError::refused("hotline-article-not-consultation");
        return Err(refused(db, by, &super::subject(&t), action, e).await);
    }
    let department = if t.lead.is_empty() {
        super::dispatch::route(db, &t.category, t.division)
            .await?
            .map(|(lead, _)| lead)
            .unwrap_or_default()
    } else {
        t.lead.clone()
    };
    let title: String = t
        .description
        .split(['。', '？', '?', '\n', '།'])
        .next()
        .unwrap_or_default()
        .chars()
        .take(TITLE_MAX)
        .collect();
    let mut form = ArticleForm {
        department,
        category: t.category.clone(),
        ..ArticleForm::default()
    };
    if tibetan(&t.description) {
        form.title_bo = title;
    } else {
        form.title_zh = title;
    }
    if tibetan(&t.reply) {
        form.body_bo = t.reply.clone();
    } else {
        form.body_zh = t.reply.clone();
    }
    draft_checked(db, by, &form, Some(t.id)).await
}
