//! Every list in the JSON API pages the same way: `limit` (at most [`MAX_PAGE_SIZE`]) and
//! `offset`. The body stays the plain JSON array it always was, so scripts that read a
//! short list see no change; `X-Total-Count` says how many there are where that is known,
//! and `X-Next-Offset` is there whenever another page follows.

use crate::error::ApiError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// No list answers with more than this many items in one response.
pub const MAX_PAGE_SIZE: i64 = 1000;
/// How far a history list (audit, imports, syncs…) may be paged back: those lists read
/// `offset + limit` rows, so the offset is bounded too.
pub const MAX_HISTORY_OFFSET: i64 = 100_000;

pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
pub const NEXT_OFFSET: HeaderName = HeaderName::from_static("x-next-offset");

/// `limit` and `offset` for lists that take no other parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items in this page, 1–1000 (default: the list's own, at most 1000).
    pub limit: Option<i64>,
    /// Items to skip (default 0). `X-Next-Offset` gives the next page's.
    pub offset: Option<i64>,
}

/// The page a list without other parameters is asked for, read from the query string;
/// `DEFAULT` items when no limit is given. Admin-only lists take it as
/// `Result<PageQuery, ApiError>` and check the role first.
pub struct PageQuery<const DEFAULT: i64 = MAX_PAGE_SIZE>(pub Page);

impl<S: Send + Sync, const DEFAULT: i64> FromRequestParts<S> for PageQuery<DEFAULT> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<PageParams>::from_request_parts(parts, state).await?;
        Ok(PageQuery(Page::parse(params.limit, params.offset, DEFAULT)?))
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    /// The page asked for, `default_limit` items when no limit is given.
    pub fn parse(limit: Option<i64>, offset: Option<i64>, default_limit: i64) -> Result<Page, ApiError> {
        let limit = limit.unwrap_or(default_limit.min(MAX_PAGE_SIZE));
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::bad_parameter(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::bad_parameter("offset", "must be 0 or more"));
        }
        Ok(Page { limit, offset })
    }

    /// For a history list read newest first with a row limit: how many rows to read so that
    /// this page, and whether another follows, are known.
    pub fn rows_to_read(self) -> Result<i64, ApiError> {
        if self.offset > MAX_HISTORY_OFFSET {
            return Err(ApiError::bad_parameter(
                "offset",
                format!("must be at most {MAX_HISTORY_OFFSET} on this list; filter it instead"),
            ));
        }
        Ok(self.offset + self.limit + 1)
    }

    /// This page of a whole list; its length is the total.
    pub fn of<T>(self, all: Vec<T>) -> Paged<T> {
        let total = all.len();
        let mut paged = self.slice(all);
        paged.total = Some(total);
        paged
    }

    /// This page of the first `rows_to_read` rows of a longer list, whose total is unknown.
    pub fn of_head<T>(self, head: Vec<T>) -> Paged<T> {
        self.slice(head)
    }

    fn slice<T>(self, all: Vec<T>) -> Paged<T> {
        let start = usize::try_from(self.offset).unwrap_or(usize::MAX).min(all.len());
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = all.len().saturating_sub(start) > limit;
        let items: Vec<T> = all.into_iter().skip(start).take(limit).collect();
        let next_offset = more.then(|| self.offset + self.limit);
        Paged {
            items,
            total: None,
            next_offset,
        }
    }
}

/// One page of a list, answered as a JSON array with the paging headers.
#[derive(Debug)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: Option<usize>,
    pub next_offset: Option<i64>,
}

impl<T> Paged<T> {
    /// The page's items in a response of another shape (an object that holds the list),
    /// with the paging headers.
    pub fn respond_with(self, body: impl FnOnce(Vec<T>) -> Response) -> Response {
        let mut response = body(self.items);
        let headers = response.headers_mut();
        if let Some(total) = self.total {
            headers.insert(TOTAL_COUNT, HeaderValue::from(total as u64));
        }
        if let Some(next) = self.next_offset {
            headers.insert(NEXT_OFFSET, HeaderValue::from(next));
        }
        response
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        self.respond_with(|items| Json(items).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_whole_list_knows_its_total_and_the_next_offset() {
        let page = Page::parse(Some(2), Some(1), 10).expect("valid");
        let paged = page.of(vec![1, 2, 3, 4]);
        assert_eq!(paged.items, vec![2, 3]);
        assert_eq!(paged.total, Some(4));
        assert_eq!(paged.next_offset, Some(3));
        let last = Page::parse(Some(2), Some(3), 10).expect("valid").of(vec![1, 2, 3, 4]);
        assert_eq!(last.items, vec![4]);
        assert_eq!(last.next_offset, None);
        let past = Page::parse(None, Some(9), 10).expect("valid").of(vec![1]);
        assert!(past.items.is_empty());
    }

    #[test]
    fn a_history_page_reads_one_row_more_to_know_if_another_follows() {
        let page = Page::parse(Some(2), Some(2), 10).expect("valid");
        assert_eq!(page.rows_to_read().expect("in range"), 5);
        let paged = page.of_head(vec![1, 2, 3, 4, 5]);
        assert_eq!(
            (paged.items, paged.total, paged.next_offset),
            (vec![3, 4], None, Some(4))
        );
        let paged = page.of_head(vec![1, 2, 3]);
        assert_eq!((paged.items, paged.next_offset), (vec![3], None));
        assert!(Page::parse(Some(1), Some(MAX_HISTORY_OFFSET + 1), 10)
            .expect("valid")
            .rows_to_read()
            .is_err());
    }

    #[test]
    fn limits_outside_the_range_are_refused_by_name() {
        for (limit, offset, field) in [
            (Some(0), None, "limit"),
            (Some(1001), None, "limit"),
            (None, Some(-1), "offset"),
        ] {
            let err = Page::parse(limit, offset, 100).expect_err("refused");
            assert_eq!(err.body.details.expect("details")["parameter"], field);
        }
        assert_eq!(Page::parse(None, None, 5000).expect("valid").limit, MAX_PAGE_SIZE);
    }
}
