//! Publishing to status pages, the decisions without the sockets: which
//! target kinds exist and what each needs, how our statuses map onto each
//! vendor's values, and what to do with a target's answer (sent, try again
//! later, or failed with the backend's own words).

use crate::comms::Phase;
use crate::incident::Incident;
use crate::time::utc;
use crate::vocabulary::ComponentStatus;
use std::collections::BTreeMap;

/// The id of sitrep-server's own public status page, always present.
pub const OWN: &str = "own";
/// The server's other built-in targets, listed beside the own page: email
/// to confirmed subscribers, webhooks to subscribers, the in-app banner.
pub const EMAIL: &str = "email";
pub const WEBHOOKS: &str = "webhooks";
pub const BANNER: &str = "banner";

/// Whether a target id is one of the server's own, never configured.
pub fn is_builtin(id: &str) -> bool {
    [OWN, EMAIL, WEBHOOKS, BANNER].contains(&id)
}

/// Longest backend error text kept in a delivery report: it is untrusted
/// text from someone else's server, shown in every console.
pub const MAX_ERROR_CHARS: usize = 300;

/// The incident's name on every status page: the latest public title a
/// communicator published, never the internal title. Updates published
/// before updates carried a public title (or published with the check
/// overridden) get a neutral name.
pub fn public_name(incident: &Incident) -> String {
    match incident.published_title() {
        Some(t) => t.to_string(),
        None if incident.is_maintenance() => "Scheduled maintenance".into(),
        None => "Service incident".into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// sitrep-server's own page at `/status` and `/api/v2/*.json`.
    Own,
    /// Atlassian Statuspage, manage API v1.
    Statuspage,
    /// Cachet 2.x, API v1.
    Cachet,
    /// Built in: the approved email to every confirmed email subscriber.
    Email,
    /// Built in: a Statuspage-format webhook to every confirmed webhook subscriber.
    Webhooks,
    /// Built in: the banner text at `/api/v2/banner.json`.
    Banner,
}

impl TargetKind {
    pub fn wire(self) -> &'static str {
        match self {
            TargetKind::Own => "own",
            TargetKind::Statuspage => "statuspage",
            TargetKind::Cachet => "cachet",
            TargetKind::Email => "email",
            TargetKind::Webhooks => "webhooks",
            TargetKind::Banner => "banner",
        }
    }

    pub fn from_wire(s: &str) -> Option<TargetKind> {
        [
            TargetKind::Own,
            TargetKind::Statuspage,
            TargetKind::Cachet,
            TargetKind::Email,
            TargetKind::Webhooks,
            TargetKind::Banner,
        ]
        .into_iter()
        .find(|k| k.wire() == s)
    }

    /// Kinds an admin configures (the others are built in).
    pub fn is_configurable(self) -> bool {
        matches!(self, TargetKind::Statuspage | TargetKind::Cachet)
    }
}

/// A target as an admin enters it. The secret is here only on its way in:
/// nothing that reads targets back ever returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    pub id: String,
    pub kind: TargetKind,
    pub name: String,
    /// e.g. `https://api.statuspage.io/v1` or `https://status.example.com/api/v1`.
    pub base_url: String,
    /// Statuspage's page id; unused by Cachet.
    pub page_id: String,
    /// Our component id → theirs.
    pub components: BTreeMap<String, String>,
}

pub const MAX_TARGET_ID: usize = 40;
pub const MAX_TARGET_NAME: usize = 80;
pub const MAX_SECRET: usize = 500;
pub const MAX_COMPONENT_MAP: usize = 200;

/// Why a target cannot be saved, for the admin who typed it. `secret` is the
/// key as entered (empty = keep the stored one, `had_secret` says if any).
/// A stored key goes only to the address it was given for: saving a
/// target under a new `base_url` with the key left empty is refused, so an
/// admin's typo (or a stolen admin session) cannot send it to another host.
pub fn key_needed_again(
    stored_base_url: Option<&str>,
    base_url: &str,
    secret: &str,
) -> Option<String> {
    let norm = |u: &str| u.trim().trim_end_matches('/').to_ascii_lowercase();
    let stored = stored_base_url?;
    (secret.is_empty() && norm(stored) != norm(base_url)).then(|| {
        format!(
            "the address changed from {} to {}: enter the API key again, the stored one is sent only to the address it was given for",
            stored.trim(),
            base_url.trim()
        )
    })
}

