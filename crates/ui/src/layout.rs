//! The page layout: skip link, header with the language switch and the main navigation, one
//! `main` landmark, footer. Every page works without JavaScript and fits a phone screen; the
//! `lang` attribute is set on the page and on every piece of text in another language, so
//! browsers pick a Tibetan font for Tibetan.

use std::sync::OnceLock;

use kernel::Lang;
use maud::{DOCTYPE, Markup, html};

use crate::Ctx;

/// The one stylesheet, served from `/assets/style.css`.
pub const STYLE: &str = include_str!("../assets/style.css");

/// The stylesheet's URL, versioned by its content so it can be cached for a year.
pub fn style_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        format!(
            "/assets/style.css?v={}",
            &kernel::crypto::sm3_hex(STYLE.as_bytes())[..12]
        )
    })
}

/// The print buttons' script, served from `/assets/print.js`.
pub const PRINT_JS: &str = include_str!("../assets/print.js");

/// A button that prints the page (shown only where scripts run: the page's policy allows
/// no inline handler).
pub fn print_button(label: &str) -> Markup {
    html! {
        button.no-print type="button" data-print hidden { (label) }
        script src="/assets/print.js" defer {}
    }
}

/// The main navigation: path and message key.
const NAV: &[(&str, &str)] = &[
    ("/", "nav-home"),
    ("/items", "nav-services"),
    ("/knowledge", "nav-knowledge"),
    ("/centres", "nav-centres"),
    ("/divisions", "nav-divisions"),
    ("/calendar", "nav-calendar"),
];

