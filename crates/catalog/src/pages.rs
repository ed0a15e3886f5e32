//! The catalogue for people: `/items` (search with filters) and `/items/{code}` (the guide,
//! 办事指南). Server-rendered, no JavaScript, readable on a phone and printable.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};
use kernel::Message;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::api::ItemParams;
use crate::model::{ItemBody, Material, MaterialSource};
use crate::search::Searcher;
use crate::service;
use crate::translation::{self, LegalPart};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/items", get(search))
        .route("/items/{code}", get(guide))
        .route("/items/{code}/apply", get(apply))
        .route("/items/{code}/history", get(history))
}

const PAGE: u32 = 30;

async fn search(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<ItemParams>,
) -> Result<Markup, PageError> {
    let mut filter = p
        .filter(PAGE, ctx.lang)
        .map_err(|e| crate::api::bad_param_page(&ctx, e))?;
    // Without a place, one row per standardized item (a county item is done in every county).
    filter.collapse = p
        .collapse
        .unwrap_or(filter.within.is_none() && filter.basic.is_none());
    let found = searcher.search(&state.db, &filter).await?;
    // Counted under the division asked for, or the place the query named; the region else.
    let place = filter
        .within
        .as_ref()
        .and(p.division.clone())
        .or_else(|| found.place.as_ref().map(|pl| pl.code.clone()))
        .unwrap_or_default();
    if let Some(reading) = &found.reading
        && filter.offset == 0
        && let Err(e) =
            crate::search::lexicon::record(&state.db, &place, reading, found.total).await
    {
        tracing::warn!(error = %e, "a search was not counted");
    }
    let (items, total) = (&found.items, found.total);
    // Where the weaker matches begin on this page (none: all strong).
    let divider = (found.strong < found.total)
        .then(|| (found.strong - i64::from(filter.offset)).max(0) as usize)
        .filter(|d| *d < items.len());
    let opened_suffix = found.reading.as_ref().map_or(String::new(), |r| {
        format!(
            "?sq={}&sp={}",
            identity::guard::percent_encode(&r.query),
            identity::guard::percent_encode(&place)
        )
    });
    let title = ctx.t("cat-items-title");
    let q = p.q.clone().unwrap_or_default();
    let selected = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/items" role="search" {
                label for="q" { (ctx.t("cat-search-label")) }
                input id="q" name="q" type="search" value=(q) aria-describedby="q-hint";
                p.muted id="q-hint" { (ctx.t("cat-search-hint")) }
                label for="object" { (ctx.t("cat-object")) }
                select id="object" name="object" {
                    option value="" { (ctx.t("cat-any")) }
                    @for o in ["person", "entity", "both"] {
                        option value=(o) selected[selected(&p.object, o)] { (ctx.t(&format!("cat-object-{o}"))) }
                    }
                }
                label for="level" { (ctx.t("cat-level")) }
                select id="level" name="level" {
                    option value="" { (ctx.t("cat-any")) }
                    @for l in ["province", "prefecture", "county"] {
                        option value=(l) selected[selected(&p.level, l)] { (ctx.t(&format!("level-{l}"))) }
                    }
                }
                label for="depth" { (ctx.t("cat-depth")) }
                select id="depth" name="depth" {
                    option value="" { (ctx.t("cat-any")) }
                    @for d in crate::model::OnlineDepth::ALL {
                        option value=(d.key()) selected[selected(&p.depth, d.key())] { (ctx.t(&format!("cat-depth-{}", d.key()))) }
                    }
                }
                label { input type="checkbox" name="one_trip" value="true" checked[p.one_trip == Some(true)]; " " (ctx.t("cat-one-trip")) }
                label for="sort" { (ctx.t("cat-sort")) }
                select id="sort" name="sort" {
                    option value="relevance" { (ctx.t("cat-sort-relevance")) }
                    option value="name" selected[selected(&p.sort, "name")] { (ctx.t("cat-sort-name")) }
                }
                p { button type="submit" { (ctx.t("cat-search")) } }
            }
            p { a href="/bundles" { (ctx.t("cat-bundles")) } }
            @if let Some(place) = &found.place {
                p.notice role="status" { (ctx.fmt(&Message::new("cat-search-place").arg("place", place.name.clone()))) }
            }
            @if let Some(r) = &found.reading {
                @if r.cut { p.notice role="status" { (ctx.fmt(&Message::new("cat-search-cut").arg("count", search::MAX_QUERY_CHARS))) } }
                @if let Some(read_as) = &r.read_as {
                    p.notice role="status" {
                        (ctx.fmt(&Message::new(match r.via { search::Via::Pinyin => "cat-search-pinyin", search::Via::Wylie => "cat-search-wylie", search::Via::Phonetic => "cat-search-phonetic", _ => "cat-search-corrected" }).arg("query", read_as.clone())))
                    }
                }
                @if !r.ignored.is_empty() {
                    p.muted { (ctx.fmt(&Message::new("cat-search-ignored").arg("words", r.ignored.join(" ")))) }
                }
            }
            p { (ctx.fmt(&Message::new("cat-found").arg("count", total))) }
            @if found.strong == 0 && total > 0 {
                p.muted { (ctx.t("cat-search-only-weak")) }
            }
            ul.results {
                @for (n, i) in items.iter().enumerate() {
                    @if Some(n) == divider && n > 0 {
                        li.divider { strong { (ctx.t("cat-search-also")) } }
                    }
                    li {
                        a href={ "/items/" (i.code) (opened_suffix) } lang=[(ctx.lang != kernel::Lang::Zh && ctx.pick(&i.name_zh, &i.name_bo, &i.name_en) == i.name_zh).then_some("zh-CN")] {
                            (ctx.pick(&i.name_zh, &i.name_bo, &i.name_en))
                        }
                        br;
                        span.muted {
                            (ctx.t(&format!("cat-depth-{}", i.online_depth))) " · "
                            (ctx.fmt(&Message::new("cat-visits").arg("count", i.visits))) " · "
                            (ctx.fmt(&Message::new("cat-days").arg("count", i.promised_days))) " · "
                            @if i.places > 1 {
                                a href={ "/items?basic=" (i.basic_code) } { (ctx.fmt(&Message::new("cat-places").arg("count", i.places))) }
                            } @else { (i.division) }
                        }
                    }
                }
            }
        },
    ))
}

