//! The public status page against the real binary, as a customer reads it:
//! updates rendered from Markdown by the safe rules under their public
//! title, a page per incident at a short address, the history, times in a
//! chosen zone with UTC, feeds a real feed reader (Python's feedparser)
//! accepts with every update once under a stable id, and the in-app banner
//! with CORS only for the origins allowed.

mod common;

use common::comms::{self, Text};
use common::pyenv;
use common::Running;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

fn start(dir: &Path) -> Running {
    Running::start_with_args(
        dir,
        &dir.join("no-console"),
        &[
            "--post-rate",
            "100000",
            "--post-burst",
            "100000",
            "--status-page-name",
            "Example <Status>",
            "--banner-origin",
            "https://app.example.com",
        ],
    )
}

async fn get(s: &Running, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = common::client().get(s.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

/// The short code of the incident the page shows first.
async fn first_code(s: &Running) -> String {
    let incidents: Value = common::client()
        .get(s.url("/api/v2/incidents.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = incidents["incidents"][0]["shortlink"]
        .as_str()
        .unwrap()
        .to_string();
    link.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn the_page_renders_updates_safely_under_the_public_title_with_a_page_per_incident() {
    let dir = common::temp_dir();
    let s = start(&common::data_dir(&dir));
    comms::catalogue(&s).await;
    let inc = comms::declare(&s, "db-7.prod.internal on fire").await;
    comms::publish(
        &s,
        &inc,
        &Text {
            status_page: "**Investigating** — payments fail. <script>alert(1)</script> [more](javascript:alert(2)) [help](https://help.example.com)",
            ..Text::default()
        },
        &["own"],
    )
    .await;

    let (status, headers, html) = get(&s, "/status").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<strong>Investigating</strong> — payments fail."),
        "{html}"
    );
    assert!(
        !html.contains("**Investigating**"),
        "Markdown is rendered, not printed"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("javascript:"));
    assert!(
        html.contains("<a href=\"https://help.example.com\" rel=\"nofollow noopener\">help</a>")
    );
    assert!(html.contains("Checkout trouble"));
    assert!(!html.contains("db-7"), "never the internal title");
    assert!(html.contains("Example &lt;Status&gt;"));
    // No inline script or style anywhere, and a policy that forbids them.
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/status.js\" defer></script>"));
    // Times in UTC, or in a chosen zone with UTC beside.
    assert!(html.contains("<time datetime=\"2025-11-18T"), "{html}");
    let (_, _, paris) = get(&s, "/status?tz=Europe/Paris").await;
    assert!(paris.contains("Europe/Paris (UTC+01:00) · "), "{paris}");

    let code = first_code(&s).await;
    assert_eq!(code.len(), 8);
    let (status, _, page) = get(&s, &format!("/status/incidents/{code}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Checkout trouble</h1>"));
    assert!(page.contains("payments fail"));
    let (status, _, missing) = get(&s, "/status/incidents/zzzzzzzz").await;
    assert_eq!(status, 404);
    assert!(missing.contains("No such incident"));
    let (status, _, _) = get(&s, "/status/incidents/..%2F..%2Fetc").await;
    assert_eq!(status, 404);

    let (status, _, history) = get(&s, "/status/history").await;
    assert_eq!(status, 200);
    assert!(history.contains(">November 2025</h2>"), "{history}");
    assert!(
        history.contains(">August 2025</h2>"),
        "at least 90 days back"
    );
    assert!(history.contains(&format!("/status/incidents/{code}")));

    // Every component has its 90-day bar.
    assert_eq!(html.matches("<ol class=\"bar\"").count(), 2);
    assert!(
        html.contains("aria-label=\"Website, the last 90 days: 100.00 % uptime\""),
        "{html}"
    );
}

#[tokio::test]
async fn the_feeds_validate_in_feedparser_and_carry_each_update_once_under_a_stable_id() {
    let dir = common::temp_dir();
    let data = common::data_dir(&dir);
    let mut s = start(&data);
    comms::catalogue(&s).await;
    let inc = comms::declare(&s, "internal title").await;
    comms::publish(&s, &inc, &Text::default(), &["own"]).await;
    comms::publish(
        &s,
        &inc,
        &Text {
            phase: "resolved",
            title: None,
            status_page: "**Resolved** — payments work again. No data was lost.",
            components: json!({"api": "operational"}),
            ..Text::default()
        },
        &["own"],
    )
    .await;

    let mut ids = Vec::new();
    for (path, version) in [
        ("/status/feed.atom", "atom10"),
        ("/status/feed.rss", "rss20"),
    ] {
        let feed = pyenv::feedparser(&s.url(path));
        assert_eq!(feed["version"], version, "{feed}");
        assert_eq!(feed["bozo"], false, "feedparser had to work around: {feed}");
        let entries = feed["entries"].as_array().unwrap();
        let titles: Vec<&str> = entries
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Checkout trouble: Resolved",
                "Checkout trouble: Investigating"
            ]
        );
        let these: BTreeSet<String> = entries
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(these.len(), 2, "each update once");
        assert!(entries[0]["summary"]
            .as_str()
            .unwrap()
            .contains("<strong>Resolved</strong>"));
        assert!(entries[0]["link"]
            .as_str()
            .unwrap()
            .contains("/status/incidents/"));
        ids.push(these);
    }
    assert_eq!(ids[0], ids[1], "the same ids in both feeds");

    // After a restart (and another update), the ids are the same.
    assert!(s.terminate_within(Duration::from_secs(10)));
    let s = start(&data);
    comms::publish(
        &s,
        &inc,
        &Text {
            phase: "resolved",
            title: None,
            status_page: "A last word: nothing was lost.",
            components: json!({}),
            ..Text::default()
        },
        &["own"],
    )
    .await;
    let feed = pyenv::feedparser(&s.url("/status/feed.atom"));
    let after: BTreeSet<String> = feed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(after.len(), 3);
    assert!(ids[0].is_subset(&after), "old ids kept: {after:?}");
    // A component's feed carries only incidents that named it.
    let web = pyenv::feedparser(&s.url("/status/feed.atom?component=web"));
    assert_eq!(web["entries"].as_array().unwrap().len(), 0);
    assert_eq!(web["bozo"], false);
}

