//! Roles in one incident: who holds each now, and since when.

use super::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleHolder {
    pub person: String,
    pub since: i64,
}

impl Incident {
    /// Assigning and releasing roles; a handover records whom it replaced.
    pub(super) fn fold_roles(&mut self, ev: &Event, at: i64) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::RoleAssigned { role, person } => {
                let from = self
                    .roles
                    .insert(
                        role.clone(),
                        RoleHolder {
                            person: person.clone(),
                            since: at,
                        },
                    )
                    .map(|h| h.person);
                Some(EntryWhat::Role {
                    role: role.clone(),
                    from,
                    to: Some(person.clone()),
                })
            }
            EventBody::RoleReleased { role } => {
                let from = self.roles.remove(role).map(|h| h.person);
                Some(EntryWhat::Role {
                    role: role.clone(),
                    from,
                    to: None,
                })
            }
            _ => None,
        }
    }
}
