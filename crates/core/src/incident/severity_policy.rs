//! The severity policy: rules such as "any customer impact is at least
//! SEV1", and the prompt when an incident's recorded impact and severity
//! disagree.

use crate::incident::Incident;
use crate::vocabulary::{ImpactCondition, Severity, SeverityRule};

/// The console's prompt: the policy asks for at least `required`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityPrompt {
    pub required: Severity,
    /// Why, in words, e.g. "customers are affected".
    pub because: String,
}

/// The most severe level any rule requires for this incident's impact,
/// when that is more severe than what it has.
pub fn prompt(incident: &Incident, rules: &[SeverityRule]) -> Option<SeverityPrompt> {
    // A maintenance has no severity; impact nobody planned converts it instead.
    if incident.is_maintenance() {
        return None;
    }
    let (required, because) = rules
        .iter()
        .filter_map(|r| applies(incident, r.when).map(|why| (r.at_least, why)))
        .min_by_key(|(s, _)| *s)?;
    (required < incident.severity).then_some(SeverityPrompt { required, because })
}

fn applies(incident: &Incident, when: ImpactCondition) -> Option<String> {
    match when {
        ImpactCondition::CustomerImpact => incident
            .customer_impact
            .then(|| "customers are affected".to_string()),
        ImpactCondition::ShareAtLeast { permille } => match incident.share_permille {
            Some(share) if share >= permille => Some(format!(
                "{} of users or traffic is affected (policy threshold {})",
                percent(share),
                percent(permille)
            )),
            _ => None,
        },
    }
}

/// `12.5%` from thousandths; whole numbers without a decimal.
pub fn percent(permille: u16) -> String {
    if permille % 10 == 0 {
        format!("{}%", permille / 10)
    } else {
        format!("{}.{}%", permille / 10, permille % 10)
    }
}

/// Thousandths from a percentage a person typed ("25", "0.5", "12.5 %"):
/// more than 0, at most 100, at most one decimal.
/// The share of users or traffic a responder typed for an incident's
/// impact, in thousandths: blank is unknown, 0 to 100 (a `%` allowed, any
/// decimals rounded to tenths) is a share. Unlike a policy threshold
/// (`parse_percent`), 0 is a real answer here.
pub fn parse_share(input: &str) -> Result<Option<u16>, String> {
    match input.trim() {
        "" => Ok(None),
        t => match t.trim_end_matches('%').trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(Some((p * 10.0).round() as u16)),
            _ => Err(format!(
                "\u{201c}{t}\u{201d} is not a share between 0 and 100%."
            )),
        },
    }
}

