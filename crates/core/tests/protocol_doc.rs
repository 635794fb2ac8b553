//! docs/protocol.md names every body kind the code has, with each of its
//! fields, on the stream and with the least role the code gives it
//! (`log::access`), and every stream message type both ways. The kinds and
//! fields come from the generated schema, so a kind added to `EventBody`
//! fails here until the document says what it is and who may post it.

use serde_json::Value;
use sitrep_core::log::access;
use sitrep_core::log::protocol::{ClientMessage, StreamMessage};
use sitrep_core::{Event, EventBody, IncidentId};

fn document() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.md");
    std::fs::read_to_string(path).expect("docs/protocol.md")
}

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON")
}

/// The variants of an internally tagged enum: (tag value, variant schema).
fn variants(schema: &Value, tag: &str) -> Vec<(String, Value)> {
    schema["oneOf"]
        .as_array()
        .expect("a tagged enum's schema is a oneOf")
        .iter()
        .map(|v| {
            let name = v["properties"][tag]["const"]
                .as_str()
                .expect("each variant has its tag as a const")
                .to_string();
            (name, v.clone())
        })
        .collect()
}

/// A value the schema accepts, the least one can write: enough to build a
/// body of each kind and ask the code which role it needs.
fn example(schema: &Value, root: &Value) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return example(&root["$defs"][name], root);
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema[key].as_array().and_then(|e| e.first()) {
            return example(first, root);
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
    match ty {
        "string" => Value::from("x"),
        "integer" | "number" => Value::from(1),
        "boolean" => Value::from(false),
        "array" => Value::Array(Vec::new()),
        "null" => Value::Null,
        _ => {
            let mut object = serde_json::Map::new();
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().expect("field names are strings");
                object.insert(field.into(), example(&schema["properties"][field], root));
            }
            Value::Object(object)
        }
    }
}

/// The row of a table whose first cell is `` `name` ``, split into cells.
fn row<'a>(doc: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let start = format!("| `{name}` |");
    doc.lines()
        .find(|l| l.starts_with(&start))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
}

/// What the document's "least role" column should say for this body.
fn role_in_words(body: &EventBody) -> &'static str {
    let incident = if body.is_workspace_kind() {
        IncidentId::workspace()
    } else if body.is_alerts_kind() {
        IncidentId::alerts()
    } else {
        IncidentId("i1".into())
    };
    let ev = Event::new("e1", incident, "ana", 1, body.clone());
    if access::server_only(&ev) {
        "backend only"
    } else {
        access::required_role(&ev).as_str()
    }
}

#[test]
fn every_body_kind_is_documented_with_its_fields_stream_and_role() {
    let doc = document();
    let schema = schema_of::<EventBody>();
    let mut wrong = Vec::new();
    let kinds = variants(&schema, "kind");
    assert!(
        kinds.len() >= 44,
        "only {} kinds in the schema",
        kinds.len()
    );
    for (kind, variant) in kinds {
        let Some(cells) = row(&doc, &kind) else {
            wrong.push(format!("`{kind}` has no row in the Body kinds table"));
            continue;
        };
        let [_, stream, role, fields] = cells[..] else {
            wrong.push(format!(
                "`{kind}`'s row is not kind | stream | least role | fields"
            ));
            continue;
        };
        for field in variant["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
            .filter(|f| *f != "kind")
        {
            if !fields.contains(&format!("`{field}`")) {
                wrong.push(format!("`{kind}`'s row does not name its field `{field}`"));
            }
        }
        let body: EventBody = match serde_json::from_value(example(&variant, &schema)) {
            Ok(b) => b,
            Err(e) => panic!("cannot build a {kind} body from its schema: {e}"),
        };
        assert_eq!(body.kind(), kind);
        let expected_stream = if body.is_workspace_kind() {
            "workspace"
        } else if body.is_alerts_kind() {
            "alerts"
        } else {
            "incident"
        };
        if !stream.starts_with(expected_stream) {
            wrong.push(format!(
                "`{kind}` belongs on the {expected_stream} stream; the document says {stream:?}"
            ));
        }
        let expected_role = role_in_words(&body);
        if role != expected_role {
            wrong.push(format!(
                "`{kind}` needs {expected_role:?} (log::access); the document says {role:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "docs/protocol.md:\n{}", wrong.join("\n"));
}

#[test]
fn every_stream_message_type_is_documented_both_ways() {
    let doc = document();
    let mut missing = Vec::new();
    for (ty, variant) in variants(&schema_of::<StreamMessage>(), "type")
        .into_iter()
        .chain(variants(&schema_of::<ClientMessage>(), "type"))
    {
        let fields: Vec<String> = variant["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
            .filter(|f| *f != "type")
            .cloned()
            .collect();
        let named =
            doc.contains(&format!("| `{ty}` |")) || doc.contains(&format!(r#"{{"type": "{ty}""#));
        if !named {
            missing.push(format!("the stream message type `{ty}`"));
        }
        for f in fields {
            if !doc.contains(&format!("`{f}`")) && !doc.contains(&format!(r#""{f}":"#)) {
                missing.push(format!("`{ty}`'s field `{f}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/protocol.md does not name {missing:?}"
    );
}

#[test]
fn every_schema_document_is_named_in_the_protocol() {
    let doc = document();
    let unnamed: Vec<&str> = sitrep_core::log::schema::documents()
        .into_iter()
        .map(|(file, _)| file)
        .filter(|file| !doc.contains(&format!("(schema/{file})")))
        .collect();
    assert!(
        unnamed.is_empty(),
        "docs/protocol.md links no [`…`](schema/FILE) for {unnamed:?}"
    );
}

/// Every `/api/v1` path the reference server mounts
/// (crates/server/src/routes.rs), with the methods it answers there.
fn server_routes() -> Vec<(String, Vec<&'static str>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../server/src/routes.rs");
    let routes = std::fs::read_to_string(path).expect("crates/server/src/routes.rs");
    routes
        .split(".route(")
        .skip(1)
        .filter_map(|call| call.trim_start().strip_prefix("\"/api/v1"))
        .map(|call| {
            let (tail, handlers) = call.split_once('"').expect("a route is a string");
            let route = format!("/api/v1{tail}");
            // The handlers up to the next route or the end of the chain.
            let handlers = handlers.split(".method_not_allowed").next().unwrap_or("");
            let methods = ["get", "post", "put", "patch", "delete"]
                .into_iter()
                .filter(|m| {
                    handlers.contains(&format!(" {m}(")) || handlers.contains(&format!(".{m}("))
                })
                .map(|m| match m {
                    "get" => "GET",
                    "post" => "POST",
                    "put" => "PUT",
                    "patch" => "PATCH",
                    _ => "DELETE",
                })
                .collect();
            (route, methods)
        })
        .collect()
}

#[test]
fn every_server_route_under_api_v1_is_in_the_protocol_with_each_method() {
    let doc = document();
    let routes = server_routes();
    assert!(routes.len() >= 20, "only {routes:?} found in routes.rs");
    let mut missing = Vec::new();
    for (route, methods) in &routes {
        assert!(!methods.is_empty(), "no method found for {route}");
        for method in methods {
            // The path whole: `/api/v1/accounts` is not named by
            // `/api/v1/accounts/{name}`.
            let named = [" ", "`", "?", "[", ")"]
                .iter()
                .any(|end| doc.contains(&format!("{method} {route}{end}")));
            if !named {
                missing.push(format!("{method} {route}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/protocol.md does not describe {missing:?}"
    );
}
