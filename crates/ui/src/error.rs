//! Errors at the HTTP edge: a localized page for people, RFC 9457 problem+json for systems.
//! Server-side failures are logged with their cause chain and shown only as a generic message.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::i18n::{Catalog, Lang, Localize, Message};
use maud::html;

use crate::{AppState, Ctx};

/// A domain error that knows its HTTP status and a stable code for systems.
pub trait HttpError: Localize + std::error::Error {
    fn status(&self) -> StatusCode;
    /// A stable machine-readable code, e.g. `division-not-found`.
    fn code(&self) -> &'static str;
}

impl HttpError for db::DbError {
    fn status(&self) -> StatusCode {
        match self {
            db::DbError::NotFound => StatusCode::NOT_FOUND,
            db::DbError::Conflict(_) => StatusCode::CONFLICT,
            e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            db::DbError::NotFound => "not-found",
            db::DbError::Conflict(_) => "conflict",
            e if e.is_unavailable() => "unavailable",
            _ => "internal",
        }
    }
}

fn log_failure(status: StatusCode, err: &dyn std::error::Error) {
    if status.is_server_error() {
        let chain = kernel::error_chain(err);
        tracing::error!(%status, error = %chain, "request failed");
    }
}

fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "status-400",
        401 => "status-401",
        403 => "status-403",
        404 => "status-404",
        405 => "status-405",
        409 => "status-409",
        413 => "status-413",
        415 => "status-415",
        422 => "status-422",
        429 => "status-429",
        503 => "status-503",
        s if s >= 500 => "status-500",
        _ => "status-400",
    }
}

/// A page that tells a person what went wrong.
///
/// Either already rendered (a form shown again with its errors) or a message still to be told:
/// any capability error converts into one with `?`, and [`localize`] renders it as the
/// localized page in the one place that knows the request's language and who is signed in.
#[derive(Debug)]
pub enum PageError {
    Rendered(Box<Response>),
    Told {
        status: StatusCode,
        message: Message,
    },
}

impl PageError {
    /// The page for `message`, rendered now with the request's context.
    pub fn new(ctx: &Ctx, status: StatusCode, message: &Message) -> PageError {
        PageError::Rendered(Box::new(error_page(ctx, status, message)))
    }

    /// The page for `message`, rendered by [`localize`] in the request's language.
    pub fn told(status: StatusCode, message: Message) -> PageError {
        PageError::Told { status, message }
    }

    /// A 400 page naming what could not be read.
    pub fn bad_request(detail: String) -> PageError {
        PageError::told(
            StatusCode::BAD_REQUEST,
            Message::new("error-bad-request").arg("detail", detail),
        )
    }

    /// A page already rendered with its own error status (a form shown again with its errors).
    pub fn from_response(response: Response) -> PageError {
        PageError::Rendered(Box::new(response))
    }
}

/// Any capability error: its status and message, logged when it is the server's fault.
impl<E: HttpError + 'static> From<E> for PageError {
    fn from(err: E) -> PageError {
        let status = err.status();
        log_failure(status, &err);
        PageError::told(status, err.message())
    }
}

fn error_page(ctx: &Ctx, status: StatusCode, message: &Message) -> Response {
    let title = ctx.t(status_key(status));
    let body = html! {
        section.notice.error role="alert" {
            h1 { (title) }
            p { (ctx.fmt(message)) }
            p { a href="/" { (ctx.t("error-back-home")) } }
        }
    };
    let mut response = (status, crate::layout::page(ctx, &title, body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What a response still has to tell in the request's language ([`localize`] renders it).
#[derive(Debug, Clone)]
enum Told {
    Page(Message),
    Problem(&'static str, Message),
}

fn told_response(status: StatusCode, told: Told) -> Response {
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")]).into_response();
    response.extensions_mut().insert(told);
    response
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Rendered(response) => *response,
            PageError::Told { status, message } => told_response(status, Told::Page(message)),
        }
    }
}

/// Middleware: renders every error a handler left to tell ([`PageError::Told`], an
/// [`ApiError`] converted from a capability error) in the request's language, as a page or
/// as problem+json. Layered inside the session guard, so a page's header names who is
/// signed in.
pub async fn localize(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, &state).await.ok();
    let response = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let (Some(ctx), Some(told)) = (ctx, response.extensions().get::<Told>().cloned()) else {
        return response;
    };
    let status = response.status();
    let mut answer = match told {
        Told::Page(message) => error_page(&ctx, status, &message),
        Told::Problem(code, message) => ApiCtx::new(ctx.lang, ctx.catalog().clone())
            .fail(status, code, &message)
            .into_response(),
    };
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// A page's form; one that cannot be read is a localized 400 page.
pub struct PageForm<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, PageError> {
        axum::extract::Form::<T>::from_request(req, state)
            .await
            .map(|axum::extract::Form(v)| PageForm(v))
            .map_err(|e| PageError::bad_request(e.body_text()))
    }
}

/// A page's query; one that cannot be read is a localized 400 page.
pub struct PageQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for PageQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        read_query(parts, state)
            .await
            .map(PageQuery)
            .map_err(PageError::bad_request)
    }
}

