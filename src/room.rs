//! The open incident, shared by the room's panels: its fold, the workspace
//! settings to name things by, and `record` for an event on this incident.

use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use sitrep_core::{EventBody, Incident, IncidentId, Workspace};
use std::sync::Arc;

#[derive(Clone, Copy)]
pub struct Room {
    pub incident: Memo<Arc<Incident>>,
    pub workspace: Memo<Workspace>,
}

impl Room {
    /// Records an event on this incident (stored first, then delivered).
    pub fn record(self, body: EventBody) {
        let replica = use_replica();
        let id = self.incident.with_untracked(|i| i.id.clone());
        spawn_local(async move {
            replica.record(id, body).await;
        });
    }
}

pub fn provide_room_context(incident: Memo<Arc<Incident>>) -> Room {
    let room = Room {
        incident,
        workspace: use_replica().workspace(),
    };
    provide_context(room);
    room
}

pub fn use_room() -> Room {
    expect_context::<Room>()
}

/// The incident a page's `:id` route parameter names, for the pages about
/// one incident (room, comms desk, post-mortem).
#[derive(Clone, Copy)]
pub struct RouteIncident {
    pub id: Memo<IncidentId>,
    /// None until this replica holds its declaration.
    pub found: Memo<Option<Arc<Incident>>>,
    /// One copy per change of the log, which every panel then borrows: a
    /// derived signal would copy a 10,000-entry incident on every read.
    pub current: Memo<Arc<Incident>>,
}

pub fn use_route_incident() -> RouteIncident {
    let replica = use_replica();
    let params = use_params_map();
    let id =
        Memo::new(move |_| IncidentId(params.with(|p| p.get("id").unwrap_or_default()).into()));
    let found = replica.incident(id);
    let current = Memo::new(move |_| {
        found
            .get()
            .unwrap_or_else(|| Arc::new(Incident::new(id.get())))
    });
    RouteIncident { id, found, current }
}

/// What a page about one incident shows before the replica holds it.
#[component]
pub fn IncidentNotHereYet() -> impl IntoView {
    let replica = use_replica();
    view! {
        <p class="empty">
            {move || if replica.loaded.get() {
                "No incident with this id here yet. It appears as soon as the backend sends it."
            } else {
                "Reading the local copy…"
            }}
            " " <A href="/">"Back to incidents"</A>
        </p>
    }
}
