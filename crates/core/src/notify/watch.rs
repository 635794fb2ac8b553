//! Walks the log as it grows and asks `notice` about each confirmed event,
//! with the incident as it stood just before it. `Watched` keeps only what
//! the rules read (title, severity, role holders, task assignees), not a
//! second copy of every incident's timeline.

use super::{notice, Notice, Reader};
use crate::log::event::{Event, EventBody};
use crate::log::Log;
use crate::vocabulary::{EventId, IncidentId, RoleId, Severity};
use crate::workspace::Workspace;
use std::collections::{BTreeMap, HashMap};

/// One incident as far as notices care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    pub declared: bool,
    pub title: String,
    pub severity: Severity,
    /// Who holds each role.
    pub roles: BTreeMap<RoleId, String>,
    /// Each task's title and assignee.
    pub tasks: HashMap<EventId, (String, Option<String>)>,
}

impl Default for Watched {
    fn default() -> Self {
        Watched {
            declared: false,
            title: String::new(),
            severity: Severity::Sev4,
            roles: BTreeMap::new(),
            tasks: HashMap::new(),
        }
    }
}

impl Watched {
    /// Folds one event in, as `Incident::apply` does for these fields.
    pub fn apply(&mut self, ev: &Event) {
        match &ev.body {
            EventBody::Declared {
                title, severity, ..
            } => {
                self.declared = true;
                self.title = title.clone();
                self.severity = *severity;
            }
            EventBody::SeverityChanged { severity } => self.severity = *severity,
            EventBody::RoleAssigned { role, person } => {
                self.roles.insert(role.clone(), person.clone());
            }
            EventBody::RoleReleased { role } => {
                self.roles.remove(role);
            }
            EventBody::TaskAdded {
                title, assignee, ..
            } => {
                self.tasks
                    .insert(ev.id.clone(), (title.clone(), assignee.clone()));
            }
            EventBody::TaskUpdated { task, assignee, .. } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.1 = assignee.clone();
                }
            }
            _ => {}
        }
    }

    pub(super) fn title_or<'a>(&'a self, unknown: &'a str) -> &'a str {
        if self.declared && !self.title.trim().is_empty() {
            &self.title
        } else {
            unknown
        }
    }

    pub(super) fn holds(&self, role: &RoleId, reader: &Reader) -> bool {
        self.roles.get(role).is_some_and(|p| reader.is_me(p))
    }

    pub(super) fn task_is_for(&self, task: &EventId, reader: &Reader) -> bool {
        self.tasks
            .get(task)
            .and_then(|t| t.1.as_deref())
            .is_some_and(|p| reader.is_me(p))
    }

    pub(super) fn task_title(&self, task: &EventId) -> &str {
        self.tasks.get(task).map_or("a task", |t| t.0.as_str())
    }
}

/// Where the walk stands in one incident's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    reordered: u64,
    last_seq: u64,
}

/// Every incident's `Watched`, kept current with the log.
#[derive(Clone, Debug, Default)]
pub struct Watcher {
    generation: u64,
    marks: HashMap<IncidentId, Mark>,
    incidents: HashMap<IncidentId, Watched>,
}

impl Watcher {
    /// The notices among the confirmed events added to `log` since the
    /// last call, in log order per incident. A stream that changed other
    /// than by new events at its end (a late seq, an own edit confirmed)
    /// is walked again from its start: `since` keeps old events quiet and
    /// the keys are the same, so a notice found twice is shown once.
    pub fn notices(&mut self, log: &Log, workspace: &Workspace, reader: &Reader) -> Vec<Notice> {
        if log.generation() != self.generation {
            self.generation = log.generation();
            self.marks.clear();
            self.incidents.clear();
        }
        let mut found = Vec::new();
        for (id, stream) in log.streams() {
            if id.is_workspace() || id.is_alerts() {
                continue;
            }
            let mark = self.marks.get(id).copied();
            let from = match mark {
                Some(m) if m.reordered == stream.reordered() => m.last_seq,
                _ => {
                    self.incidents.remove(id);
                    0
                }
            };
            if mark.is_some_and(|m| m.reordered == stream.reordered()) && from == stream.last_seq()
            {
                continue;
            }
            let watched = self.incidents.entry(id.clone()).or_default();
            for ev in log.confirmed_after(id, from) {
                found.extend(notice(ev, reader, watched, workspace));
                watched.apply(ev);
            }
            self.marks.insert(
                id.clone(),
                Mark {
                    reordered: stream.reordered(),
                    last_seq: stream.last_seq(),
                },
            );
        }
        found
    }
}