pub fn check_target(spec: &TargetSpec, secret: &str, had_secret: bool) -> Result<(), String> {
    let id_ok = !spec.id.is_empty()
        && spec.id.len() <= MAX_TARGET_ID
        && spec
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(format!(
            "the target id must be 1–{MAX_TARGET_ID} lowercase letters, digits or dashes"
        ));
    }
    if spec.kind == TargetKind::Own || spec.id == OWN {
        return Err("the own status page is built in; it cannot be configured".into());
    }
    if !spec.kind.is_configurable() || is_builtin(&spec.id) {
        return Err(format!(
            "{:?} is built in (email, webhooks and the banner are set up on the server); choose another id and a kind of statuspage or cachet",
            spec.id
        ));
    }
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TARGET_NAME {
        return Err(format!("the name must be 1–{MAX_TARGET_NAME} characters"));
    }
    let url = spec.base_url.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() < 10 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the base URL must be an http(s) URL without spaces".into());
    }
    if url.contains('?') || url.contains('#') {
        return Err("the base URL must not carry a query or a fragment".into());
    }
    if spec.kind == TargetKind::Statuspage {
        let page_ok = !spec.page_id.is_empty()
            && spec.page_id.len() <= 64
            && spec.page_id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !page_ok {
            return Err("a Statuspage target needs its page id (letters and digits)".into());
        }
    }
    if secret.chars().count() > MAX_SECRET || secret.chars().any(|c| c.is_control()) {
        return Err(format!(
            "the key must be at most {MAX_SECRET} characters on one line"
        ));
    }
    if secret.is_empty() && !had_secret {
        return Err("enter the API key or token".into());
    }
    if spec.components.len() > MAX_COMPONENT_MAP {
        return Err(format!(
            "at most {MAX_COMPONENT_MAP} components can be mapped"
        ));
    }
    for (ours, theirs) in &spec.components {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !ok(ours) || !ok(theirs) {
            return Err(format!(
                "component map entry {ours:?} → {theirs:?}: ids are letters, digits, - or _"
            ));
        }
        if spec.kind == TargetKind::Cachet && theirs.parse::<u32>().is_err() {
            return Err(format!("Cachet component ids are numbers, not {theirs:?}"));
        }
    }
    Ok(())
}

/// Reads a component map as an admin types it: one `our-id = their-id` per
/// line (`:` or `→` also separate; blank lines are skipped).
pub fn parse_component_map(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((ours, theirs)) = line
            .split_once('=')
            .or_else(|| line.split_once('→'))
            .or_else(|| line.split_once(':'))
        else {
            return Err(format!(
                "line {}: write our component id = their component id",
                n + 1
            ));
        };
        let (ours, theirs) = (ours.trim(), theirs.trim());
        if ours.is_empty() || theirs.is_empty() {
            return Err(format!("line {}: both ids are needed", n + 1));
        }
        if out.insert(ours.to_string(), theirs.to_string()).is_some() {
            return Err(format!("line {}: {ours} is mapped twice", n + 1));
        }
    }
    Ok(out)
}

