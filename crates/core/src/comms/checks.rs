//! Checks a customer update must pass (or have overridden, with a reason)
//! before it is published. Each has a stable id the override names.

use crate::comms::social_count;
use crate::comms::template::{join_names, placeholders_in};
use crate::comms::{Channels, Phase};
use crate::incident::Incident;
use crate::vocabulary::{ComponentId, ComponentStatus};
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Every check, by id, with what it guards against.
pub const ALL: [(&str, &str); 17] = [
    (
        PUBLIC_TITLE,
        "No public title published for the incident yet",
    ),
    (PLACEHOLDER, "A placeholder is left unfilled"),
    (EMPTY_CHANNEL, "A channel has no text"),
    (HOSTNAME, "Internal host names"),
    (IP_ADDRESS, "IP addresses"),
    (TICKET, "Ticket ids"),
    (INTERNAL_TERM, "Internal names from the settings list"),
    (FIX_TIME, "A promised fix time"),
    (BLAME, "Blame words and provider names"),
    (
        RESOLVED_AFFECTED,
        "Resolved while components are not operational",
    ),
    (
        CONTRADICTION,
        "The status page would contradict the incident",
    ),
    (
        OPERATIONAL_CLAIM,
        "The text calls the service operational while components are affected",
    ),
    (
        NO_DATA_STATEMENT,
        "A resolution that says nothing about customer data",
    ),
    (
        POSTMORTEM_DATA,
        "A public post-mortem without a statement on customer data",
    ),
    (
        POSTMORTEM_OPEN,
        "A public post-mortem of an incident not yet resolved",
    ),
    (SOCIAL_LENGTH, "The social post is over 280 characters"),
    (BANNER_LINE, "The banner is more than one line"),
];

pub const PUBLIC_TITLE: &str = "public_title_missing";
pub const PLACEHOLDER: &str = "placeholder_unfilled";
pub const EMPTY_CHANNEL: &str = "channel_empty";
pub const HOSTNAME: &str = "internal_hostname";
pub const IP_ADDRESS: &str = "ip_address";
pub const TICKET: &str = "ticket_id";
pub const INTERNAL_TERM: &str = "internal_term";
pub const FIX_TIME: &str = "promised_fix_time";
pub const BLAME: &str = "blame_words";
pub const RESOLVED_AFFECTED: &str = "resolved_while_affected";
pub const CONTRADICTION: &str = "status_page_contradiction";
pub const OPERATIONAL_CLAIM: &str = "operational_while_affected";
pub const NO_DATA_STATEMENT: &str = "resolution_without_data";
pub const POSTMORTEM_DATA: &str = "postmortem_without_data_statement";
pub const POSTMORTEM_OPEN: &str = "postmortem_before_resolution";
pub const SOCIAL_LENGTH: &str = "social_too_long";
pub const BANNER_LINE: &str = "banner_not_one_line";

/// A check that fails, and a message that says what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    pub message: String,
}

/// What is checked: the update as it would be published, and the incident
/// and settings it must agree with.
pub struct Draft<'a> {
    pub phase: Phase,
    pub channels: &'a Channels,
    pub components: &'a BTreeMap<ComponentId, ComponentStatus>,
    /// The incident's public name this update sets, if any (trimmed).
    pub public_title: Option<&'a str>,
}

impl<'a> Draft<'a> {
    /// A saved update, as it would be published.
    pub fn of(u: &'a crate::comms::CustomerUpdate) -> Self {
        Draft {
            phase: u.phase,
            channels: &u.channels,
            components: &u.components,
            public_title: u.public_title.as_deref(),
        }
    }
}

