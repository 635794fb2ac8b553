//! Which events become a browser notification for one reader: an incident
//! declared, its severity raised, a role or task given to them, and (for
//! the communications lead) the next customer update overdue. The console
//! shows what these functions return; they decide, from the event, who is
//! reading, what they chose, and the incident as it stood before the event.
//!
//! Only news notifies: an event the server received before `since` (the
//! later of when this tab started and when the reader turned notifications
//! on) is a replay from the cache or a catch-up, and the reader's own edits
//! are never news to them. Each notice has a `key` that is the same in every
//! tab and on every replay, so the console shows each key once.

#[cfg(test)]
mod tests;
mod watch;

pub use watch::{Watched, Watcher};

use crate::comms::cadence::{self, Due};
use crate::comms::policy::CadencePolicy;
use crate::incident::Incident;
use crate::log::event::{Event, EventBody};
use crate::time::utc;
use crate::vocabulary::{IncidentId, RoleId};
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The role whose holder hears that a customer update is overdue.
pub const COMMS_LEAD: &str = "communications_lead";
/// Notification text is kept short: the OS cuts it anyway, and a long
/// title would push the body out of view.
const MAX_TITLE: usize = 100;
const MAX_BODY: usize = 200;

/// The kinds of notice a reader can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Declared,
    SeverityRaised,
    /// A role or a task given to the reader.
    Assigned,
    /// The next customer update is overdue (to the communications lead).
    UpdateOverdue,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [
        NoticeKind::Declared,
        NoticeKind::SeverityRaised,
        NoticeKind::Assigned,
        NoticeKind::UpdateOverdue,
    ];

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Declared => "An incident is declared",
            NoticeKind::SeverityRaised => "An incident's severity is raised",
            NoticeKind::Assigned => "A role or a task is given to me",
            NoticeKind::UpdateOverdue => {
                "A customer update is overdue where I am communications lead"
            }
        }
    }
}

/// What one reader chose in this browser (kept per account).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Choices {
    /// When the reader turned notifications on here (ms, this device's
    /// clock); None while they are off.
    pub enabled_at: Option<i64>,
    pub kinds: BTreeSet<NoticeKind>,
}

impl Default for Choices {
    /// Off, with every kind ticked for when they are turned on.
    fn default() -> Self {
        Choices {
            enabled_at: None,
            kinds: NoticeKind::ALL.into_iter().collect(),
        }
    }
}

impl Choices {
    pub fn wants(&self, kind: NoticeKind) -> bool {
        self.enabled_at.is_some() && self.kinds.contains(&kind)
    }
}

/// Who is reading, and from when events are news to them.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    /// The signed-in account's name.
    pub me: &'a str,
    pub choices: &'a Choices,
    /// Events received before this (ms, the server's clock) are not news.
    pub since: i64,
}

impl Reader<'_> {
    /// Whether a role holder or task assignee named `person` is the reader.
    /// Names are typed by people: case and surrounding spaces do not count.
    pub fn is_me(&self, person: &str) -> bool {
        let me = self.me.trim();
        !me.is_empty() && person.trim().eq_ignore_ascii_case(me)
    }
}

/// One notification: plain text (the browser shows it as text, never as
/// HTML), and the incident a click opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The same for one event (or one overdue moment) in every tab.
    pub key: String,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub incident: IncidentId,
}

/// The notice `ev` brings the reader, given the incident as it stood
/// before it (`before`), if any.
pub fn notice(
    ev: &Event,
    reader: &Reader,
    before: &Watched,
    workspace: &Workspace,
) -> Option<Notice> {
    // Pending events were made in this browser; confirmed ones by the reader
    // elsewhere are their own doing too.
    if ev.seq.is_none() || reader.is_me(&ev.author) {
        return None;
    }
    if ev.received_at.unwrap_or_else(|| ev.best_time()) < reader.since {
        return None;
    }
    let title = || before.title_or("an incident");
    let (kind, heading, body) = match &ev.body {
        EventBody::Declared {
            title, severity, ..
        } if !before.declared => (
            NoticeKind::Declared,
            format!("{} declared: {title}", severity.label()),
            format!(
                "{} · declared by {}",
                workspace.severity_name(*severity),
                ev.author
            ),
        ),
        EventBody::SeverityChanged { severity }
            if before.declared && *severity < before.severity =>
        {
            (
                NoticeKind::SeverityRaised,
                format!("{} raised to {}", title(), severity.label()),
                format!(
                    "{} → {} · by {}",
                    workspace.severity_name(before.severity),
                    workspace.severity_name(*severity),
                    ev.author
                ),
            )
        }
        EventBody::RoleAssigned { role, person }
            if reader.is_me(person) && !before.holds(role, reader) =>
        {
            (
                NoticeKind::Assigned,
                format!("You are {}", workspace.role_name(role).to_lowercase()),
                format!("{} · given by {}", title(), ev.author),
            )
        }
        EventBody::TaskAdded {
            title: task,
            assignee: Some(person),
            ..
        } if reader.is_me(person) => (
            NoticeKind::Assigned,
            format!("Task for you: {task}"),
            format!("{} · from {}", title(), ev.author),
        ),
        EventBody::TaskUpdated {
            task,
            assignee: Some(person),
            ..
        } if reader.is_me(person) && !before.task_is_for(task, reader) => (
            NoticeKind::Assigned,
            format!("Task for you: {}", before.task_title(task)),
            format!("{} · from {}", title(), ev.author),
        ),
        _ => return None,
    };
    reader.choices.wants(kind).then(|| Notice {
        key: ev.id.0.to_string(),
        kind,
        title: plain(&heading, MAX_TITLE),
        body: plain(&body, MAX_BODY),
        incident: ev.incident.clone(),
    })
}

/// The notice for an open incident whose next customer update is overdue
/// at `now` (the server's clock), when the reader is its communications
/// lead. One per overdue moment: publishing an update starts a new one.
pub fn overdue_notice(
    incident: &Incident,
    policy: &CadencePolicy,
    reader: &Reader,
    now: i64,
) -> Option<Notice> {
    if !reader.choices.wants(NoticeKind::UpdateOverdue) || !incident.declared {
        return None;
    }
    let lead = incident.roles.get(&RoleId(COMMS_LEAD.into()))?;
    if !reader.is_me(&lead.person) || !incident.status.is_open() {
        return None;
    }
    let Due::Overdue { due_at } = cadence::due(incident, policy, now) else {
        return None;
    };
    // Overdue before notifications were on here: the page already says so.
    if due_at < reader.since {
        return None;
    }
    Some(Notice {
        key: format!("overdue:{}:{due_at}", incident.id),
        kind: NoticeKind::UpdateOverdue,
        title: plain(
            &format!("Customer update overdue: {}", incident.title),
            MAX_TITLE,
        ),
        body: plain(
            &format!(
                "Customers last heard from us {} ago; you are the communications lead.",
                utc::duration(now - cadence::last_public(incident))
            ),
            MAX_BODY,
        ),
        incident: incident.id.clone(),
    })
}

/// One line of at most `max` characters: control characters (line breaks
/// among them) become spaces, and a cut text ends with an ellipsis.
pub fn plain(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = line.trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}
