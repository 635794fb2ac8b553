//! Watched upstreams: reading a provider's Statuspage v2 `summary.json`, the
//! state the console shows for it (known, or unknown since when and why),
//! and when to poll it next.
//!
//! The documents come from other companies' pages, so the parser asks only
//! for what the console shows and takes the rest as it comes: unknown fields
//! are ignored, unknown enum values read as `unknown`, missing lists are
//! empty (incident.io-hosted "compatible" pages have no `incidents` key), and
//! an affected component may carry only a name (old pages). What it cannot
//! read becomes a reason a person can act on, never a default that looks
//! like "all operational".

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Largest document the server reads from a provider. Real summaries are a
/// few kB to a few hundred kB; anything bigger is not a status page.
pub const MAX_SUMMARY_BYTES: usize = 2 * 1024 * 1024;

/// Declares a string enum that reads any value it does not know, or one that
/// is not a string at all, as `Unknown`, and writes the wire names back.
macro_rules! tolerant_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know (or no value at all).
            #[default]
            Unknown,
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown => "unknown",
                }
            }

            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    _ => $name::Unknown,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // A number or null where a word belongs is a value we do not
                // know, not a broken document.
                Ok(match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(s) => $name::from_wire(&s),
                    _ => $name::Unknown,
                })
            }
        }

        // Written as the names above (or `unknown`); read from anything.
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                // `Upstream…`: vocabulary has a ComponentStatus of its own.
                concat!("Upstream", stringify!($name)).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": "As the provider's page says it; a value this version does not know is sent as `unknown`.",
                    "type": "string",
                    "enum": [$($wire,)* "unknown"]
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

tolerant_enum!(
    /// `status.indicator`: the page's overall verdict.
    Indicator {
        None = "none",
        Minor = "minor",
        Major = "major",
        Critical = "critical",
        /// Not in the vendor docs, but clients expect it; see status-backends.md.
        Maintenance = "maintenance",
    }
);

tolerant_enum!(
    /// A component's status.
    ComponentStatus {
        Operational = "operational",
        DegradedPerformance = "degraded_performance",
        PartialOutage = "partial_outage",
        MajorOutage = "major_outage",
        UnderMaintenance = "under_maintenance",
    }
);

tolerant_enum!(
    /// An incident's or a maintenance's status, and each update's.
    IncidentStatus {
        Investigating = "investigating",
        Identified = "identified",
        Monitoring = "monitoring",
        Resolved = "resolved",
        Postmortem = "postmortem",
        Scheduled = "scheduled",
        InProgress = "in_progress",
        Verifying = "verifying",
        Completed = "completed",
    }
);

tolerant_enum!(
    /// An incident's impact.
    Impact {
        None = "none",
        Minor = "minor",
        Major = "major",
        Critical = "critical",
        Maintenance = "maintenance",
    }
);

impl ComponentStatus {
    /// Only a status the page states as `operational` is: an unknown one is not.
    pub fn is_operational(self) -> bool {
        self == ComponentStatus::Operational
    }
}

impl IncidentStatus {
    /// Over, as far as the page is concerned: resolved, or a maintenance done.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            IncidentStatus::Resolved | IncidentStatus::Postmortem | IncidentStatus::Completed
        )
    }
}

/// What we keep of a `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub page: Page,
    pub status: PageStatus,
    #[serde(default, deserialize_with = "list")]
    pub components: Vec<Component>,
    /// Unresolved incidents; absent on incident.io-hosted pages.
    #[serde(default, deserialize_with = "list")]
    pub incidents: Vec<Incident>,
    /// Upcoming and in-progress maintenances; absent on some pages.
    #[serde(default, deserialize_with = "list")]
    pub scheduled_maintenances: Vec<Incident>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Page {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub url: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageStatus {
    pub indicator: Indicator,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Component {
    pub id: String,
    pub name: String,
    /// Missing reads as unknown, never as operational.
    #[serde(default)]
    pub status: ComponentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// A group stands for its children (`components`), listed beside it.
    #[serde(default, deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub group: bool,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub components: Vec<String>,
}

/// An incident or a scheduled maintenance (the same object plus the window).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub status: IncidentStatus,
    #[serde(default)]
    pub impact: Impact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortlink: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
    /// Newest first, as the API lists them.
    #[serde(default, deserialize_with = "list")]
    pub incident_updates: Vec<IncidentUpdate>,
    /// Can be empty even when the updates name components.
    #[serde(default, deserialize_with = "list")]
    pub components: Vec<Component>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default)]
    pub status: IncidentStatus,
    #[serde(default, deserialize_with = "text")]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_at: Option<String>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub affected_components: Vec<AffectedComponent>,
}