/// What kind of paper a material is, when it is asked for (`condition`, in the reader's
/// language) and, where the applicant brings it, how many originals and copies (材料类型、
/// 材料形式与份数, as a guide gives them).
fn paper(ctx: &Ctx, m: &Material, condition: Option<String>) -> String {
    let mut parts = vec![ctx.t(&format!("cat-kind-{}", m.kind.key()))];
    if let Some(c) = condition {
        parts.push(ctx.fmt(&Message::new("cat-condition").arg("condition", c)));
    }
    if matches!(m.source, MaterialSource::Applicant) {
        if m.originals > 0 {
            parts
                .push(ctx.fmt(&Message::new("cat-originals").arg("count", u32::from(m.originals))));
        }
        if m.copies > 0 {
            parts.push(ctx.fmt(&Message::new("cat-copies").arg("count", u32::from(m.copies))));
        }
    }
    parts.join(" · ")
}

fn source_note(ctx: &Ctx, s: &MaterialSource) -> Option<String> {
    match s {
        MaterialSource::Applicant => None,
        MaterialSource::Certificate { .. } => Some(ctx.t("cat-source-certificate")),
        MaterialSource::Registry { .. } => Some(ctx.t("cat-source-registry")),
        MaterialSource::Shared { .. } => Some(ctx.t("cat-source-shared")),
    }
}

/// The approved Tibetan of a guide's own words (conditions, legal titles, names without a
/// Tibetan version…), looked up once per page; empty on pages in other languages.
struct Free {
    bo: HashMap<String, String>,
    on_bo_page: bool,
    /// Whether a sentence the guide shows has no approved Tibetan.
    missing: bool,
}

