//! Admins' routing rules matched against an alert group, and what the
//! console proposes when a responder declares an incident from it: title,
//! severity and components from the first matching rule, and the impact
//! start and detection time from the alerts themselves.

use crate::alerts::book::Group;
use crate::alerts::model::{AlertRoute, Labels, MatchOp, Matcher};
use crate::vocabulary::{ComponentId, Severity};

pub use crate::alerts::model::{MAX_MATCHERS, MAX_ROUTES};

/// Whether a label set satisfies one matcher (an absent label is `""`).
pub fn matches(m: &Matcher, labels: &Labels) -> bool {
    let value = labels.get(&m.label).map(String::as_str).unwrap_or("");
    match m.op {
        MatchOp::Equals => value == m.value,
        MatchOp::NotEquals => value != m.value,
        MatchOp::Glob => glob(&m.value, value),
    }
}

/// `*` stands for any run of characters; everything else is literal.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The first rule whose every matcher holds (a rule with no matcher
/// matches everything: a catch-all at the end).
pub fn route_for<'a>(routes: &'a [AlertRoute], labels: &Labels) -> Option<&'a AlertRoute> {
    routes
        .iter()
        .find(|r| r.matchers.iter().all(|m| matches(m, labels)))
}

/// Matchers as an admin types them: `severity=page, service~checkout*,
/// team!=db` (`=` equals, `!=` not equals, `~` a `*` pattern; values may
/// be quoted). Empty text is no matcher: the rule catches everything.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (label, op, value) = if let Some((l, v)) = item.split_once("!=") {
            (l, MatchOp::NotEquals, v)
        } else if let Some((l, v)) = item.split_once('~') {
            (l, MatchOp::Glob, v)
        } else if let Some((l, v)) = item.split_once('=') {
            (l, MatchOp::Equals, v)
        } else {
            return Err(format!(
                "{item:?} is not a matcher: write label=value, label!=value or label~pattern*"
            ));
        };
        let label = label.trim();
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "{label:?} is not a label name (letters, digits and _)"
            ));
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.push(Matcher {
            label: label.to_string(),
            op,
            value: value.to_string(),
        });
    }
    if out.len() > MAX_MATCHERS {
        return Err(format!(
            "{} matchers; the limit is {MAX_MATCHERS}",
            out.len()
        ));
    }
    Ok(out)
}

