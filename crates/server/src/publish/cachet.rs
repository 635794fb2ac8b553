//! The Cachet 2.x adapter (API v1): component statuses first (setting a
//! status twice is harmless, so a retry may repeat them), then the one call
//! that must not be repeated: a new incident the first time, an incident
//! update after that. Statuses are Cachet's integers (see core `publish`).

use super::client::{self, Call, HttpsClient};
use super::{BoxFuture, Delivery, Outcome, Publisher};
use axum::http::Method;
use serde_json::{json, Value};
use sitrep_core::status_page::publishing;
use sitrep_core::status_page::publishing::Reply;
use std::time::Duration;

pub struct Cachet {
    pub client: HttpsClient,
    pub timeout: Duration,
}

impl Publisher for Cachet {
    fn deliver<'a>(&'a self, d: &'a Delivery<'a>) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let base = &d.target.spec.base_url;
            let auth = || ("x-cachet-token", d.target.secret.clone());
            let mut first: Option<(u32, u8)> = None;
            for (ours, status) in &d.update.components {
                let Some(theirs) = d.target.spec.components.get(&*ours.0) else {
                    continue;
                };
                let Ok(id) = theirs.parse::<u32>() else {
                    continue;
                };
                let code = publishing::cachet_component_status(*status);
                first.get_or_insert((id, code));
                let call = Call {
                    method: Method::PUT,
                    url: format!("{base}/components/{id}"),
                    auth: auth(),
                    json: json!({ "status": code }),
                };
                client::send(&self.client, call, self.timeout).await?;
            }
            let status = publishing::cachet_incident_status(d.update.phase);
            let message = d.update.channels.status_page.clone();
            match &d.link {
                Some(theirs) => {
                    let call = Call {
                        method: Method::POST,
                        url: format!("{base}/incidents/{theirs}/updates"),
                        auth: auth(),
                        json: json!({ "status": status, "message": message }),
                    };
                    client::send(&self.client, call, self.timeout).await?;
                    Ok(None)
                }
                None => {
                    let mut body = json!({
                        "name": publishing::public_name(d.incident),
                        "message": message,
                        "status": status,
                        "visible": 1,
                    });
                    if let Some((id, code)) = first {
                        body["component_id"] = json!(id);
                        body["component_status"] = json!(code);
                    }
                    let call = Call {
                        method: Method::POST,
                        url: format!("{base}/incidents"),
                        auth: auth(),
                        json: body,
                    };
                    let answer = client::send(&self.client, call, self.timeout).await?;
                    // `{"data": {"id": 42, ...}}`.
                    match answer.pointer("/data/id") {
                        Some(Value::Number(n)) => Ok(Some(n.to_string())),
                        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                        _ => Err(Reply::Unreadable(
                            "the incident was created, but the answer has no data.id; check the page before retrying".into(),
                        )),
                    }
                }
            }
        })
    }
}