impl Free {
    async fn of(state: &AppState, ctx: &Ctx, b: &ItemBody) -> Result<Free, db::DbError> {
        let on_bo_page = ctx.lang == kernel::Lang::Bo;
        if !on_bo_page {
            return Ok(Free {
                bo: HashMap::new(),
                on_bo_page,
                missing: false,
            });
        }
        let sentences = translation::sentences(b);
        let keys: Vec<&str> = sentences.iter().map(|(s, _)| s.as_str()).collect();
        let bo = translation::approved(&state.db, &keys).await?;
        let missing = keys.iter().any(|k| !bo.contains_key(*k));
        Ok(Free {
            bo,
            on_bo_page,
            missing,
        })
    }

    fn tibetan(&self, stored: &str) -> Option<&str> {
        self.bo
            .get(&translation::source_key(stored))
            .map(String::as_str)
    }

    /// Stored text in the reader's language: fixed vocabulary from the interface's
    /// translations; on Tibetan pages the approved translation; else as stored (Chinese marked
    /// as such).
    fn text(&self, ctx: &Ctx, stored: &str) -> Markup {
        match self.tibetan(stored) {
            Some(t) if self.on_bo_page && crate::vocab::key(stored).is_none() => html! { (t) },
            _ => crate::vocab::text(ctx, stored),
        }
    }

    /// A short stored phrase as plain text (for a drawing or a message argument).
    fn phrase(&self, ctx: &Ctx, stored: &str) -> String {
        match self.tibetan(stored) {
            Some(t) if self.on_bo_page && crate::vocab::key(stored).is_none() => t.to_owned(),
            _ => crate::vocab::phrase(ctx, stored).into_owned(),
        }
    }

    /// A name: the item's own version in the reader's language, else (on Tibetan pages) the
    /// approved translation of the Chinese, else the Chinese marked as such.
    fn name(&self, ctx: &Ctx, zh: &str, bo: &str, en: &str) -> Markup {
        let picked = ctx.pick(zh, bo, en);
        if picked == zh && ctx.lang != kernel::Lang::Zh {
            if let Some(t) = self.tibetan(zh).filter(|_| self.on_bo_page) {
                return html! { (t) };
            }
            return html! { span lang="zh-CN" { (zh) } };
        }
        html! { (picked) }
    }

    /// A legal basis: on Tibetan pages each title keeps its Chinese name with the Tibetan
    /// gloss beside it, and article numbers read in Tibetan. A national law's Chinese name is
    /// given in its usual short form, without 中华人民共和国 (《社会保险法》, as Chinese legal
    /// writing cites it after the first mention); the gloss translates the whole title, and
    /// the full Chinese title is the span's `title`.
    fn legal(&self, ctx: &Ctx, basis: &str) -> Markup {
        if !self.on_bo_page {
            return crate::vocab::text(ctx, basis);
        }
        html! {
            @for part in translation::legal_parts(basis) {
                @match part {
                    LegalPart::Title(t) => {
                        @let short = t.strip_prefix("中华人民共和国").filter(|s| !s.is_empty());
                        span lang="zh-CN" title=[short.map(|_| t)] { "《" (short.unwrap_or(t)) "》" }
                        @if let Some(gloss) = self.tibetan(t) { " " span.gloss { "(" (gloss) ")" } }
                        " "
                    }
                    LegalPart::Article(n) => {
                        (ctx.fmt(&Message::new("cat-article").arg("number", ui::layout::tibetan_numerals(n)))) " "
                    }
                    LegalPart::Text(t) => { (self.text(ctx, t)) " " }
                }
            }
        }
    }
}