#[tokio::test]
async fn the_banner_shows_the_approved_line_with_cors_only_for_allowed_origins() {
    let dir = common::temp_dir();
    let s = start(&common::data_dir(&dir));
    comms::catalogue(&s).await;
    let banner = || async {
        let resp = common::client()
            .get(s.url("/api/v2/banner.json"))
            .header("origin", "https://app.example.com")
            .send()
            .await
            .unwrap();
        let allow = resp
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string());
        (allow, resp.json::<Value>().await.unwrap())
    };
    let (allow, body) = banner().await;
    assert_eq!(allow.as_deref(), Some("https://app.example.com"));
    assert_eq!(body, json!({"banner": null}), "empty when nothing is open");

    let inc = comms::declare(&s, "internal").await;
    comms::publish(
        &s,
        &inc,
        &Text {
            components: json!({"api": "major_outage"}),
            ..Text::default()
        },
        &["own", "banner"],
    )
    .await;
    let (_, body) = banner().await;
    assert_eq!(
        body["banner"]["text"],
        "Some card payments fail; we are on it."
    );
    assert_eq!(body["banner"]["severity"], "critical");
    assert_eq!(body["banner"]["name"], "Checkout trouble");
    assert!(body["banner"]["url"]
        .as_str()
        .unwrap()
        .contains("/status/incidents/"));

    // Another origin gets no CORS header: its page cannot read it.
    let other = common::client()
        .get(s.url("/api/v2/banner.json"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = common::client()
        .request(reqwest::Method::OPTIONS, s.url("/api/v2/banner.json"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    // The resolution takes it down.
    comms::publish(
        &s,
        &inc,
        &Text {
            phase: "resolved",
            title: None,
            components: json!({"api": "operational"}),
            ..Text::default()
        },
        &["own"],
    )
    .await;
    assert_eq!(banner().await.1, json!({"banner": null}));
    // The embeddable script is served for other sites' pages.
    let (status, headers, js) = get(&s, "/status/banner.js").await;
    assert_eq!(status, 200);
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");
    assert!(js.contains("textContent") && !js.contains("innerHTML"));
}

#[tokio::test]
async fn the_page_keeps_answering_while_the_log_takes_a_flood_of_writes() {
    let dir = common::temp_dir();
    let s = start(&common::data_dir(&dir));
    comms::catalogue(&s).await;
    let inc = comms::declare(&s, "internal").await;
    comms::publish(&s, &inc, &Text::default(), &["own"]).await;
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, url) = (s.client(), s.url("/api/v1/events"));
            tokio::spawn(async move {
                for b in 0..10 {
                    let events: Vec<Value> = (0..200)
                        .map(|i| common::note(&format!("flood-{w}-{b}-{i}"), &"x".repeat(200)))
                        .collect();
                    let _ = client
                        .post(&url)
                        .json(&json!({ "events": events }))
                        .send()
                        .await;
                }
            })
        })
        .collect();
    for _ in 0..40 {
        let (status, _, html) = get(&s, "/status").await;
        assert_eq!(status, 200);
        assert!(html.contains("Checkout trouble"));
    }
    for w in writers {
        w.await.unwrap();
    }
}

