//! The incident history (every incident and maintenance, by month, at least
//! the last 90 days) and the page each incident has at its short address.

use super::page::{incident_summary, updates};
use super::{impact_label, incident_label, layout, month_text, Reader};
use crate::status_page::public_page::{PublicState, Shown};
use crate::status_page::v2_page as v2;
use crate::view::markdown_html::{escape, to_html};
use std::fmt::Write;

/// How far back the history lists months even when nothing happened.
pub const HISTORY_MS: i64 = 90 * 86_400_000;

pub fn history_page(s: &PublicState, r: &Reader) -> String {
    let mut h = String::from("<h1>Incident history</h1>");
    let mut all: Vec<(&v2::Incident, &Shown)> = s
        .incidents
        .iter()
        .chain(&s.maintenances)
        .filter_map(|i| s.shown.get(&i.id).map(|x| (i, x)))
        .collect();
    // By when each began, newest first.
    crate::ordering::sort_by(&mut all, |a, b| {
        b.1.first_at
            .cmp(&a.1.first_at)
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    // Every month from now back to 90 days ago (or the oldest incident).
    let oldest = all
        .last()
        .map_or(s.built_at, |(_, x)| x.first_at)
        .min(s.built_at - HISTORY_MS);
    let mut month = month_start(s.built_at);
    loop {
        let next = month_start(month + 32 * 86_400_000);
        let title = month_text(month);
        let id = format!("m-{}", month / 86_400_000);
        let _ = write!(
            h,
            "<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{}</h2>",
            escape(&title)
        );
        let in_month: Vec<_> = all
            .iter()
            .filter(|(_, x)| x.first_at >= month && x.first_at < next)
            .collect();
        if in_month.is_empty() {
            h.push_str("<p>No incidents reported.</p>");
        }
        for (i, x) in in_month {
            incident_summary(&mut h, r, i, x, false);
        }
        h.push_str("</section>");
        if month <= oldest {
            break;
        }
        month = month_start(month - 86_400_000);
    }
    layout(s, r, "Incident history", "/status/history", &h)
}

/// UTC midnight of the first day of the month `ms` falls in.
fn month_start(ms: i64) -> i64 {
    let (y, m, _) = super::ymd(ms);
    crate::time::zone::Date::from_ymd(y, m, 1).map_or(0, |d| d.0 * 86_400_000)
}

pub fn incident_page(s: &PublicState, r: &Reader, code: &str) -> Option<String> {
    let (i, shown) = s.by_code(code)?;
    let mut h = String::new();
    let _ = write!(
        h,
        "<article class=\"incident-page {}\"><h1>{}</h1><p class=\"state\">{} · {}</p>",
        escape(i.impact.as_str()),
        escape(&i.name),
        incident_label(i.status),
        impact_label(i.impact)
    );
    if let Some((from, to)) = shown.window {
        let _ = write!(
            h,
            "<p class=\"window\">Planned from {} to {}</p>",
            r.time(from),
            r.time(to)
        );
    }
    let _ = write!(
        h,
        "<dl class=\"facts\"><dt>First posted</dt><dd>{}</dd>",
        r.time(shown.first_at)
    );
    if let Some(at) = shown.resolved_at {
        let _ = write!(h, "<dt>Resolved</dt><dd>{}</dd>", r.time(at));
    }
    if !i.components.is_empty() {
        let names: Vec<String> = i.components.iter().map(|c| escape(&c.name)).collect();
        let _ = write!(h, "<dt>Affected</dt><dd>{}</dd>", names.join(", "));
    }
    h.push_str("</dl>");
    if let Some(pm) = &shown.postmortem {
        let _ = write!(
            h,
            "<section class=\"postmortem\" aria-labelledby=\"pm\"><h2 id=\"pm\">Post-mortem</h2>\
             <p class=\"meta\">Published {}</p><div class=\"body\">{}</div></section>",
            r.time(pm.at),
            to_html(&pm.body, 3)
        );
    }
    if !i.incident_updates.is_empty() {
        h.push_str("<section aria-labelledby=\"ups\"><h2 id=\"ups\">Updates</h2>");
        updates(&mut h, r, i, shown, usize::MAX);
        h.push_str("</section>");
    }
    let _ = write!(
        h,
        "</article><p><a href=\"{}\">Subscribe to updates</a> · <a href=\"{}\">Incident history</a></p>",
        r.link("/status/subscribe"),
        r.link("/status/history")
    );
    let path = format!("/status/incidents/{}", shown.code);
    Some(layout(s, r, &i.name, &path, &h))
}
