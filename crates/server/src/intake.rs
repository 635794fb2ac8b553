//! The monitoring side's endpoints: `POST /api/v1/alerts/alertmanager`
//! (Alertmanager's webhook, version 4), `/api/v1/alerts/grafana` (Grafana
//! alerting's webhook) and `/api/v1/alerts` (Sitrep's generic format), for
//! monitor tokens only; and `GET /metrics` for monitor tokens and admins. A payload is read whole and
//! checked (core's `alerts::intake`) before anything is stored: a bad one is
//! a 400 and stores nothing.

use crate::accounts::Caller;
use crate::alerts::Refusal;
use crate::metrics::metrics;
use crate::reply::{self, ApiError};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sitrep_core::alerts::intake::{self, MAX_BODY_BYTES};
use sitrep_core::alerts::model::AlertSource;
use sitrep_core::alerts::model::IntakeReply;

pub async fn generic(
    state: State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IntakeReply>, ApiError> {
    take(state, caller, headers, body, AlertSource::Generic).await
}

pub async fn alertmanager(
    state: State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IntakeReply>, ApiError> {
    take(state, caller, headers, body, AlertSource::Alertmanager).await
}

pub async fn grafana(
    state: State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IntakeReply>, ApiError> {
    take(state, caller, headers, body, AlertSource::Grafana).await
}

/// Counts a payload by its source and outcome.
fn count(source: AlertSource, outcome: &str) {
    metrics()
        .alert_payloads
        .with_label_values(&[source.wire(), outcome])
        .inc();
}

async fn take(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
    source: AlertSource,
) -> Result<Json<IntakeReply>, ApiError> {
    let refused = |status: StatusCode, why: String| {
        count(source, "refused");
        ApiError::new(status, why)
    };
    if !caller.role.sends_alerts() {
        count(source, "refused");
        return Err(caller.forbidden(
            "alerts are posted with the token of a monitor account (sitrep-server account create --role monitor)",
        ));
    }
    if reply::expect_json(&headers).is_err() {
        return Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json".into(),
        ));
    }
    let bytes = reply::read_limited(body, MAX_BODY_BYTES, "the body")
        .await
        .inspect_err(|_| count(source, "refused"))?;
    let received = intake::parse(source, &bytes, crate::clock::now_ms())
        .map_err(|why| refused(StatusCode::BAD_REQUEST, why.0))?;
    let sender: std::sync::Arc<str> = caller.name.as_str().into();
    match state.alerts.submit(received, sender).await {
        Ok(reply) => {
            count(source, "accepted");
            Ok(Json(reply))
        }
        Err(Refusal::Busy) => {
            count(source, "busy");
            Err(ApiError::busy(
                "too many alert groups are waiting to be stored; try again in a second",
                1,
            ))
        }
        Err(Refusal::NotStored(why)) => Err(refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the alerts were not stored ({why}); send them again"),
        )),
    }
}

/// `GET /metrics` (monitor or admin): Prometheus's text format.
pub async fn scrape(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if !caller.role.scrapes_metrics() {
        return Err(caller.forbidden("/metrics is for monitor accounts and admins"));
    }
    let public = state.relay.public.clone();
    let now = crate::clock::now_ms();
    reply::blocking(&state, move |log| {
        public.with_folded(log, |f| {
            crate::metrics::observe_log(f.incidents.values(), &f.workspace, now)
        })
    })
    .await?;
    state.alerts.gauges();
    let text = crate::metrics::text().map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
