use axum::http::StatusCode;
use kernel::{Localize, Message};

/// What can go wrong with accounts and sign-in.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Unknown account or wrong password: deliberately the same answer.
    #[error("the account or the password is not right")]
    BadCredentials,
    #[error("too many failed sign-ins; try again after {until}")]
    Locked { until: String },
    #[error("too many failed sign-ins from this address; try again after {until}")]
    AddressLocked { until: String },
    #[error("sign in first")]
    NotSignedIn,
    #[error("the registry does not record this person as the entity's legal representative")]
    NotLegalRepresentative,
    #[error("sign-in by SMS code is not offered here")]
    SmsUnavailable,
    /// The configured SMS gateway did not take the message.
    #[error("the SMS gateway did not take the message")]
    SmsGatewayDown,
    #[error("a code was sent less than a minute ago")]
    TooSoon { seconds: i64 },
    #[error("too many codes for this number in the last hour")]
    TooManyCodes,
    #[error("no account has that identity number")]
    NoSuchPerson,
    #[error("the one-time code is not right")]
    BadCode,
    #[error("the sign-in took too long; start again")]
    PendingExpired,
    #[error("not allowed")]
    Forbidden,
    #[error("the form has mistakes")]
    Invalid(Vec<(&'static str, Message)>),
    #[error("{0} is already registered")]
    AlreadyRegistered(&'static str),
    #[error("no secure random numbers: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl Localize for IdentityError {
    fn message(&self) -> Message {
        match self {
            IdentityError::BadCredentials => Message::new("id-bad-credentials"),
            IdentityError::Locked { until } => {
                Message::new("id-locked").arg("until", until.as_str())
            }
            IdentityError::AddressLocked { until } => {
                Message::new("id-address-locked").arg("until", until.as_str())
            }
            IdentityError::NotSignedIn => Message::new("id-not-signed-in"),
            IdentityError::BadCode => Message::new("id-bad-code"),
            IdentityError::NoSuchPerson => Message::new("id-no-such-person"),
            IdentityError::SmsUnavailable => Message::new("id-sms-unavailable"),
            IdentityError::SmsGatewayDown => Message::new("id-sms-gateway-down"),
            IdentityError::TooSoon { seconds } => {
                Message::new("id-sms-too-soon").arg("seconds", *seconds)
            }
            IdentityError::TooManyCodes => Message::new("id-sms-too-many"),
            IdentityError::NotLegalRepresentative => Message::new("id-not-legal-rep"),
            IdentityError::PendingExpired => Message::new("id-pending-expired"),
            IdentityError::Forbidden => Message::new("error-forbidden"),
            IdentityError::Invalid(_) => Message::new("id-form-invalid"),
            IdentityError::AlreadyRegistered(what) => {
                Message::new("id-already-registered").arg("what", *what)
            }
            IdentityError::Random(_) | IdentityError::Hashing(_) => Message::new("error-internal"),
            IdentityError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for IdentityError {
    fn status(&self) -> StatusCode {
        match self {
            IdentityError::BadCredentials
            | IdentityError::NotSignedIn
            | IdentityError::BadCode
            | IdentityError::PendingExpired => StatusCode::UNAUTHORIZED,
            IdentityError::Locked { .. } | IdentityError::AddressLocked { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            IdentityError::Forbidden => StatusCode::FORBIDDEN,
            IdentityError::NoSuchPerson | IdentityError::SmsUnavailable => StatusCode::NOT_FOUND,
            IdentityError::TooSoon { .. } | IdentityError::TooManyCodes => {
                StatusCode::TOO_MANY_REQUESTS
            }
            IdentityError::NotLegalRepresentative => StatusCode::UNPROCESSABLE_ENTITY,
            IdentityError::SmsGatewayDown => StatusCode::SERVICE_UNAVAILABLE,
            IdentityError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            IdentityError::AlreadyRegistered(_) => StatusCode::CONFLICT,
            IdentityError::Random(_) | IdentityError::Hashing(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            IdentityError::Db(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            IdentityError::BadCredentials => "bad-credentials",
            IdentityError::Locked { .. } => "account-locked",
            IdentityError::AddressLocked { .. } => "address-locked",
            IdentityError::NotSignedIn => "not-signed-in",
            IdentityError::BadCode => "bad-code",
            IdentityError::NoSuchPerson => "no-such-person",
            IdentityError::SmsUnavailable => "sms-unavailable",
            IdentityError::SmsGatewayDown => "sms-gateway-down",
            IdentityError::TooSoon { .. } => "sms-too-soon",
            IdentityError::TooManyCodes => "sms-too-many",
            IdentityError::NotLegalRepresentative => "not-legal-representative",
            IdentityError::PendingExpired => "sign-in-expired",
            IdentityError::Forbidden => "forbidden",
            IdentityError::Invalid(_) => "invalid-form",
            IdentityError::AlreadyRegistered(_) => "already-registered",
            IdentityError::Random(_) | IdentityError::Hashing(_) => "internal",
            IdentityError::Db(e) => e.code(),
        }
    }
}

impl IdentityError {
    /// The whole error as one line for a page: every field's message for a form with
    /// mistakes, the error's own message otherwise.
    pub fn as_line(&self, ctx: &ui::Ctx) -> String {
        match self {
            IdentityError::Invalid(errors) => errors
                .iter()
                .map(|(_, m)| ctx.fmt(m))
                .collect::<Vec<_>>()
                .join(" "),
            e => ctx.tell(e),
        }
    }
}
