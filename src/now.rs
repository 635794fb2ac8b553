//! "Now", ticking every 15 seconds, for reminders that turn amber and red
//! while nobody touches the page (the update cadence).

use crate::browser::now_ms;
use leptos::prelude::*;
use std::time::Duration;

const TICK: Duration = Duration::from_secs(15);

#[derive(Clone, Copy)]
pub struct Now(pub RwSignal<i64>);

pub fn provide_now_context() {
    let now = Now(RwSignal::new(now_ms()));
    provide_context(now);
    let _ = set_interval_with_handle(move || now.0.set(now_ms()), TICK);
}

/// The ticking time; outside the app (a test mounting one component) a
/// still clock.
pub fn use_now() -> RwSignal<i64> {
    use_context::<Now>()
        .map(|n| n.0)
        .unwrap_or_else(|| RwSignal::new(now_ms()))
}