/// Old pages list `{"name": "No components were affected by this update."}`
/// with no code or statuses, so everything but the name is optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AffectedComponent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_status: Option<ComponentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_status: Option<ComponentStatus>,
}

impl Incident {
    /// The newest update (the API lists them newest first).
    pub fn latest_update(&self) -> Option<&IncidentUpdate> {
        self.incident_updates.first()
    }
}

impl IncidentUpdate {
    /// When the page says the update happened.
    pub fn at(&self) -> Option<&str> {
        self.display_at.as_deref().or(self.created_at.as_deref())
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

// Real pages send `null` where a list, a flag or a text is empty
// (`affected_components: null`); that is not a broken document.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Why a document is not a summary we can show; `Display` is for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    TooLarge { limit: usize },
    Empty,
    Html,
    NotJson(String),
    WrongShape(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::TooLarge { limit } => {
                write!(f, "the answer is over the {} limit", bytes(*limit))
            }
            ParseError::Empty => f.write_str("the answer is empty"),
            ParseError::Html => f.write_str(
                "the answer is an HTML page, not Statuspage JSON (a wrong URL, a login or an error page?)",
            ),
            ParseError::NotJson(e) => write!(f, "the answer is not JSON ({e})"),
            ParseError::WrongShape(e) => write!(f, "the JSON is not a Statuspage summary ({e})"),
        }
    }
}

impl std::error::Error for ParseError {}

/// `2 MiB`, `512 kiB` or `300 bytes`, for reasons a person reads.
pub fn bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} kiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Reads a `summary.json` of at most `limit` bytes.
pub fn parse_summary(input: &[u8], limit: usize) -> Result<Summary, ParseError> {
    let input = precheck(input, limit)?;
    // The direct read is the common case and five times as fast as going
    // through a tree; only a document it refuses is read again, as a tree,
    // to say why.
    serde_json::from_slice::<Summary>(input).or_else(|_| summary_via_tree(input))
}

/// Tells "not JSON" from "JSON of another shape", naming what is missing.
/// (A document with a key twice is refused by the direct read but read
/// here, the last value winning, as most JSON readers do.)
fn summary_via_tree(input: &[u8]) -> Result<Summary, ParseError> {
    let value: serde_json::Value =
        serde_json::from_slice(input).map_err(|e| ParseError::NotJson(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ParseError::WrongShape(format!(
            "expected an object, got {}",
            kind(&value)
        )));
    };
    for key in ["page", "status"] {
        if !object.contains_key(key) {
            return Err(ParseError::WrongShape(format!("no `{key}` key")));
        }
    }
    serde_json::from_value(value).map_err(|e| ParseError::WrongShape(e.to_string()))
}

/// `incidents.json` (and `incidents/unresolved.json`,
/// `scheduled-maintenances*.json`): the page and its list of incidents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentList {
    pub page: Page,
    #[serde(default, deserialize_with = "list")]
    pub incidents: Vec<Incident>,
    #[serde(default, deserialize_with = "list")]
    pub scheduled_maintenances: Vec<Incident>,
}