/// Runs every check; an empty answer means the update may go out as is.
pub fn run(draft: &Draft, incident: &Incident, workspace: &Workspace) -> Vec<Finding> {
    let mut texts = channel_texts(draft.channels);
    let mut out = Vec::new();
    let mut add = |check: &'static str, message: String| out.push(Finding { check, message });

    // Public pages name the incident by what a communicator published,
    // never by its internal title; the first update must give them one.
    let title = draft.public_title.map(str::trim).filter(|t| !t.is_empty());
    if title.is_none() && incident.published_title().is_none() {
        add(
            PUBLIC_TITLE,
            "Give the incident a public title: status pages show it instead of the internal title."
                .into(),
        );
    }
    // The title is public text too: every text check reads it.
    if let Some(t) = title {
        texts.push(("public title", t));
    }

    let mut unfilled: Vec<String> = Vec::new();
    for (_, t) in &texts {
        for p in placeholders_in(t) {
            if !unfilled.contains(&p) {
                unfilled.push(p);
            }
        }
    }
    if !unfilled.is_empty() {
        let names: Vec<String> = unfilled.iter().map(|p| format!("{{{{{p}}}}}")).collect();
        add(
            PLACEHOLDER,
            format!(
                "Replace the placeholders still in the text: {}.",
                names.join(", ")
            ),
        );
    }
    let empty: Vec<&str> = texts
        .iter()
        .filter(|(_, t)| t.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
    if !empty.is_empty() {
        add(EMPTY_CHANNEL, format!("Write the {}.", empty.join(", ")));
    }

    let found = |pick: fn(&str) -> bool| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for (_, t) in &texts {
            for w in words(t) {
                if pick(w) && !v.iter().any(|x| x == w) {
                    v.push(w.to_string());
                }
            }
        }
        v
    };
    let hosts = found(is_internal_host);
    if !hosts.is_empty() {
        add(
            HOSTNAME,
            format!("Remove internal host names: {}.", hosts.join(", ")),
        );
    }
    let ips = found(is_ip_address);
    if !ips.is_empty() {
        add(
            IP_ADDRESS,
            format!("Remove IP addresses: {}.", ips.join(", ")),
        );
    }
    let tickets = found(is_ticket_id);
    if !tickets.is_empty() {
        add(
            TICKET,
            format!("Remove internal ticket ids: {}.", tickets.join(", ")),
        );
    }
    let policy = &workspace.comms;
    let terms = matches_any(&texts, policy.internal_terms.iter().map(String::as_str));
    if !terms.is_empty() {
        add(
            INTERNAL_TERM,
            format!("Remove internal names: {}.", terms.join(", ")),
        );
    }
    let promises = fix_time_promises(&texts);
    if !promises.is_empty() {
        add(
            FIX_TIME,
            format!(
                "Do not promise when it will be fixed (\"{}\"); promise when the next update comes instead.",
                promises.join("\", \"")
            ),
        );
    }
    let blame_list = policy
        .blame_words
        .iter()
        .map(String::as_str)
        .chain(workspace.upstreams.keys().map(String::as_str));
    let blame = matches_any(&texts, blame_list);
    if !blame.is_empty() {
        add(
            BLAME,
            format!(
                "Take out words that blame or name a provider: {}. Customers need what it means for them.",
                blame.join(", ")
            ),
        );
    }

    // A post-mortem says it is over as much as a resolution does.
    let closing = draft.phase.is_closing() || draft.phase == Phase::Postmortem;
    if closing {
        let mut still: Vec<String> = incident
            .components
            .iter()
            .filter(|(_, s)| **s != ComponentStatus::Operational)
            .map(|(id, s)| format!("{} ({})", workspace.component_name(id), s.label()))
            .collect();
        for (id, s) in draft.components {
            let name = format!("{} ({})", workspace.component_name(id), s.label());
            if *s != ComponentStatus::Operational && !still.contains(&name) {
                still.push(name);
            }
        }
        if !still.is_empty() {
            add(
                RESOLVED_AFFECTED,
                format!(
                    "This says it is over, but {} {} not operational.",
                    join_names(&still),
                    if still.len() == 1 { "is" } else { "are" }
                ),
            );
        }
    } else {
        let hidden: Vec<String> = incident
            .components
            .iter()
            .filter(|(_, s)| **s != ComponentStatus::Operational)
            .filter(|(id, _)| {
                draft
                    .components
                    .get(*id)
                    .is_none_or(|s| *s == ComponentStatus::Operational)
            })
            .map(|(id, s)| format!("{} ({})", workspace.component_name(id), s.label()))
            .collect();
        // Words can lie as much as component statuses: "all systems
        // operational" while the incident marks something affected. (A
        // closing update is caught above, for the same components.)
        let affected: Vec<String> = affected_names(incident, draft, workspace);
        let claims = operational_claims(&texts);
        if !affected.is_empty() && !claims.is_empty() {
            add(
                OPERATIONAL_CLAIM,
                format!(
                    "The text calls the service operational (\"{}\"), but {} {} affected.",
                    claims.join("\", \""),
                    join_names(&affected),
                    if affected.len() == 1 { "is" } else { "are" }
                ),
            );
        }
        if !hidden.is_empty() {
            add(
                CONTRADICTION,
                format!(
                    "The status page would show as operational what the incident marks affected: {}.",
                    join_names(&hidden)
                ),
            );
        }
    }
    if draft.phase == Phase::Postmortem {
        let email = &draft.channels.email_body;
        let said = speaks_of_data(&draft.channels.status_page)
            && (email.trim().is_empty() || speaks_of_data(email));
        // Stated for customers, and established first in the post-mortem:
        // the public text must not say more than the team knows.
        let established = incident.data_lost.is_some()
            || incident
                .writeup
                .contains_key(&crate::vocabulary::PostmortemSection::DataAffected);
        if !said || !established {
            let mut what = Vec::new();
            if !established {
                what.push("record in the post-mortem whether data was lost and what (Customers)");
            }
            if !said {
                what.push(
                    "say what happened to customer data in the status page text and the email",
                );
            }
            add(
                POSTMORTEM_DATA,
                format!(
                    "A public post-mortem needs a data statement: {}.",
                    what.join("; then ")
                ),
            );
        }
        if incident.status != crate::vocabulary::Status::Resolved {
            add(
                POSTMORTEM_OPEN,
                "The incident is not resolved: publish the post-mortem once it is over.".into(),
            );
        }
    }
    if draft.phase == Phase::Resolved {
        let said = [&draft.channels.status_page, &draft.channels.email_body]
            .iter()
            .any(|t| speaks_of_data(t));
        if !said {
            add(
                NO_DATA_STATEMENT,
                "Say what happened to customer data (for example that none was lost or exposed, if that is known) in the status page text and the email.".into(),
            );
        }
    }
    let social = social_count::count(&draft.channels.social);
    if social > social_count::LIMIT {
        add(
            SOCIAL_LENGTH,
            format!(
                "The social post is {social} characters as X counts them; the limit is {}.",
                social_count::LIMIT
            ),
        );
    }
    if draft.channels.banner.trim().contains('\n') {
        add(
            BANNER_LINE,
            "The banner must be one line; take out the line breaks.".into(),
        );
    }
    out
}