#[tokio::test]
async fn a_public_post_mortem_is_refused_until_the_incident_is_over_and_the_data_is_recorded_then_shows_on_its_page(
) {
    // The server holds the post-mortem summary to the same checks as the
    // desk: a script posting it early, or without a word on customer data,
    // gets 422 naming the check, and nothing is published.
    let dir = common::temp_dir();
    let s = start(&common::data_dir(&dir));
    comms::catalogue(&s).await;
    let inc = comms::declare(&s, "db-7 internal").await;
    comms::publish(&s, &inc, &Text::default(), &["own"]).await;

    let summary = "A bad deploy broke card payments for 40 minutes. No customer data was lost.";
    // Drafted by the communicator, approved by someone else, then published
    // to the own page: returns the update and the answer to the publish.
    let try_publishing = || async {
        let (update, drafted) = comms::event(
            &inc,
            json!({"kind": "update_drafted", "phase": "postmortem",
                "channels": {"status_page": summary, "social": "Post-mortem published.",
                    "email_subject": "Post-mortem: checkout trouble",
                    "email_body": format!("Hello,\n\n{summary}"), "banner": ""},
                "components": {}}),
        );
        let (_, approved) =
            comms::event(&inc, json!({"kind": "update_approved", "update": update}));
        // Only the empty banner is answered: it is not meant for this one.
        let (_, published) = comms::event(
            &inc,
            json!({"kind": "update_published", "update": update, "targets": ["own"],
                "overrides": [{"check": "channel_empty", "reason": "no banner for a post-mortem"}]}),
        );
        common::post_ok_as(&s, "communicator", &[drafted]).await;
        common::post_ok_as(&s, "admin", &[approved]).await;
        let answer = common::post_as(&s, "communicator", &[published]).await;
        (update, answer)
    };
    let (_, (status, reply)) = try_publishing().await;
    assert_eq!(status, 422, "{reply}");
    let why = reply["error"].as_str().unwrap_or("");
    assert!(why.contains("postmortem_before_resolution"), "{why}");
    assert!(why.contains("postmortem_without_data_statement"), "{why}");

    // Resolved, but nothing established about data in the post-mortem yet.
    let (_, resolved) = comms::event(
        &inc,
        json!({"kind": "status_changed", "status": "resolved"}),
    );
    common::post_ok_as(&s, "responder", &[resolved]).await;
    let (_, (status, reply)) = try_publishing().await;
    assert_eq!(status, 422, "{reply}");
    let why = reply["error"].as_str().unwrap_or("");
    assert!(why.contains("postmortem_without_data_statement"), "{why}");
    assert!(!why.contains("postmortem_before_resolution"), "{why}");
    let (_, _, page) = get(&s, &format!("/status/incidents/{}", first_code(&s).await)).await;
    assert!(
        !page.contains("<h2 id=\"pm\">Post-mortem</h2>"),
        "nothing published yet"
    );

    // Recorded: the summary goes out and shows on the incident's page.
    let (_, data) = comms::event(
        &inc,
        json!({"kind": "postmortem_section_set", "section": "data_affected",
            "text": "Orders were delayed, none lost."}),
    );
    common::post_ok_as(&s, "responder", &[data]).await;
    let (update, (status, reply)) = try_publishing().await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        comms::settled(&s, &update, "own", 0, Duration::from_secs(15))
            .await
            .0,
        "sent"
    );
    let code = first_code(&s).await;
    comms::eventually(Duration::from_secs(10), || {
        let s = &s;
        let code = code.clone();
        async move {
            let (_, _, page) = get(s, &format!("/status/incidents/{code}")).await;
            if page.contains("<h2 id=\"pm\">Post-mortem</h2>")
                && page.contains("No customer data was lost.")
            {
                Ok(())
            } else {
                Err(format!("no post-mortem on the page yet: {page}"))
            }
        }
    })
    .await;
}