fn guide_body(
    ctx: &Ctx,
    free: &Free,
    b: &ItemBody,
    department: Option<&org::model::Department>,
    apply_url: &str,
    hall: Option<&str>,
) -> Markup {
    let fee = match b.fee_fen {
        None | Some(0) => ctx.t("cat-free"),
        Some(f) => {
            ctx.fmt(&Message::new("cat-fee").arg("yuan", format!("{}.{:02}", f / 100, f % 100)))
        }
    };
    let qr = crate::figures::qr_svg(apply_url, &ctx.t("cat-qr-label"));
    html! {
        @if let Some(qr) = qr {
            figure.guide-qr {
                (qr)
                figcaption { (ctx.t("cat-qr-caption")) }
            }
        }
        h1 { (free.name(ctx, &b.name_zh, &b.name_bo, &b.name_en)) }
        // The Chinese name for the window, on English pages (a Tibetan reader's window clerk
        // finds the item by its code or QR code).
        @if ctx.lang == kernel::Lang::En { p.muted lang="zh-CN" { (b.name_zh) } }
        @if free.missing {
            p.notice role="note" { (ctx.t("cat-untranslated")) }
        }
        dl.facts {
            dt { (ctx.t("cat-code")) } dd { code { (b.code) } }
            dt { (ctx.t("cat-type")) } dd { (ctx.t(&format!("cat-type-{}", b.item_type.key()))) }
            dt { (ctx.t("cat-object")) } dd { (ctx.t(&format!("cat-object-{}", b.service_object.key()))) }
            dt { (ctx.t("cat-department")) } dd {
                @match department {
                    Some(d) => (ctx.pick(&d.names.zh, &d.names.bo, &d.names.en)),
                    None => (b.department),
                }
            }
            dt { (ctx.t("cat-time")) } dd { (ctx.fmt(&Message::new("cat-time-limits").arg("promised", b.promised_days).arg("statutory", b.statutory_days))) }
            dt { (ctx.t("cat-case-type")) } dd { (ctx.t(&format!("cat-case-type-{}", b.case_type.key()))) }
            dt { (ctx.t("cat-visits-label")) } dd { (ctx.fmt(&Message::new("cat-visits").arg("count", u32::from(b.visits)))) }
            dt { (ctx.t("cat-depth")) } dd { (ctx.t(&format!("cat-depth-{}", b.online_depth.key()))) }
            dt { (ctx.t("cat-fee-label")) } dd { (fee) @if b.fee_fen.is_some_and(|f| f > 0) && !b.fee_basis.trim().is_empty() { " · " (free.text(ctx, &b.fee_basis)) } }
            dt { (ctx.t("cat-place")) } dd { (free.text(ctx, &b.place)) @if !b.window_category.is_empty() { " · " (free.text(ctx, &b.window_category)) } br; (crate::vocab::hours(ctx, &b.hours))
                @if let Some(hall) = hall { br; a href={ "/halls/" (hall) "/book?item=" (b.code.as_str()) } { (ctx.t("cat-book-visit")) } } }
        }
        section.card aria-labelledby="h-apply" {
            h2 id="h-apply" { (ctx.t("cat-apply")) }
            p { (ctx.t(&format!("cat-apply-{}", b.online_depth.key()))) }
        }
        section.card aria-labelledby="h-materials" {
            h2 id="h-materials" { (ctx.t("cat-materials")) }
            ol {
                @for m in &b.materials {
                    li {
                        (free.name(ctx, &m.name_zh, &m.name_bo, &m.name_en))
                        " " span.muted { "(" (paper(ctx, m, m.condition.as_deref().map(|c| free.phrase(ctx, c)))) ")" }
                        @if let Some(note) = source_note(ctx, &m.source) { " " strong.badge { (ctx.t("cat-no-need")) } " " span.muted { (note) } }
                    }
                }
            }
        }
        section.card aria-labelledby="h-conditions" {
            h2 id="h-conditions" { (ctx.t("cat-conditions")) }
            p { (free.text(ctx, &b.conditions)) }
        }
        section.card aria-labelledby="h-steps" {
            h2 id="h-steps" { (ctx.t("cat-steps")) }
            @let steps: Vec<String> = b.steps.iter().map(|s| free.phrase(ctx, s)).collect();
            (crate::figures::flow_svg(&steps))
            ol.visually-hidden { @for s in &steps { li { (s) } } }
        }
        section.card aria-labelledby="h-basis" {
            h2 id="h-basis" { (ctx.t("cat-basis")) }
            p { (free.legal(ctx, &b.legal_basis)) }
            p { (ctx.t("cat-consult")) " " (b.consultation) " · " (ctx.t("cat-complain")) " " (b.complaint) }
            p { a href={ "/items/" (b.code) "/history" } { (ctx.t("cat-history")) } }
        }
    }
}

