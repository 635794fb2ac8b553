//! Customers who subscribed to the public page: what they may type (an
//! email address, a webhook address, the components they care about) and
//! which published updates each of them gets. The server stores them and
//! delivers; the decisions are here.

use crate::comms::{CustomerUpdate, Review};
use crate::incident::Incident;
use crate::vocabulary::ComponentId;

/// RFC 5321's limits: 64 bytes before the `@`, 254 in all.
pub const MAX_EMAIL_BYTES: usize = 254;
pub const MAX_LOCAL_BYTES: usize = 64;
pub const MAX_URL_BYTES: usize = 2048;
/// Components one subscription may choose.
pub const MAX_COMPONENTS: usize = 100;

/// An email address as a person types it, checked and normalised (trimmed,
/// the domain lower-cased), or why it cannot be one, in words for the
/// person who typed it. Deliberately plain: a quoted local part or an IP
/// literal is refused (no real subscriber needs them, and they are how
/// header and relay tricks start).
pub fn check_email(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Enter your email address.".into());
    }
    if s.len() > MAX_EMAIL_BYTES {
        return Err(format!(
            "That address is {} characters long; an email address has at most {MAX_EMAIL_BYTES}.",
            s.len()
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("An email address has no spaces or line breaks.".into());
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(format!(
            "\u{201c}{}\u{201d} is not an email address: it has no @.",
            clip(s)
        ));
    };
    if local.is_empty() {
        return Err("Write the part before the @ as well (like ana@example.com).".into());
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err(format!(
            "The part before the @ has at most {MAX_LOCAL_BYTES} characters."
        ));
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if local.contains('@') || !local.chars().all(|c| atext(c) || !c.is_ascii()) {
        return Err(format!(
            "\u{201c}{}\u{201d} has characters an email address cannot have before the @.",
            clip(s)
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(
            "The part before the @ cannot start or end with a dot or have two in a row.".into(),
        );
    }
    let domain = domain.to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(char::is_alphabetic));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
        return Err(format!(
            "\u{201c}{}\u{201d} is not an email address: after the @ comes a domain like example.com.",
            clip(s)
        ));
    }
    Ok(format!("{local}@{domain}"))
}

fn clip(s: &str) -> String {
    let c: String = s.chars().take(60).collect();
    if c.len() < s.len() {
        format!("{c}…")
    } else {
        c
    }
}

/// A webhook address as a subscriber types it: http(s), a host, no
/// credentials or fragment, one line. Where it may point (not our own
/// network) is the server's check when it connects.
pub fn check_webhook_url(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Enter the address to send updates to (https://…).".into());
    }
    if s.len() > MAX_URL_BYTES {
        return Err(format!(
            "The address has at most {MAX_URL_BYTES} characters."
        ));
    }
    let lower = s.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err("The webhook address must start with https:// (or http://).".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err("The webhook address needs a host name after https://.".into());
    }
    if authority.contains('@') {
        return Err(
            "Leave user names and passwords out of the address; we sign every request instead."
                .into(),
        );
    }
    if s.contains('#') {
        return Err("The address cannot have a # part.".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The address has no spaces or line breaks.".into());
    }
    Ok(s.to_string())
}

/// The components a subscription chose, checked against the page's list:
/// none means all of them.
pub fn check_components(chosen: &[String], known: &[&str]) -> Result<Vec<String>, String> {
    if chosen.len() > MAX_COMPONENTS {
        return Err(format!("Choose at most {MAX_COMPONENTS} components."));
    }
    let mut out: Vec<String> = Vec::new();
    for c in chosen {
        if !known.contains(&c.as_str()) {
            return Err("One of the chosen components is not on this page any more; reload and choose again.".into());
        }
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// Whether a subscriber who chose `components` (none: all) gets `update`
/// of `incident`: when the update names one of them, or an earlier
/// published update of the same incident did (so the resolution reaches
/// whoever heard of the outage even when it names nothing), or a
/// maintenance window plans work on one.
pub fn wants(components: &[String], incident: &Incident, update: &CustomerUpdate) -> bool {
    if components.is_empty() {
        return true;
    }
    let chosen = |id: &ComponentId| components.iter().any(|c| *c == *id.0);
    if update.components.keys().any(chosen) {
        return true;
    }
    if incident
        .maintenance
        .as_ref()
        .is_some_and(|m| m.components.iter().any(chosen))
    {
        return true;
    }
    let until = update.published_at.unwrap_or(i64::MAX);
    incident
        .updates
        .iter()
        .filter(|u| u.review == Review::Published && u.id != update.id)
        .filter(|u| u.published_at.is_some_and(|at| at <= until))
        .any(|u| u.components.keys().any(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{ComponentStatus, EventId, IncidentId};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    #[test]
    fn ordinary_addresses_are_accepted_and_the_domain_lower_cased() {
        assert_eq!(
            check_email("  Ana.Lopez+status@Example.COM "),
            Ok("Ana.Lopez+status@example.com".into())
        );
        assert!(check_email("o'brien@mail.example.co.uk").is_ok());
        assert!(
            check_email("jose@exämple.de").is_ok(),
            "internationalised domains"
        );
    }

    #[test]
    fn invalid_addresses_are_refused_with_a_reason_a_person_understands() {
        let cases = [
            ("", "Enter your email address."),
            ("ana", "it has no @"),
            ("@example.com", "before the @"),
            ("ana@", "after the @ comes a domain"),
            ("ana@localhost", "after the @ comes a domain"),
            ("ana@example", "after the @ comes a domain"),
            ("ana@[127.0.0.1]", "after the @ comes a domain"),
            ("ana@exa mple.com", "no spaces"),
            (
                "ana@example.com\r\nBcc: x@evil.example",
                "no spaces or line breaks",
            ),
            ("\"a b\"@example.com", "no spaces"),
            ("a..b@example.com", "two in a row"),
            ("ana@-example.com", "a domain like example.com"),
            (
                "a<b>@example.com",
                "characters an email address cannot have",
            ),
        ];
        for (input, words) in cases {
            let err = check_email(input).expect_err(input);
            assert!(err.contains(words), "{input:?}: {err}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(check_email(&long).unwrap_err().contains("at most 254"));
    }

    #[test]
    fn webhook_addresses_must_be_web_addresses_without_credentials() {
        assert_eq!(
            check_webhook_url(" https://hooks.example.com/x?y=1 "),
            Ok("https://hooks.example.com/x?y=1".into())
        );
        for (bad, words) in [
            ("ftp://x.example", "must start with https://"),
            ("https://", "needs a host"),
            ("https://user:pw@x.example/", "user names and passwords"),
            ("https://x.example/#frag", "# part"),
            ("javascript:alert(1)", "must start with https://"),
        ] {
            assert!(check_webhook_url(bad).unwrap_err().contains(words), "{bad}");
        }
    }

    #[test]
    fn chosen_components_must_be_on_the_page() {
        assert_eq!(check_components(&[], &["api"]), Ok(vec![]));
        assert_eq!(
            check_components(&["api".into(), "api".into()], &["api"]),
            Ok(vec!["api".into()])
        );
        assert!(check_components(&["db".into()], &["api"]).is_err());
    }

    fn ev(id: &str, at: i64, body: EventBody) -> Event {
        Event::new(id, "inc-1", "cody", at, body)
    }

    fn publish(inc: &mut Incident, id: &str, at: i64, components: &[(&str, ComponentStatus)]) {
        inc.apply(&ev(
            id,
            at,
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: Channels::default(),
                components: components
                    .iter()
                    .map(|(c, s)| (ComponentId(Arc::from(*c)), *s))
                    .collect::<BTreeMap<_, _>>(),
                public_title: None,
            },
        ));
        inc.apply(&ev(
            &format!("p-{id}"),
            at,
            EventBody::UpdatePublished {
                update: EventId(Arc::from(id)),
                targets: vec!["email".into()],
                overrides: vec![],
            },
        ));
    }

    #[test]
    fn a_component_subscriber_hears_about_its_components_and_the_end_of_what_it_heard_about() {
        let mut inc = Incident::new(IncidentId(Arc::from("inc-1")));
        publish(&mut inc, "u1", 10, &[("api", ComponentStatus::MajorOutage)]);
        publish(&mut inc, "u2", 20, &[]);
        let mut other = Incident::new(IncidentId(Arc::from("inc-1")));
        publish(
            &mut other,
            "w1",
            10,
            &[("web", ComponentStatus::PartialOutage)],
        );
        let api = vec!["api".to_string()];
        let u1 = inc.update(&EventId(Arc::from("u1"))).unwrap();
        let u2 = inc.update(&EventId(Arc::from("u2"))).unwrap();
        let w1 = other.update(&EventId(Arc::from("w1"))).unwrap();
        assert!(wants(&api, &inc, u1));
        assert!(
            wants(&api, &inc, u2),
            "the follow-up names nothing, but api was named before"
        );
        assert!(!wants(&api, &other, w1));
        assert!(wants(&[], &other, w1), "no choice means everything");
    }
}
