//! The body a webhook subscriber of our public page gets for each published
//! update, in the shape Statuspage's own subscriber webhooks use (`meta`,
//! `page`, `incident` with its `incident_updates`), so a receiver written
//! for Statuspage reads it. The incident is as it stood when the update was
//! published: later updates are not in an earlier update's body.

use crate::status_page::public_page::PublicState;
use serde_json::{json, Value};

/// Where the body points a receiver for the format.
pub const DOCUMENTATION: &str = "https://github.com/sitrep/sitrep/blob/main/docs/webhooks.md";

/// The body for `update` of incident `incident`, or `None` when the page
/// does not show that update (it was not published to the own page).
pub fn incident_body(
    s: &PublicState,
    incident: &str,
    update: &str,
    unsubscribe: &str,
) -> Option<Value> {
    let shown = s
        .incidents
        .iter()
        .chain(&s.maintenances)
        .find(|i| i.id == incident)?;
    let mut as_then = shown.clone();
    // Newest first: drop what came after this update.
    let pos = as_then
        .incident_updates
        .iter()
        .position(|u| u.id == update)?;
    as_then.incident_updates.drain(..pos);
    let current = as_then.incident_updates.first()?;
    as_then.status = current.status;
    as_then.updated_at = current.updated_at.clone();
    let mut incident_json = serde_json::to_value(&as_then).ok()?;
    if let Value::Object(o) = &mut incident_json {
        // Statuspage's webhook incident also names its page.
        o.insert("organization_id".into(), Value::from(s.page.id.clone()));
    }
    Some(json!({
        "meta": {
            "unsubscribe": unsubscribe,
            "documentation": DOCUMENTATION,
        },
        "page": {
            "id": s.page.id,
            "status_indicator": s.status.indicator.as_str(),
            "status_description": s.status.description,
        },
        "incident": incident_json,
    }))
}

/// The body for a published post-mortem: the incident as it stands, with
/// Statuspage's `postmortem_body` and `postmortem_published_at` filled in.
pub fn postmortem_body(s: &PublicState, incident: &str, unsubscribe: &str) -> Option<Value> {
    let shown = s
        .incidents
        .iter()
        .chain(&s.maintenances)
        .find(|i| i.id == incident)?;
    let pm = s.shown.get(incident)?.postmortem.as_ref()?;
    let mut incident_json = serde_json::to_value(shown).ok()?;
    if let Value::Object(o) = &mut incident_json {
        o.insert("organization_id".into(), Value::from(s.page.id.clone()));
        o.insert("postmortem_body".into(), Value::from(pm.body.clone()));
        o.insert(
            "postmortem_published_at".into(),
            Value::from(crate::time::utc::iso8601(pm.at)),
        );
    }
    Some(json!({
        "meta": { "unsubscribe": unsubscribe, "documentation": DOCUMENTATION },
        "page": {
            "id": s.page.id,
            "status_indicator": s.status.indicator.as_str(),
            "status_description": s.status.description,
        },
        "incident": incident_json,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::Phase;
    use crate::status_page::test_world::{outage, NOW};
    use crate::vocabulary::ComponentStatus;

    #[test]
    fn the_body_has_statuspages_shape_as_the_incident_stood_then() {
        let mut w = outage();
        w.publish(
            "inc-1",
            "u2",
            NOW - 1_800_000,
            Phase::Resolved,
            "Fixed; no data lost.",
            None,
            ComponentStatus::Operational,
        );
        let s = w.state();
        let first = incident_body(
            &s,
            "inc-1",
            "u1",
            "https://s.example/status/unsubscribe?token=t",
        )
        .unwrap();
        assert_eq!(
            first["meta"]["unsubscribe"],
            "https://s.example/status/unsubscribe?token=t"
        );
        assert_eq!(first["page"]["id"], "sitrep");
        assert_eq!(first["incident"]["name"], "Checkout errors");
        assert_eq!(first["incident"]["status"], "investigating");
        let ups = first["incident"]["incident_updates"].as_array().unwrap();
        assert_eq!(ups.len(), 1, "the resolution came later");
        assert_eq!(ups[0]["id"], "u1");
        assert_eq!(
            ups[0]["affected_components"][0]["new_status"],
            "major_outage"
        );
        let second = incident_body(&s, "inc-1", "u2", "x").unwrap();
        assert_eq!(second["incident"]["status"], "resolved");
        assert_eq!(
            second["incident"]["incident_updates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(
            !second.to_string().contains("db-7"),
            "never the internal title"
        );
        assert!(incident_body(&s, "inc-1", "nope", "x").is_none());
    }

    #[test]
    fn a_post_mortem_fills_statuspages_post_mortem_fields() {
        let mut w = outage();
        w.publish(
            "inc-1",
            "u2",
            NOW - 1_800_000,
            Phase::Resolved,
            "Fixed; no data lost.",
            None,
            ComponentStatus::Operational,
        );
        w.publish(
            "inc-1",
            "pm",
            NOW - 60_000,
            Phase::Postmortem,
            "A bad deploy. No data lost.",
            None,
            ComponentStatus::Operational,
        );
        let body = postmortem_body(&w.state(), "inc-1", "x").unwrap();
        assert_eq!(
            body["incident"]["postmortem_body"],
            "A bad deploy. No data lost."
        );
        assert_eq!(body["incident"]["status"], "resolved");
    }
}