/// Components the incident or the draft marks as not operational, named.
fn affected_names(incident: &Incident, draft: &Draft, workspace: &Workspace) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (id, s) in incident.components.iter().chain(draft.components.iter()) {
        let name = format!("{} ({})", workspace.component_name(id), s.label());
        if *s != ComponentStatus::Operational && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Words that, just before "operational", mean the text says it is not.
const NOT_OPERATIONAL: [&str; 9] = [
    "not",
    "isn't",
    "aren't",
    "no",
    "non",
    "partially",
    "partly",
    "never",
    "nearly",
];

/// Sentences that call the service operational ("all systems operational",
/// "fully operational"), not those saying something is not operational.
fn operational_claims(texts: &[(&str, &str)]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (_, t) in texts {
        for sentence in sentences(t) {
            let lower = sentence.to_lowercase();
            let w: Vec<&str> = lower
                .split(|c: char| c.is_whitespace() || c == '-')
                .map(|x| x.trim_matches(|c: char| ",;:()\"'*_“”‘’".contains(c)))
                .filter(|x| !x.is_empty())
                .collect();
            let claims = w.iter().enumerate().any(|(i, x)| {
                *x == "operational"
                    && !w[i.saturating_sub(3)..i]
                        .iter()
                        .any(|p| NOT_OPERATIONAL.contains(p))
            });
            let said = sentence.trim().to_string();
            if claims && !found.contains(&said) {
                found.push(said);
            }
        }
    }
    found
}

/// Whether a text says anything about customer data.
fn speaks_of_data(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["data", "information", "privacy", "personal"]
        .iter()
        .any(|w| contains_word(&lower, w))
}

fn channel_texts(c: &Channels) -> Vec<(&'static str, &str)> {
    vec![
        ("status page text", &c.status_page),
        ("social post", &c.social),
        ("email subject", &c.email_subject),
        ("email body", &c.email_body),
        ("banner", &c.banner),
    ]
}

/// Whitespace-separated words without the punctuation around them.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| ",;!?()\"'<>*_`“”‘’".contains(c)))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| !w.is_empty())
}

