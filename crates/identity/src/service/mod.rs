//! The rules of registration, sign-in and sessions.
//!
//! Sign-in failures are counted per typed identifier (whether or not an account exists, so
//! the answers never tell which accounts exist) and per client address; past the limit the
//! identifier or the address is locked for a while, and the person is told until when.
//! Every sign-in, failure, lockout, registration and revocation is an audit event.
//!
//! [`register`] holds registration and the in-person check, [`sign_in`] the password and
//! second-factor steps with their throttling, [`sessions`] what follows a sign-in.

use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use kernel::time_util::{CST, now};
use kernel::{Localize, Message, PersonId};
use time::{Duration, OffsetDateTime};

use crate::IdentityError;
use crate::model::{AccountKind, Assurance, Session};
use crate::password;
use crate::store::{self, Counter, Identifier, NewAccount, NewSession};
use crate::token;
use crate::totp;

/// Failures of one identifier before it is locked.
pub const IDENTIFIER_LIMIT: i64 = 5;
/// Failures from one address before it is locked.
pub const ADDRESS_LIMIT: i64 = 20;
/// The window failures are counted in, and how long a lock lasts.
pub const WINDOW: Duration = Duration::minutes(15);
/// A session ends this long after sign-in, whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// Shortest acceptable password, in characters.
pub const MIN_PASSWORD: usize = 10;

pub(crate) fn local_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

mod bootstrap;
mod register;
mod sessions;
mod sign_in;

pub use bootstrap::*;
pub use register::*;
pub use sessions::*;
pub use sign_in::*;
