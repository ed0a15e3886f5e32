//! Payment notices, their payment codes and fee lines, orders on the channels, refunds and
//! the statement's mismatches; states as enums; the error enum.

use kernel::{DivisionCode, Localize, Message};
use serde::{Deserialize, Serialize};

/// A payment code (缴款码): 20 digits — the collecting department's division (6), the year
/// (2), a serial of the year across the region (11) and an ISO 7064 MOD 11,10 check digit —
/// so a code mistyped at a bank counter or on a phone (any one digit wrong, most swaps of two
/// neighbours) is caught before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PaymentCode(String);

/// Why a text is not a payment code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    Length,
    NotDigits,
    Check,
}

impl CodeProblem {
    pub fn key(self) -> &'static str {
        match self {
            CodeProblem::Length => "pay-code-length",
            CodeProblem::NotDigits => "pay-code-digits",
            CodeProblem::Check => "pay-code-check",
        }
    }
}

/// ISO 7064 MOD 11,10: the check digit for `digits`.
pub fn mod11_10(digits: &[u8]) -> u8 {
    let mut p = 10u8;
    for d in digits {
        let s = match (p + d) % 10 {
            0 => 10,
            s => s,
        };
        p = (2 * s) % 11;
    }
    (11 - p) % 10
}

impl PaymentCode {
    /// The code of serial `serial` of `year`, for a department in `division`.
    pub fn new(division: DivisionCode, year: i32, serial: u64) -> PaymentCode {
        let text = division.to_string();
        let county = &text[..6];
        let body = format!(
            "{county}{:02}{:011}",
            year.rem_euclid(100),
            serial % 100_000_000_000
        );
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        PaymentCode(format!("{body}{}", mod11_10(&digits)))
    }

    /// Reads a code as typed (spaces and hyphens between groups allowed).
    pub fn parse(text: &str) -> Result<PaymentCode, CodeProblem> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeProblem::NotDigits);
        }
        if t.len() != 20 {
            return Err(CodeProblem::Length);
        }
        let digits: Vec<u8> = t.bytes().map(|b| b - b'0').collect();
        if mod11_10(&digits[..19]) != digits[19] {
            return Err(CodeProblem::Check);
        }
        Ok(PaymentCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code in groups of four, as printed.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl std::fmt::Display for PaymentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

kernel::keyed!(
    /// Where a notice stands.
    NoticeState { Issued = "issued", Paid = "paid", Cancelled = "cancelled" }
);
kernel::keyed!(
    /// Where an order stands at its channel.
    OrderState { Created = "created", Paid = "paid", Failed = "failed", Closed = "closed" }
);
kernel::keyed!(
    /// How the money came: a receipt recorded at a bank counter, or the online provider.
    Channel { Counter = "counter", Online = "online" }
);
kernel::keyed!(
    /// Why money is given back.
    RefundReason { Overpaid = "overpaid", Duplicate = "duplicate", Cancelled = "cancelled" }
);
kernel::keyed!(
    /// Where a refund stands.
    RefundState { Requested = "requested", Refused = "refused", Sent = "sent", Failed = "failed" }
);
kernel::keyed!(
    /// How a statement line and the orders disagree.
    MismatchKind {
        /// The provider paid it; no order here says so.
        NotHere = "not-here",
        /// An order here is paid; the provider's statement lacks it.
        NotThere = "not-there",
        /// Both have it, with different amounts.
        Amount = "amount",
    }
);

/// One fee line of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    /// The non-tax revenue item's code (执收项目编码).
    pub revenue_code: String,
    pub name: String,
    /// The legal basis of the charge.
    pub basis: String,
    pub amount_fen: i64,
}

/// A payment notice (非税收入缴款通知书).
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: i64,
    pub code: PaymentCode,
    /// What it is for (`case`) and which one.
    pub purpose: String,
    pub purpose_id: i64,
    /// The collecting department (执收单位).
    pub department: String,
    pub department_name: String,
    pub division: String,
    pub payer_name: String,
    pub payer_code: String,
    pub payer_account_id: Option<i64>,
    pub item_code: String,
    pub item_name: String,
    pub lines: Vec<FeeLine>,
    pub amount_fen: i64,
    pub issued_at: String,
    pub due_on: String,
    pub due_provisional: bool,
    pub key_id: i64,
    /// Base64 of the SM2 signature over [`Notice::signed_text`].
    pub signature: String,
    pub state: NoticeState,
    pub paid_order_id: Option<i64>,
    pub paid_at: Option<String>,
    /// The identifier of the electronic receipt (a certificate), once issued.
    pub receipt: String,
    pub revision: i64,
}