/// Whether `needle` (lower case) appears in `hay` (lower case) as whole words.
fn contains_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = start + needle.len().max(1);
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

fn matches_any<'a>(texts: &[(&str, &str)], list: impl Iterator<Item = &'a str>) -> Vec<String> {
    let lower: Vec<String> = texts.iter().map(|(_, t)| t.to_lowercase()).collect();
    let mut hits: Vec<String> = Vec::new();
    for term in list {
        let t = term.trim().to_lowercase();
        if !t.is_empty()
            && lower.iter().any(|h| contains_word(h, &t))
            && !hits.iter().any(|h| h.to_lowercase() == t)
        {
            hits.push(term.trim().to_string());
        }
    }
    hits
}

const INTERNAL_SUFFIXES: [&str; 10] = [
    ".internal",
    ".local",
    ".lan",
    ".corp",
    ".intranet",
    ".localdomain",
    ".home.arpa",
    ".intra",
    ".priv",
    ".private",
];

/// `db1.prod.internal`, `localhost`, `api-prod-07`: names only our network knows.
pub fn is_internal_host(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    let w = w
        .strip_prefix("https://")
        .or_else(|| w.strip_prefix("http://"))
        .unwrap_or(&w);
    let host = w.split(['/', ':']).next().unwrap_or("");
    if host == "localhost" {
        return true;
    }
    let hostlike = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !hostlike {
        return false;
    }
    if host.contains('.') && INTERNAL_SUFFIXES.iter().any(|s| host.ends_with(s)) {
        return true;
    }
    // Machine names in the `role-env-NN` style.
    let parts: Vec<&str> = host.split('-').collect();
    parts.len() >= 3
        && parts[0].chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

pub fn is_ip_address(word: &str) -> bool {
    let w = word.trim_start_matches('[');
    // IPv4, perhaps with a port or a prefix length.
    let v4 = w.split(['/', ']']).next().unwrap_or("");
    let v4 = match v4.rsplit_once(':') {
        Some((a, port)) if port.chars().all(|c| c.is_ascii_digit()) && a.contains('.') => a,
        _ => v4,
    };
    if v4.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    // IPv6, perhaps bracketed, with a zone or a prefix length.
    if w.matches(':').count() >= 2 && w.chars().any(|c| c.is_ascii_hexdigit()) {
        let core = w.split([']', '/', '%']).next().unwrap_or("");
        return core.parse::<Ipv6Addr>().is_ok();
    }
    false
}

/// Prefixes that look like a tracker's but name standards and the like.
const NOT_TICKETS: [&str; 9] = [
    "UTC", "GMT", "ISO", "COVID", "RFC", "SHA", "TLS", "HTTP", "IPV",
];
/// Ticket prefixes used without a hyphen (ServiceNow and friends).
const BARE_PREFIXES: [&str; 9] = [
    "INC", "CHG", "PRB", "RITM", "REQ", "SR", "CS", "TKT", "CASE",
];

/// `ABC-123` (Jira style), `INC12345` (ServiceNow style), `#4821`.
pub fn is_ticket_id(word: &str) -> bool {
    if let Some(n) = word.strip_prefix('#') {
        return n.len() >= 3 && n.chars().all(|c| c.is_ascii_digit());
    }
    if let Some((prefix, num)) = word.split_once('-') {
        return (2..=10).contains(&prefix.len())
            && prefix.starts_with(|c: char| c.is_ascii_uppercase())
            && prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !NOT_TICKETS.contains(&prefix)
            && num.len() >= 2
            && num.chars().all(|c| c.is_ascii_digit());
    }
    BARE_PREFIXES.iter().any(|p| {
        word.strip_prefix(p)
            .is_some_and(|n| n.len() >= 3 && n.chars().all(|c| c.is_ascii_digit()))
    })
}

const UNITS: [&str; 9] = [
    "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h",
];

fn is_clock_time(w: &str) -> bool {
    let w = w.trim_end_matches(['.', ',']);
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit());
    if let Some((h, m)) = w.split_once(':') {
        let m = m.trim_end_matches("am").trim_end_matches("pm");
        return digits(h) && m.len() == 2 && m.chars().all(|c| c.is_ascii_digit());
    }
    let bare = w.trim_end_matches("am").trim_end_matches("pm");
    bare.len() < w.len() && digits(bare)
}

