//! sitrep-server's own figures for `GET /metrics` (served by `intake`):
//! one registry for the whole process, which the modules doing the work
//! count into. Open incidents and the change freeze are set at scrape time
//! from the incremental fold the status page keeps. Imports no handler.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sitrep_core::aftermath::freeze;
use sitrep_core::{Incident, Severity, Workspace};
use std::sync::LazyLock;

pub struct Metrics {
    registry: Registry,
    /// Events newly stored from clients' POSTs.
    pub events_accepted: IntCounter,
    /// POSTs of events refused, by HTTP status.
    pub events_refused: IntCounterVec,
    pub stream_clients: IntGauge,
    /// Events queued for a stream client when its sender wakes.
    pub stream_queue: Histogram,
    /// Stream clients that fell behind and were caught up from storage.
    pub stream_resyncs: IntCounter,
    /// Delivery reports by target and state.
    pub deliveries: IntCounterVec,
    /// Polls of watched upstream pages by provider and outcome.
    pub upstream_polls: IntCounterVec,
    pub sign_in_failures: IntCounterVec,
    /// Alerts posted, by source and what became of them.
    pub alerts: IntCounterVec,
    /// Alert payloads by source and answer.
    pub alert_payloads: IntCounterVec,
    pub alert_groups_firing: IntGauge,
    pub alert_groups_in_inbox: IntGauge,
    /// Alerts waiting for their group's next event (see `alerts::pacing`).
    pub alerts_waiting: IntGauge,
    pub incidents_open: IntGaugeVec,
    pub freeze_active: IntGauge,
}

fn counter(r: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("a valid metric");
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

fn counters(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

fn gauge(r: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("a valid metric");
    r.register(Box::new(g.clone())).expect("registered once");
    g
}

impl Metrics {
    fn new() -> Metrics {
        let r = Registry::new();
        let stream_queue = Histogram::with_opts(
            HistogramOpts::new(
                "sitrep_stream_send_queue_events",
                "Events waiting for a stream client each time its sender wakes (send queue lag)",
            )
            .buckets(vec![0.0, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0]),
        )
        .expect("a valid metric");
        r.register(Box::new(stream_queue.clone()))
            .expect("registered once");
        let incidents_open = IntGaugeVec::new(
            Opts::new(
                "sitrep_incidents_open",
                "Declared incidents not resolved, by severity",
            ),
            &["severity"],
        )
        .expect("a valid metric");
        r.register(Box::new(incidents_open.clone()))
            .expect("registered once");
        Metrics {
            events_accepted: counter(
                &r,
                "sitrep_events_accepted_total",
                "Events newly stored from clients",
            ),
            events_refused: counters(
                &r,
                "sitrep_event_posts_refused_total",
                "POSTs of events refused, by HTTP status",
                &["status"],
            ),
            stream_clients: gauge(&r, "sitrep_stream_clients", "Open websocket streams"),
            stream_queue,
            stream_resyncs: counter(
                &r,
                "sitrep_stream_resyncs_total",
                "Stream clients that fell behind and were caught up from storage",
            ),
            deliveries: counters(
                &r,
                "sitrep_publish_deliveries_total",
                "Delivery reports of published updates, by target and state",
                &["target", "state"],
            ),
            upstream_polls: counters(
                &r,
                "sitrep_upstream_polls_total",
                "Polls of watched upstream status pages, by provider and outcome",
                &["provider", "outcome"],
            ),
            sign_in_failures: counters(
                &r,
                "sitrep_sign_in_failures_total",
                "Failed sign-ins, by reason",
                &["reason"],
            ),
            alerts: counters(
                &r,
                "sitrep_alerts_total",
                "Alerts posted to the intake, by source and outcome (new, duplicate, omitted)",
                &["source", "outcome"],
            ),
            alert_payloads: counters(
                &r,
                "sitrep_alert_payloads_total",
                "Alert payloads, by source and answer (accepted, refused, busy)",
                &["source", "answer"],
            ),
            alert_groups_firing: gauge(
                &r,
                "sitrep_alert_groups_firing",
                "Alert groups with an alert firing",
            ),
            alert_groups_in_inbox: gauge(
                &r,
                "sitrep_alert_groups_inbox",
                "Firing alert groups nobody attached or dismissed yet",
            ),
            alerts_waiting: gauge(
                &r,
                "sitrep_alerts_waiting",
                "Alerts waiting for their group's next event",
            ),
            incidents_open,
            freeze_active: gauge(
                &r,
                "sitrep_change_freeze_active",
                "1 while a change freeze is on",
            ),
            registry: r,
        }
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Sets the gauges read from the incidents and the workspace (open
/// incidents by severity, the change freeze) for a scrape at `now`.
pub fn observe_log<'a>(
    incidents: impl Iterator<Item = &'a Incident> + Clone,
    workspace: &Workspace,
    now: i64,
) {
    let m = metrics();
    for s in Severity::ALL {
        let open = incidents
            .clone()
            .filter(|i| i.declared && i.severity == s && i.status.is_open())
            .count();
        m.incidents_open
            .with_label_values(&[s.wire()])
            .set(open as i64);
    }
    let active = freeze::active_at(&workspace.freeze, incidents, now).is_some();
    m.freeze_active.set(i64::from(active));
}

/// Everything in the registry, in Prometheus's text format.
pub fn text() -> Result<Vec<u8>, String> {
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&metrics().registry.gather(), &mut text)
        .map_err(|e| e.to_string())?;
    Ok(text)
}
