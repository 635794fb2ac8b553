//! The workspace's comms policy: who may approve, how often customers hear
//! from us, which zone the public reads times in, and which words must not
//! reach them. Set by an admin with one `comms_policy_set` event.

use crate::vocabulary::Status;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommsPolicy {
    /// An update must be approved by someone other than its last editor.
    #[serde(default = "yes")]
    pub approval_by_other: bool,
    #[serde(default)]
    pub cadence: CadencePolicy,
    /// The zone a status page's readers are assumed to read times in.
    #[serde(default)]
    pub audience_zone: AudienceZone,
    /// Internal names (hosts, teams, customers, projects) that must not
    /// reach customers, matched case-insensitively as whole words.
    #[serde(default)]
    pub internal_terms: Vec<String>,
    /// Words that assign blame, matched case-insensitively as whole words.
    #[serde(default = "default_blame_words")]
    pub blame_words: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Minutes between public updates per incident status; 0 means no cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CadencePolicy {
    pub investigating_minutes: u32,
    pub identified_minutes: u32,
    pub monitoring_minutes: u32,
    /// How long before the due time the reminder turns amber.
    pub warn_minutes: u32,
}

impl Default for CadencePolicy {
    fn default() -> Self {
        CadencePolicy {
            investigating_minutes: 30,
            identified_minutes: 60,
            monitoring_minutes: 60,
            warn_minutes: 5,
        }
    }
}

impl CadencePolicy {
    /// The interval for an incident in this status, when there is one.
    pub fn interval_minutes(&self, status: Status) -> Option<u32> {
        let m = match status {
            Status::Investigating => self.investigating_minutes,
            Status::Identified => self.identified_minutes,
            Status::Monitoring => self.monitoring_minutes,
            Status::Resolved => 0,
        };
        (m > 0).then_some(m)
    }
}

/// A status page has no single reader, so "the reader's zone" is the zone
/// of the audience the team writes for, set in settings as a name and a
/// fixed offset from UTC. Daylight saving is not applied: the admin moves
/// the offset when the audience's clocks change, and the name says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AudienceZone {
    pub name: String,
    /// Minutes east of UTC (−720 … 840).
    pub offset_minutes: i32,
}

impl Default for AudienceZone {
    fn default() -> Self {
        AudienceZone {
            name: "UTC".into(),
            offset_minutes: 0,
        }
    }
}

impl AudienceZone {
    /// `2026-11-23 15:05 CET, UTC+01:00` for a time in this zone; a zone
    /// that is UTC itself reads as plain UTC. No nested brackets: templates
    /// put this in brackets after the UTC time.
    pub fn format(&self, ms: i64) -> String {
        let off = self.offset_minutes;
        if off == 0 && self.name.trim().eq_ignore_ascii_case("utc") {
            return crate::time::utc::format(ms);
        }
        let local = ms + i64::from(off) * 60_000;
        let shown = crate::time::utc::format(local);
        let day_time = shown.trim_end_matches(" UTC");
        let sign = if off < 0 { '−' } else { '+' };
        format!(
            "{day_time} {}, UTC{sign}{:02}:{:02}",
            self.name,
            off.abs() / 60,
            off.abs() % 60
        )
    }

    pub fn is_valid(&self) -> bool {
        (-720..=840).contains(&self.offset_minutes) && !self.name.trim().is_empty()
    }
}

/// Words a support lead would not sign: blame, and the providers most often
/// blamed. Watched upstream providers are added to these at check time.
pub fn default_blame_words() -> Vec<String> {
    [
        "vendor's fault",
        "their fault",
        "human error",
        "blame",
        "blamed",
        "negligence",
        "incompetent",
        "AWS",
        "Amazon Web Services",
        "Azure",
        "Google Cloud",
        "GCP",
        "Cloudflare",
        "Fastly",
        "Akamai",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

impl Default for CommsPolicy {
    fn default() -> Self {
        CommsPolicy {
            approval_by_other: true,
            cadence: CadencePolicy::default(),
            audience_zone: AudienceZone::default(),
            internal_terms: Vec::new(),
            blame_words: default_blame_words(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_zone_shifts_the_time_and_names_its_offset() {
        let z = AudienceZone {
            name: "New York".into(),
            offset_minutes: -300,
        };
        // 2026-11-23 14:05 UTC
        let t = crate::time::utc::parse_input("2026-11-23T14:05").unwrap();
        assert_eq!(z.format(t), "2026-11-23 09:05 New York, UTC−05:00");
        assert_eq!(AudienceZone::default().format(t), "2026-11-23 14:05 UTC");
    }

    #[test]
    fn resolved_incidents_have_no_cadence() {
        let c = CadencePolicy::default();
        assert_eq!(c.interval_minutes(Status::Investigating), Some(30));
        assert_eq!(c.interval_minutes(Status::Resolved), None);
    }

    #[test]
    fn an_older_policy_without_new_fields_still_parses_with_defaults() {
        let p: CommsPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p, CommsPolicy::default());
    }
}
