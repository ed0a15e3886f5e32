//! A QR code drawn on the server as a small inline SVG: no script, no image request, and it
//! prints as it shows (a guide's link, a booking, a ticket, a code shown to a clerk or a
//! kiosk).

use maud::{Markup, html};

/// A QR code for `text` as an SVG path, one path segment per run of dark modules in a row,
/// with the quiet zone the standard asks for; `None` if the text is too long to encode.
pub fn svg(text: &str, label: &str) -> Option<Markup> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    const QUIET: usize = 4;
    let size = width + 2 * QUIET;
    let mut d = String::with_capacity(width * width / 2);
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                d.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + QUIET,
                    y + QUIET,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    Some(html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (size) " " (size) }
            role="img" aria-label=(label) shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(d) fill="#000" {}
        }
    })
}
