//! SQL for accounts, roles, sessions, throttling and entities, one file per concern. Nothing
//! above this module writes SQL.

use db::DbError;
use kernel::time_util::parse_instant;
use time::OffsetDateTime;

mod accounts;
mod entities;
mod sessions;
mod throttle;

pub use accounts::*;
pub use entities::*;
pub use sessions::*;
pub use throttle::*;

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("stored {what} {value:?} is not valid"))
}

fn instant(value: &str) -> Result<OffsetDateTime, DbError> {
    parse_instant(value).ok_or_else(|| bad("instant", value))
}
