//! [`Pages`]: a stream of the pages of a list operation.
//!
//! The `*_pages` functions fetch one page after another: offset/limit lists stop
//! at an empty page or one shorter than the page size; the cursor-paged
//! `files_list` stops when the response has no next cursor. The first error is
//! the last item.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Error;

type PageFuture<R, C> = Pin<Box<dyn Future<Output = Result<(R, C), Error>> + Send>>;
type Fetch<R, C> = Box<dyn FnMut(C) -> PageFuture<R, C> + Send>;

/// A stream of pages (`futures_core::Stream<Item = Result<R, Error>>`), fetched one at a time.
pub struct Pages<R> {
    inner: Inner<R>,
}

enum Inner<R> {
    Offset { fetch: Fetch<R, i64>, state: State<R, i64>, page_size: i64 },
    Cursor { fetch: Fetch<R, Option<String>>, state: State<R, Option<String>> },
}

enum State<R, C> {
    Next(C),
    Fetching(PageFuture<R, C>, C),
    Done,
}

impl<R> Pages<R> {
    /// Pages by offset: `fetch(offset)` returns the page and how many items it holds.
    pub(crate) fn offset<F>(start: i64, page_size: i64, fetch: F) -> Self
    where
        F: FnMut(i64) -> PageFuture<R, i64> + Send + 'static,
    {
        Pages { inner: Inner::Offset { fetch: Box::new(fetch), state: State::Next(start.max(0)), page_size } }
    }

    /// Pages by cursor: `fetch(cursor)` returns the page and the next cursor.
    pub(crate) fn cursor<F>(start: Option<String>, fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> PageFuture<R, Option<String>> + Send + 'static,
    {
        Pages { inner: Inner::Cursor { fetch: Box::new(fetch), state: State::Next(start) } }
    }

    /// The next page, or `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<R, Error>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<R, Error>>> {
        match &mut self.inner {
            Inner::Offset { fetch, state, page_size } => {
                let page_size = *page_size;
                poll(fetch, state, cx, |offset, items: &i64| {
                    // Items counted by the fetch; stop on an empty or short page.
                    (*items > 0 && *items >= page_size).then_some(offset + *items)
                })
            }
            Inner::Cursor { fetch, state } => poll(fetch, state, cx, |_, next: &Option<String>| {
                next.as_ref().filter(|c| !c.trim().is_empty()).map(|c| Some(c.clone()))
            }),
        }
    }
}

/// Drives one page fetch; `advance(current, reported)` gives the next cursor, or `None` to stop.
fn poll<R, C: Clone>(
    fetch: &mut Fetch<R, C>,
    state: &mut State<R, C>,
    cx: &mut Context<'_>,
    advance: impl Fn(C, &C) -> Option<C>,
) -> Poll<Option<Result<R, Error>>> {
    loop {
        match std::mem::replace(state, State::Done) {
            State::Done => return Poll::Ready(None),
            State::Next(c) => *state = State::Fetching(fetch(c.clone()), c),
            State::Fetching(mut fut, c) => match fut.as_mut().poll(cx) {
                Poll::Pending => {
                    *state = State::Fetching(fut, c);
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Ok((page, reported))) => {
                    if let Some(next) = advance(c, &reported) {
                        *state = State::Next(next);
                    }
                    return Poll::Ready(Some(Ok(page)));
                }
            },
        }
    }
}

impl<R> futures_core::Stream for Pages<R> {
    type Item = Result<R, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

impl<R> fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = match &self.inner {
            Inner::Offset { state, .. } => matches!(state, State::Done),
            Inner::Cursor { state, .. } => matches!(state, State::Done),
        };
        f.debug_struct("Pages").field("done", &done).finish_non_exhaustive()
    }
}
