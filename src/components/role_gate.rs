//! Settings controls for admins only: whether this account may use them,
//! and the reason said beside them when it may not (core's
//! `access::settings_refusal`; the server refuses the edits anyway).

use crate::session::use_session;
use leptos::prelude::*;
use sitrep_core::log::access::settings_refusal;

/// Why this account may not change settings; None for admins.
pub fn settings_locked() -> Signal<Option<String>> {
    let session = use_session();
    Signal::derive(move || settings_refusal(session.role()))
}

/// The reason, said once above the disabled controls.
#[component]
pub fn AdminOnlyNote() -> impl IntoView {
    let locked = settings_locked();
    move || {
        locked
            .get()
            .map(|why| view! { <p class="note" role="note" data-testid="admin-only">{why}</p> })
    }
}
