//! The post-mortem of one incident, assembled from its fold (impact, times,
//! timeline with key entries first, written sections, remediation tasks),
//! and its Markdown export.

use crate::incident::entry_text;
use crate::incident::severity_policy::percent;
use crate::incident::{EntryWhat, Incident};
use crate::time::utc;
use crate::vocabulary::{
    ComponentId, ComponentStatus, EventId, IncidentId, PostmortemSection, Severity, Status,
};
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Postmortem {
    pub incident: IncidentId,
    pub title: String,
    pub severity: Severity,
    /// The workspace's name for the severity ("SEV2 · Major").
    pub severity_name: String,
    pub status: Status,
    pub started_at: i64,
    pub detected_at: Option<i64>,
    pub declared_at: i64,
    pub resolved_at: Option<i64>,
    /// Detected minus impact start, when detection was recorded.
    pub time_to_detect_ms: Option<i64>,
    /// Resolved minus impact start, once resolved.
    pub time_to_resolve_ms: Option<i64>,
    pub impact: Impact,
    /// Every written section in reading order, written or not.
    pub sections: Vec<Section>,
    /// Entries marked key, in log order.
    pub key_entries: Vec<Line>,
    /// Every entry, in log order.
    pub timeline: Vec<Line>,
    pub remediation: Vec<Remediation>,
    /// What customers lost and got.
    pub customers: super::customers::Customers,
    /// Where each published customer update went.
    pub trail: Vec<super::customers::Trail>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impact {
    /// From impact start to resolution; `None` while unresolved.
    pub duration_ms: Option<i64>,
    pub components: Vec<AffectedComponent>,
    pub customer_impact: bool,
    pub share_permille: Option<u16>,
    pub customers_affected: Option<u64>,
    pub data_lost: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffectedComponent {
    pub id: ComponentId,
    pub name: String,
    /// The worst status it was given during the incident: by resolution
    /// most are back to operational, which is not what the reader needs.
    pub worst: ComponentStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub section: PostmortemSection,
    pub text: String,
    /// Who last edited it and when; `None` when never written.
    pub edited: Option<(Arc<str>, i64)>,
}

impl Section {
    pub fn is_written(&self) -> bool {
        !self.text.trim().is_empty()
    }
}

/// One timeline entry as the post-mortem prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub event: EventId,
    pub at: i64,
    pub author: Arc<str>,
    pub text: String,
    /// A note: its text after the kind is the author's Markdown.
    pub note: bool,
    pub key: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remediation {
    pub task: EventId,
    pub title: String,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
}

/// How bad a component status is, for picking the worst one seen.
/// Maintenance is planned, so it ranks below any outage.
fn badness(s: ComponentStatus) -> u8 {
    match s {
        ComponentStatus::Operational => 0,
        ComponentStatus::UnderMaintenance => 1,
        ComponentStatus::DegradedPerformance => 2,
        ComponentStatus::PartialOutage => 3,
        ComponentStatus::MajorOutage => 4,
    }
}

pub fn assemble(inc: &Incident, w: &Workspace) -> Postmortem {
    let mut worst: BTreeMap<&ComponentId, ComponentStatus> = BTreeMap::new();
    for e in &inc.timeline {
        if let EntryWhat::Component {
            component,
            status: Some(s),
        } = &e.what
        {
            let w = worst.entry(component).or_insert(*s);
            if badness(*s) > badness(*w) {
                *w = *s;
            }
        }
    }
    let components = inc
        .components
        .iter()
        .map(|(id, now)| AffectedComponent {
            id: id.clone(),
            name: w.component_name(id),
            worst: worst.get(id).copied().unwrap_or(*now),
        })
        .collect();
    let sections = PostmortemSection::ALL
        .into_iter()
        .map(|section| match inc.writeup.get(&section) {
            Some(written) => Section {
                section,
                text: written.text.clone(),
                edited: Some((written.by.clone(), written.at)),
            },
            // Until someone writes one, the summary is the declaration's.
            None if section == PostmortemSection::Summary => Section {
                section,
                text: inc.summary.clone(),
                edited: None,
            },
            None => Section {
                section,
                text: String::new(),
                edited: None,
            },
        })
        .collect();
    let timeline: Vec<Line> = inc
        .timeline
        .iter()
        .map(|e| Line {
            event: e.event.clone(),
            at: e.at,
            author: e.author.clone(),
            text: entry_text::line(&e.what, w),
            note: matches!(e.what, EntryWhat::Note { .. }),
            key: e.key,
        })
        .collect();
    Postmortem {
        incident: inc.id.clone(),
        title: inc.title.clone(),
        severity: inc.severity,
        severity_name: w.severity_name(inc.severity),
        status: inc.status,
        started_at: inc.started_at,
        detected_at: inc.detected_at,
        declared_at: inc.declared_at,
        resolved_at: inc.resolved_at,
        time_to_detect_ms: inc.time_to_detect_ms(),
        time_to_resolve_ms: inc.time_to_resolve_ms(),
        impact: Impact {
            duration_ms: inc.time_to_resolve_ms(),
            components,
            customer_impact: inc.customer_impact,
            share_permille: inc.share_permille,
            customers_affected: inc.customers_affected,
            data_lost: inc.data_lost,
        },
        sections,
        key_entries: timeline.iter().filter(|l| l.key).cloned().collect(),
        timeline,
        remediation: inc
            .remediation_tasks()
            .map(|t| Remediation {
                task: t.id.clone(),
                title: t.title.clone(),
                assignee: t.assignee.clone(),
                due_at: t.due_at,
                done_at: t.done_at,
            })
            .collect(),
        customers: super::customers::customers(inc),
        trail: super::customers::trail(inc),
    }
}

impl Postmortem {
    pub fn section(&self, s: PostmortemSection) -> Option<&Section> {
        self.sections.iter().find(|x| x.section == s)
    }

    /// The file name the export downloads as.
    pub fn file_name(&self) -> String {
        match crate::slug::slug(&self.incident.0) {
            s if s.is_empty() => "postmortem.md".into(),
            s => format!("postmortem-{s}.md"),
        }
    }
}

/// How the impact reads in one line each, for the page and the export.
impl Impact {
    pub fn duration_text(&self) -> String {
        match self.duration_ms {
            Some(ms) => utc::duration(ms),
            None => "ongoing (not resolved)".into(),
        }
    }

    pub fn components_text(&self) -> String {
        if self.components.is_empty() {
            return "none recorded".into();
        }
        self.components
            .iter()
            .map(|c| format!("{} (worst: {})", c.name, c.worst.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn share_text(&self) -> String {
        match (self.customer_impact, self.share_permille) {
            (false, _) => "no customer impact recorded".into(),
            (true, Some(p)) => format!("{} of users or traffic", percent(p)),
            (true, None) => "customers affected; share not known".into(),
        }
    }

    pub fn customers_text(&self) -> String {
        match self.customers_affected {
            Some(n) => n.to_string(),
            None => "not counted".into(),
        }
    }

    pub fn data_lost_text(&self) -> &'static str {
        match self.data_lost {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not established",
        }
    }
}

/// One line of Markdown text from a field that should be one line (titles
/// and names can arrive from any client).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A block of text as a list item's continuation: indented so Markdown
/// keeps it inside the item.
fn indented(s: &str) -> String {
    s.trim_end().replace('\n', "\n  ")
}

fn timeline_md(out: &mut String, lines: &[Line]) {
    for l in lines {
        let _ = writeln!(
            out,
            "- {} · {} · {}",
            utc::format(l.at),
            one_line(&l.author),
            indented(&l.text)
        );
    }
    if lines.is_empty() {
        out.push_str("_None._\n");
    }
}

/// The post-mortem as a Markdown document. Written sections are the
/// authors' own Markdown and go in as they are.
pub fn to_markdown(p: &Postmortem) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Post-mortem: {}\n", one_line(&p.title));
    let _ = writeln!(
        out,
        "{} · {} · incident `{}`\n",
        one_line(&p.severity_name),
        p.status.label(),
        p.incident
    );
    let written = |out: &mut String, s: &Section| {
        let _ = writeln!(out, "## {}\n", s.section.label());
        if s.is_written() {
            let _ = writeln!(out, "{}\n", s.text.trim_end());
        } else {
            out.push_str("_Not written yet._\n\n");
        }
    };
    if let Some(s) = p.section(PostmortemSection::Summary) {
        written(&mut out, s);
    }
    let i = &p.impact;
    out.push_str("## Impact\n\n");
    let _ = writeln!(out, "- Duration: {}", i.duration_text());
    let _ = writeln!(out, "- Components: {}", one_line(&i.components_text()));
    let _ = writeln!(out, "- Share affected: {}", i.share_text());
    let _ = writeln!(out, "- Customers affected: {}", i.customers_text());
    let _ = writeln!(out, "- Data lost: {}\n", i.data_lost_text());
    out.push_str("## Times (UTC)\n\n");
    let _ = writeln!(out, "- Impact started: {}", utc::format(p.started_at));
    match p.detected_at {
        Some(d) => {
            let _ = writeln!(out, "- Detected: {}", utc::format(d));
        }
        None => out.push_str("- Detected: not recorded\n"),
    }
    let _ = writeln!(out, "- Declared: {}", utc::format(p.declared_at));
    match p.resolved_at {
        Some(r) => {
            let _ = writeln!(out, "- Resolved: {}", utc::format(r));
        }
        None => out.push_str("- Resolved: not yet\n"),
    }
    let _ = writeln!(
        out,
        "- Time to detect: {}",
        p.time_to_detect_ms
            .map(utc::duration)
            .unwrap_or_else(|| "unknown (no detection time)".into())
    );
    let _ = writeln!(
        out,
        "- Time to resolve: {}\n",
        p.time_to_resolve_ms
            .map(utc::duration)
            .unwrap_or_else(|| "not resolved".into())
    );
    for s in p
        .sections
        .iter()
        .filter(|s| s.section != PostmortemSection::Summary)
    {
        written(&mut out, s);
    }
    super::customers::to_markdown(&mut out, &p.customers, &p.trail);
    out.push_str("## Remediation\n\n");
    for r in &p.remediation {
        let mut extra = Vec::new();
        if let Some(a) = &r.assignee {
            extra.push(one_line(a));
        }
        if let Some(d) = r.due_at {
            extra.push(format!("due {}", utc::format(d)));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join(", "))
        };
        let mark = if r.done_at.is_some() { "x" } else { " " };
        let _ = writeln!(out, "- [{mark}] {}{extra}", one_line(&r.title));
    }
    if p.remediation.is_empty() {
        out.push_str("_No remediation tasks._\n");
    }
    out.push_str("\n## Timeline\n\n### Key entries\n\n");
    timeline_md(&mut out, &p.key_entries);
    out.push_str("\n### Every entry\n\n");
    timeline_md(&mut out, &p.timeline);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::log::Log;
    use crate::vocabulary::NoteKind;

    const MIN: i64 = 60_000;
    const T0: i64 = 1_763_464_800_000; // 2025-11-18 11:20 UTC

    fn ev(id: &str, at: i64, author: &str, body: EventBody) -> Event {
        Event::new(id, "pay", author, at, body)
    }

    /// A customer-impacting outage: impact at T0, detected 6 min later,
    /// declared at 10, resolved at 65, with a key decision and a remediation.
    fn outage() -> Incident {
        let events = vec![
            ev(
                "d",
                T0 + 10 * MIN,
                "ana",
                EventBody::Declared {
                    title: "Checkout fails".into(),
                    severity: Severity::Sev2,
                    summary: "5xx on /pay".into(),
                    started_at: T0,
                    detected_at: Some(T0 + 6 * MIN),
                },
            ),
            ev(
                "c1",
                T0 + 11 * MIN,
                "bo",
                EventBody::ComponentStatusSet {
                    component: ComponentId("checkout".into()),
                    status: ComponentStatus::MajorOutage,
                },
            ),
            ev(
                "imp",
                T0 + 12 * MIN,
                "ana",
                EventBody::ImpactSet {
                    customer_impact: true,
                    share_permille: Some(230),
                },
            ),
            ev(
                "n1",
                T0 + 20 * MIN,
                "bo",
                EventBody::note("Pool saturated\nat 50"),
            ),
            ev(
                "n2",
                T0 + 30 * MIN,
                "ana",
                EventBody::NoteAdded {
                    text: "Roll back eu-west".into(),
                    entry: NoteKind::Decision,
                },
            ),
            ev(
                "k",
                T0 + 31 * MIN,
                "ana",
                EventBody::EntryMarked {
                    entry: EventId("n2".into()),
                    key: true,
                },
            ),
            ev(
                "c2",
                T0 + 60 * MIN,
                "bo",
                EventBody::ComponentStatusSet {
                    component: ComponentId("checkout".into()),
                    status: ComponentStatus::Operational,
                },
            ),
            ev(
                "r",
                T0 + 65 * MIN,
                "ana",
                EventBody::StatusChanged {
                    status: Status::Resolved,
                },
            ),
            ev(
                "t1",
                T0 + 70 * MIN,
                "ana",
                EventBody::TaskAdded {
                    title: "Alert on pool saturation".into(),
                    assignee: Some("lee".into()),
                    due_at: None,
                    remediation: true,
                },
            ),
            ev(
                "t2",
                T0 + 71 * MIN,
                "ana",
                EventBody::TaskAdded {
                    title: "Page the DBA".into(),
                    assignee: None,
                    due_at: None,
                    remediation: false,
                },
            ),
            ev(
                "t3",
                T0 + 72 * MIN,
                "ana",
                EventBody::TaskAdded {
                    title: "Canary deploys per region".into(),
                    assignee: None,
                    due_at: None,
                    remediation: false,
                },
            ),
            ev(
                "f",
                T0 + 73 * MIN,
                "ana",
                EventBody::TaskRemediationSet {
                    task: EventId("t3".into()),
                    remediation: true,
                },
            ),
            ev(
                "rc",
                T0 + 80 * MIN,
                "bo",
                EventBody::PostmortemSectionSet {
                    section: PostmortemSection::RootCause,
                    text: "The pool was **too small**.".into(),
                },
            ),
            ev(
                "ca",
                T0 + 81 * MIN,
                "ana",
                EventBody::PostmortemImpactSet {
                    customers_affected: Some(1200),
                    data_lost: Some(false),
                },
            ),
        ];
        let mut log = Log::new();
        for e in events {
            log.insert(e);
        }
        log.fold_incident(&IncidentId("pay".into()))
            .expect("the incident folds")
    }

    #[test]
    fn detect_and_resolve_are_measured_from_impact_start() {
        let p = assemble(&outage(), &Workspace::default());
        assert_eq!(p.time_to_detect_ms, Some(6 * MIN));
        assert_eq!(p.time_to_resolve_ms, Some(65 * MIN));
        assert_eq!(p.impact.duration_ms, Some(65 * MIN));
    }

    #[test]
    fn an_incident_without_detection_or_resolution_has_no_such_durations() {
        let mut inc = outage();
        inc.detected_at = None;
        inc.resolved_at = None;
        let p = assemble(&inc, &Workspace::default());
        assert_eq!(p.time_to_detect_ms, None);
        assert_eq!(p.time_to_resolve_ms, None);
        let md = to_markdown(&p);
        assert!(
            md.contains("- Time to detect: unknown (no detection time)"),
            "{md}"
        );
        assert!(md.contains("- Duration: ongoing (not resolved)"), "{md}");
    }

    #[test]
    fn impact_keeps_the_worst_component_status_and_what_people_recorded() {
        let p = assemble(&outage(), &Workspace::default());
        assert_eq!(p.impact.components.len(), 1);
        assert_eq!(p.impact.components[0].worst, ComponentStatus::MajorOutage);
        assert!(p.impact.customer_impact);
        assert_eq!(p.impact.share_permille, Some(230));
        assert_eq!(p.impact.customers_affected, Some(1200));
        assert_eq!(p.impact.data_lost, Some(false));
    }

    #[test]
    fn key_entries_come_apart_and_every_entry_stays_in_the_timeline() {
        let inc = outage();
        let p = assemble(&inc, &Workspace::default());
        assert_eq!(p.key_entries.len(), 1);
        assert_eq!(p.key_entries[0].text, "Decision: Roll back eu-west");
        assert_eq!(p.timeline.len(), inc.timeline.len());
        assert!(p
            .timeline
            .iter()
            .any(|l| l.text == "Observation: Pool saturated\nat 50"));
    }

    #[test]
    fn sections_are_the_last_edit_and_the_summary_falls_back_to_the_declaration() {
        let p = assemble(&outage(), &Workspace::default());
        let summary = p.section(PostmortemSection::Summary).unwrap();
        assert_eq!(summary.text, "5xx on /pay");
        assert_eq!(summary.edited, None);
        let root = p.section(PostmortemSection::RootCause).unwrap();
        assert_eq!(root.text, "The pool was **too small**.");
        assert_eq!(root.edited.as_ref().map(|(by, _)| &**by), Some("bo"));
        assert!(!p.section(PostmortemSection::WentWell).unwrap().is_written());
    }

    #[test]
    fn a_later_edit_replaces_a_section_and_an_empty_one_clears_it() {
        let mut inc = outage();
        inc.apply(&ev(
            "rc2",
            T0 + 90 * MIN,
            "cy",
            EventBody::PostmortemSectionSet {
                section: PostmortemSection::RootCause,
                text: "Pool sized for 2019 traffic.".into(),
            },
        ));
        let p = assemble(&inc, &Workspace::default());
        assert_eq!(
            p.section(PostmortemSection::RootCause).unwrap().text,
            "Pool sized for 2019 traffic."
        );
        inc.apply(&ev(
            "rc3",
            T0 + 91 * MIN,
            "cy",
            EventBody::PostmortemSectionSet {
                section: PostmortemSection::RootCause,
                text: "  ".into(),
            },
        ));
        let p = assemble(&inc, &Workspace::default());
        assert!(!p
            .section(PostmortemSection::RootCause)
            .unwrap()
            .is_written());
    }

    #[test]
    fn remediation_holds_tasks_added_as_such_or_flagged_later() {
        let p = assemble(&outage(), &Workspace::default());
        let titles: Vec<&str> = p.remediation.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Alert on pool saturation", "Canary deploys per region"]
        );
    }

    #[test]
    fn the_markdown_export_carries_every_part() {
        let p = assemble(&outage(), &Workspace::default());
        let md = to_markdown(&p);
        for want in [
            "# Post-mortem: Checkout fails\n",
            "## Summary\n\n5xx on /pay\n",
            "- Duration: 1 h 05 min\n",
            "- Share affected: 23% of users or traffic\n",
            "- Customers affected: 1200\n",
            "- Data lost: no\n",
            "- Impact started: 2025-11-18 11:20 UTC\n",
            "- Time to detect: 6 min\n",
            "- Time to resolve: 1 h 05 min\n",
            "## Root cause\n\nThe pool was **too small**.\n",
            "## What went well\n\n_Not written yet._\n",
            "- [ ] Alert on pool saturation (lee)\n",
            "### Key entries\n\n- 2025-11-18 11:50 UTC · ana · Decision: Roll back eu-west\n",
            // A multi-line note stays inside its list item.
            "· bo · Observation: Pool saturated\n  at 50\n",
        ] {
            assert!(md.contains(want), "missing {want:?} in\n{md}");
        }
        // Key entries come before every entry.
        assert!(md.find("### Key entries") < md.find("### Every entry"));
    }

    #[test]
    fn a_title_with_line_breaks_cannot_start_a_new_markdown_block() {
        let mut inc = outage();
        inc.title = "Checkout\n# injected".into();
        let md = to_markdown(&assemble(&inc, &Workspace::default()));
        assert!(
            md.starts_with("# Post-mortem: Checkout # injected\n"),
            "{md}"
        );
    }
}
