//! Settings every console shares, folded from the workspace stream: the
//! component catalogue, roles, the severity policy, watched upstreams,
//! the change-freeze settings (see `freeze`), the comms desk's
//! templates and policy, and the alert routing rules.

use crate::aftermath::freeze::FreezeSettings;
use crate::alerts::model::AlertRoute;
use crate::comms::policy::CommsPolicy;
use crate::comms::{Channels, Phase};
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{ComponentId, ImpactCondition, RoleId, Severity, SeverityRule};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    pub components: BTreeMap<ComponentId, Component>,
    /// Custom roles; the built-in four are in `BUILT_IN_ROLES`.
    pub custom_roles: BTreeMap<RoleId, String>,
    pub severities: BTreeMap<Severity, SeverityDefinition>,
    pub severity_rules: Vec<SeverityRule>,
    /// Watched status pages, name → base URL.
    pub upstreams: BTreeMap<String, String>,
    pub upstream_links: Vec<UpstreamLink>,
    /// The change-freeze policy, manual freezes and early ends.
    pub freeze: FreezeSettings,
    /// Templates an admin changed; the others are `default_templates::default_for`.
    pub templates: BTreeMap<Phase, Channels>,
    pub comms: CommsPolicy,
    /// Alert routing rules, tried in order (see `alerts::routing`).
    pub alert_routes: Vec<AlertRoute>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub id: ComponentId,
    pub name: String,
    /// Empty when ungrouped.
    pub group: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityDefinition {
    pub name: String,
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamLink {
    pub provider: String,
    pub provider_component: String,
    pub component: ComponentId,
}

/// Roles every incident has, by wire id and name.
pub const BUILT_IN_ROLES: [(&str, &str); 4] = [
    ("incident_commander", "Incident commander"),
    ("communications_lead", "Communications lead"),
    ("operations_lead", "Operations lead"),
    ("scribe", "Scribe"),
];

impl Default for Workspace {
    fn default() -> Self {
        let defs = [
            (
                Severity::Sev1,
                "Critical",
                "Customers cannot use a core product, or data is at risk.",
            ),
            (
                Severity::Sev2,
                "Major",
                "A core feature is degraded for many customers.",
            ),
            (
                Severity::Sev3,
                "Minor",
                "A non-core feature is impaired, or few customers are affected.",
            ),
            (
                Severity::Sev4,
                "Low",
                "No customer impact yet; internal or cosmetic.",
            ),
        ];
        Workspace {
            components: BTreeMap::new(),
            custom_roles: BTreeMap::new(),
            severities: defs
                .into_iter()
                .map(|(s, name, definition)| {
                    (
                        s,
                        SeverityDefinition {
                            name: name.into(),
                            definition: definition.into(),
                        },
                    )
                })
                .collect(),
            // The example policy: any customer impact is at least SEV1.
            severity_rules: vec![SeverityRule {
                when: ImpactCondition::CustomerImpact,
                at_least: Severity::Sev1,
            }],
            upstreams: BTreeMap::new(),
            upstream_links: Vec::new(),
            freeze: FreezeSettings::default(),
            templates: BTreeMap::new(),
            comms: CommsPolicy::default(),
            alert_routes: Vec::new(),
        }
    }
}

impl Workspace {
    /// Folds one workspace event in; incident events are ignored.
    pub fn apply(&mut self, ev: &Event) {
        self.freeze.apply(ev);
        match &ev.body {
            EventBody::ComponentDefined {
                component,
                name,
                group,
            } => {
                self.components.insert(
                    component.clone(),
                    Component {
                        id: component.clone(),
                        name: name.clone(),
                        group: group.trim().to_string(),
                    },
                );
            }
            EventBody::ComponentRemoved { component } => {
                self.components.remove(component);
            }
            EventBody::RoleDefined { role, name } => {
                self.custom_roles.insert(role.clone(), name.clone());
            }
            EventBody::RoleRemoved { role } => {
                self.custom_roles.remove(role);
            }
            EventBody::SeverityDefined {
                severity,
                name,
                definition,
            } => {
                self.severities.insert(
                    *severity,
                    SeverityDefinition {
                        name: name.clone(),
                        definition: definition.clone(),
                    },
                );
            }
            EventBody::SeverityRulesSet { rules } => self.severity_rules = rules.clone(),
            EventBody::UpstreamAdded { name, url } => {
                self.upstreams.insert(name.clone(), url.clone());
            }
            EventBody::UpstreamRemoved { name } => {
                self.upstreams.remove(name);
                self.upstream_links.retain(|l| &l.provider != name);
            }
            EventBody::UpstreamLinked {
                provider,
                provider_component,
                component,
            } => {
                self.upstream_links.retain(|l| {
                    !(&l.provider == provider && &l.provider_component == provider_component)
                });
                self.upstream_links.push(UpstreamLink {
                    provider: provider.clone(),
                    provider_component: provider_component.clone(),
                    component: component.clone(),
                });
            }
            EventBody::UpstreamUnlinked {
                provider,
                provider_component,
            } => self.upstream_links.retain(|l| {
                !(&l.provider == provider && &l.provider_component == provider_component)
            }),
            EventBody::TemplateSet { phase, channels } => {
                self.templates.insert(*phase, channels.clone());
            }
            EventBody::CommsPolicySet { policy } => self.comms = policy.clone(),
            EventBody::AlertRoutesSet { routes } => self.alert_routes = routes.clone(),
            _ => {}
        }
    }

    /// The template a draft in this phase starts from.
    pub fn template(&self, phase: Phase) -> Channels {
        self.templates
            .get(&phase)
            .cloned()
            .unwrap_or_else(|| crate::comms::default_templates::default_for(phase))
    }

    /// A component's name for display. An id this replica does not know
    /// (removed, or defined by an event still on its way) says so.
    pub fn component_name(&self, id: &ComponentId) -> String {
        match self.components.get(id) {
            Some(c) if c.group.is_empty() => c.name.clone(),
            Some(c) => format!("{} / {}", c.group, c.name),
            None => format!("Unknown component ({id})"),
        }
    }

    /// Every role an incident may assign: the built-in four, then custom ones.
    pub fn roles(&self) -> Vec<(RoleId, String)> {
        BUILT_IN_ROLES
            .iter()
            .map(|(id, name)| (RoleId((*id).into()), (*name).to_string()))
            .chain(
                self.custom_roles
                    .iter()
                    .map(|(id, n)| (id.clone(), n.clone())),
            )
            .collect()
    }

    pub fn role_name(&self, id: &RoleId) -> String {
        BUILT_IN_ROLES
            .iter()
            .find(|(r, _)| *r == &*id.0)
            .map(|(_, n)| (*n).to_string())
            .or_else(|| self.custom_roles.get(id).cloned())
            .unwrap_or_else(|| format!("Unknown role ({id})"))
    }

    /// Components sorted by group, then name, for pickers.
    pub fn catalogue(&self) -> Vec<&Component> {
        let mut all: Vec<&Component> = self.components.values().collect();
        crate::ordering::sort_by(&mut all, |a, b| {
            (&a.group, &a.name, &a.id).cmp(&(&b.group, &b.name, &b.id))
        });
        all
    }

    pub fn severity_name(&self, s: Severity) -> String {
        match self.severities.get(&s) {
            Some(d) if !d.name.is_empty() => format!("{} · {}", s.label(), d.name),
            _ => s.label().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::IncidentId;

    fn ev(body: EventBody) -> Event {
        Event::new("w", IncidentId::workspace(), "admin", 0, body)
    }

    fn define(id: &str, name: &str, group: &str) -> Event {
        ev(EventBody::ComponentDefined {
            component: ComponentId(id.into()),
            name: name.into(),
            group: group.into(),
        })
    }

    #[test]
    fn a_template_set_replaces_the_default_for_its_phase_only() {
        use crate::comms::{Channels, Phase};
        let mut w = Workspace::default();
        let mine = Channels {
            banner: "Our banner".into(),
            ..Channels::default()
        };
        w.apply(&ev(EventBody::TemplateSet {
            phase: Phase::Identified,
            channels: mine.clone(),
        }));
        assert_eq!(w.template(Phase::Identified), mine);
        assert_eq!(
            w.template(Phase::Investigating),
            crate::comms::default_templates::default_for(Phase::Investigating)
        );
    }

    #[test]
    fn defining_a_component_again_renames_it() {
        let mut w = Workspace::default();
        w.apply(&define("api", "API", "Core"));
        w.apply(&define("api", "Public API", "Core"));
        assert_eq!(
            w.component_name(&ComponentId("api".into())),
            "Core / Public API"
        );
        assert_eq!(w.components.len(), 1);
    }

    #[test]
    fn an_unknown_component_is_named_as_unknown_with_its_id() {
        let w = Workspace::default();
        assert_eq!(
            w.component_name(&ComponentId("<b>x</b>".into())),
            "Unknown component (<b>x</b>)"
        );
    }

    #[test]
    fn custom_roles_follow_the_built_in_ones_and_can_be_removed() {
        let mut w = Workspace::default();
        w.apply(&ev(EventBody::RoleDefined {
            role: RoleId("db_liaison".into()),
            name: "Database liaison".into(),
        }));
        let names: Vec<_> = w.roles().into_iter().map(|(_, n)| n).collect();
        assert_eq!(names.len(), 5);
        assert_eq!(names[0], "Incident commander");
        assert_eq!(names[4], "Database liaison");
        w.apply(&ev(EventBody::RoleRemoved {
            role: RoleId("db_liaison".into()),
        }));
        assert_eq!(w.roles().len(), 4);
        assert_eq!(
            w.role_name(&RoleId("db_liaison".into())),
            "Unknown role (db_liaison)"
        );
    }

    #[test]
    fn severity_names_and_definitions_are_editable() {
        let mut w = Workspace::default();
        w.apply(&ev(EventBody::SeverityDefined {
            severity: Severity::Sev2,
            name: "Serious".into(),
            definition: "Paying customers notice".into(),
        }));
        assert_eq!(w.severity_name(Severity::Sev2), "SEV2 · Serious");
        assert_eq!(
            w.severities[&Severity::Sev2].definition,
            "Paying customers notice"
        );
    }

    #[test]
    fn linking_a_provider_component_again_replaces_the_link_and_removing_the_provider_drops_it() {
        let mut w = Workspace::default();
        w.apply(&ev(EventBody::UpstreamAdded {
            name: "cf".into(),
            url: "https://www.cloudflarestatus.com".into(),
        }));
        for ours in ["cdn", "dns"] {
            w.apply(&ev(EventBody::UpstreamLinked {
                provider: "cf".into(),
                provider_component: "c1".into(),
                component: ComponentId(ours.into()),
            }));
        }
        assert_eq!(w.upstream_links.len(), 1);
        assert_eq!(&*w.upstream_links[0].component.0, "dns");
        w.apply(&ev(EventBody::UpstreamRemoved { name: "cf".into() }));
        assert!(w.upstreams.is_empty());
        assert!(w.upstream_links.is_empty());
    }
}
