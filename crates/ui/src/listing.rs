//! The list envelope of `/api/v1`: `{"items": [...], "total": N, "next": cursor}`, and the
//! keyset paging behind it (`?limit=&cursor=`, the cursor being the last key of a page).

use serde::Serialize;

/// One page of a list. `next` is the cursor for the following page, absent on the last.
#[derive(Debug, Clone, Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The most items one page may hold.
pub const MAX_LIMIT: u32 = 500;
/// The page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 100;

/// The page size asked for, clamped to 1..=500.
pub fn limit(asked: Option<u32>) -> u32 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The cursor of the next page: the last item's key when the page is full.
pub fn next_cursor<T>(items: &[T], limit: u32, key: impl Fn(&T) -> String) -> Option<String> {
    if items.len() == limit as usize {
        items.last().map(key)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_are_bounded_and_only_a_full_page_has_a_next() {
        assert_eq!(
            (
                super::limit(None),
                super::limit(Some(0)),
                super::limit(Some(9999))
            ),
            (100, 1, 500)
        );
        assert_eq!(
            super::next_cursor(&[1, 2], 2, |n| n.to_string()),
            Some("2".to_owned())
        );
        assert_eq!(super::next_cursor(&[1], 2, |n| n.to_string()), None);
    }
}