/// The map as `parse_component_map` reads it.
pub fn format_component_map(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(a, b)| format!("{a} = {b}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// --- Atlassian Statuspage ---------------------------------------------------

/// The incident status Statuspage accepts for an update in this phase. An
/// overrunning maintenance is still in progress there (it has no such state).
pub fn statuspage_status(phase: Phase) -> &'static str {
    match phase {
        Phase::Investigating => "investigating",
        Phase::Identified => "identified",
        Phase::Monitoring => "monitoring",
        // A vendor page gets the post-mortem as a note on the resolved incident.
        Phase::Resolved | Phase::Postmortem => "resolved",
        Phase::MaintenanceScheduled => "scheduled",
        Phase::MaintenanceInProgress | Phase::MaintenanceOverrunning => "in_progress",
        Phase::MaintenanceCompleted => "completed",
    }
}

/// What a scheduled maintenance sends Statuspage beside its status and
/// text, on its creation and on every later update (an overrun moves the
/// end): its window, and which moves the page makes by itself. The start is
/// automatic, so the page goes to "in progress" and the components under
/// maintenance on time even when no console is online, and subscribers are
/// reminded before it and told when it starts. The end is not: work is done
/// when someone says so, and an overrun is announced, so the page never
/// claims on its own that the work completed or the components are fine.
pub fn statuspage_window(starts_at: i64, ends_at: i64) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::Value;
    vec![
        ("scheduled_for", Value::from(utc::iso8601(starts_at))),
        ("scheduled_until", Value::from(utc::iso8601(ends_at))),
        ("scheduled_remind_prior", Value::from(true)),
        ("scheduled_auto_in_progress", Value::from(true)),
        ("auto_transition_to_maintenance_state", Value::from(true)),
        (
            "auto_transition_deliver_notifications_at_start",
            Value::from(true),
        ),
        ("scheduled_auto_completed", Value::from(false)),
        ("auto_transition_to_operational_state", Value::from(false)),
        (
            "auto_transition_deliver_notifications_at_end",
            Value::from(false),
        ),
    ]
}

/// Statuspage's component values are our own wire names.
pub fn statuspage_component(status: ComponentStatus) -> &'static str {
    match status {
        ComponentStatus::Operational => "operational",
        ComponentStatus::DegradedPerformance => "degraded_performance",
        ComponentStatus::PartialOutage => "partial_outage",
        ComponentStatus::MajorOutage => "major_outage",
        ComponentStatus::UnderMaintenance => "under_maintenance",
    }
}

/// The impact Statuspage itself would compute from the worst component:
/// degraded → minor, partial → major, major outage → critical.
pub fn impact<'a>(statuses: impl IntoIterator<Item = &'a ComponentStatus>) -> &'static str {
    let rank = |s: &ComponentStatus| match s {
        ComponentStatus::Operational => 0,
        ComponentStatus::UnderMaintenance => 1,
        ComponentStatus::DegradedPerformance => 2,
        ComponentStatus::PartialOutage => 3,
        ComponentStatus::MajorOutage => 4,
    };
    match statuses.into_iter().map(rank).max().unwrap_or(0) {
        0 => "none",
        1 => "maintenance",
        2 => "minor",
        3 => "major",
        _ => "critical",
    }
}

// --- Cachet 2.x -------------------------------------------------------------

/// Cachet's incident status: 1 investigating, 2 identified, 3 watching,
/// 4 fixed; 0 "scheduled" is kept for maintenance not yet begun. Work in
/// progress reads as identified: the cause is known, the fix under way.
pub fn cachet_incident_status(phase: Phase) -> u8 {
    match phase {
        Phase::MaintenanceScheduled => 0,
        Phase::Investigating => 1,
        Phase::Identified | Phase::MaintenanceInProgress | Phase::MaintenanceOverrunning => 2,
        Phase::Monitoring => 3,
        Phase::Resolved | Phase::MaintenanceCompleted | Phase::Postmortem => 4,
    }
}

/// Cachet's component status: 1 operational, 2 performance issues,
/// 3 partial outage, 4 major outage. Cachet 2.x has no maintenance state;
/// "performance issues" is the nearest that claims neither health nor an outage.
pub fn cachet_component_status(status: ComponentStatus) -> u8 {
    match status {
        ComponentStatus::Operational => 1,
        ComponentStatus::DegradedPerformance | ComponentStatus::UnderMaintenance => 2,
        ComponentStatus::PartialOutage => 3,
        ComponentStatus::MajorOutage => 4,
    }
}

// --- Answers and retries ----------------------------------------------------

