//! The comms desk page of one incident (`/incidents/:id/comms`): what
//! customers are told, beside a link back to the room.

use crate::components::comms_desk::CommsDesk;
use crate::components::labels::StatusBadge;
use crate::replica::use_replica;
use crate::room::provide_room_context;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sitrep_core::{Incident, IncidentId};

#[component]
pub fn CommsPage() -> impl IntoView {
    let replica = use_replica();
    let params = use_params_map();
    let id =
        Memo::new(move |_| IncidentId(params.with(|p| p.get("id").unwrap_or_default()).into()));
    let incident = replica.incident(id);
    let current = Memo::new(move |_| incident.get().unwrap_or_else(|| Incident::new(id.get())));
    view! {
        <section class="page comms">
            <Show
                when=move || incident.with(Option::is_some)
                fallback=move || view! {
                    <p class="empty">
                        {move || if replica.loaded.get() {
                            "No incident with this id here yet. It appears as soon as the backend sends it."
                        } else {
                            "Reading the local copy…"
                        }}
                        " " <A href="/">"Back to incidents"</A>
                    </p>
                }
            >
                <CommsBody incident=current/>
            </Show>
        </section>
    }
}

#[component]
fn CommsBody(incident: Memo<Incident>) -> impl IntoView {
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
