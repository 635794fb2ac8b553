//! The Atlassian Statuspage adapter (manage API v1): the first update for
//! our incident creates theirs; every later one PATCHes it with the new
//! status, body and component statuses. One request per delivery, so an
//! attempt either happened or did not.

use super::client::{self, Call, HttpsClient};
use super::{BoxFuture, Delivery, Outcome, Publisher};
use axum::http::Method;
use serde_json::{json, Map, Value};
use sitrep_core::status_page::publishing;
use sitrep_core::status_page::publishing::Reply;
use std::time::Duration;

pub struct Statuspage {
    pub client: HttpsClient,
    pub timeout: Duration,
}

/// The `incident` object both calls send. Components without a mapping to
/// the page's own ids are left out: the page does not know them.
pub fn incident_body(d: &Delivery<'_>, create: bool) -> Value {
    let mut components = Map::new();
    let mut ids = Vec::new();
    for (ours, status) in &d.update.components {
        if let Some(theirs) = d.target.spec.components.get(&*ours.0) {
            components.insert(
                theirs.clone(),
                Value::from(publishing::statuspage_component(*status)),
            );
            ids.push(Value::from(theirs.clone()));
        }
    }
    let mut incident = Map::new();
    // Their incident is named by our public title: on creation the latest
    // published, later whenever an update gives a new one.
    if create {
        incident.insert(
            "name".into(),
            Value::from(publishing::public_name(d.incident)),
        );
    } else if let Some(title) = &d.update.public_title {
        incident.insert("name".into(), Value::from(title.clone()));
    }
    incident.insert(
        "status".into(),
        Value::from(publishing::statuspage_status(d.update.phase)),
    );
    incident.insert(
        "body".into(),
        Value::from(d.update.channels.status_page.clone()),
    );
    if !components.is_empty() {
        incident.insert("components".into(), Value::Object(components));
        incident.insert("component_ids".into(), Value::Array(ids));
    }
    // A maintenance still planned work (not converted into an incident)
    // is a scheduled incident there, with its window.
    if let Some(m) = d
        .incident
        .maintenance
        .as_ref()
        .filter(|_| d.incident.is_maintenance())
    {
        for (field, value) in publishing::statuspage_window(m.starts_at, m.ends_at) {
            incident.insert(field.into(), value);
        }
    }
    json!({ "incident": incident })
}

impl Publisher for Statuspage {
    fn deliver<'a>(&'a self, d: &'a Delivery<'a>) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let spec = &d.target.spec;
            let pages = format!("{}/pages/{}/incidents", spec.base_url, spec.page_id);
            let auth = ("authorization", format!("OAuth {}", d.target.secret));
            match &d.link {
                Some(theirs) => {
                    let call = Call {
                        method: Method::PATCH,
                        url: format!("{pages}/{theirs}"),
                        auth,
                        json: incident_body(d, false),
                    };
                    client::send(&self.client, call, self.timeout).await?;
                    Ok(None)
                }
                None => {
                    let call = Call {
                        method: Method::POST,
                        url: pages,
                        auth,
                        json: incident_body(d, true),
                    };
                    let answer = client::send(&self.client, call, self.timeout).await?;
                    match answer.get("id").and_then(Value::as_str) {
                        Some(id) if !id.is_empty() => Ok(Some(id.to_string())),
                        _ => Err(Reply::Unreadable(
                            "the incident was created, but the answer has no incident id; check the page before retrying".into(),
                        )),
                    }
                }
            }
        })
    }
}