impl Notice {
    /// The notice's signed content: canonical JSON as certificates are signed (keys sorted,
    /// no spaces, every value a string).
    pub fn signed_text(&self) -> String {
        let lines: Vec<serde_json::Value> = self
            .lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "revenue_code": l.revenue_code,
                    "name": l.name,
                    "basis": l.basis,
                    "amount_fen": l.amount_fen.to_string(),
                })
            })
            .collect();
        let v = serde_json::json!({
            "amount_fen": self.amount_fen.to_string(),
            "code": self.code.as_str(),
            "department": self.department,
            "due_on": self.due_on,
            "issued_at": self.issued_at,
            "item_code": self.item_code,
            "lines": lines,
            "payer_code": self.payer_code,
            "payer_name": self.payer_name,
        });
        certs::canon::canonical(&v)
    }
}

/// An order: one attempt to pay a notice on a channel.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub notice_id: i64,
    pub channel: Channel,
    /// The platform's order number, unique (商户订单号).
    pub out_trade_no: String,
    /// The provider's transaction id, or the bank counter's receipt number.
    pub provider_ref: String,
    pub amount_fen: i64,
    pub state: OrderState,
    pub created_at: String,
    pub created_by: String,
    pub pay_url: String,
    pub paid_at: Option<String>,
    pub paid_day: Option<String>,
    pub paid_fen: i64,
    /// The order that paid its notice.
    pub settled: bool,
    pub queries: i64,
    pub failure: String,
}

/// A refund.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    pub id: i64,
    pub order_id: i64,
    pub notice_id: i64,
    pub out_refund_no: String,
    pub amount_fen: i64,
    pub reason: RefundReason,
    pub note: String,
    pub state: RefundState,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: String,
    pub provider_ref: String,
    pub failure: String,
    pub receipt: String,
    pub revision: i64,
}

/// A statement as imported.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub id: i64,
    pub channel: Channel,
    pub day: String,
    pub file_sm3: String,
    pub lines: i64,
    pub total_fen: i64,
    pub matched: i64,
    pub imported_at: String,
    pub imported_by: String,
}

/// A statement line and the orders disagreeing.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub id: i64,
    pub statement_id: i64,
    pub kind: MismatchKind,
    pub out_trade_no: String,
    pub ours_fen: Option<i64>,
    pub theirs_fen: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub resolution: String,
}

/// An amount in fen as yuan (`12.30`): integers all the way, never floating point.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// Reads yuan as typed (`12`, `12.3`, `12.30`) into fen; more than two decimals, a sign or
/// anything else is refused.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 12
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

/// Why a payment action was refused.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// Problems by field, all at once.
    #[error("invalid")]
    Invalid(Vec<(String, Message)>),
    #[error("not found")]
    NotFound(Message),
    #[error("forbidden")]
    Forbidden,
    /// A rule refuses it (paid already, past its due date, more than was paid …).
    #[error("refused")]
    Refused(Message),
    /// A callback whose signature does not verify.
    #[error("bad signature")]
    Signature,
    /// The payment provider failed or refused.
    #[error("channel: {0}")]
    Channel(String),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl PayError {
    pub fn refused(key: &'static str) -> PayError {
        PayError::Refused(Message::new(key))
    }

    pub fn field(field: &str, key: &'static str) -> PayError {
        PayError::Invalid(vec![(field.to_owned(), Message::new(key))])
    }

    /// The key of the message that says what is wrong.
    pub fn key(&self) -> &'static str {
        self.message().key
    }
}

impl From<identity::IdentityError> for PayError {
    fn from(e: identity::IdentityError) -> PayError {
        match e {
            identity::IdentityError::Db(e) => PayError::Db(e),
            _ => PayError::Forbidden,
        }
    }
}

