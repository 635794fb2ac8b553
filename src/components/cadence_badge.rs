//! "Next public update due" for one incident: a badge whose words say what
//! its colour says (due in…, due soon, overdue by…).

use crate::now::use_now;
use crate::reader::when;
use leptos::prelude::*;
use sitrep_core::comms::cadence::{due, Due};
use sitrep_core::comms::policy::CadencePolicy;
use sitrep_core::Incident;
use std::sync::Arc;

#[component]
pub fn CadenceBadge(
    #[prop(into)] incident: Signal<Arc<Incident>>,
    #[prop(into)] policy: Signal<CadencePolicy>,
) -> impl IntoView {
    let now = use_now();
    let state = move || incident.with(|i| due(i, &policy.get(), now.get()));
    move || cadence_badge(state(), now.get_untracked())
}

/// The badge for one state at `now`, drawn once.
pub fn cadence_badge(s: Due, now: i64) -> impl IntoView {
    let title = match s {
        Due::OnTrack { due_at } | Due::Soon { due_at } | Due::Overdue { due_at } => {
            format!("Next public update due {}", when(due_at))
        }
        Due::None => "No public update is due".to_string(),
    };
    view! { <span class=format!("badge {}", s.class()) title=title>{s.label(now)}</span> }
}