/// An API query; one that cannot be read is a localized 400 problem, never axum's plain text.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        read_query(parts, state)
            .await
            .map(ApiQuery)
            .map_err(|detail| {
                ApiError::told(
                    StatusCode::BAD_REQUEST,
                    "invalid-query",
                    Message::new("error-bad-request").arg("detail", detail),
                )
            })
    }
}

/// An API request's JSON body; one that cannot be read is a localized 400 problem.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(|e| {
                ApiError::told(
                    StatusCode::BAD_REQUEST,
                    "invalid-body",
                    Message::new("error-bad-request").arg("detail", e.body_text()),
                )
            })
    }
}

/// A query string read into `T`, or what could not be read.
async fn read_query<T, S>(parts: &mut Parts, state: &S) -> Result<T, String>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    axum::extract::Query::<T>::from_request_parts(parts, state)
        .await
        .map(|axum::extract::Query(v)| v)
        .map_err(|e| e.body_text())
}

/// Language and catalogue for API handlers (from `?lang=` or `Accept-Language`).
#[derive(Clone)]
pub struct ApiCtx {
    pub lang: Lang,
    catalog: Arc<Catalog>,
}

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiCtx {
            lang: crate::ctx::negotiate(parts),
            catalog: state.catalog.clone(),
        })
    }
}

impl ApiCtx {
    pub fn new(lang: Lang, catalog: Arc<Catalog>) -> ApiCtx {
        ApiCtx { lang, catalog }
    }

    /// The text in the caller's language, falling back to Chinese where it is missing.
    pub fn pick<'a>(&self, zh: &'a str, bo: &'a str, en: &'a str) -> &'a str {
        crate::ctx::pick(self.lang, zh, bo, en)
    }

    /// A message in the caller's language.
    pub fn format(&self, message: &Message) -> String {
        self.catalog.format(self.lang, message)
    }

    pub fn fail(&self, status: StatusCode, code: &'static str, message: &Message) -> ApiError {
        ApiError {
            status,
            code,
            title: self.catalog.text(self.lang, status_key(status)),
            detail: self.catalog.format(self.lang, message),
            lang: self.lang,
            told: None,
        }
    }

    /// A 422 problem document that lists every problem under `errors` (each an object such
    /// as `{"field", "message", "key"}`).
    pub fn invalid(&self, detail: &Message, errors: Vec<serde_json::Value>) -> Response {
        let mut r = self
            .fail(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail)
            .into_response();
        let body = serde_json::json!({
            "type": "urn:yiwang:problem:invalid",
            "status": 422,
            "code": "invalid",
            "title": self.catalog.text(self.lang, status_key(StatusCode::UNPROCESSABLE_ENTITY)),
            "detail": self.format(detail),
            "errors": errors,
        });
        *r.body_mut() = axum::body::Body::from(body.to_string());
        r
    }

    /// [`ApiCtx::invalid`] for problems by field.
    pub fn invalid_fields(&self, detail: &Message, problems: &[(String, Message)]) -> Response {
        self.invalid(
            detail,
            problems
                .iter()
                .map(|(f, m)| serde_json::json!({ "field": f, "message": self.format(m), "key": m.key }))
                .collect(),
        )
    }

    pub fn error(&self, err: &dyn HttpError) -> ApiError {
        let status = err.status();
        log_failure(status, err);
        self.fail(status, err.code(), &err.message())
    }

    pub fn tell(&self, what: &dyn Localize) -> String {
        self.catalog.tell(self.lang, what)
    }
}