/// Matchers written back the way `parse_matchers` reads them.
pub fn matchers_text(matchers: &[Matcher]) -> String {
    matchers
        .iter()
        .map(|m| format!("{}{}{}", m.label, m.op.symbol(), m.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What declaring an incident from a group starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub title: String,
    pub severity: Severity,
    pub components: Vec<ComponentId>,
    pub summary: String,
    /// Impact began no later than the first alert: the earliest start.
    pub started_at: i64,
    /// Detection is the earliest start too: measured, not typed.
    pub detected_at: i64,
    /// The rule that matched, by name.
    pub route: Option<String>,
    pub open_incident: bool,
}

/// Severity proposed when no rule says.
pub const DEFAULT_SEVERITY: Severity = Severity::Sev3;

pub fn propose(group: &Group, routes: &[AlertRoute]) -> Proposal {
    let route = route_for(routes, &group.common_labels());
    let started = group.earliest_start().unwrap_or(group.since);
    let summaries: Vec<String> = group
        .alerts_in_order()
        .iter()
        .filter_map(|a| a.summary())
        .fold(Vec::new(), |mut seen: Vec<String>, s| {
            if !seen.iter().any(|x| x == s) && seen.len() < 3 {
                seen.push(s.to_string());
            }
            seen
        });
    let mut title = group.title();
    if title.len() > 200 {
        let mut end = 199;
        while !title.is_char_boundary(end) {
            end -= 1;
        }
        title.truncate(end);
    }
    let mut summary = summaries.join("\n");
    if summary.len() > 4000 {
        let mut end = 4000;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        summary.truncate(end);
    }
    Proposal {
        title,
        severity: route.and_then(|r| r.severity).unwrap_or(DEFAULT_SEVERITY),
        components: route.map(|r| r.components.clone()).unwrap_or_default(),
        summary,
        started_at: started,
        detected_at: started,
        route: route.map(|r| r.name.clone()),
        open_incident: route.is_some_and(|r| r.open_incident),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::book::AlertBook;
    use crate::alerts::model::{Alert, AlertSource, AlertStatus};
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::IncidentId;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn m(label: &str, op: MatchOp, value: &str) -> Matcher {
        Matcher {
            label: label.into(),
            op,
            value: value.into(),
        }
    }

    fn route(name: &str, matchers: Vec<Matcher>, severity: Option<Severity>) -> AlertRoute {
        AlertRoute {
            name: name.into(),
            matchers,
            components: vec![ComponentId("payments-api".into())],
            severity,
            open_incident: severity == Some(Severity::Sev1),
        }
    }

    #[test]
    fn globs_match_runs_of_anything_and_nothing_else() {
        assert!(glob("api-*", "api-eu"));
        assert!(glob("*checkout*", "eu-checkout-2"));
        assert!(glob("a*b*c", "abc"));
        assert!(glob("*", ""));
        assert!(!glob("api-*", "web-api-eu"));
        assert!(!glob("a*b*c", "acb"));
        assert!(!glob("ab*ba", "aba"), "the ends may not overlap");
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }

    #[test]
    fn matchers_read_an_absent_label_as_empty() {
        let l = labels(&[("severity", "page")]);
        assert!(matches(&m("severity", MatchOp::Equals, "page"), &l));
        assert!(matches(&m("team", MatchOp::Equals, ""), &l));
        assert!(matches(&m("team", MatchOp::NotEquals, "db"), &l));
        assert!(!matches(&m("severity", MatchOp::NotEquals, "page"), &l));
    }

    #[test]
    fn matchers_read_as_typed_and_write_back_the_same_way() {
        let ms = parse_matchers(r#"severity=page, service~checkout*, team != "db" "#).unwrap();
        assert_eq!(
            ms,
            vec![
                m("severity", MatchOp::Equals, "page"),
                m("service", MatchOp::Glob, "checkout*"),
                m("team", MatchOp::NotEquals, "db"),
            ]
        );
        assert_eq!(
            matchers_text(&ms),
            "severity=page, service~checkout*, team!=db"
        );
        assert_eq!(parse_matchers(&matchers_text(&ms)).unwrap(), ms);
        assert_eq!(parse_matchers("  ").unwrap(), vec![]);
        assert!(parse_matchers("severity")
            .unwrap_err()
            .contains("not a matcher"));
        assert!(parse_matchers("sev rity=page")
            .unwrap_err()
            .contains("label name"));
    }

    #[test]
    fn the_first_matching_rule_wins_and_an_empty_rule_catches_all() {
        let routes = vec![
            route(
                "pages",
                vec![m("severity", MatchOp::Equals, "page")],
                Some(Severity::Sev1),
            ),
            route(
                "checkout",
                vec![m("service", MatchOp::Glob, "checkout*")],
                Some(Severity::Sev2),
            ),
            route("rest", vec![], None),
        ];
        let pick = |l: &[(&str, &str)]| route_for(&routes, &labels(l)).map(|r| r.name.as_str());
        assert_eq!(
            pick(&[("severity", "page"), ("service", "checkout")]),
            Some("pages")
        );
        assert_eq!(pick(&[("service", "checkout-eu")]), Some("checkout"));
        assert_eq!(pick(&[("service", "search")]), Some("rest"));
        assert_eq!(route_for(&routes[..2], &labels(&[("x", "y")])), None);
    }

    #[test]
    fn the_proposal_takes_the_rule_and_measures_times_from_the_alerts() {
        let alert = |fp: &str, starts_at: i64, summary: &str| Alert {
            fingerprint: fp.into(),
            status: AlertStatus::Firing,
            labels: labels(&[
                ("alertname", "HighErrorRate"),
                ("severity", "page"),
                ("pod", fp),
            ]),
            annotations: labels(&[("summary", summary)]),
            starts_at,
            ends_at: None,
            url: String::new(),
        };
        let ev = Event::new(
            "r1",
            IncidentId::alerts(),
            "alertmanager",
            9_000,
            EventBody::AlertsReceived {
                group: "g".into(),
                source: AlertSource::Alertmanager,
                receiver: String::new(),
                group_labels: labels(&[("alertname", "HighErrorRate")]),
                alerts: vec![
                    alert("b", 7_000, "5xx over 5%"),
                    alert("a", 6_000, "5xx over 5%"),
                    alert("c", 8_000, "p99 over 2 s"),
                ],
                omitted: 0,
            },
        );
        let book = AlertBook::of(&[ev]);
        let g = book.group("g").unwrap();
        let routes = vec![route(
            "pages",
            vec![m("severity", MatchOp::Equals, "page")],
            Some(Severity::Sev1),
        )];
        let p = propose(g, &routes);
        assert_eq!(p.title, "HighErrorRate");
        assert_eq!(p.severity, Severity::Sev1);
        assert_eq!(p.components, vec![ComponentId("payments-api".into())]);
        assert_eq!((p.started_at, p.detected_at), (6_000, 6_000));
        assert_eq!(p.summary, "5xx over 5%\np99 over 2 s");
        assert_eq!(p.route.as_deref(), Some("pages"));
        assert!(p.open_incident);
        let none = propose(g, &[]);
        assert_eq!(
            (none.severity, none.route, none.open_incident),
            (DEFAULT_SEVERITY, None, false)
        );
        assert!(none.components.is_empty());
    }
}
