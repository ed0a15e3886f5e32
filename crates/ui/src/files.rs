//! Files: one sent with a page's form, and one sent back to download.

use axum::extract::Multipart;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::Message;

use crate::{Ctx, PageError};

/// The text of the form's `file` field (UTF-8); a clear error when it is missing, not text, or
/// the form cannot be read.
pub async fn uploaded_text(ctx: &Ctx, mut form: Multipart) -> Result<String, PageError> {
    let bad = |detail: String| {
        PageError::new(
            ctx,
            StatusCode::BAD_REQUEST,
            &Message::new("error-bad-request").arg("detail", detail),
        )
    };
    let mut text = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            text =
                Some(String::from_utf8(bytes.to_vec()).map_err(|_| bad(ctx.t("upload-not-utf8")))?);
        }
    }
    text.ok_or_else(|| bad(ctx.t("upload-missing")))
}

/// `body` to download as the file `name`, of `content_type`.
pub fn download(body: String, content_type: &'static str, name: &str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