/// An RFC 9457 problem document: rendered with the caller's language ([`ApiCtx::fail`]), or
/// converted with `?` from any capability error and rendered by [`localize`].
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: String,
    pub detail: String,
    pub lang: Lang,
    told: Option<Message>,
}

impl ApiError {
    /// A problem to be told in the caller's language by [`localize`].
    pub fn told(status: StatusCode, code: &'static str, message: Message) -> ApiError {
        ApiError {
            status,
            code,
            title: String::new(),
            detail: String::new(),
            lang: Lang::Zh,
            told: Some(message),
        }
    }
}

/// Any capability error: its status, code and message, logged when it is the server's fault.
impl<E: HttpError + 'static> From<E> for ApiError {
    fn from(err: E) -> ApiError {
        let status = err.status();
        log_failure(status, &err);
        ApiError::told(status, err.code(), err.message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(message) = self.told {
            return told_response(self.status, Told::Problem(self.code, message));
        }
        let body = serde_json::json!({
            "type": format!("urn:yiwang:problem:{}", self.code),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.bcp47()),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A capability's one error enum, for capabilities whose refusals are exactly these: problems
/// by field (all at once), not found, forbidden (told with `$forbidden`), a rule's refusal,
/// and the database. It gets `refused` and `field` constructors, conversions from identity
/// refusals (forbidden) and sqlx errors, `Localize` and [`HttpError`] (422, 404, 403, 409, or
/// the database's own status). The calling crate depends on `thiserror`, `identity`, `db`,
/// `sqlx`, `kernel` and `axum`.
///
/// ```ignore
/// ui::capability_error! {
///     /// Why a hall action was refused.
///     HallError, forbidden: "hall-forbidden"
/// }
/// ```
#[macro_export]
macro_rules! capability_error {
    ($(#[$meta:meta])* $name:ident, forbidden: $forbidden:literal) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            /// Problems by field, all at once.
            #[error("invalid")]
            Invalid(Vec<(String, kernel::Message)>),
            #[error("not found")]
            NotFound(kernel::Message),
            #[error("forbidden")]
            Forbidden,
            /// A rule refuses it.
            #[error("refused")]
            Refused(kernel::Message),
            #[error(transparent)]
            Db(#[from] db::DbError),
        }

        impl $name {
            pub fn refused(key: &'static str) -> $name {
                $name::Refused(kernel::Message::new(key))
            }

            pub fn field(field: &str, key: &'static str) -> $name {
                $name::Invalid(vec![(field.to_owned(), kernel::Message::new(key))])
            }
        }

        impl From<identity::IdentityError> for $name {
            fn from(e: identity::IdentityError) -> $name {
                match e {
                    identity::IdentityError::Db(e) => $name::Db(e),
                    _ => $name::Forbidden,
                }
            }
        }

        impl From<sqlx::Error> for $name {
            fn from(e: sqlx::Error) -> $name {
                $name::Db(e.into())
            }
        }

        impl kernel::i18n::Localize for $name {
            fn message(&self) -> kernel::Message {
                match self {
                    $name::Invalid(p) => p
                        .first()
                        .map(|(_, m)| m.clone())
                        .unwrap_or_else(|| kernel::Message::new("error-bad-request")),
                    $name::NotFound(m) | $name::Refused(m) => m.clone(),
                    $name::Forbidden => kernel::Message::new($forbidden),
                    $name::Db(e) => e.message(),
                }
            }
        }

        impl $crate::error::HttpError for $name {
            fn status(&self) -> axum::http::StatusCode {
                use axum::http::StatusCode;
                match self {
                    $name::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    $name::NotFound(_) => StatusCode::NOT_FOUND,
                    $name::Forbidden => StatusCode::FORBIDDEN,
                    $name::Refused(_) => StatusCode::CONFLICT,
                    $name::Db(e) => e.status(),
                }
            }

            fn code(&self) -> &'static str {
                match self {
                    $name::Invalid(_) => "invalid",
                    $name::NotFound(_) => "not-found",
                    $name::Forbidden => "forbidden",
                    $name::Refused(_) => "refused",
                    $name::Db(e) => e.code(),
                }
            }
        }
    };
}
