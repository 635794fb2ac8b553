//! What the incident affects: our components and their status, and customer impact.

use super::*;

impl Incident {
    /// Component status and customer impact.
    pub(super) fn fold_impact(&mut self, ev: &Event) -> Option<EntryWhat> {
        match &ev.body {
            EventBody::ComponentStatusSet { component, status } => {
                self.components.insert(component.clone(), *status);
                Some(EntryWhat::Component {
                    component: component.clone(),
                    status: Some(*status),
                })
            }
            EventBody::ComponentCleared { component } => {
                self.components.remove(component);
                Some(EntryWhat::Component {
                    component: component.clone(),
                    status: None,
                })
            }
            EventBody::ImpactSet {
                customer_impact,
                share_permille,
            } => {
                self.customer_impact = *customer_impact;
                self.share_permille = share_permille.map(|p| p.min(1000));
                Some(EntryWhat::Impact {
                    customer_impact: *customer_impact,
                    share_permille: self.share_permille,
                })
            }
            _ => None,
        }
    }
}
