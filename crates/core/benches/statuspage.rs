//! Prints how long the host takes to parse the largest recorded Statuspage
//! summary in ../shared/fixtures (issue 8's figure). Skips, saying why, when
//! ../shared is absent.

use sitrep_core::status_page::upstream::{parse_summary, Fetched, Snapshot, MAX_SUMMARY_BYTES};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

const RUNS: usize = 2_000;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("statuspage parse: skipped: ../shared is absent");
        return;
    };
    let largest = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".json")
                && ((n.starts_with("statuspage-v2_") && n.contains("summary"))
                    || n.starts_with("incidentio"))
        })
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0));
    let Some(largest) = largest else {
        println!("statuspage parse: skipped: no summary fixture in ../shared/fixtures");
        return;
    };
    let name = largest.file_name().to_string_lossy().into_owned();
    let bytes = std::fs::read(largest.path()).expect("the fixture reads");

    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let s = parse_summary(black_box(&bytes), MAX_SUMMARY_BYTES).expect("the fixture parses");
        let view = Snapshot::of(&Fetched {
            summary: s,
            fetched_at: 0,
        });
        black_box(view);
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];
    let p99 = times[RUNS * 99 / 100];
    println!(
        "statuspage parse: {name} ({} bytes): median {:.1} µs, p99 {:.1} µs over {RUNS} runs (parse + console view)",
        bytes.len(),
        median.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
    );
}
