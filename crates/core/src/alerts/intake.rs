//! What alert senders post, read strictly into one shape: Alertmanager's
//! webhook (version 4), Grafana alerting's webhook, and Sitrep's small
//! generic format. Sizes are held here, so nothing a sender writes can make
//! an event too big to store or send to consoles.

use crate::alerts::model::{Alert, AlertSource, AlertStatus, GenericPayload as Generic, Labels};
pub use crate::alerts::model::{
    MAX_ALERTS, MAX_ANNOTATIONS, MAX_ANNOTATION_BYTES, MAX_FINGERPRINT_BYTES, MAX_GROUP_BYTES,
    MAX_LABELS, MAX_LABEL_NAME_BYTES, MAX_LABEL_VALUE_BYTES, MAX_URL_BYTES,
};
use crate::time::utc;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Largest body an intake endpoint reads: Alertmanager sends a whole group
/// each time, and a group of thousands of alerts runs to megabytes.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How far ahead of the server's clock a start may lie (senders' clocks drift).
pub const AHEAD_MS: i64 = 86_400_000;

/// One payload, whatever its format: the alerts of one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub source: AlertSource,
    /// The group's id in Sitrep: the source and the sender's group key, so
    /// two Alertmanagers of one HA pair land in one group, and Grafana's
    /// key never meets Alertmanager's.
    pub group: String,
    /// The sender's receiver (route) name, when it gives one.
    pub receiver: String,
    /// The labels the sender grouped by.
    pub group_labels: Labels,
    pub alerts: Vec<Alert>,
    /// Alerts the sender left out of the payload (Alertmanager's `truncatedAlerts`).
    pub truncated: u64,
}

/// Why a payload was refused: a sentence for the sender's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The group id for a sender's group key.
pub fn group_id(source: AlertSource, key: &str) -> String {
    format!("{}:{key}", source.wire())
}

/// Alertmanager's and Grafana's webhook bodies: Grafana's is Alertmanager's
/// with more fields, which are not needed here and so are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    version: String,
    group_key: String,
    #[serde(default)]
    truncated_alerts: u64,
    #[serde(default)]
    receiver: String,
    #[serde(default)]
    group_labels: BTreeMap<String, String>,
    alerts: Vec<WebhookAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookAlert {
    status: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    #[serde(default)]
    fingerprint: String,
}

/// Reads a payload of `source`'s format; `now` is the server's clock.
pub fn parse(source: AlertSource, body: &[u8], now: i64) -> Result<Received, Refused> {
    match source {
        AlertSource::Alertmanager | AlertSource::Grafana => webhook(source, body, now),
        AlertSource::Generic => generic(body, now),
    }
}

fn webhook(source: AlertSource, body: &[u8], now: i64) -> Result<Received, Refused> {
    let hook: Webhook = serde_json::from_slice(body).map_err(|e| {
        Refused(format!(
            "not {} webhook JSON: {e}",
            if source == AlertSource::Grafana {
                "a Grafana"
            } else {
                "an Alertmanager"
            }
        ))
    })?;
    // Alertmanager's payload version; Grafana writes "1" for its own.
    let expected = if source == AlertSource::Grafana {
        "1"
    } else {
        "4"
    };
    if hook.version != expected {
        return Err(Refused(format!(
            "payload version {:?}; this endpoint reads version {expected}",
            hook.version
        )));
    }
    group_key(&hook.group_key)?;
    check_count(hook.alerts.len())?;
    let mut alerts = Vec::with_capacity(hook.alerts.len());
    for (i, a) in hook.alerts.into_iter().enumerate() {
        let at = |what: &str| format!("alert {i}: {what}");
        let status = status(&a.status).ok_or_else(|| {
            Refused(at(&format!(
                "status {:?} is neither \"firing\" nor \"resolved\"",
                a.status
            )))
        })?;
        let starts_at = utc::parse_rfc3339(&a.starts_at).ok_or_else(|| {
            Refused(at(&format!(
                "startsAt {:?} is not an RFC 3339 time",
                a.starts_at
            )))
        })?;
        // Go's zero time (year 1) means "no end": read as absent.
        let ends_at = utc::parse_rfc3339(&a.ends_at).filter(|t| *t > 0);
        let fingerprint = if a.fingerprint.is_empty() {
            fingerprint_of(&a.labels)
        } else {
            a.fingerprint
        };
        alerts.push(
            alert(
                fingerprint,
                status,
                a.labels,
                a.annotations,
                starts_at,
                ends_at,
                a.generator_url,
                now,
            )
            .map_err(|e| Refused(at(&e)))?,
        );
    }
    Ok(Received {
        source,
        group: group_id(source, &hook.group_key),
        receiver: cut(&hook.receiver, 128),
        group_labels: labels(hook.group_labels)
            .map_err(|e| Refused(format!("groupLabels: {e}")))?,
        alerts,
        truncated: hook.truncated_alerts,
    })
}