/// A whole page around `body`.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let site = ctx.t("site-name");
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.bcp47()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (site) }
                meta name="description" content=(ctx.t("site-tagline"));
                link rel="stylesheet" href=(style_url());
                @for lang in Lang::ALL {
                    link rel="alternate" hreflang=(lang.bcp47()) href=(ctx.lang_link(lang));
                }
                @if ctx.kiosk.is_some() {
                    link rel="stylesheet" href="/halls/assets/hall.css";
                    script src="/halls/assets/kiosk.js" defer {}
                }
            }
            body.kiosk-mode[ctx.kiosk.is_some()] data-kiosk=[ctx.kiosk.as_deref()] {
                a.skip href="#main" { (ctx.t("skip-to-content")) }
                header.site {
                    div.bar {
                        a.brand href="/" {
                            span.mark aria-hidden="true" { "一网" }
                            span { (site) }
                        }
                        nav.account aria-label=(ctx.t("nav-account")) {
                            @if let Some(viewer) = &ctx.viewer {
                                @let (name, lang) = viewer.name_in(ctx.lang);
                                a href="/me" {
                                    span lang=(lang.bcp47()) { (name) }
                                    @if let Some(entity) = &viewer.acting_for { " · " (entity) }
                                }
                                form method="post" action="/signout" { button.link type="submit" { (ctx.t("nav-sign-out")) } }
                            } @else {
                                a href="/signin" { (ctx.t("nav-sign-in")) }
                                a href="/register" { (ctx.t("nav-register")) }
                            }
                        }
                        nav.langs aria-label=(ctx.t("nav-languages")) {
                            @for lang in Lang::ALL {
                                @if lang == ctx.lang {
                                    a href=(ctx.lang_link(lang)) lang=(lang.bcp47()) hreflang=(lang.bcp47()) aria-current="true" { (lang.endonym()) }
                                } @else {
                                    a href=(ctx.lang_link(lang)) lang=(lang.bcp47()) hreflang=(lang.bcp47()) { (lang.endonym()) }
                                }
                            }
                        }
                    }
                    @if let Some(hall) = &ctx.kiosk {
                        form.kiosk-end method="post" action={ "/kiosk/" (hall) "/end" } {
                            button type="submit" { (ctx.t("kiosk-end")) }
                        }
                    }
                    nav.main-nav aria-label=(ctx.t("nav-main")) {
                        ul {
                            @for (href, key) in NAV {
                                li {
                                    @if is_current(ctx.path(), href) {
                                        a href=(href) aria-current="page" { (ctx.t(key)) }
                                    } @else {
                                        a href=(href) { (ctx.t(key)) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" { (body) }
                footer.site {
                    p { (ctx.t("footer-owner")) }
                    p { (ctx.t("footer-hotline")) " " strong { "12345" } }
                    p { a href="/certs/verify" { (ctx.t("footer-verify")) } }
                }
            }
        }
    }
}

fn is_current(path: &str, href: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.starts_with(&format!("{href}/"))
    }
}

/// What a form submission did: a status line, or an alert naming what was wrong.
/// A page whose body starts with its title as the heading and what the last action did.
pub fn titled(
    ctx: &Ctx,
    title: &str,
    outcome: &Option<Result<String, String>>,
    body: Markup,
) -> Markup {
    page(
        ctx,
        title,
        html! {
            h1 { (title) }
            (outcome_notice(outcome))
            (body)
        },
    )
}

pub fn outcome_notice(outcome: &Option<Result<String, String>>) -> Markup {
    html! {
        @match outcome {
            Some(Ok(msg)) => { p.notice.ok role="status" { (msg) } }
            Some(Err(msg)) => { p.notice.error role="alert" { (msg) } }
            None => {}
        }
    }
}

/// Text in a language other than the page's, marked so that it is spoken and drawn right.
pub fn in_lang(lang: Lang, text: &str) -> Markup {
    html! { span lang=(lang.bcp47()) { (text) } }
}

/// A stored instant shown in China Standard Time with the zone named, in a `<time>` element
/// that carries the instant itself.
pub fn at(ctx: &Ctx, stored: &str) -> Markup {
    html! {
        time datetime=(stored) { (kernel::time_util::local_minute(stored)) " " (ctx.t("time-zone")) }
    }
}

/// Digits in Tibetan numerals (༢༠༢༦).
pub fn tibetan_numerals(n: impl std::fmt::Display) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0F20 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// A date, and on Tibetan pages its Tibetan date beside it (month and day of the Phugpa
/// calendar, a leap month or day marked, in Tibetan numerals unless the platform's
/// `numerals` setting says `arabic`).
pub fn date_with_tibetan(ctx: &Ctx, date: time::Date) -> Markup {
    dated(ctx, date, false)
}

/// A date on a document (a receipt, notice, decision, certificate or ticket): the Gregorian
/// date and, on Tibetan pages, the Tibetan date with its royal year beside it. `stored` is a
/// date (`2026-12-05`) or an instant, whose date in China Standard Time is taken; anything
/// else is shown as stored.
pub fn document_date(ctx: &Ctx, stored: &str) -> Markup {
    let date = kernel::time_util::parse_date(stored).or_else(|| {
        kernel::time_util::parse_instant(stored)
            .map(|at| at.to_offset(kernel::time_util::CST).date())
    });
    match date {
        Some(d) => dated(ctx, d, true),
        None => html! { (stored) },
    }
}

fn dated(ctx: &Ctx, date: time::Date, with_year: bool) -> Markup {
    let number = |n: i32| {
        if ctx.tibetan_numerals {
            tibetan_numerals(n)
        } else {
            n.to_string()
        }
    };
    let gregorian = kernel::time_util::format_date(date);
    let tibetan = (ctx.lang == Lang::Bo)
        .then(|| kernel::calendar::tibetan::TibetanDate::from_gregorian(date).ok())
        .flatten();
    html! {
        time datetime=(gregorian) { (gregorian) }
        @if let Some(t) = tibetan {
            " (" span.tibetan-date {
                @if with_year { "བོད་རྒྱལ་ལོ་" (number(t.year + 127)) " " }
                "བོད་ཟླ་" (number(i32::from(t.month))) " "
                @if t.leap_month { "ཟླ་ལྷག་" " " }
                "ཚེས་" (number(i32::from(t.day)))
                @if t.leap_day { " ཚེས་ལྷག" }
            } ")"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_current;

    #[test]
    fn tibetan_numerals_are_the_tibetan_digits() {
        assert_eq!(super::tibetan_numerals(2026), "༢༠༢༦");
    }

    #[test]
    fn navigation_marks_the_section_a_page_is_in() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/centres", "/"));
        assert!(is_current("/centres/540100-zwfw", "/centres"));
        assert!(!is_current("/centresx", "/centres"));
    }
}
