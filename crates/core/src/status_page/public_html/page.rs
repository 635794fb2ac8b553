//! The front page: the overall status, what is happening now, maintenance
//! ahead, every component with its 90-day bar, the last two weeks'
//! incidents, and how to follow the page.

use super::{component_label, impact_label, incident_label, layout, Offers, Reader};
use crate::status_page::public_page::{PublicState, Shown};
use crate::status_page::uptime::{self, Bar, Day};
use crate::status_page::v2_page as v2;
use crate::time::utc;
use crate::view::markdown_html::{escape, to_html};
use crate::vocabulary::ComponentStatus;
use std::fmt::Write;

/// How far back the front page lists resolved incidents; the history page
/// has the rest.
pub const RECENT_MS: i64 = 14 * 86_400_000;

pub fn front_page(s: &PublicState, r: &Reader, offers: Offers) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"overall {}\" role=\"status\">{}</p>",
        escape(&s.page.name),
        escape(s.status.indicator.as_str()),
        escape(&s.status.description)
    );
    let open = s.unresolved();
    if !open.is_empty() {
        h.push_str("<section aria-labelledby=\"now\"><h2 id=\"now\">Current incidents</h2>");
        for i in &open {
            if let Some(shown) = s.shown.get(&i.id) {
                incident_summary(&mut h, r, i, shown, true);
            }
        }
        h.push_str("</section>");
    }
    let ahead = s.upcoming_maintenances();
    if !ahead.is_empty() {
        h.push_str(
            "<section aria-labelledby=\"maintenance\"><h2 id=\"maintenance\">Scheduled maintenance</h2>",
        );
        // Soonest first: what readers plan around.
        let mut ahead: Vec<(&v2::Incident, &Shown)> = ahead
            .iter()
            .filter_map(|m| s.shown.get(&m.id).map(|x| (m, x)))
            .collect();
        crate::ordering::sort_by_key(&mut ahead, |(_, x)| x.window.map_or(0, |w| w.0));
        for (m, shown) in ahead {
            incident_summary(&mut h, r, m, shown, false);
        }
        h.push_str("</section>");
    }
    components(&mut h, s);
    let recent: Vec<&v2::Incident> = s
        .incidents
        .iter()
        .filter(|i| i.is_closed())
        .filter(|i| {
            s.shown
                .get(&i.id)
                .is_some_and(|x| x.last_at >= s.built_at - RECENT_MS)
        })
        .collect();
    h.push_str("<section aria-labelledby=\"past\"><h2 id=\"past\">Past incidents</h2>");
    if recent.is_empty() {
        h.push_str("<p>No incidents in the last 14 days.</p>");
    }
    for i in recent {
        if let Some(shown) = s.shown.get(&i.id) {
            incident_summary(&mut h, r, i, shown, false);
        }
    }
    let _ = write!(
        h,
        "<p><a href=\"{}\">Every incident of the last 90 days and before</a></p></section>",
        r.link("/status/history")
    );
    let ways = match (offers.email, offers.webhooks) {
        (true, true) => "by email, by webhook, ",
        (true, false) => "by email, ",
        (false, true) => "by webhook, ",
        (false, false) => "",
    };
    let _ = write!(
        h,
        "<section aria-labelledby=\"follow\"><h2 id=\"follow\">Get updates</h2>\
         <p>Hear about incidents and maintenance {ways}or in a feed reader: \
         <a href=\"{}\">subscribe to updates</a>.</p></section>",
        r.link("/status/subscribe")
    );
    layout(s, r, "", "/status", &h)
}

/// An incident or a maintenance as a list shows it: its name linking to its
/// page, its state, its window, and its updates (all, or the latest).
pub(super) fn incident_summary(
    h: &mut String,
    r: &Reader,
    i: &v2::Incident,
    shown: &Shown,
    every_update: bool,
) {
    let _ = write!(
        h,
        "<article class=\"incident {impact}\"><h3><a href=\"{link}\">{name}</a></h3>\
         <p class=\"state\">{state} · {impact_label}</p>",
        impact = escape(i.impact.as_str()),
        link = r.link(&format!("/status/incidents/{}", shown.code)),
        name = escape(&i.name),
        state = incident_label(i.status),
        impact_label = impact_label(i.impact),
    );
    if let Some((from, to)) = shown.window {
        let _ = write!(
            h,
            "<p class=\"window\">From {} to {}</p>",
            r.time(from),
            r.time(to)
        );
    }
    let n = if every_update { usize::MAX } else { 1 };
    updates(h, r, i, shown, n);
    h.push_str("</article>");
}