fn generic(body: &[u8], now: i64) -> Result<Received, Refused> {
    let g: Generic = serde_json::from_slice(body)
        .map_err(|e| Refused(format!("not Sitrep's generic alert JSON: {e}")))?;
    check_count(g.alerts.len())?;
    let mut alerts = Vec::with_capacity(g.alerts.len());
    for (i, a) in g.alerts.into_iter().enumerate() {
        let at = |what: &str| format!("alert {i}: {what}");
        let mut labels = a.labels;
        if let Some(name) = a.name {
            labels.entry("alertname".into()).or_insert(name);
        }
        if labels.get("alertname").is_none_or(|n| n.trim().is_empty()) {
            return Err(Refused(at("needs a name (or an alertname label)")));
        }
        let status = match a.status.as_deref() {
            None => AlertStatus::Firing,
            Some(s) => status(s).ok_or_else(|| {
                Refused(at(&format!(
                    "status {s:?} is neither \"firing\" nor \"resolved\""
                )))
            })?,
        };
        let fingerprint = a.fingerprint.unwrap_or_else(|| fingerprint_of(&labels));
        alerts.push(
            alert(
                fingerprint,
                status,
                labels,
                a.annotations,
                a.starts_at.unwrap_or(now),
                a.ends_at,
                a.url.unwrap_or_default(),
                now,
            )
            .map_err(|e| Refused(at(&e)))?,
        );
    }
    // Without a group, alerts of one name group together (what
    // Alertmanager's default route does).
    let key = match g.group {
        Some(k) => k,
        None => {
            let names: std::collections::BTreeSet<&str> = alerts.iter().map(|a| a.name()).collect();
            if names.len() > 1 {
                return Err(Refused(
                    "alerts of different names need a \"group\" to land in one group; post them separately or name the group".into(),
                ));
            }
            names.into_iter().next().unwrap_or_default().to_string()
        }
    };
    group_key(&key)?;
    let group_labels = match alerts.first() {
        Some(a) => BTreeMap::from([("alertname".to_string(), a.name().to_string())]),
        None => BTreeMap::new(),
    };
    Ok(Received {
        source: AlertSource::Generic,
        group: group_id(AlertSource::Generic, &key),
        receiver: String::new(),
        group_labels,
        alerts,
        truncated: 0,
    })
}