/// A text's sentences, whole: a stop ends one only before a space, a line
/// break or the end, so `status.example.com` or `version 2.5` stay inside
/// theirs and an excerpt never starts mid-word.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let ends =
            c == '\n' || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if ends {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out
}

/// Sentences that promise a fix at a time (`fixed by 14:00`) or within a
/// span (`in 20 minutes`). Sentences about the next update are the promise
/// we do want, and are skipped.
fn fix_time_promises(texts: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for (_, t) in texts {
        for sentence in sentences(t) {
            let lower = sentence.to_lowercase();
            if lower.contains("update") || lower.trim().is_empty() {
                continue;
            }
            let w: Vec<&str> = lower
                .split_whitespace()
                .map(|x| x.trim_matches(|c: char| ",;()\"'*_".contains(c)))
                .collect();
            let mut hit = contains_word(&lower, "eta");
            for i in 0..w.len() {
                if ["by", "before", "until", "till"].contains(&w[i]) {
                    // `by 14:00`, `by 2 pm`, `by 2026-11-23 14:05 UTC`.
                    let next: Vec<&str> = w[i + 1..].iter().take(2).copied().collect();
                    if next.iter().any(|x| is_clock_time(x))
                        || (next.len() == 2
                            && next[0].chars().all(|c| c.is_ascii_digit())
                            && ["am", "pm"].contains(&next[1]))
                    {
                        hit = true;
                    }
                }
                if ["in", "within"].contains(&w[i]) {
                    let mut j = i + 1;
                    if w.get(j) == Some(&"the") && w.get(j + 1) == Some(&"next") {
                        j += 2;
                    }
                    if w.get(j) == Some(&"half") && w.get(j + 1) == Some(&"an") {
                        j += 1;
                    }
                    let amount = w.get(j).is_some_and(|a| {
                        ["a", "an", "one", "two", "few"].contains(a)
                            || a.chars().all(|c| c.is_ascii_digit()) && !a.is_empty()
                    });
                    if amount && w.get(j + 1).is_some_and(|u| UNITS.contains(u)) {
                        hit = true;
                    }
                }
            }
            if hit {
                found.push(sentence.trim().to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{Event, EventBody};
    use crate::vocabulary::{IncidentId, Severity};

    fn incident(components: &[(&str, ComponentStatus)]) -> Incident {
        let mut i = Incident::new(IncidentId("i".into()));
        let mut n = 0;
        let mut apply = |body| {
            n += 1;
            i.apply(&Event::new(format!("e{n}"), "i", "ana", n, body))
        };
        apply(EventBody::Declared {
            title: "Checkout errors".into(),
            severity: Severity::Sev2,
            summary: String::new(),
            started_at: 0,
            detected_at: None,
        });
        for (c, s) in components {
            apply(EventBody::ComponentStatusSet {
                component: ComponentId((*c).into()),
                status: *s,
            });
        }
        i
    }

    fn text(all: &str) -> Channels {
        Channels {
            status_page: all.into(),
            social: "We are looking into it.".into(),
            email_subject: "Checkout errors".into(),
            email_body: "Hello.".into(),
            banner: "Checkout is slow.".into(),
        }
    }

    fn ids_for(
        phase: Phase,
        channels: &Channels,
        inc: &Incident,
        ws: &Workspace,
    ) -> Vec<&'static str> {
        let components = inc.components.clone();
        run(
            &Draft {
                phase,
                channels,
                components: &components,
                public_title: Some("Checkout errors"),
            },
            inc,
            ws,
        )
        .into_iter()
        .map(|f| f.check)
        .collect()
    }

    fn ids(status_page: &str) -> Vec<&'static str> {
        ids_for(
            Phase::Investigating,
            &text(status_page),
            &incident(&[]),
            &Workspace::default(),
        )
    }

    #[test]
    fn a_plain_honest_update_passes_every_check() {
        assert_eq!(
            ids("We are investigating errors at checkout. Next update by 15:00 UTC."),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_public_post_mortem_needs_the_data_recorded_said_and_the_incident_over() {
        let mut inc = incident(&[]);
        let ws = Workspace::default();
        let said = Channels {
            email_body: "We lost no customer data.".into(),
            ..text("A bad deploy. No customer data was lost.")
        };
        let silent = text("A bad deploy.");
        // Still open, nothing recorded, nothing said: both checks fail.
        assert_eq!(
            ids_for(Phase::Postmortem, &silent, &inc, &ws),
            [POSTMORTEM_DATA, POSTMORTEM_OPEN]
        );
        let mut n = 100;
        let mut apply = |inc: &mut Incident, body| {
            n += 1;
            inc.apply(&Event::new(format!("e{n}"), "i", "ana", n, body))
        };
        apply(
            &mut inc,
            EventBody::StatusChanged {
                status: crate::vocabulary::Status::Resolved,
            },
        );
        // Said, but not established in the post-mortem: still refused.
        assert_eq!(
            ids_for(Phase::Postmortem, &said, &inc, &ws),
            [POSTMORTEM_DATA]
        );
        let message = run(
            &Draft {
                phase: Phase::Postmortem,
                channels: &said,
                components: &Default::default(),
                public_title: Some("Checkout errors"),
            },
            &inc,
            &ws,
        );
        assert!(
            message[0].message.contains("record in the post-mortem"),
            "{message:?}"
        );
        apply(
            &mut inc,
            EventBody::PostmortemSectionSet {
                section: crate::vocabulary::PostmortemSection::DataAffected,
                text: "Orders were delayed, none lost.".into(),
            },
        );
        assert_eq!(
            ids_for(Phase::Postmortem, &said, &inc, &ws),
            Vec::<&str>::new()
        );
        // Recorded, but the page's text is silent on data.
        assert_eq!(
            ids_for(Phase::Postmortem, &silent, &inc, &ws),
            [POSTMORTEM_DATA]
        );
    }

    #[test]
    fn a_placeholder_left_in_the_text_fails() {
        assert_eq!(ids("Affected: {{components}}"), [PLACEHOLDER]);
    }

    #[test]
    fn an_empty_channel_fails() {
        let mut c = text("ok");
        c.banner.clear();
        assert_eq!(
            ids_for(
                Phase::Investigating,
                &c,
                &incident(&[]),
                &Workspace::default()
            ),
            [EMPTY_CHANNEL]
        );
    }

    #[test]
    fn internal_host_names_fail_and_public_ones_pass() {
        assert_eq!(ids("db1.prod.internal is down"), [HOSTNAME]);
        assert_eq!(ids("api-prod-07 restarted"), [HOSTNAME]);
        assert_eq!(ids("See https://localhost:8080/x"), [HOSTNAME]);
        assert!(ids("See status.example.com and our follow-up").is_empty());
    }

    #[test]
    fn ip_addresses_v4_and_v6_fail_but_times_and_versions_pass() {
        assert_eq!(ids("Traffic to 10.0.3.7:8443 failed"), [IP_ADDRESS]);
        assert_eq!(ids("Upstream 2001:db8::1 refused"), [IP_ADDRESS]);
        assert_eq!(ids("Upstream [fe80::1%eth0]:53 refused"), [IP_ADDRESS]);
        assert!(ids("Since 14:05:00 on version 1.2.3 of the app").is_empty());
    }

    #[test]
    fn ticket_ids_fail_but_standards_pass() {
        assert_eq!(ids("Tracked in OPS-1234"), [TICKET]);
        assert_eq!(ids("See INC0012345"), [TICKET]);
        assert_eq!(ids("See #4821"), [TICKET]);
        assert!(ids("Times in UTC-05 per ISO-8601, see RFC-3339").is_empty());
    }

    #[test]
    fn names_from_the_settings_list_fail_as_whole_words() {
        let mut ws = Workspace::default();
        ws.comms.internal_terms = vec!["Project Falcon".into(), "acme".into()];
        let check = |t: &str| ids_for(Phase::Investigating, &text(t), &incident(&[]), &ws);
        assert_eq!(check("The project falcon rollout failed"), [INTERNAL_TERM]);
        assert!(check("Our acmeish team is on it").is_empty());
    }

    #[test]
    fn a_promised_fix_time_fails_but_a_next_update_time_passes() {
        assert_eq!(ids("It will be fixed by 14:00."), [FIX_TIME]);
        assert_eq!(ids("Back to normal in 20 minutes"), [FIX_TIME]);
        assert_eq!(ids("We expect a fix within the next 2 hours"), [FIX_TIME]);
        assert_eq!(ids("Fixed by 3 pm, we hope"), [FIX_TIME]);
        assert_eq!(ids("ETA is soon"), [FIX_TIME]);
        assert!(ids("Our next update comes in 30 minutes, by 15:00 UTC.").is_empty());
        assert!(ids("It began at 14:00 in Europe").is_empty());
    }

    #[test]
    fn the_promised_fix_is_quoted_from_the_start_of_its_sentence() {
        let found = run(
            &Draft {
                phase: Phase::Investigating,
                channels: &text("Checkout on shop.example.com 2.5 will be fixed by 14:00. Sorry!"),
                components: &BTreeMap::new(),
                public_title: Some("Checkout errors"),
            },
            &incident(&[]),
            &Workspace::default(),
        );
        let fix = found.iter().find(|f| f.check == FIX_TIME).unwrap();
        assert!(
            fix.message
                .contains("(\"Checkout on shop.example.com 2.5 will be fixed by 14:00\")"),
            "{}",
            fix.message
        );
    }

    #[test]
    fn blame_words_and_watched_providers_fail() {
        assert_eq!(ids("This was human error"), [BLAME]);
        assert_eq!(ids("An AWS outage hit us"), [BLAME]);
        assert!(ids("The laws of physics hold").is_empty());
        let mut ws = Workspace::default();
        ws.upstreams
            .insert("Stripe".into(), "https://status.stripe.com".into());
        assert_eq!(
            ids_for(
                Phase::Investigating,
                &text("Stripe is down"),
                &incident(&[]),
                &ws
            ),
            [BLAME]
        );
    }

    #[test]
    fn resolved_while_a_component_is_affected_fails() {
        let inc = incident(&[("api", ComponentStatus::PartialOutage)]);
        let c = text("All fixed. No customer data was affected.");
        let found = ids_for(Phase::Resolved, &c, &inc, &Workspace::default());
        assert_eq!(found, [RESOLVED_AFFECTED]);
        let ok = incident(&[("api", ComponentStatus::Operational)]);
        assert!(ids_for(Phase::Resolved, &c, &ok, &Workspace::default()).is_empty());
    }

    #[test]
    fn a_status_page_showing_an_affected_component_operational_fails() {
        let inc = incident(&[("api", ComponentStatus::MajorOutage)]);
        let c = text("We are investigating.");
        let mut shown = BTreeMap::new();
        shown.insert(ComponentId("api".into()), ComponentStatus::Operational);
        let found: Vec<_> = run(
            &Draft {
                phase: Phase::Investigating,
                channels: &c,
                components: &shown,
                public_title: Some("Checkout errors"),
            },
            &inc,
            &Workspace::default(),
        )
        .into_iter()
        .map(|f| f.check)
        .collect();
        assert_eq!(found, [CONTRADICTION]);
        // The same incident with the page showing the outage passes.
        assert!(ids_for(Phase::Investigating, &c, &inc, &Workspace::default()).is_empty());
    }

    #[test]
    fn a_resolution_silent_on_customer_data_fails() {
        let inc = incident(&[]);
        let ws = Workspace::default();
        assert_eq!(
            ids_for(Phase::Resolved, &text("All fixed."), &inc, &ws),
            [NO_DATA_STATEMENT]
        );
        assert!(ids_for(
            Phase::Resolved,
            &text("All fixed. No customer data was lost."),
            &inc,
            &ws
        )
        .is_empty());
    }

    #[test]
    fn a_social_post_over_280_fails_with_its_count() {
        let mut c = text("ok");
        c.social = "a".repeat(281);
        let found = run(
            &Draft {
                phase: Phase::Investigating,
                channels: &c,
                components: &BTreeMap::new(),
                public_title: Some("Checkout errors"),
            },
            &incident(&[]),
            &Workspace::default(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].check, SOCIAL_LENGTH);
        assert!(found[0].message.contains("281 characters"));
    }

    #[test]
    fn a_banner_on_two_lines_fails() {
        let mut c = text("ok");
        c.banner = "one\ntwo".into();
        assert_eq!(
            ids_for(
                Phase::Investigating,
                &c,
                &incident(&[]),
                &Workspace::default()
            ),
            [BANNER_LINE]
        );
    }

    fn run_titled(inc: &Incident, title: Option<&str>) -> Vec<&'static str> {
        let c = text("We are investigating errors at checkout.");
        run(
            &Draft {
                phase: Phase::Investigating,
                channels: &c,
                components: &BTreeMap::new(),
                public_title: title,
            },
            inc,
            &Workspace::default(),
        )
        .into_iter()
        .map(|f| f.check)
        .collect()
    }

    #[test]
    fn a_first_update_without_a_public_title_fails_and_a_later_one_keeps_the_published_title() {
        let mut inc = incident(&[]);
        assert_eq!(run_titled(&inc, None), [PUBLIC_TITLE]);
        assert_eq!(
            run_titled(&inc, Some("   ")),
            [PUBLIC_TITLE],
            "blank is none"
        );
        assert!(run_titled(&inc, Some("Checkout errors")).is_empty());
        for (id, body) in [
            (
                "u1",
                EventBody::UpdateDrafted {
                    phase: Phase::Investigating,
                    channels: text("x"),
                    components: BTreeMap::new(),
                    public_title: Some("Checkout errors".into()),
                },
            ),
            (
                "p1",
                EventBody::UpdatePublished {
                    update: "u1".into(),
                    targets: vec!["own".into()],
                    overrides: vec![],
                },
            ),
        ] {
            inc.apply(&Event::new(id, "i", "ana", 100, body));
        }
        assert!(
            run_titled(&inc, None).is_empty(),
            "the published title stays"
        );
    }

    #[test]
    fn the_public_title_is_checked_like_the_channels() {
        let inc = incident(&[]);
        assert_eq!(run_titled(&inc, Some("db1.prod.internal down")), [HOSTNAME]);
        assert_eq!(run_titled(&inc, Some("OPS-1234 checkout")), [TICKET]);
        assert_eq!(run_titled(&inc, Some("{{title}}")), [PLACEHOLDER]);
    }

    #[test]
    fn calling_the_service_operational_while_a_component_is_affected_fails() {
        let inc = incident(&[("api", ComponentStatus::PartialOutage)]);
        let ws = Workspace::default();
        for claim in [
            "All systems operational.",
            "Checkout is fully operational again; we keep watching.",
            "Everything is operational",
        ] {
            let found = ids_for(Phase::Investigating, &text(claim), &inc, &ws);
            assert!(found.contains(&OPERATIONAL_CLAIM), "{claim}: {found:?}");
        }
        // Saying it is not operational is the truth, and passes.
        for honest in [
            "Checkout is not operational for some customers.",
            "The API is only partially operational.",
            "Payments are non-operational in the EU.",
        ] {
            let found = ids_for(Phase::Investigating, &text(honest), &inc, &ws);
            assert!(!found.contains(&OPERATIONAL_CLAIM), "{honest}: {found:?}");
        }
        // With every component operational the claim is true.
        let fine = incident(&[("api", ComponentStatus::Operational)]);
        let found = ids_for(
            Phase::Monitoring,
            &text("All systems operational."),
            &fine,
            &ws,
        );
        assert!(!found.contains(&OPERATIONAL_CLAIM), "{found:?}");
    }

    #[test]
    fn every_check_id_is_listed_once() {
        let mut ids: Vec<_> = ALL.iter().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }
}