/// The newest `n` updates, each with its state, time and text.
pub(super) fn updates(h: &mut String, r: &Reader, i: &v2::Incident, shown: &Shown, n: usize) {
    h.push_str("<ol class=\"updates\">");
    for (u, extra) in i.incident_updates.iter().zip(&shown.updates).take(n) {
        let _ = write!(
            h,
            "<li id=\"update-{}\"><p class=\"meta\"><strong>{}</strong> {}</p><div class=\"body\">{}</div></li>",
            escape(&u.id),
            incident_label(u.status),
            r.time(extra.at),
            to_html(&u.body, 4)
        );
    }
    h.push_str("</ol>");
}

fn components(h: &mut String, s: &PublicState) {
    h.push_str(
        "<section aria-labelledby=\"components\"><h2 id=\"components\">Components</h2>\
         <p class=\"legend\">Each bar is one of the last 90 days (UTC): green without downtime, \
         amber with degraded performance or a partial outage, red with a major outage, \
         blue with maintenance, grey before the component was listed. Uptime counts a major \
         outage in full and a partial outage at 30 %.</p><ul class=\"components\">",
    );
    for c in s.components.iter().filter(|c| c.group_id.is_none()) {
        if c.group {
            let _ = write!(
                h,
                "<li class=\"group\"><div class=\"row\"><h3>{}</h3> <span class=\"state {}\">{}</span></div><ul>",
                escape(&c.name),
                escape(c.status.as_str()),
                component_label(c.status)
            );
            for child in s
                .components
                .iter()
                .filter(|x| x.group_id.as_deref() == Some(c.id.as_str()))
            {
                component(h, s, child, 4);
            }
            h.push_str("</ul></li>");
        } else {
            component(h, s, c, 3);
        }
    }
    h.push_str("</ul></section>");
}

fn component(h: &mut String, s: &PublicState, c: &v2::Component, level: u8) {
    let _ = write!(
        h,
        "<li class=\"component\"><div class=\"row\"><h{level}>{name}</h{level}> \
         <span class=\"state {status}\">{label}</span></div>",
        name = escape(&c.name),
        status = escape(c.status.as_str()),
        label = component_label(c.status)
    );
    if let Some(bar) = s.bars.get(&c.id) {
        bar_html(h, &c.name, bar);
    }
    h.push_str("</li>");
}

fn bar_html(h: &mut String, name: &str, bar: &Bar) {
    let figure = bar
        .uptime_basis_points
        .map(|b| format!("{} % uptime", uptime::percent_text(b)))
        .unwrap_or_else(|| "no uptime measured yet".into());
    let _ = write!(
        h,
        "<ol class=\"bar\" aria-label=\"{}, the last 90 days: {}\">",
        escape(name),
        escape(&figure)
    );
    for d in &bar.days {
        let text = day_text(d);
        let _ = write!(
            h,
            "<li class=\"day {}\" title=\"{t}\"><span class=\"vh\">{t}</span></li>",
            day_class(d),
            t = escape(&text)
        );
    }
    let _ = write!(
        h,
        "</ol><p class=\"uptime-line\"><span>90 days ago</span> <span class=\"uptime\">{}</span> <span>Today</span></p>",
        escape(&figure)
    );
}

fn day_class(d: &Day) -> &'static str {
    if !d.measured {
        return "none";
    }
    match d.worst {
        ComponentStatus::Operational => "operational",
        ComponentStatus::UnderMaintenance => "under_maintenance",
        ComponentStatus::DegradedPerformance => "degraded_performance",
        ComponentStatus::PartialOutage => "partial_outage",
        ComponentStatus::MajorOutage => "major_outage",
    }
}

/// `Nov 28, 2026: major outage 1 h 00 min, partial outage 2 h 00 min`.
fn day_text(d: &Day) -> String {
    let date = super::date_text(d.start);
    if !d.measured {
        return format!("{date}: no data");
    }
    let parts: Vec<String> = [
        ComponentStatus::MajorOutage,
        ComponentStatus::PartialOutage,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::UnderMaintenance,
    ]
    .into_iter()
    .filter_map(|st| {
        d.time_in
            .get(&st)
            .map(|ms| format!("{} {}", st.label().to_lowercase(), utc::duration(*ms)))
    })
    .collect();
    if parts.is_empty() {
        format!("{date}: no downtime")
    } else {
        format!("{date}: {}", parts.join(", "))
    }
}