fn group_key(key: &str) -> Result<(), Refused> {
    if key.trim().is_empty() {
        return Err(Refused("the group key is empty".into()));
    }
    if key.len() > MAX_GROUP_BYTES {
        return Err(Refused(format!(
            "the group key is {} bytes; the limit is {MAX_GROUP_BYTES}",
            key.len()
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(Refused("the group key has control characters".into()));
    }
    Ok(())
}

fn check_count(n: usize) -> Result<(), Refused> {
    if n > MAX_ALERTS {
        return Err(Refused(format!(
            "{n} alerts in one payload; the limit is {MAX_ALERTS}"
        )));
    }
    Ok(())
}

fn status(s: &str) -> Option<AlertStatus> {
    match s {
        "firing" => Some(AlertStatus::Firing),
        "resolved" => Some(AlertStatus::Resolved),
        _ => None,
    }
}

/// One alert, checked: labels identify it and are refused when too big;
/// annotations and the link are cut to size.
#[allow(clippy::too_many_arguments)]
fn alert(
    fingerprint: String,
    status: AlertStatus,
    labels_in: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    starts_at: i64,
    ends_at: Option<i64>,
    url: String,
    now: i64,
) -> Result<Alert, String> {
    if fingerprint.is_empty()
        || fingerprint.len() > MAX_FINGERPRINT_BYTES
        || fingerprint.chars().any(char::is_control)
    {
        return Err(format!(
            "the fingerprint must be 1–{MAX_FINGERPRINT_BYTES} printable bytes"
        ));
    }
    let latest = now.saturating_add(AHEAD_MS);
    if !(crate::log::limits::EARLIEST_MS..=latest).contains(&starts_at) {
        return Err(format!(
            "the start ({starts_at} ms) is not between 2000-01-01 and a day from now"
        ));
    }
    let labels = labels(labels_in)?;
    let ends_at = match status {
        AlertStatus::Firing => None,
        // A resolved alert without an end ended when we heard of it.
        AlertStatus::Resolved => Some(ends_at.unwrap_or(now).clamp(starts_at, latest)),
    };
    let annotations = annotations
        .into_iter()
        .filter(|(k, _)| !k.is_empty() && k.len() <= MAX_LABEL_NAME_BYTES)
        .take(MAX_ANNOTATIONS)
        .map(|(k, v)| (k, cut(&v, MAX_ANNOTATION_BYTES)))
        .collect();
    let url = if url.len() <= MAX_URL_BYTES
        && (url.starts_with("https://") || url.starts_with("http://"))
    {
        url
    } else {
        String::new()
    };
    Ok(Alert {
        fingerprint,
        status,
        labels,
        annotations,
        starts_at,
        ends_at,
        url,
    })
}

fn labels(labels: BTreeMap<String, String>) -> Result<Labels, String> {
    if labels.len() > MAX_LABELS {
        return Err(format!(
            "{} labels; the limit is {MAX_LABELS}",
            labels.len()
        ));
    }
    for (k, v) in &labels {
        if k.is_empty() || k.len() > MAX_LABEL_NAME_BYTES {
            return Err(format!(
                "a label name must be 1–{MAX_LABEL_NAME_BYTES} bytes"
            ));
        }
        if v.len() > MAX_LABEL_VALUE_BYTES {
            return Err(format!(
                "the label {k} is {} bytes; the limit is {MAX_LABEL_VALUE_BYTES}",
                v.len()
            ));
        }
    }
    Ok(labels)
}

/// At most `max` bytes, cut at a character boundary with an ellipsis.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A fingerprint made from the labels (FNV-1a, 64 bits, hex), for senders
/// that give none: the same labels always make the same fingerprint.
pub fn fingerprint_of(labels: &BTreeMap<String, String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23T14:00:00Z
    const NOW: i64 = 1_795_442_400_000;

    fn alertmanager(alerts: &str) -> String {
        format!(
            r#"{{"version":"4","groupKey":"{{}}:{{alertname=\"HighErrorRate\"}}","truncatedAlerts":0,
            "status":"firing","receiver":"sitrep","groupLabels":{{"alertname":"HighErrorRate"}},
            "commonLabels":{{"alertname":"HighErrorRate"}},"commonAnnotations":{{}},
            "externalURL":"http://am.example:9093","alerts":[{alerts}]}}"#
        )
    }

    const FIRING: &str = r#"{"status":"firing","labels":{"alertname":"HighErrorRate","service":"checkout"},
        "annotations":{"summary":"5xx over 5%"},"startsAt":"2026-11-23T13:58:00.250Z",
        "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom.example/graph?g0.expr=x",
        "fingerprint":"a1b2c3d4e5f60718"}"#;

    #[test]
    fn an_alertmanager_payload_reads_into_one_group_with_its_alerts() {
        let r = parse(
            AlertSource::Alertmanager,
            alertmanager(FIRING).as_bytes(),
            NOW,
        )
        .unwrap();
        assert_eq!(r.group, r#"alertmanager:{}:{alertname="HighErrorRate"}"#);
        assert_eq!(r.receiver, "sitrep");
        assert_eq!(r.alerts.len(), 1);
        let a = &r.alerts[0];
        assert_eq!(a.fingerprint, "a1b2c3d4e5f60718");
        assert_eq!(a.status, AlertStatus::Firing);
        assert_eq!(a.starts_at, NOW - 120_000 + 250);
        assert_eq!(a.ends_at, None, "a firing alert has no end yet");
        assert_eq!(a.summary(), Some("5xx over 5%"));
        assert_eq!(a.labels["service"], "checkout");
    }

    #[test]
    fn a_resolved_alert_keeps_its_end() {
        let resolved = FIRING
            .replace(r#""status":"firing""#, r#""status":"resolved""#)
            .replace("0001-01-01T00:00:00Z", "2026-11-23T13:59:30Z");
        let r = parse(
            AlertSource::Alertmanager,
            alertmanager(&resolved).as_bytes(),
            NOW,
        )
        .unwrap();
        assert_eq!(r.alerts[0].status, AlertStatus::Resolved);
        assert_eq!(r.alerts[0].ends_at, Some(NOW - 30_000));
    }

    #[test]
    fn grafana_payloads_read_like_alertmanagers_with_their_own_version() {
        let body = alertmanager(FIRING).replace(
            r#""version":"4""#,
            r#""version":"1","orgId":1,"state":"alerting","title":"[FIRING:1]""#,
        );
        let r = parse(AlertSource::Grafana, body.as_bytes(), NOW).unwrap();
        assert!(r.group.starts_with("grafana:"));
        assert!(parse(AlertSource::Alertmanager, body.as_bytes(), NOW)
            .unwrap_err()
            .0
            .contains("version \"1\""));
    }

    #[test]
    fn malformed_payloads_are_refused_with_the_reason() {
        let cases = [
            ("{", "not an Alertmanager webhook JSON"),
            (r#"{"version":"4","alerts":[]}"#, "groupKey"),
            (
                &alertmanager(&FIRING.replace("firing", "burning")),
                "alert 0: status \"burning\"",
            ),
            (
                &alertmanager(&FIRING.replace("2026-11-23T13:58:00.250Z", "yesterday")),
                "startsAt",
            ),
            (
                &alertmanager(&FIRING.replace("2026-11-23T13:58:00.250Z", "1999-01-01T00:00:00Z")),
                "2000-01-01",
            ),
            (
                &alertmanager(&FIRING.replace(
                    r#""fingerprint":"a1b2c3d4e5f60718""#,
                    &format!(r#""fingerprint":"{}""#, "f".repeat(65)),
                )),
                "fingerprint",
            ),
            (
                &alertmanager(&FIRING.replace("checkout", &"x".repeat(1025))),
                "label service",
            ),
        ];
        for (body, why) in cases {
            let err = parse(AlertSource::Alertmanager, body.as_bytes(), NOW).unwrap_err();
            assert!(err.0.contains(why), "{why}: {err}");
        }
        let many = vec![FIRING; MAX_ALERTS + 1].join(",");
        assert!(parse(
            AlertSource::Alertmanager,
            alertmanager(&many).as_bytes(),
            NOW
        )
        .unwrap_err()
        .0
        .contains("limit is 10000"));
    }

    #[test]
    fn long_annotations_and_odd_links_are_cut_not_refused() {
        let long = FIRING
            .replace("5xx over 5%", &"é".repeat(3000))
            .replace("http://prom.example/graph?g0.expr=x", "javascript:alert(1)");
        let r = parse(
            AlertSource::Alertmanager,
            alertmanager(&long).as_bytes(),
            NOW,
        )
        .unwrap();
        let summary = &r.alerts[0].annotations["summary"];
        assert!(summary.len() <= MAX_ANNOTATION_BYTES && summary.ends_with('…'));
        assert_eq!(r.alerts[0].url, "", "only http(s) links are kept");
    }

    #[test]
    fn the_generic_format_groups_by_name_and_makes_fingerprints_from_labels() {
        let body = r#"{"alerts":[{"name":"DiskFull","labels":{"host":"db-1"},"starts_at":1795442000000},
                                 {"name":"DiskFull","labels":{"host":"db-2"}}]}"#;
        let r = parse(AlertSource::Generic, body.as_bytes(), NOW).unwrap();
        assert_eq!(r.group, "generic:DiskFull");
        assert_eq!(r.alerts[1].starts_at, NOW, "no start: when it arrived");
        assert_ne!(r.alerts[0].fingerprint, r.alerts[1].fingerprint);
        let again = parse(AlertSource::Generic, body.as_bytes(), NOW).unwrap();
        assert_eq!(again.alerts[0].fingerprint, r.alerts[0].fingerprint);
        for (bad, why) in [
            (r#"{"alerts":[{"labels":{}}]}"#, "needs a name"),
            (
                r#"{"alerts":[{"name":"A"},{"name":"B"}]}"#,
                "need a \"group\"",
            ),
            (
                r#"{"alerts":[{"name":"A","colour":"red"}]}"#,
                "unknown field",
            ),
            (
                r#"{"group":"","alerts":[{"name":"A"}]}"#,
                "group key is empty",
            ),
        ] {
            let err = parse(AlertSource::Generic, bad.as_bytes(), NOW).unwrap_err();
            assert!(err.0.contains(why), "{why}: {err}");
        }
    }
}
