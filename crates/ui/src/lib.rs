//! What every capability's pages and APIs share: the application state, the person's
//! language, the page layout, localized errors (HTML for people, RFC 9457 problem+json for
//! systems) and the list envelope of `/api/v1`.

pub mod charts;
pub mod ctx;
pub mod error;
pub mod files;
pub mod layout;
pub mod listing;
pub mod qr;
pub mod state;

pub use ctx::Ctx;

/// The content security policy of every page: nothing loaded, run or posted anywhere but
/// the platform itself.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a page whose form leads on to another site (a payment provider's
/// checkout): the same, with `origin` (scheme, host and port, and nothing else) allowed as a
/// form's destination. `None` if `origin` is not a plain origin.
pub fn csp_with_form_target(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let plain = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    plain.then(|| {
        CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        )
    })
}
pub use error::{ApiError, ApiJson, ApiQuery, PageError, PageForm, PageQuery};
pub use listing::Listing;
pub use state::AppState;

use kernel::i18n::Ftl;

/// The shell's own messages (navigation, layout, generic errors).
pub const FTL: &[Ftl] = kernel::ftl_sources!();

#[cfg(test)]
mod csp_tests {
    use super::csp_with_form_target;

    #[test]
    fn a_form_target_is_a_plain_origin_or_nothing() {
        let p = csp_with_form_target("https://pay.example.cn:8443").expect("an origin");
        assert!(p.contains("form-action 'self' https://pay.example.cn:8443;"));
        assert!(p.contains("script-src 'self';"));
        for bad in [
            "pay.example.cn",
            "javascript://x",
            "https://",
            "https://x; script-src *",
            "https://x/path",
            "https://x 'unsafe-inline'",
        ] {
            assert_eq!(csp_with_form_target(bad), None, "{bad}");
        }
    }
}