impl From<notify::NotifyError> for PayError {
    fn from(e: notify::NotifyError) -> PayError {
        match e {
            notify::NotifyError::Db(e) => PayError::Db(e),
            other => PayError::Refused(other.message()),
        }
    }
}

impl From<sqlx::Error> for PayError {
    fn from(e: sqlx::Error) -> PayError {
        PayError::Db(e.into())
    }
}

impl From<certs::model::CertError> for PayError {
    fn from(e: certs::model::CertError) -> PayError {
        match e {
            certs::model::CertError::Db(e) => PayError::Db(e),
            other => PayError::Refused(other.message()),
        }
    }
}

impl Localize for PayError {
    fn message(&self) -> Message {
        match self {
            PayError::Invalid(p) => p
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| Message::new("error-bad-request")),
            PayError::NotFound(m) | PayError::Refused(m) => m.clone(),
            PayError::Forbidden => Message::new("pay-forbidden"),
            PayError::Signature => Message::new("pay-signature-bad"),
            PayError::Channel(why) => Message::new("pay-channel-failed").arg("why", why.clone()),
            PayError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for PayError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            PayError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PayError::NotFound(_) => StatusCode::NOT_FOUND,
            PayError::Forbidden => StatusCode::FORBIDDEN,
            PayError::Refused(_) => StatusCode::CONFLICT,
            PayError::Signature => StatusCode::UNAUTHORIZED,
            PayError::Channel(_) => StatusCode::BAD_GATEWAY,
            PayError::Db(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PayError::Invalid(_) => "invalid",
            PayError::NotFound(_) => "not-found",
            PayError::Forbidden => "forbidden",
            PayError::Refused(_) => "refused",
            PayError::Signature => "bad-signature",
            PayError::Channel(_) => "channel-failed",
            PayError::Db(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod11_10_matches_a_published_number() {
        // A German tax identification number, which uses ISO 7064 MOD 11,10.
        let digits: Vec<u8> = "8609574271".bytes().map(|b| b - b'0').collect();
        assert_eq!(mod11_10(&digits), 9);
    }

    #[test]
    fn payment_codes_carry_a_check_digit_that_catches_typing_errors() {
        let division = DivisionCode::parse("540102").expect("division");
        let code = PaymentCode::new(division, 2026, 42);
        assert_eq!(code.as_str().len(), 20);
        assert!(code.as_str().starts_with("54010226"));
        assert_eq!(PaymentCode::parse(code.as_str()), Ok(code.clone()));
        assert_eq!(PaymentCode::parse(&code.grouped()), Ok(code.clone()));
        let s = code.as_str().as_bytes();
        for i in 0..20 {
            for d in b'0'..=b'9' {
                if d == s[i] {
                    continue;
                }
                let mut t = s.to_vec();
                t[i] = d;
                let t = String::from_utf8(t).expect("digits");
                assert_eq!(PaymentCode::parse(&t), Err(CodeProblem::Check), "{t}");
            }
        }
        // Adjacent swaps: MOD 11,10 catches most, not all (a pure system would need two
        // check characters); over many codes, at least nine in ten.
        let (mut swaps, mut caught) = (0, 0);
        for serial in 1..400u64 {
            let c = PaymentCode::new(division, 2026, serial * 7919);
            let s = c.as_str().as_bytes();
            for i in 0..19 {
                if s[i] == s[i + 1] {
                    continue;
                }
                let mut t = s.to_vec();
                t.swap(i, i + 1);
                swaps += 1;
                caught += usize::from(
                    PaymentCode::parse(&String::from_utf8(t).expect("digits")).is_err(),
                );
            }
        }
        assert!(caught * 10 >= swaps * 9, "{caught} of {swaps} swaps caught");
        assert_eq!(PaymentCode::parse("1234"), Err(CodeProblem::Length));
        assert_eq!(
            PaymentCode::parse("5401022600000000004x"),
            Err(CodeProblem::NotDigits)
        );
    }

    #[test]
    fn yuan_reads_and_writes_fen_without_floating_point() {
        assert_eq!(yuan(2000), "20.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(parse_yuan("12.3"), Some(1230));
        assert_eq!(parse_yuan("0.07"), Some(7));
        assert_eq!(parse_yuan("80"), Some(8000));
        for bad in ["", "-1", "1.234", "1,00", "abc", ".5", "1e3"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }
}
