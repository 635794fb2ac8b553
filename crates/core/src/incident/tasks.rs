//! Tasks in an incident, remediation tasks among them.

use super::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: EventId,
    pub title: String,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
    pub added_by: Arc<str>,
    /// A remediation task: follow-up work the post-mortem tracks.
    pub remediation: bool,
}

impl Incident {
    /// Tasks added, reassigned, done, or marked as remediation.
    pub(super) fn fold_tasks(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::TaskAdded {
                title,
                assignee,
                due_at,
                remediation,
            } => {
                self.tasks.push(Task {
                    id: ev.id.clone(),
                    title: title.clone(),
                    assignee: assignee.clone(),
                    due_at: *due_at,
                    done_at: None,
                    added_by: ev.author.clone(),
                    remediation: *remediation,
                });
                Some(EntryWhat::TaskAdded {
                    title: title.clone(),
                })
            }
            EventBody::TaskUpdated {
                task,
                assignee,
                due_at,
            } => {
                if let Some(t) = self.tasks.iter_mut().find(|t| &t.id == task) {
                    t.assignee = assignee.clone();
                    t.due_at = *due_at;
                }
                None
            }
            EventBody::TaskDone { task, done } => {
                self.tasks.iter_mut().find(|t| &t.id == task).map(|t| {
                    t.done_at = done.then_some(at);
                    EntryWhat::TaskDone {
                        title: t.title.clone(),
                        done: *done,
                    }
                })
            }
            EventBody::TaskRemediationSet { task, remediation } => {
                if let Some(t) = self.tasks.iter_mut().find(|t| &t.id == task) {
                    t.remediation = *remediation;
                }
                None
            }
            _ => None,
        }
    }

    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.done_at.is_none())
    }

    pub fn remediation_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.remediation)
    }
}