/// Reads an incidents or scheduled-maintenances list of at most `limit` bytes.
pub fn parse_incidents(input: &[u8], limit: usize) -> Result<IncidentList, ParseError> {
    let input = precheck(input, limit)?;
    let value: serde_json::Value =
        serde_json::from_slice(input).map_err(|e| ParseError::NotJson(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ParseError::WrongShape(format!(
            "expected an object, got {}",
            kind(&value)
        )));
    };
    if !object.contains_key("page")
        || !(object.contains_key("incidents") || object.contains_key("scheduled_maintenances"))
    {
        return Err(ParseError::WrongShape(
            "expected `page` and `incidents` or `scheduled_maintenances`".into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ParseError::WrongShape(e.to_string()))
}

/// Size, emptiness and HTML, checked before any JSON parsing.
fn precheck(input: &[u8], limit: usize) -> Result<&[u8], ParseError> {
    if input.len() > limit {
        return Err(ParseError::TooLarge { limit });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let start = input.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| input[i]) {
        None => Err(ParseError::Empty),
        // Captive portals, CDN error pages and moved pages answer HTML, often
        // with status 200.
        Some(b'<') => Err(ParseError::Html),
        Some(_) => Ok(input),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

mod provider;
mod view;
pub use provider::*;
pub use view::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::backoff::SplitMix;

    const MINIMAL: &str = r#"{"page":{"name":"Acme"},"status":{"indicator":"none"}}"#;

    fn summary(json: &str) -> Summary {
        parse_summary(json.as_bytes(), MAX_SUMMARY_BYTES).expect("parses")
    }

    #[test]
    fn only_the_page_name_and_the_indicator_are_required() {
        let s = summary(MINIMAL);
        assert_eq!(s.page.name, "Acme");
        assert_eq!(s.status.indicator, Indicator::None);
        assert!(s.components.is_empty() && s.incidents.is_empty());
        assert!(s.scheduled_maintenances.is_empty());
    }

    #[test]
    fn unknown_fields_are_ignored_and_nulls_read_as_empty() {
        let s = summary(
            r#"{"page":{"name":"Acme","url":null,"time_zone":"Etc/UTC","new":1},
                "status":{"indicator":"minor","description":null,"extra":[1]},
                "components":[{"id":"c","name":"API","status":"operational","group":null,
                               "components":null,"automation_email":"x@y"}],
                "incidents":[{"id":"i","name":"Down","incident_updates":[
                   {"body":"b","affected_components":null,"tweet_id":null}]}],
                "scheduled_maintenances":null, "future":{"a":"b"}}"#,
        );
        assert_eq!(s.page.url, "");
        assert_eq!(s.components[0].name, "API");
        assert!(!s.components[0].group);
        assert!(s.incidents[0].incident_updates[0]
            .affected_components
            .is_empty());
    }

    #[test]
    fn unknown_enum_values_read_as_unknown_never_as_operational() {
        let s = summary(
            r#"{"page":{"name":"Acme"},"status":{"indicator":"catastrophic"},
                "components":[{"id":"a","name":"A","status":"on_fire"},
                              {"id":"b","name":"B","status":null},
                              {"id":"c","name":"C"},
                              {"id":"d","name":"D","status":3}],
                "incidents":[{"id":"i","name":"I","status":"pondering","impact":"huge"}]}"#,
        );
        assert_eq!(s.status.indicator, Indicator::Unknown);
        for c in &s.components {
            assert_eq!(c.status, ComponentStatus::Unknown, "{}", c.name);
            assert!(!c.status.is_operational());
        }
        assert_eq!(s.incidents[0].status, IncidentStatus::Unknown);
        assert_eq!(s.incidents[0].impact, Impact::Unknown);
        assert!(!s.incidents[0].status.is_closed());
        // And they are written back as "unknown".
        let json = serde_json::to_value(&s.components[0]).unwrap();
        assert_eq!(json["status"], "unknown");
    }

    #[test]
    fn an_affected_component_may_carry_only_a_name() {
        let s = summary(
            r#"{"page":{"name":"Quay"},"status":{"indicator":"none"},
                "incidents":[{"id":"i","name":"I","status":"monitoring","incident_updates":[
                  {"status":"monitoring","body":"b","created_at":"2016-05-02T14:35:11.712-04:00",
                   "affected_components":[{"name":"No components were affected by this update."}]}]}]}"#,
        );
        let a = &s.incidents[0].incident_updates[0].affected_components[0];
        assert_eq!(a.code, None);
        assert_eq!(a.new_status, None);
        assert!(a.name.starts_with("No components"));
    }

    #[test]
    fn an_oversized_document_is_refused_before_parsing() {
        let mut big = MINIMAL.as_bytes().to_vec();
        big.resize(101, b' ');
        assert_eq!(
            parse_summary(&big, 100),
            Err(ParseError::TooLarge { limit: 100 })
        );
        assert!(parse_summary(&big, 101).is_ok());
        let err = ParseError::TooLarge {
            limit: MAX_SUMMARY_BYTES,
        };
        assert_eq!(err.to_string(), "the answer is over the 2 MiB limit");
    }

    #[test]
    fn html_is_named_as_html() {
        for page in [
            "<!DOCTYPE html><html><body>Sign in</body></html>",
            "\u{feff}\n  <html>",
            "<?xml version=\"1.0\"?><error/>",
        ] {
            let err = parse_summary(page.as_bytes(), MAX_SUMMARY_BYTES).unwrap_err();
            assert_eq!(err, ParseError::Html, "{page}");
            assert!(err.to_string().contains("HTML"));
        }
    }

    #[test]
    fn wrong_shapes_are_refused_with_a_reason_a_person_can_read() {
        let cases = [
            ("", "the answer is empty"),
            ("   \n", "the answer is empty"),
            ("{\"page\":", "not JSON"),
            ("nope", "not JSON"),
            ("[]", "expected an object, got an array"),
            ("null", "expected an object, got null"),
            ("{}", "no `page` key"),
            (r#"{"meta":{},"data":[]}"#, "no `page` key"),
            (r#"{"page":{"name":"A"}}"#, "no `status` key"),
            (
                r#"{"page":{},"status":{"indicator":"none"}}"#,
                "missing field `name`",
            ),
            (
                r#"{"page":{"name":"A"},"status":{}}"#,
                "missing field `indicator`",
            ),
            (
                r#"{"page":{"name":"A"},"status":{"indicator":"none"},"components":{"a":1}}"#,
                "invalid type: map, expected a sequence",
            ),
            (
                r#"{"page":{"name":"A"},"status":{"indicator":"none"},"components":[{"id":"x"}]}"#,
                "missing field `name`",
            ),
        ];
        for (input, want) in cases {
            let err = parse_summary(input.as_bytes(), MAX_SUMMARY_BYTES).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(want), "{input:?}: {text}");
        }
    }

    #[test]
    fn a_key_given_twice_takes_the_last_value() {
        let s = summary(
            r#"{"page":{"name":"A"},"status":{"indicator":"none"},"status":{"indicator":"major"}}"#,
        );
        assert_eq!(s.status.indicator, Indicator::Major);
    }

    #[test]
    fn an_incidents_list_parses_with_its_own_reader_and_not_as_a_summary() {
        let list =
            r#"{"page":{"name":"A"},"incidents":[{"id":"i","name":"I","status":"resolved"}]}"#;
        let l = parse_incidents(list.as_bytes(), MAX_SUMMARY_BYTES).unwrap();
        assert_eq!(l.incidents[0].status, IncidentStatus::Resolved);
        assert!(parse_summary(list.as_bytes(), MAX_SUMMARY_BYTES).is_err());
        assert!(parse_incidents(MINIMAL.as_bytes(), MAX_SUMMARY_BYTES).is_err());
    }

    fn known(name: &str) -> Summary {
        summary(&format!(
            r#"{{"page":{{"name":"{name}"}},"status":{{"indicator":"none"}}}}"#
        ))
    }

    #[test]
    fn a_new_provider_is_unknown_until_its_first_answer() {
        let mut p = ProviderState::new(1_000);
        assert!(!p.is_known());
        assert!(p.latest().is_none());
        assert!(p.observe(Ok(known("A")), 2_000));
        assert_eq!(p.latest().unwrap().fetched_at, 2_000);
    }

    #[test]
    fn a_failed_poll_keeps_the_last_known_summary_and_the_time_it_was_lost() {
        let mut p = ProviderState::new(0);
        p.observe(Ok(known("A")), 1_000);
        assert!(p.observe(Err("HTTP 503".into()), 2_000));
        assert!(p.observe(Err("timed out".into()), 3_000));
        match &p {
            ProviderState::Unknown {
                since,
                reason,
                last_known: Some(f),
            } => {
                assert_eq!(*since, 2_000);
                assert_eq!(reason, "timed out");
                assert_eq!(f.fetched_at, 1_000);
                assert_eq!(f.summary.page.name, "A");
            }
            other => panic!("{other:?}"),
        }
        assert!(p.observe(Ok(known("A")), 4_000));
        assert_eq!(
            p,
            ProviderState::Known(Fetched {
                summary: known("A"),
                fetched_at: 4_000
            })
        );
    }

    #[test]
    fn only_what_a_console_shows_counts_as_a_change() {
        let mut p = ProviderState::new(0);
        assert!(!p.observe(Err(NOT_POLLED_YET.into()), 1));
        p.observe(Ok(known("A")), 1_000);
        assert!(!p.observe(Ok(known("A")), 2_000), "same page, newer fetch");
        assert_eq!(p.latest().unwrap().fetched_at, 2_000);
        assert!(p.observe(Ok(known("B")), 3_000));
        assert!(p.observe(Err("HTTP 500".into()), 4_000));
        assert!(!p.observe(Err("HTTP 500".into()), 5_000));
    }

    #[test]
    fn unknown_is_labelled_with_its_time_and_reason() {
        // 2025-11-18 11:20:09 UTC.
        assert_eq!(
            unknown_label(1_763_464_809_000, "HTTP 500"),
            "unknown since 11:20 UTC (HTTP 500)"
        );
    }

    #[test]
    fn the_view_of_an_unknown_provider_never_says_operational() {
        let mut p = ProviderState::new(0);
        p.observe(Ok(known("A")), 1_000);
        p.observe(Err("HTTP 500".into()), 60_000);
        let v = ProviderView::of("a", "https://a.example", &p);
        assert_eq!(v.state, ViewState::Unknown);
        assert!(v.known.is_none());
        let u = v.unknown.as_ref().unwrap();
        assert_eq!(u.label, "unknown since 00:01 UTC (HTTP 500)");
        assert_eq!(u.last_known.as_ref().unwrap().fetched_at, 1_000);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["state"], "unknown");
        assert!(json.get("known").is_none());
        let back: ProviderView = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn the_view_keeps_what_is_not_fine_and_the_newest_update() {
        let s = summary(
            r#"{"page":{"name":"A"},"status":{"indicator":"minor","description":"Minor"},
                "components":[{"id":"a","name":"A","status":"operational"},
                              {"id":"b","name":"B","status":"partial_outage"}],
                "incidents":[{"id":"i","name":"I","status":"identified","impact":"minor",
                   "incident_updates":[{"status":"identified","body":"newest","display_at":"t2"},
                                       {"status":"investigating","body":"older","created_at":"t1"}]},
                             {"id":"j","name":"J","status":"resolved"}],
                "scheduled_maintenances":[{"id":"m","name":"M","status":"scheduled",
                   "scheduled_for":"s","scheduled_until":"u"}]}"#,
        );
        let v = Snapshot::of(&Fetched {
            summary: s,
            fetched_at: 5,
        });
        assert_eq!(v.components.len(), 1);
        assert_eq!(v.components[0].id, "b");
        assert_eq!(v.incidents.len(), 1, "a resolved incident is not shown");
        let u = v.incidents[0].latest_update.as_ref().unwrap();
        assert_eq!((u.body.as_str(), u.at.as_deref()), ("newest", Some("t2")));
        assert_eq!(v.maintenances[0].scheduled_for.as_deref(), Some("s"));
    }

    #[test]
    fn healthy_polls_come_every_interval_give_or_take_a_tenth() {
        let mut s = PollSchedule::new(60_000);
        assert_eq!(s.after_success(0.0), 54_000);
        assert_eq!(s.after_success(0.5), 60_000);
        assert_eq!(s.after_success(0.999_999), 65_999);
        let mut rng = SplitMix(3);
        for _ in 0..100 {
            assert!((54_000..=66_000).contains(&s.after_success(rng.next_f64())));
        }
    }

    #[test]
    fn failures_back_off_up_to_ten_intervals_and_a_success_resets() {
        let mut s = PollSchedule::new(60_000);
        let lows: Vec<u64> = (0..6).map(|_| s.after_failure(0.0)).collect();
        assert_eq!(lows, [30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
        assert_eq!(s.failures(), 6);
        s.after_success(0.5);
        assert_eq!(s.failures(), 0);
        assert!(s.after_failure(0.999) <= 60_000);
        // Long intervals cap at 15 minutes, never below the interval itself.
        let mut slow = PollSchedule::new(3_600_000);
        for _ in 0..10 {
            assert!(slow.after_failure(0.999) <= 3_600_000);
        }
    }

    #[test]
    fn first_polls_are_spread_over_at_most_five_seconds() {
        let s = PollSchedule::new(60_000);
        assert_eq!(s.first_delay(0.0), 0);
        assert!(s.first_delay(0.999) < 5_000);
        assert!(PollSchedule::new(200).first_delay(0.999) < 200);
        assert_eq!(s.first_delay(f64::NAN), 0);
    }
}
