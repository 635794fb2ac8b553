//! The workspace's comms policy: who may approve, how often customers hear
//! from us, which zone the public reads times in, and which words must not
//! reach them. Set by an admin with one `comms_policy_set` event.

use crate::time::utc::offset_label;
use crate::time::zone::TimeZone;
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
/// of the audience the team writes for: an IANA name from the zone table
/// (`time::zone`), with its daylight-saving rules, so a time after the
/// clocks change reads with the new offset.
///
/// `offset_minutes` is what policies stored before zones had rules: a fixed
/// offset beside a free name. It is still read for such a name (nothing
/// stored is reinterpreted), and a new policy stores the zone's offset at
/// the time of saving there for consoles that predate the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AudienceZone {
    pub name: String,
    /// Minutes east of UTC (−720 … 840), used only for a name that is not
    /// an IANA zone Sitrep knows (policies stored before zones had rules).
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
    /// The IANA zone `name`, refused with a sentence when the zone table
    /// does not know it. `now` sets the stored fallback offset.
    pub fn named(name: &str, now: i64) -> Result<AudienceZone, String> {
        let name = name.trim();
        let zone = TimeZone::named(name).ok_or_else(|| unknown_zone(name))?;
        Ok(AudienceZone {
            name: zone.name().to_string(),
            offset_minutes: (zone.offset_at(now) / 60) as i32,
        })
    }

    /// Minutes east of UTC at the instant `ms`: the zone's rules when the
    /// name is a known IANA zone, else the stored fixed offset.
    pub fn offset_at(&self, ms: i64) -> i32 {
        match TimeZone::named(&self.name) {
            Some(zone) => (zone.offset_at(ms) / 60) as i32,
            None => self.offset_minutes,
        }
    }

    /// UTC itself (so a local time would repeat the UTC one).
    pub fn is_utc(&self) -> bool {
        let n = self.name.trim();
        n.eq_ignore_ascii_case("utc") || n == "Etc/UTC"
    }

    /// `2026-11-23 15:05 Europe/Berlin, UTC+01:00` for a time in this zone;
    /// a zone that is UTC itself reads as plain UTC. No nested brackets:
    /// templates put this in brackets after the UTC time.
    pub fn format(&self, ms: i64) -> String {
        if self.is_utc() {
            return crate::time::utc::format(ms);
        }
        let off = self.offset_at(ms);
        let shown = crate::time::utc::format(ms + i64::from(off) * 60_000);
        let day_time = shown.trim_end_matches(" UTC");
        format!("{day_time} {}, {}", self.name.trim(), offset_label(off))
    }

    /// Whether a policy may be saved with this zone: an IANA name the zone
    /// table knows (the offset then comes from its rules).
    pub fn check(&self) -> Result<(), String> {
        TimeZone::named(self.name.trim()).ok_or_else(|| unknown_zone(&self.name))?;
        if !(-720..=840).contains(&self.offset_minutes) {
            return Err(format!(
                "the audience zone's offset must be between −12:00 and +14:00 (got {} minutes)",
                self.offset_minutes
            ));
        }
        Ok(())
    }
}

fn unknown_zone(name: &str) -> String {
    format!(
        "the audience zone {name:?} is not a time zone this version knows; use an IANA name such as Europe/Berlin or America/New_York"
    )
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

    fn at(s: &str) -> i64 {
        crate::time::utc::parse_input(s).unwrap()
    }

    #[test]
    fn the_audience_zone_follows_its_daylight_saving_rules() {
        let z = AudienceZone::named("America/New_York", at("2030-01-01T00:00")).unwrap();
        assert_eq!(z.offset_minutes, -300, "stored: the offset when saved");
        // New York moves to EDT at 07:00 UTC on Sunday 2030-03-10.
        assert_eq!(
            z.format(at("2030-03-10T06:59")),
            "2030-03-10 01:59 America/New_York, UTC−05:00"
        );
        assert_eq!(
            z.format(at("2030-03-10T07:00")),
            "2030-03-10 03:00 America/New_York, UTC−04:00"
        );
        // And back at 06:00 UTC on Sunday 2030-11-03.
        assert_eq!(
            z.format(at("2030-11-03T06:30")),
            "2030-11-03 01:30 America/New_York, UTC−05:00"
        );
    }

    #[test]
    fn a_name_the_zone_table_does_not_know_is_refused_with_a_sentence() {
        let err = AudienceZone::named("Mars/Olympus", 0).unwrap_err();
        assert!(err.contains("\"Mars/Olympus\" is not a time zone"), "{err}");
        assert!(err.contains("Europe/Berlin"), "{err}");
        let legacy = AudienceZone {
            name: "New York".into(),
            offset_minutes: -300,
        };
        assert!(legacy.check().is_err());
        assert!(AudienceZone::named(" Europe/Berlin ", 0)
            .unwrap()
            .check()
            .is_ok());
    }

    #[test]
    fn a_policy_stored_with_a_fixed_offset_still_reads_as_it_did() {
        let z = AudienceZone {
            name: "New York".into(),
            offset_minutes: -300,
        };
        let t = at("2026-11-23T14:05");
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
