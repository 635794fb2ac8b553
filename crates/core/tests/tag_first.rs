//! The internally tagged wire enums decode tag first (`sitrep_core`'s
//! `tagged` module), and a map whose tag comes later decodes the same. What
//! either path refuses, it refuses in the words serde's derive used: a
//! missing, repeated or unknown tag, an unknown or repeated field, a wrong
//! type. Every body kind is tried, built from its JSON Schema with every
//! field it has.

use serde::Deserialize;
use serde_json::{Map, Value};
use sitrep_core::log::protocol::{ClientMessage, StreamMessage};
use sitrep_core::vocabulary::{ImpactCondition, Status};
use sitrep_core::{Event, EventBody};

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON")
}

/// A value the schema accepts with every field filled, each with a value of
/// its own (a string field holds its name, numbers count up), so a field
/// decoded into the wrong place shows; options are never null, lists and
/// maps never empty.
fn example(schema: &Value, root: &Value, name: &str, n: &mut i64) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let def = r.trim_start_matches("#/$defs/");
        return example(&root["$defs"][def], root, name, n);
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(last) = schema["enum"].as_array().and_then(|e| e.last()) {
        return last.clone();
    }
    for key in ["oneOf", "anyOf"] {
        let mut choices = schema[key].as_array().into_iter().flatten();
        if let Some(choice) = choices.rfind(|c| c["type"] != "null") {
            return example(choice, root, name, n);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    *n += 1;
    match ty {
        "string" => Value::from(name),
        "integer" => Value::from(*n),
        "number" => Value::from(*n as f64 + 0.5),
        // Not `false`: a field left out when false would not come back.
        "boolean" => Value::from(true),
        "array" => Value::Array(vec![example(&schema["items"], root, name, n)]),
        "null" => Value::Null,
        _ => {
            let mut object = Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (field, field_schema) in properties {
                    object.insert(field.clone(), example(field_schema, root, field, n));
                }
            } else if schema["additionalProperties"].is_object() {
                let value = example(&schema["additionalProperties"], root, name, n);
                object.insert(format!("{name}-key"), value);
            }
            Value::Object(object)
        }
    }
}

/// Every body kind with every field, each as (kind, fields in the order the
/// schema lists them, `kind` first).
fn every_body() -> Vec<(String, Vec<(String, Value)>)> {
    let root = schema_of::<EventBody>();
    let variants = root["oneOf"].as_array().expect("EventBody is a oneOf");
    assert!(variants.len() >= 50, "only {} kinds", variants.len());
    let mut n = 0;
    variants
        .iter()
        .map(|variant| {
            let kind = variant["properties"]["kind"]["const"]
                .as_str()
                .expect("each kind is a const")
                .to_string();
            let Value::Object(fields) = example(variant, &root, "", &mut n) else {
                panic!("{kind}'s example is not an object");
            };
            let mut fields: Vec<(String, Value)> =
                fields.into_iter().filter(|(k, _)| k != "kind").collect();
            fields.insert(0, ("kind".into(), Value::from(kind.clone())));
            (kind, fields)
        })
        .collect()
}

