//! The sizes of the alerting kinds (`alerts` stream): a client's triage
//! and an admin's routing rules are held here; the intake holds the alerts
//! themselves to `alerts::model`'s limits already.

use super::{
    field, text, MAX_COMPONENTS, MAX_ID_BYTES, MAX_NAME_BYTES, MAX_SUMMARY_BYTES, MAX_TITLE_BYTES,
};
use crate::log::event::EventBody;

/// The sizes of the alerting kinds (`alerts`): the intake holds alerts to
/// these already; a client's triage and an admin's routing rules are held
/// here. None for every other kind.
pub(super) fn alert_fields(body: &EventBody) -> Option<Result<(), String>> {
    use crate::alerts::model;
    let group = |g: &str| field("alert group", g, 1, model::MAX_GROUP_BYTES + 16);
    let labels = |what: &str, l: &crate::alerts::model::Labels, max: usize, value_max: usize| {
        if l.len() > max {
            return Err(format!("{} {what}; the limit is {max}", l.len()));
        }
        for (k, v) in l {
            field(what, k, 1, model::MAX_LABEL_NAME_BYTES)?;
            field(what, v, 0, value_max)?;
        }
        Ok(())
    };
    let result = match body {
        EventBody::AlertsLinked {
            group: g,
            episode,
            title,
            labels: l,
            ..
        } => group(g)
            .and_then(|()| field("episode", &episode.0, 1, MAX_ID_BYTES))
            .and_then(|()| text("title", title, MAX_TITLE_BYTES))
            .and_then(|()| labels("labels", l, model::MAX_LABELS, model::MAX_LABEL_VALUE_BYTES)),
        EventBody::AlertsChanged {
            group: g,
            firing,
            resolved,
            ..
        } => group(g).and_then(|()| {
            if firing.len() + resolved.len() > MAX_ALERT_BRIEFS {
                return Err(format!(
                    "{} alerts listed; the limit is {MAX_ALERT_BRIEFS}",
                    firing.len() + resolved.len()
                ));
            }
            for b in firing.iter().chain(resolved) {
                field(
                    "fingerprint",
                    &b.fingerprint,
                    1,
                    model::MAX_FINGERPRINT_BYTES,
                )?;
                field("alert name", &b.name, 1, model::MAX_LABEL_VALUE_BYTES)?;
                labels(
                    "labels",
                    &b.labels,
                    model::MAX_LABELS,
                    model::MAX_LABEL_VALUE_BYTES,
                )?;
            }
            Ok(())
        }),
        EventBody::AlertsReceived {
            group: g,
            receiver,
            group_labels,
            alerts,
            ..
        } => group(g)
            .and_then(|()| field("receiver", receiver, 0, MAX_NAME_BYTES + 28))
            .and_then(|()| {
                labels(
                    "group labels",
                    group_labels,
                    model::MAX_LABELS,
                    model::MAX_LABEL_VALUE_BYTES,
                )
            })
            .and_then(|()| {
                if alerts.len() > model::MAX_ALERTS {
                    return Err(format!(
                        "{} alerts; the limit is {}",
                        alerts.len(),
                        model::MAX_ALERTS
                    ));
                }
                for a in alerts {
                    field(
                        "fingerprint",
                        &a.fingerprint,
                        1,
                        model::MAX_FINGERPRINT_BYTES,
                    )?;
                    labels(
                        "labels",
                        &a.labels,
                        model::MAX_LABELS,
                        model::MAX_LABEL_VALUE_BYTES,
                    )?;
                    labels(
                        "annotations",
                        &a.annotations,
                        model::MAX_ANNOTATIONS,
                        model::MAX_ANNOTATION_BYTES,
                    )?;
                    field("alert link", &a.url, 0, model::MAX_URL_BYTES)?;
                }
                Ok(())
            }),
        EventBody::AlertGroupDismissed {
            group: g,
            episode,
            reason,
        } => group(g)
            .and_then(|()| field("episode", &episode.0, 1, MAX_ID_BYTES))
            .and_then(|()| text("reason for dismissing", reason, MAX_SUMMARY_BYTES)),
        EventBody::AlertGroupAttached {
            group: g,
            episode,
            incident,
        } => group(g)
            .and_then(|()| field("episode", &episode.0, 1, MAX_ID_BYTES))
            .and_then(|()| field("incident", &incident.0, 1, MAX_ID_BYTES))
            .and_then(|()| {
                if incident.is_incident() {
                    Ok(())
                } else {
                    Err(format!("{incident} is not an incident"))
                }
            }),
        EventBody::AlertRoutesSet { routes } => (|| {
            if routes.len() > model::MAX_ROUTES {
                return Err(format!(
                    "{} routing rules; the limit is {}",
                    routes.len(),
                    model::MAX_ROUTES
                ));
            }
            for r in routes {
                text("rule name", &r.name, MAX_NAME_BYTES)?;
                if r.matchers.len() > model::MAX_MATCHERS {
                    return Err(format!(
                        "the rule {:?} has {} matchers; the limit is {}",
                        r.name,
                        r.matchers.len(),
                        model::MAX_MATCHERS
                    ));
                }
                for m in &r.matchers {
                    text("label name", &m.label, model::MAX_LABEL_NAME_BYTES)?;
                    field("label value", &m.value, 0, model::MAX_LABEL_VALUE_BYTES)?;
                }
                if r.components.len() > MAX_COMPONENTS {
                    return Err(format!(
                        "the rule {:?} names {} components; the limit is {MAX_COMPONENTS}",
                        r.name,
                        r.components.len()
                    ));
                }
                for c in &r.components {
                    field("component", &c.0, 1, MAX_ID_BYTES)?;
                }
            }
            Ok(())
        })(),
        _ => return None,
    };
    Some(result)
}

/// Alerts one `alerts_changed` entry lists.
pub const MAX_ALERT_BRIEFS: usize = 100;
