//! Small presentational pieces shared by the list and the room.

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
