//! Charts drawn on the server as SVG (no script, readable on a slow link and by a screen
//! reader through the image's label and the figures shown beside each bar).

use maud::{Markup, html};

/// A share as a percentage with one decimal (`—` when there is nothing to share).
pub fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

/// Horizontal bars of one share (0 to 1) per named row, each with its percentage.
pub fn share_bars(title: &str, rows: &[(String, Option<f64>)]) -> Markup {
    const W: f64 = 240.0;
    let h = 22 * rows.len().max(1);
    html! {
        figure.chart {
            figcaption { (title) }
            svg role="img" aria-label=(title) width="480" height=(h) viewBox={ "0 0 480 " (h) } xmlns="http://www.w3.org/2000/svg" {
                @for (i, (name, share)) in rows.iter().enumerate() {
                    @let y = i * 22;
                    @let width = share.unwrap_or(0.0).clamp(0.0, 1.0) * W;
                    text x="0" y=(y + 15) font-size="12" { (name.chars().take(14).collect::<String>()) }
                    rect x="180" y=(y + 4) width=(format!("{width:.1}")) height="14" fill="#1f6f8b" {}
                    text x=(format!("{:.1}", 186.0 + width)) y=(y + 15) font-size="12" { (percent(*share)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_label_and_figures() {
        let svg = share_bars(
            "满意率",
            &[("民政".into(), Some(0.5)), ("公安".into(), None)],
        )
        .into_string();
        assert!(svg.contains(r#"role="img" aria-label="满意率""#), "{svg}");
        assert!(
            svg.contains(r#"width="120.0""#) && svg.contains("50.0%"),
            "{svg}"
        );
        assert!(svg.contains("—"), "{svg}");
        assert_eq!(percent(Some(0.966)), "96.6%");
    }
}
