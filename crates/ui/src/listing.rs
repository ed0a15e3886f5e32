//! The list envelope of `/api/v1`: `{"items": [...], "total": N, "next": cursor}`.

use serde::{Deserialize, Serialize};

/// One page of a list. `next` is the cursor for the following page, absent on the last.
#[derive(Debug, Clone, Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `?limit=&cursor=` as every list takes them. (Handlers list the two fields themselves:
/// `serde(flatten)` would make query numbers unreadable.)
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PageParams {
    pub const MAX: u32 = 500;
    pub const DEFAULT: u32 = 100;

    /// The page size, clamped to 1..=500.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(Self::DEFAULT).clamp(1, Self::MAX)
    }
}
