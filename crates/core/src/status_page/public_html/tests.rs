//! The public page as a customer reads it: Markdown rendered safely, the
//! public title only, times with UTC, history, a page per incident, bars,
//! maintenance ahead, and the subscription forms.

use super::*;
use crate::comms::Phase;
use crate::incident::Incident;
use crate::log::event::EventBody;
use crate::status_page::test_world::{ev, outage, World, DAY, NOW};
use crate::vocabulary::{ComponentId, ComponentStatus, IncidentId};
use std::sync::Arc;

fn utc() -> Reader {
    Reader::from_query(None)
}

#[test]
fn an_update_is_rendered_from_markdown_by_the_safe_rules() {
    let html = front_page(&outage().state(), &utc(), Offers::default());
    assert!(
        html.contains("<strong>Investigating</strong> — errors on checkout."),
        "{html}"
    );
    assert!(!html.contains("**Investigating**"));
    assert!(!html.contains("<script>alert"), "raw HTML never passes");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("javascript:"),
        "unsafe links lose their target"
    );
    // The only script is the page's own file.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/status.js\" defer></script>"));
    assert!(
        !html.contains(" style="),
        "no inline styles: the CSP forbids them"
    );
}

#[test]
fn the_page_names_the_incident_by_its_public_title_never_the_internal_one() {
    let s = outage().state();
    for html in [
        front_page(&s, &utc(), Offers::default()),
        history_page(&s, &utc()),
        incident_page(&s, &utc(), &s.shown["inc-1"].code).unwrap(),
    ] {
        assert!(html.contains("Checkout errors"));
        assert!(!html.contains("db-7"), "{html}");
    }
}

#[test]
fn times_show_in_utc_and_in_a_chosen_zone_with_utc_beside() {
    let s = outage().state();
    let html = front_page(&s, &utc(), Offers::default());
    assert!(
        html.contains("<time datetime=\"2026-11-29T11:00:00Z\">Nov 29, 2026, 11:00 UTC</time>"),
        "{html}"
    );
    let berlin = Reader::from_query(Some("Europe/Berlin"));
    let html = front_page(&s, &berlin, Offers::default());
    assert!(html.contains("Nov 29, 2026, 12:00 Europe/Berlin (UTC+01:00) · 11:00 UTC"));
    // Links keep the chosen zone, and the form shows it chosen.
    assert!(html.contains("href=\"/status/history?tz=Europe/Berlin\""));
    assert!(html.contains("<option value=\"Europe/Berlin\" selected>"));
    assert!(html.contains("data-zone-chosen"));
}

#[test]
fn each_incident_has_a_page_at_its_short_code_with_every_update() {
    let mut w = outage();
    w.publish(
        "inc-1",
        "u2",
        NOW - 1_800_000,
        Phase::Resolved,
        "Fixed; no data was lost.",
        None,
        ComponentStatus::Operational,
    );
    let s = w.state();
    let code = s.shown["inc-1"].code.clone();
    let html = incident_page(&s, &utc(), &code).expect("a page");
    assert!(html.contains("<h1>Checkout errors</h1>"));
    assert!(html.contains("Fixed; no data was lost."));
    assert!(html.contains("errors on checkout"));
    assert!(html.contains("<dt>Resolved</dt>"));
    assert!(
        html.find("Fixed;").unwrap() < html.find("errors on checkout").unwrap(),
        "newest first"
    );
    assert!(incident_page(&s, &utc(), "nosuchcode").is_none());
    // The front page links to it.
    let front = front_page(&s, &utc(), Offers::default());
    assert!(front.contains(&format!("href=\"/status/incidents/{code}\"")));
}

#[test]
fn the_history_lists_every_month_of_the_last_ninety_days_and_older_incidents() {
    let mut w = outage();
    w.declare("old", "old internal", NOW - 200 * DAY);
    w.publish(
        "old",
        "o1",
        NOW - 200 * DAY,
        Phase::Resolved,
        "Old trouble, over; no data lost.",
        Some("Slow logins"),
        ComponentStatus::Operational,
    );
    let html = history_page(&w.state(), &utc());
    for month in [
        "November 2026",
        "October 2026",
        "September 2026",
        "August 2026",
    ] {
        assert!(html.contains(&format!(">{month}</h2>")), "{month}");
    }
    assert!(
        html.contains("No incidents reported."),
        "quiet months say so"
    );
    assert!(
        html.contains("Slow logins"),
        "older than 90 days: still listed"
    );
    assert!(html.contains(">May 2026</h2>"));
    assert!(html.find("Checkout errors").unwrap() < html.find("Slow logins").unwrap());
}

