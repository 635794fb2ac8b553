//! `GET /api/v1/freeze`: whether a change freeze is on, for deploy tools.
//! Folds the log (the workspace stream and every incident) on each call; the
//! decision itself is `sitrep_core::aftermath::freeze`. Also refuses a
//! maintenance that goes ahead during a freeze without a reason.

use crate::auth::Reader;
use crate::reply::{self, ApiError};
use crate::storage::{DbError, EventStore};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sitrep_core::aftermath::freeze;
use sitrep_core::aftermath::freeze::{FreezeReport, FreezeSettings};
use sitrep_core::aftermath::maintenance_freeze;
use sitrep_core::{Event, EventBody, Incident, IncidentId, Workspace};
use std::collections::HashMap;

/// Events read per query while folding.
const PAGE: usize = 1000;

pub async fn handler(
    State(state): State<AppState>,
    _reader: Reader,
) -> Result<Json<FreezeReport>, ApiError> {
    let now = crate::clock::now_ms();
    let report = reply::blocking(&state, move |log| {
        let (settings, incidents) = fold(log)?;
        let active = freeze::active_at(&settings, incidents.values(), now);
        Ok(FreezeReport::of(active.as_ref()))
    })
    .await?;
    Ok(Json(report))
}

/// Maintenance planned or started during a freeze must say why (core's
/// `maintenance_freeze`, which the console applies too): the first event of
/// the batch that does not is refused with the freeze it meets. The log is
/// folded only for batches that hold such an event, which are rare.
pub async fn refuse_unexplained_maintenance(
    state: &AppState,
    events: &[Event],
) -> Result<(), ApiError> {
    let concerned = |e: &Event| {
        matches!(
            e.body,
            EventBody::MaintenancePlanned { .. } | EventBody::MaintenanceStarted { .. }
        ) && maintenance_freeze::reason_given(&e.body).is_none()
    };
    if !events.iter().any(concerned) {
        return Ok(());
    }
    let batch: Vec<Event> = events.iter().filter(|e| concerned(e)).cloned().collect();
    let refused = reply::blocking(state, move |log| {
        let (settings, incidents) = fold(log)?;
        Ok(batch.into_iter().find_map(|ev| {
            maintenance_freeze::refusal(&settings, incidents.values(), &ev.body, ev.at)
                .map(|why| (ev.id, why))
        }))
    })
    .await?;
    match refused {
        Some((id, why)) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, why).about(id)),
        None => Ok(()),
    }
}

/// The freeze settings (workspace stream) and every incident, folded from
/// the stored log.
fn fold(log: &dyn EventStore) -> Result<(FreezeSettings, HashMap<IncidentId, Incident>), DbError> {
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
    Ok((workspace.freeze, incidents))
}
