//! Settings: first this reader's own (theme, UTC), then those every console
//! shares: the component catalogue, custom roles, the severity policy, the
//! change freeze, alert routing and the comms desk's policy and templates
//! (each change an event on the workspace stream), and for admins the
//! publishing targets, which live on the server. Only admins change shared
//! settings: for anyone else the controls are disabled, with the reason.
//! Last, the reader's own browser notifications, kept in this browser only.

mod alert_routes;
mod catalogue;
mod comms_policy;
mod freeze;
mod notifications;
mod publishing;
mod reader;
mod roles;
mod severity;
mod templates;

use crate::components::role_gate::{settings_locked, AdminOnlyNote};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::log::access::Role;
use sitrep_core::log::limits;
use sitrep_core::{Event, EventBody, EventId, IncidentId};

#[component]
pub fn Settings() -> impl IntoView {
    let session = use_session();
    let locked = settings_locked();
    view! {
        <section class="page settings">
            <h1>"Settings"</h1>
            <reader::ReaderSettings/>
            <p class="hint">"Below: shared by every console; changes reach the others as soon as they are delivered."</p>
            <AdminOnlyNote/>
            // Every section here writes the workspace stream, which only
            // admins may; for anyone else each control is disabled, and the
            // note above (and each control's tooltip) says why.
            <fieldset class="plain" disabled=move || locked.with(Option::is_some)
                title=move || locked.get()>
            <legend class="visually-hidden">"Settings"</legend>
            <catalogue::Catalogue/>
            <roles::Roles/>
            <severity::SeverityPolicy/>
            <freeze::FreezeSettings/>
            <alert_routes::AlertRoutes/>
            // Targets hold keys and live on the server; only admins see them here.
            <Show when=move || session.role() == Some(Role::Admin)>
                <section class="settings-section" aria-labelledby="settings-admin">
                    <h2 id="settings-admin">"Administration"</h2>
                    <p class="hint">"Held by the server, for admins: "
                        <A href="/admin/accounts">"accounts"</A>", "
                        <A href="/admin/tokens">"API tokens"</A>" and the "
                        <A href="/admin/audit">"audit trail"</A>"."</p>
                </section>
                <publishing::PublishingTargets/>
            </Show>
            <templates::CommsSettings/>
            </fieldset>
            <notifications::NotificationSettings/>
        </section>
    }
}

/// What the backend would refuse about this settings event, as a sentence
/// for the form, so nothing is recorded that cannot be delivered.
fn problem_with(body: &EventBody) -> Option<String> {
    let probe = Event {
        id: EventId("probe".into()),
        incident: IncidentId::workspace(),
        author: "settings".into(),
        at: 0,
        body: body.clone(),
        seq: None,
        received_at: None,
        clock_offset: None,
        number: None,
    };
    limits::check(&probe).err().map(|reason| {
        let mut chars = reason.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        format!("{}{}.", first.unwrap_or_default(), chars.as_str())
    })
}
