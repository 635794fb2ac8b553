//! The committed JSON Schemas (docs/schema/) are the ones the wire types
//! generate. A change to a wire type fails here, naming the file, until the
//! schemas are regenerated with
//! `SITREP_WRITE_SCHEMA=1 cargo test -p sitrep-core --test schema`
//! and the diff is committed beside the change (and docs/protocol.md with it).

use sitrep_core::log::schema::{documents, render};
use std::path::PathBuf;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema")
}

#[test]
fn the_committed_schemas_are_the_ones_the_wire_types_generate() {
    let dir = schema_dir();
    let write = std::env::var_os("SITREP_WRITE_SCHEMA").is_some();
    let mut drifted = Vec::new();
    for (file, schema) in documents() {
        let path = dir.join(file);
        let generated = render(&schema);
        if write {
            std::fs::write(&path, &generated).expect("write the schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == generated => {}
            Ok(_) => drifted.push(format!("docs/schema/{file} differs from the code")),
            Err(e) => drifted.push(format!("docs/schema/{file} cannot be read ({e})")),
        }
    }
    assert!(
        drifted.is_empty(),
        "{}\nregenerate with SITREP_WRITE_SCHEMA=1 cargo test -p sitrep-core --test schema, \
         then commit docs/schema/ and say in docs/protocol.md what changed",
        drifted.join("\n")
    );
}

#[test]
fn no_schema_file_is_left_over_from_a_type_that_is_gone() {
    let known: Vec<&str> = documents().into_iter().map(|(f, _)| f).collect();
    let stale: Vec<String> = std::fs::read_dir(schema_dir())
        .expect("docs/schema exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json") && !known.contains(&name.as_str()))
        .collect();
    assert!(stale.is_empty(), "no wire type generates {stale:?}");
}
