//! Prints how long the host takes to build and fold a log of 100,000 events
//! (budget in DESIGN.md: fold ≤ 50 ms). Run by scripts/bench.

use sitrep_core::{Event, EventBody, Log, Severity, Status};
use std::time::Instant;

const EVENTS: usize = 100_000;
const INCIDENTS: usize = 100;
const RUNS: usize = 11;

fn event(n: usize) -> Event {
    let incident = n % INCIDENTS;
    let body = if n < INCIDENTS {
        EventBody::Declared {
            title: format!("Incident {incident}"),
            severity: Severity::ALL[n % 4],
            summary: "Customers see errors at checkout".into(),
            started_at: 1_700_000_000_000,
            detected_at: None,
        }
    } else {
        match n % 10 {
            0 => EventBody::StatusChanged {
                status: Status::ALL[n % 4],
            },
            1 => EventBody::SeverityChanged {
                severity: Severity::ALL[n % 4],
            },
            _ => EventBody::note(format!(
                "Observation {n}: error rate back under 1% after rollback"
            )),
        }
    };
    // Stored events, as a console holds them after a catch-up.
    Event {
        seq: Some(n as u64 + 1),
        ..Event::new(
            format!("{n:012}"),
            format!("incident-{incident}"),
            "ana",
            1_700_000_000_000 + n as i64,
            body,
        )
    }
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let events: Vec<Event> = (0..EVENTS).map(event).collect();

    let mut insert = Vec::new();
    let mut log = Log::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        log = Log::new();
        for e in events.iter().cloned() {
            log.insert(e);
        }
        insert.push(start.elapsed().as_secs_f64() * 1e3);
    }

    let mut fold = Vec::new();
    let mut incidents = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        incidents = log.fold().len();
        fold.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!("fold: {EVENTS} events, {incidents} incidents, median of {RUNS} runs");
    println!("  insert into log: {:.1} ms", median_ms(insert));
    println!(
        "  fold log to incidents: {:.1} ms (budget 50 ms)",
        median_ms(fold)
    );
}
