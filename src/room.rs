//! The open incident, shared by the room's panels: its fold, the workspace
//! settings to name things by, and `record` for an event on this incident.

use crate::replica::use_replica;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::{EventBody, Incident, Workspace};

#[derive(Clone, Copy)]
pub struct Room {
    pub incident: Memo<Incident>,
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

pub fn provide_room_context(incident: Memo<Incident>) -> Room {
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
