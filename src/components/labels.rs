//! Small presentational pieces shared by the list and the room.

use crate::session::use_session;
use leptos::prelude::*;
use sitrep_core::{Severity, Status};

#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! { <span class=format!("badge {}", severity.wire())>{severity.label()}</span> }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge status {}", status.wire())>{status.label()}</span> }
}

/// Said above writing controls a viewer sees disabled.
#[component]
pub fn ReadOnlyNote() -> impl IntoView {
    let session = use_session();
    move || {
        (!session.can_write()).then(|| view! {
            <p class="note" role="note">"You are signed in as a viewer: you can read but not change incidents."</p>
        })
    }
}