/// A JSON object with its fields in exactly this order (serde_json's own
/// `Map` sorts them).
fn object(fields: &[(String, Value)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// The error serde_json gives for `text` as a `T`, which must be refused.
fn refusal<T: for<'de> Deserialize<'de> + std::fmt::Debug>(text: &str) -> String {
    match serde_json::from_str::<T>(text) {
        Ok(v) => panic!("{text} decoded as {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// An error's words without serde_json's "at line L column C" (the two
/// paths fail at different places of the input).
fn words(error: &str) -> &str {
    error.split(" at line ").next().unwrap_or(error)
}

#[test]
fn every_body_kind_decodes_the_same_whether_its_tag_comes_first_last_or_between() {
    for (kind, fields) in every_body() {
        let first = object(&fields);
        let body: EventBody = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("{kind} with its tag first: {e}\n{first}"));
        assert_eq!(body.kind(), kind);

        let mut last = fields.clone();
        last.rotate_left(1);
        let mut reversed = fields.clone();
        reversed.reverse();
        let mut between = fields.clone();
        if between.len() > 2 {
            between.swap(0, 1);
        }
        for order in [last, reversed, between] {
            let text = object(&order);
            let again: EventBody =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind} as {text}: {e}"));
            assert_eq!(again, body, "{kind} as {text}");
        }

        // What the encoder writes back is what came in: each field in its
        // own place, the tag first (so the fast path is the usual one).
        let written = serde_json::to_string(&body).unwrap();
        assert!(
            written.starts_with(&format!(r#"{{"kind":"{kind}""#)),
            "{written}"
        );
        let Value::Object(written) = serde_json::from_str::<Value>(&written).unwrap() else {
            panic!("{kind} is not written as an object");
        };
        for (field, value) in &written {
            let sent = fields.iter().find(|(k, _)| k == field).map(|(_, v)| v);
            assert_eq!(Some(value), sent, "{kind}.{field}");
        }
    }
}

#[test]
fn every_body_kind_refuses_a_field_it_does_not_have_in_either_order() {
    for (kind, mut fields) in every_body() {
        fields.push(("surprise".into(), Value::from(1)));
        let tag_first = refusal::<EventBody>(&object(&fields));
        assert!(
            tag_first.contains("unknown field `surprise`"),
            "{kind}: {tag_first}"
        );
        fields.rotate_left(1);
        let tag_last = refusal::<EventBody>(&object(&fields));
        assert_eq!(words(&tag_last), words(&tag_first), "{kind}");
    }
}

#[test]
fn a_body_inside_an_event_and_a_stream_message_decodes_with_its_tag_anywhere() {
    let body = r#"{"text":"db is slow","entry":"decision","kind":"note_added"}"#;
    let event = format!(r#"{{"body":{body},"id":"e1","incident":"i1","author":"ana","at":5}}"#);
    let ev: Event = serde_json::from_str(&event).unwrap();
    assert_eq!(ev.body.kind(), "note_added");
    let batch = format!(r#"{{"events":[{event},{event}],"type":"events"}}"#);
    let StreamMessage::Events { events } = serde_json::from_str(&batch).unwrap() else {
        panic!("not an events message");
    };
    assert_eq!(events, vec![ev.clone(), ev.clone()]);
    let single: StreamMessage =
        serde_json::from_str(&format!(r#"{{"type":"event","event":{event}}}"#)).unwrap();
    assert_eq!(single, StreamMessage::Event { event: ev });
}

/// How serde's derive decoded a body before: the reference for the words of
/// each refusal (two kinds are enough, the decoder is the same for all).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
enum Derived {
    StatusChanged {
        status: Status,
    },
    TimesSet {
        #[serde(default)]
        started_at: Option<i64>,
        #[serde(default)]
        detected_at: Option<i64>,
        #[serde(default)]
        declared_at: Option<i64>,
    },
}

/// A refusal's words as the derive would have put them: the enum's name is
/// the reference's, and the list of kinds an unknown one is not is left out
/// (the reference has two).
fn comparable(error: &str) -> String {
    let error = words(error).replace("EventBody", "Derived");
    match error.split_once(", expected") {
        Some((head, _)) if head.starts_with("unknown variant") => head.to_string(),
        _ => error,
    }
}

#[test]
fn refusals_say_what_serde_derive_said_whatever_the_order() {
    // One case a line: the input, then words its refusal must contain.
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        // An unknown kind names the kinds there are.
        (r#"{"kind":"exploded"}"#, "unknown variant `exploded`, expected one of `declared`"),
        (r#"{"status":"resolved","kind":"exploded"}"#, "unknown variant `exploded`"),
        // No tag at all.
        (r#"{}"#, "missing field `kind`"),
        (r#"{"status":"resolved"}"#, "missing field `kind`"),
        // The tag twice, the same or not, wherever the second one is.
        (r#"{"kind":"status_changed","kind":"status_changed","status":"resolved"}"#, "duplicate field `kind`"),
        (r#"{"kind":"status_changed","status":"resolved","kind":"times_set"}"#, "duplicate field `kind`"),
        (r#"{"status":"resolved","kind":"status_changed","kind":"status_changed"}"#, "duplicate field `kind`"),
        // A field twice.
        (r#"{"kind":"status_changed","status":"resolved","status":"resolved"}"#, "duplicate field `status`"),
        (r#"{"status":"resolved","status":"resolved","kind":"status_changed"}"#, "duplicate field `status`"),
        // A field it does not have, one it must have.
        (r#"{"kind":"times_set","status":"resolved"}"#, "unknown field `status`, expected one of `started_at`"),
        (r#"{"status":"resolved","kind":"times_set"}"#, "unknown field `status`"),
        (r#"{"kind":"status_changed"}"#, "missing field `status`"),
        (r#"{"started_at":1,"kind":"status_changed"}"#, "unknown field `started_at`, expected `status`"),
        // Wrong types: of a field, of the tag, of the body itself.
        (r#"{"kind":"times_set","started_at":"soon"}"#, "invalid type: string \"soon\", expected i64"),
        (r#"{"started_at":"soon","kind":"times_set"}"#, "invalid type: string \"soon\", expected i64"),
        (r#"{"kind":"status_changed","status":"exploded"}"#, "unknown variant `exploded`, expected one of `investigating`"),
        (r#"{"kind":5,"status":"resolved"}"#, "invalid type: integer `5`, expected variant identifier"),
        (r#"{"status":"resolved","kind":null}"#, "invalid type: null, expected variant identifier"),
        (r#""status_changed""#, "invalid type: string \"status_changed\", expected internally tagged enum EventBody"),
    ];
    for (text, meaning) in cases {
        let ours = refusal::<EventBody>(text);
        assert!(ours.contains(meaning), "{text}: {ours}");
        let derived = refusal::<Derived>(text);
        assert_eq!(comparable(&ours), comparable(&derived), "{text}");
    }
}

#[test]
fn an_enum_field_of_the_wrong_type_gets_serde_jsons_words_not_the_buffers() {
    // The one refusal worded differently from before: the derive decoded a
    // variant's fields from its buffer, which said "expected string or map";
    // they now come straight from serde_json, as every other field does.
    for text in [
        r#"{"kind":"status_changed","status":5}"#,
        r#"{"status":5,"kind":"status_changed"}"#,
    ] {
        let ours = refusal::<EventBody>(text);
        assert_eq!(words(&ours), "expected value", "{text}");
        assert!(
            refusal::<Derived>(text).contains("invalid type: integer `5`, expected string or map")
        );
    }
}

#[test]
fn a_body_is_a_map_not_a_sequence() {
    // serde's derive also took a body as a sequence, tag first; nothing
    // writes one and the schema says object.
    let ours = refusal::<EventBody>(r#"["status_changed","resolved"]"#);
    assert!(
        ours.contains("invalid type: sequence, expected internally tagged enum EventBody"),
        "{ours}"
    );
}

#[test]
fn a_refusal_says_where_in_the_input_once() {
    // The slow path decodes a rewritten copy of the map; its position in
    // that copy is dropped, and the one in the input kept.
    for text in [
        r#"{"kind":"times_set","started_at":"soon"}"#,
        r#"{"started_at":"soon","kind":"times_set"}"#,
    ] {
        let error = refusal::<EventBody>(text);
        assert_eq!(error.matches(" at line ").count(), 1, "{error}");
        let column: usize = error.rsplit(" column ").next().unwrap().parse().unwrap();
        assert!(column <= text.len(), "{error}");
    }
}

#[test]
fn a_stream_message_of_a_type_this_build_does_not_know_is_unknown_wherever_its_type_is() {
    for text in [
        r#"{"type":"weather","sunny":true}"#,
        r#"{"sunny":true,"type":"weather"}"#,
        r#"{"type":"weather","forecast":{"type":"event","kind":[1,2]}}"#,
    ] {
        let msg: StreamMessage = serde_json::from_str(text).unwrap();
        assert_eq!(msg, StreamMessage::Unknown, "{text}");
    }
    assert!(refusal::<StreamMessage>(r#"{"head":4}"#).contains("missing field `type`"));
    assert!(
        refusal::<StreamMessage>(r#"{"type":"caught_up","type":"caught_up","head":4}"#)
            .contains("duplicate field `type`")
    );
    assert!(
        refusal::<StreamMessage>(r#"{"type":"caught_up","head":"four"}"#)
            .contains("invalid type: string \"four\", expected u64")
    );
}

#[test]
fn stream_messages_take_fields_they_do_not_know_as_before() {
    // No deny_unknown_fields on the stream enums: a backend may add fields.
    for text in [
        r#"{"type":"caught_up","head":4,"lag":0}"#,
        r#"{"lag":0,"head":4,"type":"caught_up"}"#,
    ] {
        let msg: StreamMessage = serde_json::from_str(text).unwrap();
        assert_eq!(
            msg,
            StreamMessage::CaughtUp { head: 4, log: None },
            "{text}"
        );
    }
    // The log's name, tag first or not.
    for text in [
        r#"{"type":"caught_up","head":4,"log":"ab12"}"#,
        r#"{"log":"ab12","head":4,"type":"caught_up"}"#,
    ] {
        let msg: StreamMessage = serde_json::from_str(text).unwrap();
        assert_eq!(
            msg,
            StreamMessage::CaughtUp {
                head: 4,
                log: Some("ab12".into())
            },
            "{text}"
        );
    }
}

#[test]
fn a_client_message_decodes_with_its_type_anywhere_and_refuses_other_types() {
    let want = ClientMessage::Presence {
        incident: None,
        name: "ana".into(),
    };
    for text in [
        r#"{"type":"presence","incident":null,"name":"ana"}"#,
        r#"{"name":"ana","type":"presence"}"#,
    ] {
        assert_eq!(
            serde_json::from_str::<ClientMessage>(text).unwrap(),
            want,
            "{text}"
        );
    }
    let error = refusal::<ClientMessage>(r#"{"name":"ana","type":"shout"}"#);
    assert!(
        error.contains("unknown variant `shout`, expected `presence`"),
        "{error}"
    );
}

#[test]
fn an_impact_condition_decodes_with_its_kind_anywhere() {
    for (text, want) in [
        (
            r#"{"kind":"customer_impact"}"#,
            ImpactCondition::CustomerImpact,
        ),
        (
            r#"{"kind":"share_at_least","permille":250}"#,
            ImpactCondition::ShareAtLeast { permille: 250 },
        ),
        (
            r#"{"permille":250,"kind":"share_at_least"}"#,
            ImpactCondition::ShareAtLeast { permille: 250 },
        ),
    ] {
        assert_eq!(
            serde_json::from_str::<ImpactCondition>(text).unwrap(),
            want,
            "{text}"
        );
    }
    assert!(
        refusal::<ImpactCondition>(r#"{"kind":"share_at_least","permille":-1}"#)
            .contains("invalid value: integer `-1`, expected u16")
    );
    assert!(refusal::<ImpactCondition>(r#"{"permille":1}"#).contains("missing field `kind`"));
}