/// How a guide was reached from a search: the query and place it was counted under.
#[derive(Debug, Default, serde::Deserialize)]
struct FromSearch {
    sq: Option<String>,
    sp: Option<String>,
}

async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageQuery(from): ui::PageQuery<FromSearch>,
) -> Result<Markup, PageError> {
    let item = service::published(&state.db, &code).await?.ok_or_else(|| {
        PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("cat-not-found"))
    })?;
    if let Some(q) = from.sq.as_deref().filter(|q| !q.is_empty())
        && let Err(e) =
            crate::search::lexicon::opened(&state.db, from.sp.as_deref().unwrap_or(""), q).await
    {
        tracing::warn!(error = %e, "an opened search result was not counted");
    }
    let title = ctx
        .pick(&item.name_zh, &item.name_bo, &item.name_en)
        .to_owned();
    let department = org::service::department(&state.db, &item.department).await?;
    let free = Free::of(&state, &ctx, &item).await?;
    if let Err(e) = translation::viewed(&state.db, item.basic_code.as_str()).await {
        tracing::warn!(error = %e, "a guide view was not counted");
    }
    let apply_url = format!(
        "{}/items/{}/apply",
        state.settings.public_url(),
        identity::guard::percent_encode(&code)
    );
    // An item handled on site can be booked at its division's service centre.
    let hall = match item.divisions.first() {
        Some(division) if item.in_centre => {
            let filter = org::service::CentreFilter {
                within: Some(*division),
                kind: Some(org::model::CentreKind::Centre),
                limit: 5,
                ..Default::default()
            };
            org::service::centres(&state.db, &filter)
                .await?
                .0
                .into_iter()
                .find(|c| c.division == *division)
                .map(|c| c.code)
        }
        _ => None,
    };
    Ok(page(
        &ctx,
        &title,
        guide_body(
            &ctx,
            &free,
            &item,
            department.as_ref(),
            &apply_url,
            hall.as_deref(),
        ),
    ))
}

/// The versions of an item that were in force, newest first, each with what changed from the
/// one before (实时更新、动态管理, in the open).
async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    let versions = service::published_history(&state.db, &code).await?;
    let Some((_, newest)) = versions.last() else {
        return Err(PageError::new(
            &ctx,
            StatusCode::NOT_FOUND,
            &Message::new("cat-not-found"),
        ));
    };
    let name = ctx
        .pick(&newest.name_zh, &newest.name_bo, &newest.name_en)
        .to_owned();
    let title = ctx.fmt(&Message::new("cat-history-of").arg("name", name.as_str()));
    let mut entries = Vec::new();
    for (i, (row, body)) in versions.iter().enumerate() {
        let changes = i
            .checked_sub(1)
            .map(|p| crate::diff::diff(&versions[p].1, body));
        entries.push((row, changes));
    }
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { a href={ "/items/" (code) } { (ctx.t("cat-manage-see-guide")) } }
            @for (row, changes) in entries.iter().rev() {
                section.card {
                    h2 { (ctx.fmt(&Message::new("cat-version-n").arg("version", row.version))) " · " (ctx.t(&format!("cat-status-{}", row.status.key()))) }
                    p.muted { (row.published_at.clone().unwrap_or_default()) }
                    @match changes {
                        Some(c) => (crate::manage::changes_table(&ctx, c)),
                        None => p { (ctx.t("cat-diff-first")) },
                    }
                }
            }
        },
    ))
}

/// Where the guide's QR code leads. Applying online is the case issue's form; until it
/// lands this answers with the guide's "how to apply" part, which names the online depth,
/// the place and the hours.
async fn apply(Path(code): Path<String>) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!(
        "/items/{}#h-apply",
        identity::guard::percent_encode(&code)
    ))
}