/// What came back from one attempt, as the relay saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// An HTTP answer: its code, what `Retry-After` asked for (ms from now)
    /// and the backend's own words (see `error_text`).
    Http {
        code: u16,
        retry_after_ms: Option<u64>,
        text: String,
    },
    /// A 2xx whose body is not what the API promises (HTML, not JSON, no id):
    /// a wrong URL or a login page, which trying again will not fix.
    Unreadable(String),
    /// The request never reached the target (refused, no route, DNS, TLS).
    CannotConnect(String),
    /// The request went out and nothing came back in time: it may have been
    /// applied, so it is never repeated without a person (see `decide`).
    NoAnswer(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Sent,
    /// Stays queued; try again in this many ms. `reason` is shown meanwhile.
    Retry {
        after_ms: u64,
        reason: String,
    },
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_ms: u64,
    pub max_ms: u64,
    /// A `Retry-After` longer than this gives up instead of parking the
    /// update for hours while the console says "queued".
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_ms: 2_000,
            max_ms: 60_000,
            max_retry_after_ms: 15 * 60_000,
        }
    }
}

impl RetryPolicy {
    /// What to do after attempt number `attempt` (1 for the first) got
    /// `reply`; `random` in `[0, 1)` jitters the backoff.
    ///
    /// Retried: 408, 420 (Statuspage's old rate-limit code), 425, 429, 5xx
    /// and connection failures, each a bounded number of times. Failed at
    /// once: every other 4xx (401, 403, 404, 422 …: asking again gets the
    /// same no) and an unreadable answer. No answer at all fails at once as
    /// well: the target may have applied the request, and a repeat would
    /// publish twice, so a person checks the page and asks for a retry.
    pub fn decide(&self, attempt: u32, reply: &Reply, random: f64) -> Verdict {
        let (reason, asked_ms) = match reply {
            Reply::Http { code, .. } if (200..300).contains(code) => return Verdict::Sent,
            Reply::Http {
                code,
                retry_after_ms,
                text,
            } => {
                let reason = http_reason(*code, text);
                if !matches!(code, 408 | 420 | 425 | 429 | 500..=599) {
                    return Verdict::Failed(reason);
                }
                (reason, *retry_after_ms)
            }
            Reply::Unreadable(why) => return Verdict::Failed(clip(why)),
            Reply::NoAnswer(why) => {
                return Verdict::Failed(clip(&format!(
                    "{why}; it may have reached the target, so it is not sent again on its own: check the page, then retry"
                )))
            }
            Reply::CannotConnect(why) => (clip(why), None),
        };
        if attempt >= self.max_attempts {
            return Verdict::Failed(clip(&format!("gave up after {attempt} attempts: {reason}")));
        }
        if let Some(asked) = asked_ms {
            if asked > self.max_retry_after_ms {
                return Verdict::Failed(clip(&format!(
                    "{reason} (asked to wait {} s, longer than the {} s we wait)",
                    asked / 1000,
                    self.max_retry_after_ms / 1000
                )));
            }
        }
        let mut backoff = crate::time::backoff::Backoff::new(self.base_ms, self.max_ms);
        backoff.attempt = attempt.saturating_sub(1);
        let ours = backoff.next_delay(random);
        // The target's own wait wins when it is longer: asking sooner only
        // earns another 429.
        let after_ms = asked_ms.map_or(ours, |a| a.max(self.base_ms.min(ours)));
        Verdict::Retry { after_ms, reason }
    }
}

fn http_reason(code: u16, text: &str) -> String {
    if text.is_empty() {
        format!("HTTP {code}")
    } else {
        clip(&format!("HTTP {code}: {text}"))
    }
}

/// `Retry-After` in ms from `now_ms`: delay-seconds or an HTTP date (a date
/// in the past means now). None when absent or unreadable.
pub fn retry_after_ms(value: &str, now_ms: i64) -> Option<u64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            v.parse::<u64>()
                .unwrap_or(u64::MAX / 1000)
                .saturating_mul(1000),
        );
    }
    let at = utc::parse_http_date(v)?;
    Some(at.saturating_sub(now_ms).max(0) as u64)
}

