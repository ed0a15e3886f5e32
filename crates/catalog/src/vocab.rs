//! The catalogue's fixed vocabulary in the reader's language: words the guides repeat from a
//! closed list (steps, window categories, the centre, opening hours, the standard condition)
//! are shown from the interface's translations, never from the stored Chinese. Text that is
//! not in the list (an item's own steps, conditions, legal bases) is free text and shows as
//! stored, marked as Chinese where the reader's language is another.

use std::borrow::Cow;

use maud::{Markup, html};
use ui::Ctx;

/// Fixed phrases (as stored) and the key of their translation (`cat-vocab-…`).
const PHRASES: &[(&str, &str)] = &[
    // Steps of the standard and quick flows, and the steps items name most.
    ("申请", "apply"),
    ("受理", "accept"),
    ("审查", "review"),
    ("决定", "decide"),
    ("送达", "deliver"),
    ("办结", "conclude"),
    ("登记发证", "register-issue"),
    ("家庭经济状况调查", "household-survey"),
    ("审核确认", "verify-confirm"),
    ("公示", "publicize"),
    ("发放", "disburse"),
    // Where, and on what terms.
    ("政务服务中心", "centre"),
    ("符合法定条件的申请人", "condition-lawful"),
    ("按国家规定标准收取", "fee-national"),
    // Window categories.
    ("综合受理窗口", "window-comprehensive"),
    ("社保窗口", "window-social-insurance"),
    ("农牧窗口", "window-farming"),
    ("公安综合窗口", "window-public-security"),
    ("社会救助窗口", "window-social-assistance"),
    ("投资项目窗口", "window-investment"),
    ("工程建设窗口", "window-construction"),
    ("卫生健康窗口", "window-health"),
    ("医保窗口", "window-medical-insurance"),
    ("不动产登记窗口", "window-real-estate"),
    ("教育窗口", "window-education"),
    ("就业窗口", "window-employment"),
    ("婚姻登记窗口", "window-marriage"),
    ("交通运输窗口", "window-transport"),
    // Conditions under which a material is needed.
    ("需新增建设用地的", "if-new-land"),
    ("家庭成员有残疾的", "if-disability"),
    ("因婚迁移的", "if-marriage-move"),
];

/// The translation key of a fixed phrase, if the text is one.
pub fn key(stored: &str) -> Option<&'static str> {
    PHRASES
        .iter()
        .find(|(zh, _)| *zh == stored.trim())
        .map(|(_, k)| *k)
}

/// A stored phrase in the reader's language when it is fixed vocabulary, else as stored.
pub fn phrase<'a>(ctx: &Ctx, stored: &'a str) -> Cow<'a, str> {
    match key(stored) {
        Some(k) => Cow::Owned(ctx.t(&format!("cat-vocab-{k}"))),
        None => Cow::Borrowed(stored),
    }
}

/// Stored text: translated when fixed vocabulary; else as stored, marked as Chinese (for
/// speech and fonts) when it is Chinese on a page in another language.
pub fn text(ctx: &Ctx, stored: &str) -> Markup {
    match key(stored) {
        Some(k) => html! { (ctx.t(&format!("cat-vocab-{k}"))) },
        None => {
            let chinese = ctx.lang != kernel::Lang::Zh
                && stored
                    .chars()
                    .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
            html! { span lang=[chinese.then_some("zh-CN")] { (stored) } }
        }
    }
}

/// Opening hours in the reader's language when they are stored in the standard form
/// (`工作日 9:30–13:00，15:30–18:00`: working days, a morning and an afternoon), else as stored.
pub fn hours(ctx: &Ctx, stored: &str) -> Markup {
    let parsed = stored.trim().strip_prefix("工作日").and_then(|rest| {
        let mut parts = rest.trim().split('，');
        let morning = parts.next()?.trim();
        let afternoon = parts.next().map(str::trim);
        let ok = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '–')
        };
        (ok(morning) && afternoon.is_none_or(ok) && parts.next().is_none())
            .then(|| (morning.to_owned(), afternoon.map(str::to_owned)))
    });
    match parsed {
        Some((morning, Some(afternoon))) => html! {
            (ctx.fmt(&kernel::Message::new("cat-vocab-hours-two").arg("morning", morning).arg("afternoon", afternoon)))
        },
        Some((morning, None)) => html! {
            (ctx.fmt(&kernel::Message::new("cat-vocab-hours-one").arg("hours", morning)))
        },
        None => text(ctx, stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_phrases_have_keys_and_free_text_has_none() {
        assert_eq!(key("受理"), Some("accept"));
        assert_eq!(key(" 综合受理窗口 "), Some("window-comprehensive"));
        assert_eq!(key("符合条件的本地居民"), None);
        let keys: std::collections::HashSet<&str> = PHRASES.iter().map(|(_, k)| *k).collect();
        assert_eq!(keys.len(), PHRASES.len(), "one key a phrase");
    }
}