pub fn parse_percent(input: &str) -> Result<u16, String> {
    let t = input.trim().trim_end_matches('%').trim();
    let bad = || {
        format!(
            "\u{201c}{}\u{201d} is not a percentage between 0.1 and 100",
            input.trim()
        )
    };
    let (whole, tenths) = match t.split_once('.') {
        Some((w, f)) if f.len() == 1 => (w, f),
        Some((w, "")) => (w, "0"),
        Some(_) => return Err(bad()),
        None => (t, "0"),
    };
    if whole.is_empty() && tenths == "0" {
        return Err(bad());
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(tenths) || whole.len() > 3 {
        return Err(bad());
    }
    let whole: u16 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let tenths: u16 = tenths.parse().map_err(|_| bad())?;
    let permille = whole * 10 + tenths;
    if permille == 0 || permille > 1000 {
        return Err(bad());
    }
    Ok(permille)
}

/// A rule in words, for the settings page.
pub fn describe(rule: &SeverityRule) -> String {
    let when = match rule.when {
        ImpactCondition::CustomerImpact => "any customer impact".to_string(),
        ImpactCondition::ShareAtLeast { permille } => {
            format!(
                "at least {} of users or traffic affected",
                percent(permille)
            )
        }
    };
    format!("{when} is at least {}", rule.at_least.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impact_share_is_blank_or_between_0_and_100_percent() {
        assert_eq!(parse_share(" "), Ok(None));
        assert_eq!(parse_share("12.5"), Ok(Some(125)));
        assert_eq!(parse_share("0"), Ok(Some(0)));
        assert_eq!(parse_share("100 %"), Ok(Some(1000)));
        assert_eq!(parse_share("0.04"), Ok(Some(0)));
        for bad in ["140", "-1", "NaN", "inf", "lots"] {
            assert_eq!(
                parse_share(bad),
                Err(format!(
                    "\u{201c}{bad}\u{201d} is not a share between 0 and 100%."
                )),
                "{bad}"
            );
        }
    }
    use crate::vocabulary::IncidentId;

    fn incident(severity: Severity, customer_impact: bool, share: Option<u16>) -> Incident {
        let mut i = Incident::new(IncidentId("i".into()));
        i.severity = severity;
        i.customer_impact = customer_impact;
        i.share_permille = share;
        i
    }

    fn rules() -> Vec<SeverityRule> {
        vec![
            SeverityRule {
                when: ImpactCondition::CustomerImpact,
                at_least: Severity::Sev2,
            },
            SeverityRule {
                when: ImpactCondition::ShareAtLeast { permille: 250 },
                at_least: Severity::Sev1,
            },
        ]
    }

    #[test]
    fn customer_impact_on_a_sev3_prompts_for_the_policy_minimum() {
        let p = prompt(&incident(Severity::Sev3, true, None), &rules()).unwrap();
        assert_eq!(p.required, Severity::Sev2);
        assert_eq!(p.because, "customers are affected");
    }

    #[test]
    fn the_most_severe_applicable_rule_wins() {
        let p = prompt(&incident(Severity::Sev3, true, Some(300)), &rules()).unwrap();
        assert_eq!(p.required, Severity::Sev1);
        assert!(p.because.contains("30%"), "{}", p.because);
    }

    #[test]
    fn no_prompt_when_severity_already_meets_the_policy() {
        assert_eq!(
            prompt(&incident(Severity::Sev2, true, Some(100)), &rules()),
            None
        );
        assert_eq!(
            prompt(&incident(Severity::Sev1, true, Some(900)), &rules()),
            None
        );
    }

    #[test]
    fn no_prompt_without_recorded_impact() {
        assert_eq!(
            prompt(&incident(Severity::Sev4, false, None), &rules()),
            None
        );
        assert_eq!(
            prompt(&incident(Severity::Sev4, false, Some(249)), &rules()),
            None
        );
    }

    #[test]
    fn typed_percentages_become_thousandths() {
        assert_eq!(parse_percent("25"), Ok(250));
        assert_eq!(parse_percent(" 12.5 % "), Ok(125));
        assert_eq!(parse_percent(".5"), Ok(5));
        assert_eq!(parse_percent("100"), Ok(1000));
        for bad in ["", "0", "100.1", "abc", "1.25", "-5", "1e3", "."] {
            assert!(parse_percent(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn percentages_print_tenths_only_when_needed() {
        assert_eq!(percent(250), "25%");
        assert_eq!(percent(5), "0.5%");
        assert_eq!(
            describe(&rules()[1]),
            "at least 25% of users or traffic affected is at least SEV1"
        );
    }

    #[test]
    fn a_maintenance_is_not_prompted_for_a_severity_until_converted() {
        use crate::log::event::{Event, EventBody};

        let ev = |id: &str, body: EventBody| Event::new(id, "m", "ana", 1, body);
        let mut m = Incident::new(IncidentId("m".into()));
        m.apply(&ev(
            "p",
            EventBody::MaintenancePlanned {
                title: "Upgrade".into(),
                starts_at: 0,
                ends_at: 10,
                components: Vec::new(),
                customer_notice: String::new(),
                freeze_reason: None,
            },
        ));
        m.apply(&ev(
            "i",
            EventBody::ImpactSet {
                customer_impact: true,
                share_permille: None,
            },
        ));
        assert_eq!(prompt(&m, &rules()), None);
        m.apply(&ev(
            "x",
            EventBody::MaintenanceConverted {
                severity: Severity::Sev3,
            },
        ));
        assert_eq!(
            prompt(&m, &rules()).map(|p| p.required),
            Some(Severity::Sev2)
        );
    }
}