/// The backend's own words from an error body: the `message` or `error`
/// of a JSON body (Statuspage), the first `errors[].detail` or `title`
/// (Cachet), or the text itself; an HTML page is named as such rather than
/// quoted. Clipped and free of control characters.
pub fn error_text(content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if looks_like_html(content_type, trimmed) {
        return "an HTML page instead of JSON (a wrong base URL, a proxy or a login page?)".into();
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed) {
        let pick = |v: &serde_json::Value| -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(a) => a.iter().find_map(|e| match e {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Object(o) => o
                        .get("detail")
                        .or_else(|| o.get("message"))
                        .or_else(|| o.get("title"))
                        .and_then(|d| d.as_str().map(str::to_string)),
                    _ => None,
                }),
                _ => None,
            }
        };
        // Prism puts the precise words in `validation[].message` and a
        // generic sentence in `detail`.
        for key in [
            "message",
            "error",
            "errors",
            "validation",
            "detail",
            "title",
        ] {
            if let Some(s) = json.get(key).and_then(pick) {
                return clip(&s);
            }
        }
    }
    clip(trimmed)
}

/// True for an HTML document, by its type or by its first characters (some
/// servers label their error pages `text/plain` or nothing at all).
pub fn looks_like_html(content_type: &str, body: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    let start: String = body
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    ct.contains("html") || start.starts_with("<!doctype") || start.starts_with("<html")
}