#[test]
fn each_component_has_a_ninety_day_bar_with_its_uptime() {
    let s = outage().state();
    let html = front_page(&s, &utc(), Offers::default());
    assert_eq!(html.matches("<ol class=\"bar\"").count(), 2);
    assert_eq!(html.matches("<li class=\"day ").count(), 180);
    assert!(html.contains("aria-label=\"Website &lt;b&gt;, the last 90 days: 100.00 % uptime\""));
    // An hour of major outage so far today, out of 90 days.
    assert!(
        html.contains("Nov 29, 2026: major outage 1 h 00 min"),
        "{html}"
    );
    assert!(html.contains("<li class=\"day major_outage\""));
    assert!(html.contains("99.95 % uptime"), "{html}");
}

#[test]
fn scheduled_maintenance_is_listed_ahead_with_its_window() {
    let mut w = World::new();
    let mut m = Incident::new(IncidentId(Arc::from("mnt-1")));
    m.apply(&ev(
        "plan",
        "mnt-1",
        NOW - DAY,
        EventBody::MaintenancePlanned {
            title: "pg upgrade".into(),
            starts_at: NOW + DAY,
            ends_at: NOW + DAY + 7_200_000,
            components: vec![ComponentId(Arc::from("api"))],
            customer_notice: String::new(),
            freeze_reason: None,
        },
    ));
    w.incidents.push(m);
    w.publish(
        "mnt-1",
        "m1",
        NOW - 3_600_000,
        Phase::MaintenanceScheduled,
        "Planned work on the API.",
        Some("Database upgrade"),
        ComponentStatus::UnderMaintenance,
    );
    let html = front_page(&w.state(), &utc(), Offers::default());
    let ahead = html.find("Scheduled maintenance</h2>").expect("a section");
    assert!(html[ahead..].contains("Database upgrade"));
    assert!(html[ahead..].contains("From <time datetime=\"2026-11-30T12:00:00Z\">"));
    assert!(
        html.contains("All Systems Operational"),
        "announced work breaks nothing yet"
    );
}

#[test]
fn a_published_post_mortem_shows_on_the_incident_page() {
    let mut w = outage();
    w.publish(
        "inc-1",
        "u2",
        NOW - 1_800_000,
        Phase::Resolved,
        "Fixed; no data was lost.",
        None,
        ComponentStatus::Operational,
    );
    w.publish(
        "inc-1",
        "pm",
        NOW - 600_000,
        Phase::Postmortem,
        "## What happened\n\nA bad deploy. No data was lost.",
        None,
        ComponentStatus::Operational,
    );
    let s = w.state();
    let html = incident_page(&s, &utc(), &s.shown["inc-1"].code).unwrap();
    let pm = html
        .find("<h2 id=\"pm\">Post-mortem</h2>")
        .expect("a section");
    assert!(
        html[pm..].contains("<h4>What happened</h4>"),
        "## sits below the section: {html}"
    );
    assert!(html[pm..].contains("A bad deploy."));
}

#[test]
fn the_subscribe_page_offers_what_the_server_has_and_echoes_input_escaped() {
    let s = outage().state();
    let off = subscribe_page(&s, &utc(), Offers::default(), &SubscribeForm::default());
    assert!(off.contains("Email subscriptions are not available"));
    assert!(!off.contains("By webhook"));
    assert!(off.contains("href=\"/status/feed.atom\""));
    let form = SubscribeForm {
        kind: "email".into(),
        email: "\"><script>x</script>".into(),
        error: Some("That is not an email address <yet>".into()),
        components: vec!["api".into()],
        ..SubscribeForm::default()
    };
    let on = subscribe_page(
        &s,
        &utc(),
        Offers {
            email: true,
            webhooks: true,
        },
        &form,
    );
    assert!(on.contains("role=\"alert\">That is not an email address &lt;yet&gt;</p>"));
    assert!(on.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
    assert!(on.contains("aria-invalid=\"true\""));
    assert!(on.contains("id=\"email-c-api\" name=\"component\" value=\"api\" checked"));
    assert!(on.contains("By webhook"));
    // Every input has a label.
    for id in ["email", "url", "hook-email", "email-c-api", "webhook-c-web"] {
        assert!(on.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
}

#[test]
fn confirming_and_unsubscribing_take_a_button_press() {
    let s = outage().state();
    let html = confirm_page(
        &s,
        &utc(),
        "tok\"en",
        "Updates about every component to ana@example.com.",
    );
    assert!(html.contains("<form method=\"post\" action=\"/status/subscribe/confirm\">"));
    assert!(html.contains("value=\"tok&quot;en\""));
    let html = unsubscribe_page(&s, &utc(), "abc", "Stop emails to ana@example.com.");
    assert!(html.contains("action=\"/status/unsubscribe?token=abc\""));
    let html = message_page(
        &s,
        &utc(),
        &Message {
            title: "Subscribed".into(),
            lines: vec!["<i>done</i>".into()],
            secret: Some(("Signing key".into(), "whsec_<x>".into())),
        },
    );
    assert!(html.contains("<p>&lt;i&gt;done&lt;/i&gt;</p>"));
    assert!(html.contains("<code>whsec_&lt;x&gt;</code>"));
}
