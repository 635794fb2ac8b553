//! Where customer updates can be published: the list sitrep-server offers
//! (`GET /api/v1/publish/targets`), or only its own status page when that
//! list cannot be had, which the desk then says.

use crate::api::{self, ApiFailure};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sitrep_core::log::protocol::PublishTarget;
use sitrep_core::status_page::publishing::{TargetKind, OWN};

#[derive(Clone, Copy)]
pub struct Targets {
    pub list: RwSignal<Vec<PublishTarget>>,
    /// Why only the own status page is offered, when the list failed.
    pub problem: RwSignal<Option<String>>,
}

fn own() -> PublishTarget {
    PublishTarget {
        id: OWN.into(),
        name: "Own status page".into(),
        kind: TargetKind::Own.wire().into(),
        base_url: String::new(),
        page_id: String::new(),
        components: Default::default(),
        key_set: false,
        configured: true,
    }
}

pub fn provide_targets() -> Targets {
    let targets = Targets {
        list: RwSignal::new(vec![own()]),
        problem: RwSignal::new(None),
    };
    provide_context(targets);
    spawn_local(async move {
        match api::get_publish_targets().await {
            Ok(list) if !list.is_empty() => targets.list.set(list),
            Ok(_) => targets.problem.set(Some(
                "The server lists no publishing targets; offering its own status page only.".into(),
            )),
            Err(e) => {
                let why = match e {
                    ApiFailure::Unreachable(w) | ApiFailure::Degraded(w) => w,
                    ApiFailure::Refused { error, .. } => error,
                    ApiFailure::SignedOut => "signed out".into(),
                };
                targets.problem.set(Some(format!(
                    "Could not load the publishing targets ({why}); offering the server's own status page only."
                )));
            }
        }
    });
    targets
}

pub fn use_targets() -> Targets {
    expect_context::<Targets>()
}

impl Targets {
    /// A target's name for display; an id no longer listed says so.
    pub fn name(self, id: &str) -> String {
        self.list.with(|l| {
            l.iter()
                .find(|t| t.id == id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| format!("Unlisted target ({id})"))
        })
    }
}