/// Keeps at most `MAX_ERROR_CHARS` characters, without control characters.
pub fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ERROR_CHARS)
        .collect();
    if s.chars().count() > MAX_ERROR_CHARS {
        out.push('…');
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_ms: 1_000,
            max_ms: 8_000,
            max_retry_after_ms: 60_000,
        }
    }

    fn http(code: u16, text: &str) -> Reply {
        Reply::Http {
            code,
            retry_after_ms: None,
            text: text.into(),
        }
    }

    #[test]
    fn statuspage_gets_its_own_incident_and_component_values() {
        assert_eq!(statuspage_status(Phase::Investigating), "investigating");
        assert_eq!(statuspage_status(Phase::Resolved), "resolved");
        assert_eq!(statuspage_status(Phase::MaintenanceScheduled), "scheduled");
        let window: BTreeMap<_, _> = statuspage_window(0, 3_600_000).into_iter().collect();
        assert_eq!(window["scheduled_for"], "1970-01-01T00:00:00.000Z");
        assert_eq!(window["scheduled_until"], "1970-01-01T01:00:00.000Z");
        assert_eq!(window["scheduled_auto_in_progress"], true);
        assert_eq!(
            window["scheduled_auto_completed"], false,
            "a person ends the work"
        );
        assert_eq!(
            statuspage_status(Phase::MaintenanceOverrunning),
            "in_progress"
        );
        assert_eq!(statuspage_status(Phase::MaintenanceCompleted), "completed");
        for s in ComponentStatus::ALL {
            // Our wire names are Statuspage's.
            let wire = serde_json::to_value(s).unwrap();
            assert_eq!(wire, statuspage_component(s));
        }
    }

    #[test]
    fn impact_follows_the_worst_component_as_statuspage_computes_it() {
        use ComponentStatus::*;
        assert_eq!(impact(&[]), "none");
        assert_eq!(impact(&[Operational]), "none");
        assert_eq!(impact(&[UnderMaintenance]), "maintenance");
        assert_eq!(impact(&[Operational, DegradedPerformance]), "minor");
        assert_eq!(impact(&[PartialOutage, DegradedPerformance]), "major");
        assert_eq!(impact(&[MajorOutage, Operational]), "critical");
    }

    #[test]
    fn cachet_gets_its_integer_codes() {
        assert_eq!(cachet_incident_status(Phase::Investigating), 1);
        assert_eq!(cachet_incident_status(Phase::Identified), 2);
        assert_eq!(cachet_incident_status(Phase::Monitoring), 3);
        assert_eq!(cachet_incident_status(Phase::Resolved), 4);
        assert_eq!(cachet_incident_status(Phase::MaintenanceScheduled), 0);
        assert_eq!(cachet_incident_status(Phase::MaintenanceCompleted), 4);
        use ComponentStatus::*;
        assert_eq!(cachet_component_status(Operational), 1);
        assert_eq!(cachet_component_status(DegradedPerformance), 2);
        assert_eq!(cachet_component_status(PartialOutage), 3);
        assert_eq!(cachet_component_status(MajorOutage), 4);
        assert_eq!(cachet_component_status(UnderMaintenance), 2);
        for p in Phase::ALL {
            assert!(cachet_incident_status(p) <= 4);
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = 1_763_464_800_000; // Tue, 18 Nov 2025 11:20:00 GMT
        assert_eq!(retry_after_ms("120", now), Some(120_000));
        assert_eq!(retry_after_ms(" 0 ", now), Some(0));
        assert_eq!(
            retry_after_ms("Tue, 18 Nov 2025 11:20:30 GMT", now),
            Some(30_000)
        );
        // A date already past means now, not a negative wait.
        assert_eq!(
            retry_after_ms("Tue, 18 Nov 2025 11:00:00 GMT", now),
            Some(0)
        );
        assert_eq!(retry_after_ms("soon", now), None);
        assert_eq!(retry_after_ms("-5", now), None);
        assert_eq!(retry_after_ms("", now), None);
        // Absurd numbers saturate rather than overflow.
        assert!(retry_after_ms("99999999999999999999999", now).is_some());
    }

    #[test]
    fn a_2xx_is_sent() {
        assert_eq!(policy().decide(1, &http(201, ""), 0.5), Verdict::Sent);
    }

    #[test]
    fn refusals_fail_at_once_with_the_backends_words() {
        for code in [400, 401, 403, 404, 422] {
            match policy().decide(1, &http(code, "Page not found"), 0.5) {
                Verdict::Failed(why) => {
                    assert_eq!(why, format!("HTTP {code}: Page not found"))
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn server_errors_and_rate_limits_are_retried_then_fail() {
        let p = policy();
        for code in [429, 500, 502, 503, 420] {
            assert!(
                matches!(p.decide(1, &http(code, "busy"), 0.5), Verdict::Retry { .. }),
                "{code}"
            );
            match p.decide(3, &http(code, "busy"), 0.5) {
                Verdict::Failed(why) => {
                    assert!(why.starts_with("gave up after 3 attempts: HTTP"), "{why}");
                    assert!(why.ends_with("busy"), "{why}");
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_when_longer_than_our_backoff() {
        let reply = Reply::Http {
            code: 429,
            retry_after_ms: Some(30_000),
            text: String::new(),
        };
        assert_eq!(
            policy().decide(1, &reply, 0.0),
            Verdict::Retry {
                after_ms: 30_000,
                reason: "HTTP 429".into()
            }
        );
        // A shorter ask is honoured too, but never below the base wait.
        let soon = Reply::Http {
            code: 429,
            retry_after_ms: Some(0),
            text: String::new(),
        };
        match policy().decide(1, &soon, 0.0) {
            Verdict::Retry { after_ms, .. } => assert!(after_ms >= 500, "{after_ms}"),
            other => panic!("{other:?}"),
        }
        let too_long = Reply::Http {
            code: 429,
            retry_after_ms: Some(3_600_000),
            text: String::new(),
        };
        assert!(matches!(
            policy().decide(1, &too_long, 0.0),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn backoff_grows_between_attempts() {
        let p = policy();
        let wait = |n| match p.decide(n, &Reply::CannotConnect("refused".into()), 0.0) {
            Verdict::Retry { after_ms, .. } => after_ms,
            other => panic!("{other:?}"),
        };
        assert!(wait(2) > wait(1));
    }

    #[test]
    fn no_answer_is_never_retried_on_its_own() {
        match policy().decide(1, &Reply::NoAnswer("no answer within 5 s".into()), 0.5) {
            Verdict::Failed(why) => {
                assert!(why.starts_with("no answer within 5 s"), "{why}");
                assert!(why.contains("check the page"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            policy().decide(1, &Reply::Unreadable("HTML".into()), 0.5),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn error_text_quotes_the_backend_and_names_html() {
        assert_eq!(
            error_text("application/json", br#"{"message":"Page not found"}"#),
            "Page not found"
        );
        assert_eq!(
            error_text("application/json", br#"{"error":"Unauthorized"}"#),
            "Unauthorized"
        );
        assert_eq!(
            error_text(
                "application/json",
                br#"{"errors":[{"id":"x","status":422,"title":"Unprocessable","detail":"The name is required."}]}"#
            ),
            "The name is required."
        );
        assert_eq!(
            error_text(
                "application/json",
                br#"{"title":"Invalid request","status":422,"detail":"Your request is not valid","validation":[{"location":["body"],"message":"Request body property incident.status must be equal to one of the allowed values"}]}"#
            ),
            "Request body property incident.status must be equal to one of the allowed values"
        );
        assert!(error_text("text/html", b"<h1>502</h1>").starts_with("an HTML page"));
        assert!(error_text("", b"  <!DOCTYPE html><html>").starts_with("an HTML page"));
        assert_eq!(
            error_text("text/plain", b"down\nfor\tmaintenance"),
            "down for maintenance"
        );
        let long = "x".repeat(1000);
        assert_eq!(
            error_text("text/plain", long.as_bytes()).chars().count(),
            MAX_ERROR_CHARS + 1
        );
    }

    fn spec(kind: TargetKind) -> TargetSpec {
        TargetSpec {
            id: "main-page".into(),
            kind,
            name: "Main page".into(),
            base_url: "https://api.statuspage.io/v1".into(),
            page_id: "abc123".into(),
            components: BTreeMap::from([("api".into(), "8kbf7d35c070".into())]),
        }
    }

    #[test]
    fn targets_are_checked_before_they_are_stored() {
        assert_eq!(
            check_target(&spec(TargetKind::Statuspage), "key", false),
            Ok(())
        );
        // An empty key keeps the stored one, but there must be one.
        assert_eq!(
            check_target(&spec(TargetKind::Statuspage), "", true),
            Ok(())
        );
        assert!(check_target(&spec(TargetKind::Statuspage), "", false).is_err());
        let mut bad = spec(TargetKind::Statuspage);
        bad.id = "Own Page".into();
        assert!(check_target(&bad, "k", false).is_err());
        bad = spec(TargetKind::Statuspage);
        bad.id = OWN.into();
        assert!(check_target(&bad, "k", false).is_err());
        bad = spec(TargetKind::Statuspage);
        bad.base_url = "file:///etc/passwd".into();
        assert!(check_target(&bad, "k", false).is_err());
        bad = spec(TargetKind::Statuspage);
        bad.page_id = String::new();
        assert!(check_target(&bad, "k", false).is_err());
        // Cachet component ids are numbers.
        let mut cachet = spec(TargetKind::Cachet);
        assert!(check_target(&cachet, "k", false).is_err());
        cachet.components = BTreeMap::from([("api".into(), "3".into())]);
        assert_eq!(check_target(&cachet, "k", false), Ok(()));
        assert!(check_target(&spec(TargetKind::Statuspage), "a\nb", false).is_err());
    }

    #[test]
    fn component_maps_read_as_typed_and_round_trip() {
        let map = parse_component_map("api = 8kbf7d35c070\n\n web: 3 \n").unwrap();
        assert_eq!(map["api"], "8kbf7d35c070");
        assert_eq!(map["web"], "3");
        assert_eq!(parse_component_map(&format_component_map(&map)), Ok(map));
        assert!(parse_component_map("api")
            .unwrap_err()
            .starts_with("line 1"));
        assert!(parse_component_map("api = 1\napi = 2")
            .unwrap_err()
            .contains("twice"));
        assert!(parse_component_map(" = 2").is_err());
    }

    #[test]
    fn a_new_address_needs_the_key_again_and_the_same_one_does_not() {
        let old = Some("https://api.statuspage.io");
        assert!(key_needed_again(old, "https://evil.example", "")
            .unwrap()
            .contains("enter the API key again"));
        assert_eq!(
            key_needed_again(old, "https://evil.example", "new-key"),
            None
        );
        assert_eq!(
            key_needed_again(old, "https://API.statuspage.io/", ""),
            None
        );
        assert_eq!(key_needed_again(None, "https://a.example", ""), None);
    }
}
