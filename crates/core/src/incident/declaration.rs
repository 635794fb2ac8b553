//! What declaring an incident writes: the declaration, then who commands it
//! (the declarer unless they name someone else or nobody), the components it
//! touches and whether customers feel it, as the log's ordinary events, so
//! the room shows them like any later change.

use crate::log::event::EventBody;
use crate::vocabulary::{ComponentId, ComponentStatus, RoleId, Severity};

/// The role the declarer takes by default.
pub const COMMANDER: &str = "incident_commander";

/// Who commands the incident from its declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commander {
    /// The person declaring (the usual case: whoever declares leads until
    /// they hand over).
    Declarer,
    /// Someone else, by name.
    Named(String),
    /// Nobody yet.
    Nobody,
}

/// The declare form, as filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub summary: String,
    pub started_at: i64,
    pub components: Vec<(ComponentId, ComponentStatus)>,
    /// None when the declarer does not know yet.
    pub customer_impact: Option<bool>,
    pub commander: Commander,
}

/// The events to record, in order; the first is the declaration. `declarer`
/// is the signed-in name (the server writes the author anyway).
pub fn events(d: &Declaration, declarer: &str) -> Vec<EventBody> {
    let mut out = vec![EventBody::Declared {
        title: d.title.trim().to_string(),
        severity: d.severity,
        summary: d.summary.trim().to_string(),
        started_at: d.started_at,
        detected_at: None,
    }];
    let person = match &d.commander {
        Commander::Declarer => Some(declarer.trim()),
        Commander::Named(name) => Some(name.trim()),
        Commander::Nobody => None,
    };
    if let Some(person) = person.filter(|p| !p.is_empty()) {
        out.push(EventBody::RoleAssigned {
            role: RoleId(COMMANDER.into()),
            person: person.to_string(),
        });
    }
    let mut seen: Vec<&ComponentId> = Vec::new();
    for (component, status) in &d.components {
        if *status != ComponentStatus::Operational && !seen.contains(&component) {
            seen.push(component);
            out.push(EventBody::ComponentStatusSet {
                component: component.clone(),
                status: *status,
            });
        }
    }
    if let Some(customer_impact) = d.customer_impact {
        out.push(EventBody::ImpactSet {
            customer_impact,
            share_permille: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Declaration {
        Declaration {
            title: " Checkout fails ".into(),
            severity: Severity::Sev2,
            summary: String::new(),
            started_at: 1_000,
            components: Vec::new(),
            customer_impact: None,
            commander: Commander::Declarer,
        }
    }

    fn commander(events: &[EventBody]) -> Option<&str> {
        events.iter().find_map(|e| match e {
            EventBody::RoleAssigned { role, person } if &*role.0 == COMMANDER => {
                Some(person.as_str())
            }
            _ => None,
        })
    }

    #[test]
    fn the_declarer_commands_unless_they_name_someone_else_or_nobody() {
        let got = events(&form(), "ana");
        assert!(matches!(&got[0], EventBody::Declared { title, .. } if title == "Checkout fails"));
        assert_eq!(commander(&got), Some("ana"));

        let mut other = form();
        other.commander = Commander::Named(" bo ".into());
        assert_eq!(commander(&events(&other, "ana")), Some("bo"));

        let mut nobody = form();
        nobody.commander = Commander::Nobody;
        assert_eq!(commander(&events(&nobody, "ana")), None);
        // A blank name is nobody, not an empty holder.
        let mut blank = form();
        blank.commander = Commander::Named("  ".into());
        assert_eq!(commander(&events(&blank, "ana")), None);
    }

    #[test]
    fn affected_components_and_known_impact_are_recorded_after_the_declaration() {
        let mut d = form();
        d.components = vec![
            (ComponentId("api".into()), ComponentStatus::MajorOutage),
            (ComponentId("web".into()), ComponentStatus::Operational),
            (ComponentId("api".into()), ComponentStatus::PartialOutage),
        ];
        d.customer_impact = Some(true);
        let got = events(&d, "ana");
        let components: Vec<_> = got
            .iter()
            .filter_map(|e| match e {
                EventBody::ComponentStatusSet { component, status } => {
                    Some((&*component.0, *status))
                }
                _ => None,
            })
            .collect();
        // Operational is not affected; a component is named once.
        assert_eq!(components, [("api", ComponentStatus::MajorOutage)]);
        assert!(got.iter().any(|e| matches!(
            e,
            EventBody::ImpactSet {
                customer_impact: true,
                ..
            }
        )));
        // Unknown impact records nothing.
        assert!(!events(&form(), "ana")
            .iter()
            .any(|e| matches!(e, EventBody::ImpactSet { .. })));
    }
}
