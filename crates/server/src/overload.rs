//! The door for writes: more events than the server can deliver are
//! refused at once (503 with Retry-After, which the console's outbox
//! waits out and then resends) rather than queued, so deliveries never fall
//! seconds behind and memory stays bounded whatever the offered rate.
//!
//! Two things close it: the live streams falling behind (the fan-out's
//! lag, measured on streams that are not waiting on their own sockets), and
//! too many events already admitted that wait for their commit.

use crate::fanout::Fanout;
use crate::reply::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Deliveries this far behind close the door: the budget is 50 ms at the
/// rated load and 1 s under any load, and what is admitted before the door
/// closes still has to go out.
pub const SHED_LAG: Duration = Duration::from_millis(200);

/// Events admitted and not yet answered (parsed, checked, waiting for or in
/// their commit) beyond which new batches wait outside: about a second of
/// commits at the rated 5,000 events/s, a few MB of memory.
pub const MAX_WAITING_EVENTS: usize = 10_000;

/// How long a refused client is asked to wait.
const RETRY_AFTER_SECS: u64 = 1;

#[derive(Clone, Default)]
pub struct Door {
    waiting: Arc<AtomicUsize>,
}

/// A batch's place inside; the count drops when it is answered.
#[derive(Debug)]
pub struct Admitted {
    waiting: Arc<AtomicUsize>,
    events: usize,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.waiting.fetch_sub(self.events, Ordering::Relaxed);
    }
}

impl Door {
    /// Whether deliveries keep up: checked before anything is read.
    pub fn open(&self, live: &Fanout) -> Result<(), ApiError> {
        let lag = live.lag();
        if lag > SHED_LAG {
            return Err(ApiError::busy(
                format!(
                    "the server is {} ms behind delivering events to consoles; try again in {RETRY_AFTER_SECS} s",
                    lag.as_millis()
                ),
                RETRY_AFTER_SECS,
            ));
        }
        Ok(())
    }

    /// A place for a batch of `events`, unless too many wait already. A
    /// batch bigger than the whole allowance gets in when nothing waits.
    pub fn enter(&self, events: usize) -> Result<Admitted, ApiError> {
        let before = self.waiting.fetch_add(events, Ordering::Relaxed);
        let admitted = Admitted {
            waiting: self.waiting.clone(),
            events,
        };
        if before > 0 && before + events > MAX_WAITING_EVENTS {
            drop(admitted);
            return Err(ApiError::busy(
                format!(
                    "{before} events are waiting to be stored; try again in {RETRY_AFTER_SECS} s"
                ),
                RETRY_AFTER_SECS,
            ));
        }
        Ok(admitted)
    }

    /// Events admitted and not yet answered.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// Sheds a write before anything of it is read, the caller's credentials
/// included (a route layer on `POST /api/v1/events`).
pub async fn shed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.door.open(&state.live) {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_wait_outside_while_too_many_events_are_inside_and_get_in_as_they_leave() {
        let door = Door::default();
        let a = door.enter(MAX_WAITING_EVENTS - 10).expect("room");
        let refused = door.enter(20).expect_err("over the allowance");
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.into_response().headers()["retry-after"], "1");
        assert_eq!(
            door.waiting(),
            MAX_WAITING_EVENTS - 10,
            "a refusal holds no place"
        );
        let b = door.enter(10).expect("exactly full");
        drop(a);
        assert_eq!(door.waiting(), 10);
        drop(b);
        assert!(
            door.enter(MAX_WAITING_EVENTS * 2).is_ok(),
            "alone, even an oversized batch"
        );
    }

    #[test]
    fn the_door_is_open_while_nobody_is_behind() {
        assert!(Door::default().open(&Fanout::default()).is_ok());
    }
}
