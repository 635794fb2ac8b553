//! The public status page as HTML, written on the server and readable
//! without JavaScript: the front page, the history, a page per incident and
//! the subscription pages. Every text from users or backends goes through
//! `escape` or the safe Markdown writer (`view::markdown_html`, the
//! console's rules: no raw HTML, links only to http, https and mailto);
//! nothing inline runs or styles, so the strict Content-Security-Policy
//! holds (`/status.css`, `/status.js`).
//!
//! Times: each is a `<time datetime>` in UTC. A reader who picks a zone in
//! the footer form (`?tz=Europe/Paris`, no script needed) reads every time
//! in it with UTC beside; `/status.js`, when it runs, does the same in the
//! browser's own zone.

mod forms;
mod history;
mod page;

pub use forms::{
    confirm_page, message_page, subscribe_page, unsubscribe_page, Message, SubscribeForm,
};
pub use history::{history_page, incident_page};
pub use page::front_page;

#[cfg(test)]
mod tests;

use crate::status_page::public_page::PublicState;
use crate::status_page::upstream as sp;
use crate::time::utc;
use crate::time::zone::TimeZone;
use crate::view::markdown_html::escape;
use std::fmt::Write;

/// Who reads: the zone they chose, if any. Links keep it.
#[derive(Clone, Debug)]
pub struct Reader {
    pub zone: Option<TimeZone>,
}

impl Reader {
    /// From the `tz` query value; an unknown or empty name means UTC.
    pub fn from_query(tz: Option<&str>) -> Reader {
        Reader {
            zone: tz
                .and_then(TimeZone::named)
                .filter(|z| z.name() != "UTC" && z.name() != "Etc/UTC"),
        }
    }

    /// The query to append to internal links (`?tz=…` or nothing).
    fn query(&self) -> String {
        self.zone
            .as_ref()
            .map(|z| format!("?tz={}", z.name()))
            .unwrap_or_default()
    }

    /// An internal link that keeps the reader's zone.
    fn link(&self, path: &str) -> String {
        escape(&format!("{path}{}", self.query()))
    }

    /// A `<time>` element for an instant, in the reader's zone with UTC.
    pub fn time(&self, ms: i64) -> String {
        format!(
            "<time datetime=\"{}\">{}</time>",
            utc::rfc3339(ms),
            escape(&self.text(ms))
        )
    }

