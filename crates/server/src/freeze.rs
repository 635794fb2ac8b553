//! `GET /api/v1/freeze`: whether a change freeze is on, for deploy tools.
//! Folds the log (the workspace stream and every incident) on each call; the
//! decision itself is `sitrep_core::aftermath::freeze`.

use crate::auth::Reader;
use crate::reply::{self, ApiError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use sitrep_core::aftermath::freeze;
use sitrep_core::aftermath::freeze::FreezeReport;
use sitrep_core::{Incident, IncidentId, Workspace};
use std::collections::HashMap;

/// Events read per query while folding.
const PAGE: usize = 1000;

pub async fn handler(
    State(state): State<AppState>,
    _reader: Reader,
) -> Result<Json<FreezeReport>, ApiError> {
    let now = crate::clock::now_ms();
    let report = reply::blocking(&state, move |log| {
        let mut workspace = Workspace::default();
        let mut incidents: HashMap<IncidentId, Incident> = HashMap::new();
        let mut after = 0;
        loop {
            let page = log.page(after, PAGE)?;
            let Some(last) = page.events.last().and_then(|e| e.seq) else {
                break;
            };
            for ev in &page.events {
                if ev.incident.is_workspace() {
                    workspace.apply(ev);
                } else if ev.incident.is_incident() {
                    incidents
                        .entry(ev.incident.clone())
                        .or_insert_with(|| Incident::new(ev.incident.clone()))
                        .apply(ev);
                }
            }
            after = last;
        }
        let active = freeze::active_at(&workspace.freeze, incidents.values(), now);
        Ok(FreezeReport::of(active.as_ref()))
    })
    .await?;
    Ok(Json(report))
}
