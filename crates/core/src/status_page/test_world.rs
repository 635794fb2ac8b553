//! A small world for the status page's tests: a catalogue, incidents,
//! and updates published to the own page at chosen times.

use crate::comms::{Channels, Phase};
use crate::incident::Incident;
use crate::log::event::{Event, EventBody};
use crate::status_page::public_page::{build, CatalogueTimes, PageInfo, PublicState};
use crate::vocabulary::{ComponentId, ComponentStatus, EventId, IncidentId, Severity};
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const DAY: i64 = 86_400_000;
/// 2026-11-29T12:00:00Z, the server's clock in these tests.
pub const NOW: i64 = 1_795_953_600_000;

pub fn ev(id: &str, incident: &str, at: i64, body: EventBody) -> Event {
    Event::new(id, incident, "cody", at, body)
}

pub struct World {
    pub workspace: Workspace,
    pub times: CatalogueTimes,
    pub incidents: Vec<Incident>,
}

impl World {
    pub fn new() -> World {
        let mut w = World {
            workspace: Workspace::default(),
            times: CatalogueTimes::default(),
            incidents: Vec::new(),
        };
        for (id, name) in [("api", "Public API"), ("web", "Website <b>")] {
            let e = ev(
                &format!("c-{id}"),
                "workspace",
                NOW - 200 * DAY,
                EventBody::ComponentDefined {
                    component: ComponentId(Arc::from(id)),
                    name: name.into(),
                    group: String::new(),
                },
            );
            w.workspace.apply(&e);
            w.times.apply(&e);
        }
        w
    }

    pub fn declare(&mut self, id: &str, title: &str, at: i64) {
        let mut inc = Incident::new(IncidentId(Arc::from(id)));
        inc.apply(&ev(
            &format!("{id}-d"),
            id,
            at,
            EventBody::Declared {
                title: title.into(),
                severity: Severity::Sev2,
                summary: String::new(),
                started_at: at,
                detected_at: None,
            },
        ));
        self.incidents.push(inc);
    }

    /// Drafts and publishes (to the own page) an update of incident `id`.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &mut self,
        id: &str,
        update: &str,
        at: i64,
        phase: Phase,
        text: &str,
        title: Option<&str>,
        api: ComponentStatus,
    ) {
        let inc = self
            .incidents
            .iter_mut()
            .find(|i| &*i.id.0 == id)
            .expect("declared");
        inc.apply(&ev(
            update,
            id,
            at,
            EventBody::UpdateDrafted {
                phase,
                channels: Channels {
                    status_page: text.into(),
                    ..Channels::default()
                },
                components: BTreeMap::from([(ComponentId(Arc::from("api")), api)]),
                public_title: title.map(str::to_string),
            },
        ));
        inc.apply(&ev(
            &format!("p-{update}"),
            id,
            at,
            EventBody::UpdatePublished {
                update: EventId(Arc::from(update)),
                targets: vec!["own".into()],
                overrides: vec![],
            },
        ));
    }

    pub fn state(&self) -> PublicState {
        build(
            self.incidents.iter(),
            &self.workspace,
            &self.times,
            &PageInfo {
                id: "sitrep".into(),
                name: "Example & Co status".into(),
                url: "https://status.example.com".into(),
            },
            NOW,
        )
    }
}

/// An incident "Checkout errors" (internally "db-7.prod.internal on fire"),
/// published as investigating an hour before `NOW`, the API in major outage.
pub fn outage() -> World {
    let mut w = World::new();
    w.declare("inc-1", "db-7.prod.internal on fire", NOW - 2 * 3_600_000);
    w.publish(
        "inc-1",
        "u1",
        NOW - 3_600_000,
        Phase::Investigating,
        "**Investigating** — errors on checkout. <script>alert(1)</script> [details](javascript:alert(2))",
        Some("Checkout errors"),
        ComponentStatus::MajorOutage,
    );
    w
}