    /// `Nov 29, 2026, 15:17 UTC` or `Nov 29, 2026, 16:17 Europe/Paris
    /// (UTC+01:00) · 15:17 UTC`.
    pub fn text(&self, ms: i64) -> String {
        let utc_text = format!("{}, {} UTC", date_text(ms), hm(ms));
        match &self.zone {
            None => utc_text,
            Some(z) => {
                let offset = z.offset_at(ms);
                let local = ms.saturating_add(offset * 1000);
                format!(
                    "{}, {} {} ({}) · {} UTC",
                    date_text(local),
                    hm(local),
                    z.name(),
                    offset_text(offset),
                    hm(ms)
                )
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `Nov 29, 2026` for the UTC day of `ms` (already shifted for a zone).
fn date_text(ms: i64) -> String {
    let (y, m, d) = ymd(ms);
    format!("{} {d}, {y}", MONTHS[(m - 1) as usize])
}

fn ymd(ms: i64) -> (i64, u32, u32) {
    crate::time::zone::Date(ms.div_euclid(86_400_000)).ymd()
}

/// `November 2026`.
fn month_text(ms: i64) -> String {
    let (y, m, _) = ymd(ms);
    format!("{} {y}", MONTH_NAMES[(m - 1) as usize])
}

fn hm(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// `UTC+01:00`, `UTC−03:30`.
fn offset_text(secs: i64) -> String {
    let sign = if secs < 0 { '−' } else { '+' };
    let m = secs.abs() / 60;
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

pub fn component_label(s: sp::ComponentStatus) -> &'static str {
    match s {
        sp::ComponentStatus::Operational => "Operational",
        sp::ComponentStatus::DegradedPerformance => "Degraded performance",
        sp::ComponentStatus::PartialOutage => "Partial outage",
        sp::ComponentStatus::MajorOutage => "Major outage",
        sp::ComponentStatus::UnderMaintenance => "Under maintenance",
        sp::ComponentStatus::Unknown => "Unknown",
    }
}

pub fn incident_label(s: sp::IncidentStatus) -> &'static str {
    match s {
        sp::IncidentStatus::Investigating => "Investigating",
        sp::IncidentStatus::Identified => "Identified",
        sp::IncidentStatus::Monitoring => "Monitoring",
        sp::IncidentStatus::Resolved => "Resolved",
        sp::IncidentStatus::Postmortem => "Post-mortem",
        sp::IncidentStatus::Scheduled => "Scheduled",
        sp::IncidentStatus::InProgress => "In progress",
        sp::IncidentStatus::Verifying => "Verifying",
        sp::IncidentStatus::Completed => "Completed",
        sp::IncidentStatus::Unknown => "Update",
    }
}

pub fn impact_label(i: sp::Impact) -> &'static str {
    match i {
        sp::Impact::None => "No impact",
        sp::Impact::Minor => "Minor impact",
        sp::Impact::Major => "Major impact",
        sp::Impact::Critical => "Critical impact",
        sp::Impact::Maintenance => "Maintenance",
        sp::Impact::Unknown => "Impact unknown",
    }
}

/// Which optional parts of the page this server offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offers {
    /// Email subscriptions (an SMTP server is configured).
    pub email: bool,
    /// Webhook subscriptions.
    pub webhooks: bool,
}

/// The document around a page's main content.
fn layout(s: &PublicState, r: &Reader, title: &str, path: &str, main: &str) -> String {
    let name = escape(&s.page.name);
    let full_title = if title.is_empty() {
        name.clone()
    } else {
        format!("{} — {name}", escape(title))
    };
    let mut h = String::with_capacity(main.len() + 6_000);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{full_title}</title><link rel=\"stylesheet\" href=\"/status.css\">\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{name} (Atom)\" href=\"/status/feed.atom\">\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{name} (RSS)\" href=\"/status/feed.rss\">\
         <script src=\"/status.js\" defer></script></head>\
         <body{zone}><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"site\"><p class=\"site-name\"><a href=\"{home}\">{name}</a></p>\
         <nav aria-label=\"Status page\"><ul>\
         <li><a href=\"{home}\">Current status</a></li>\
         <li><a href=\"{history}\">Incident history</a></li>\
         <li><a href=\"{subscribe}\">Subscribe to updates</a></li></ul></nav></header>\
         <main id=\"main\">{main}</main>",
        zone = if r.zone.is_some() {
            " data-zone-chosen=\"\""
        } else {
            ""
        },
        home = r.link("/status"),
        history = r.link("/status/history"),
        subscribe = r.link("/status/subscribe"),
    );
    h.push_str("<footer><form class=\"zone\" method=\"get\" action=\"");
    h.push_str(&escape(path));
    h.push_str(
        "\"><label for=\"tz\">Show times in</label> <select id=\"tz\" name=\"tz\"><option value=\"\">UTC</option>",
    );
    for z in TimeZone::names().filter(|n| *n != "UTC" && *n != "Etc/UTC") {
        let selected = r.zone.as_ref().is_some_and(|c| c.name() == z);
        let _ = write!(
            h,
            "<option value=\"{z}\"{}>{z}</option>",
            if selected { " selected" } else { "" }
        );
    }
    let _ = writeln!(
        h,
        "</select> <button type=\"submit\">Show</button></form>\
         <p>Follow this page: <a href=\"/status/feed.atom\">Atom feed</a>, \
         <a href=\"/status/feed.rss\">RSS feed</a>, \
         <a href=\"/api/v2/summary.json\">summary.json</a>. Page updated {}.</p></footer></body></html>",
        r.time(page_updated(s))
    );
    h
}

/// When the page last changed, in ms (the state holds it as text).
fn page_updated(s: &PublicState) -> i64 {
    s.shown
        .values()
        .map(|x| x.last_at.max(x.postmortem.as_ref().map_or(0, |p| p.at)))
        .max()
        .unwrap_or(s.built_at)
}

#[cfg(test)]
mod reader {
    use super::*;

    #[test]
    fn times_read_in_utc_or_in_the_chosen_zone_with_utc_beside() {
        // 2026-11-29T15:17:30Z.
        let at = 1_795_965_450_000;
        let utc_reader = Reader::from_query(None);
        assert_eq!(utc_reader.text(at), "Nov 29, 2026, 15:17 UTC");
        assert_eq!(
            utc_reader.time(at),
            "<time datetime=\"2026-11-29T15:17:30Z\">Nov 29, 2026, 15:17 UTC</time>"
        );
        let paris = Reader::from_query(Some("Europe/Paris"));
        assert_eq!(
            paris.text(at),
            "Nov 29, 2026, 16:17 Europe/Paris (UTC+01:00) · 15:17 UTC"
        );
        let ny = Reader::from_query(Some("America/New_York"));
        assert_eq!(
            ny.text(at),
            "Nov 29, 2026, 10:17 America/New_York (UTC−05:00) · 15:17 UTC"
        );
        // Summer time applies: 2026-07-01T12:00Z in Paris.
        assert_eq!(
            paris.text(1_782_907_200_000),
            "Jul 1, 2026, 14:00 Europe/Paris (UTC+02:00) · 12:00 UTC"
        );
        // The local date can differ from the UTC one.
        let tokyo = Reader::from_query(Some("Asia/Tokyo"));
        assert!(tokyo.text(at).starts_with("Nov 30, 2026, 00:17 Asia/Tokyo"));
    }

    #[test]
    fn an_unknown_zone_or_markup_in_it_reads_as_utc() {
        for tz in ["Mars/Olympus", "<script>", "", "UTC"] {
            let r = Reader::from_query(Some(tz));
            assert!(r.zone.is_none(), "{tz}");
            assert_eq!(r.query(), "");
        }
        assert_eq!(
            Reader::from_query(Some("Asia/Kolkata")).link("/status/history"),
            "/status/history?tz=Asia/Kolkata"
        );
    }
}
