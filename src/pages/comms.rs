//! The comms desk page of one incident (`/incidents/:id/comms`): what
//! customers are told, beside a link back to the room.

mod checks;
mod desk;
mod editor;
mod review;
mod social;
mod targets;
mod update;

use crate::components::labels::StatusBadge;
use crate::room::{provide_room_context, use_route_incident, IncidentNotHereYet, RouteIncident};
use desk::CommsDesk;
use leptos::prelude::*;
use leptos_router::components::A;
use sitrep_core::Incident;
use std::sync::Arc;

#[component]
pub fn CommsPage() -> impl IntoView {
    let RouteIncident {
        found: incident,
        current,
        ..
    } = use_route_incident();
    view! {
        <section class="page comms">
            <Show
                when=move || incident.with(Option::is_some)
                fallback=IncidentNotHereYet
            >
                <CommsBody incident=current/>
            </Show>
        </section>
    }
}

#[component]
fn CommsBody(incident: Memo<Arc<Incident>>) -> impl IntoView {
    provide_room_context(incident);
    let room_href = move || format!("/incidents/{}", incident.with(|i| i.id.clone()));
    view! {
        <div class="room-head">
            <h1>{move || format!("Comms desk: {}", incident.with(|i| i.title.clone()))}</h1>
            <div class="facts">
                {move || view! { <StatusBadge status=incident.with(|i| i.status)/> }}
                <A href=room_href>"Back to the incident room"</A>
            </div>
        </div>
        <CommsDesk/>
    }
}
