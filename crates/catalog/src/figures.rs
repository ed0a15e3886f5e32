//! Pictures drawn on the server as small inline SVG, so a guide needs no script, no image
//! request and prints as it shows: the QR code that opens the online application, and the
//! flow of an item's process steps.

use maud::{Markup, PreEscaped, html};

/// A QR code for `text` as inline SVG (`ui::qr::svg`, where pages of any capability find it).
pub use ui::qr::svg as qr_svg;

/// Characters of a step a box holds on one line before it wraps (Chinese and Tibetan
/// glyphs are about one em; Latin letters about half).
fn wrap(step: &str, per_line: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0.0;
    for word in step.split_inclusive(' ') {
        let w: f32 = word
            .chars()
            .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
            .sum();
        if width + w > per_line as f32 && width > 0.0 {
            lines.push(String::new());
            width = 0.0;
        }
        // A single word longer than the line is cut by characters.
        for c in word.chars() {
            let cw = if c.is_ascii() { 0.55 } else { 1.0 };
            if width + cw > per_line as f32 && width > 0.0 {
                lines.push(String::new());
                width = 0.0;
            }
            if let Some(l) = lines.last_mut() {
                l.push(c);
            }
            width += cw;
        }
    }
    lines.into_iter().map(|l| l.trim().to_owned()).collect()
}

/// The process steps as boxes joined by arrows, top to bottom; the numbered list beside it
/// is what screen readers read, so the picture is hidden from them.
pub fn flow_svg(steps: &[String]) -> Markup {
    const W: usize = 260;
    const LINE: usize = 20;
    const PAD: usize = 10;
    const GAP: usize = 26;
    let boxes: Vec<Vec<String>> = steps.iter().map(|s| wrap(s, 12)).collect();
    let mut y = 2;
    let mut shapes = String::new();
    for (i, lines) in boxes.iter().enumerate() {
        let h = lines.len() * LINE + 2 * PAD;
        shapes.push_str(&format!(
            r##"<rect x="2" y="{y}" width="{}" height="{h}" rx="8" fill="#fff" stroke="#8a1c14" stroke-width="2"/>"##,
            W - 4
        ));
        shapes.push_str(&format!(
            r##"<circle cx="24" cy="{}" r="12" fill="#8a1c14"/><text x="24" y="{}" text-anchor="middle" fill="#fff" font-size="13" font-weight="700">{}</text>"##,
            y + h / 2,
            y + h / 2 + 5,
            i + 1
        ));
        for (j, l) in lines.iter().enumerate() {
            shapes.push_str(&format!(
                r##"<text x="{}" y="{}" text-anchor="middle" font-size="15">{}</text>"##,
                W / 2 + 12,
                y + PAD + j * LINE + 15,
                html! { (l) }.into_string()
            ));
        }
        y += h;
        if i + 1 < boxes.len() {
            let x = W / 2;
            shapes.push_str(&format!(
                r##"<path d="M{x} {y}v{}" stroke="#4a5360" stroke-width="2"/><path d="M{} {}l6 8l6 -8z" fill="#4a5360"/>"##,
                GAP - 8,
                x - 6,
                y + GAP - 8
            ));
            y += GAP;
        }
    }
    html! {
        svg.flow xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (W) " " (y + 2) } width=(W) aria-hidden="true" focusable="false" {
            (PreEscaped(shapes))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_qr_code_is_square_with_its_quiet_zone() {
        let svg = super::qr_svg("http://localhost/items/X/apply", "QR").expect("fits");
        let s = svg.into_string();
        assert!(
            s.contains("viewBox=\"0 0 37 37\""),
            "version 2 (25 modules) + 2×4: {s}"
        );
        assert!(
            s.contains("M4 4h7v1h-7z"),
            "the finder pattern's top row: {s}"
        );
        assert!(super::qr_svg(&"x".repeat(5000), "QR").is_none());
    }

    #[test]
    fn the_flow_draws_a_box_per_step_and_escapes_text() {
        let steps = vec![
            "申请".to_owned(),
            "受理 <当场>".to_owned(),
            "办结".to_owned(),
        ];
        let s = super::flow_svg(&steps).into_string();
        assert_eq!(s.matches("<rect").count(), 3);
        assert_eq!(s.matches("l6 8l6 -8z").count(), 2, "two arrows");
        assert!(s.contains("受理 &lt;当场&gt;"));
    }

    #[test]
    fn long_steps_wrap_by_width() {
        assert_eq!(super::wrap("申请人提交申请材料并当场受理", 12).len(), 2);
        assert_eq!(
            super::wrap("Submit the application form", 12),
            ["Submit the", "application form"]
        );
    }
}
