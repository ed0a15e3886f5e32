//! Files: one sent with a page's form, and one sent back to download.

use axum::extract::Multipart;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::Message;

use crate::{Ctx, PageError};

/// The text of the form's `file` field (UTF-8); a clear error when it is missing, not text, or
/// the form cannot be read.
pub async fn uploaded_text(ctx: &Ctx, form: Multipart) -> Result<String, PageError> {
    Ok(uploaded(ctx, form).await?.text)
}

/// A form with a file: the file's text and name, and the form's other fields.
pub struct Uploaded {
    pub text: String,
    /// The name the browser gave the file.
    pub name: String,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The form's `file` field (UTF-8 text) with its name, and its other fields; a clear error
/// when the file is missing, not text, or the form cannot be read.
pub async fn uploaded(ctx: &Ctx, mut form: Multipart) -> Result<Uploaded, PageError> {
    let bad = |detail: String| {
        PageError::new(
            ctx,
            StatusCode::BAD_REQUEST,
            &Message::new("error-bad-request").arg("detail", detail),
        )
    };
    let mut file = None;
    let mut fields = std::collections::BTreeMap::new();
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            let text =
                String::from_utf8(bytes.to_vec()).map_err(|_| bad(ctx.t("upload-not-utf8")))?;
            file = Some((text, file_name));
        } else {
            let text = field.text().await.map_err(|e| bad(e.body_text()))?;
            fields.insert(name, text);
        }
    }
    let (text, name) = file.ok_or_else(|| bad(ctx.t("upload-missing")))?;
    Ok(Uploaded { text, name, fields })
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
