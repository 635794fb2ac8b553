//! The posters: each its own account and connection, sending note batches
//! either on a schedule (a rate offered, open loop as far as one request
//! in flight per poster allows) or back to back (as fast as acks come).
//! A refusal with Retry-After (429, 503) is waited out, as the console's
//! outbox does.

use crate::server::CLOCK_START_MS;
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub enum Pace {
    /// This many events per second from this poster.
    Rate(f64),
    /// The next batch as soon as the last is answered.
    Flood,
}

#[derive(Clone, Copy)]
pub struct Plan {
    pub pace: Pace,
    /// Batch sizes, drawn uniformly from this range (inclusive).
    pub batch: (usize, usize),
    pub until: Instant,
}

#[derive(Default)]
pub struct Posted {
    pub accepted: u64,
    /// Events in batches answered 429 or 503.
    pub shed: u64,
    pub shed_posts: u64,
    /// Refusals (429, 503) that did not say when to come back.
    pub shed_without_retry_after: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// The highest seq acked.
    pub max_seq: u64,
    /// Milliseconds from POST sent to its answer (accepted batches).
    pub ack_ms: Vec<f32>,
}

/// A small xorshift: reproducible batch sizes without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

pub async fn poster(
    addr: String,
    token: String,
    run: String,
    p: usize,
    plan: Plan,
    t0: Instant,
) -> Posted {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("a client");
    let url = format!("http://{addr}/api/v1/events");
    let auth = format!("Bearer {token}");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (p as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut out = Posted::default();
    let mut n = 0u64;
    let mut next = Instant::now();
    // Posters start spread over the first interval, not all at once.
    if let Pace::Rate(r) = plan.pace {
        let mean = (plan.batch.0 + plan.batch.1) as f64 / 2.0;
        next += Duration::from_secs_f64(mean / r * (rng.below(1000) as f64 / 1000.0));
    }
    loop {
        let (lo, hi) = plan.batch;
        let size = lo + rng.below(hi - lo + 1);
        if let Pace::Rate(r) = plan.pace {
            // Never past the end: at a few events/s per poster, the next
            // batch may be due long after it, and waiting for it would
            // stretch the run (and divide the accepted events by that).
            tokio::time::sleep_until(next.min(plan.until).into()).await;
            next += Duration::from_secs_f64(size as f64 / r);
        }
        let now = Instant::now();
        if now >= plan.until {
            break;
        }
        let sent = t0.elapsed().as_micros();
        let mut body = String::with_capacity(size * 160 + 16);
        body.push_str("{\"events\":[");
        for i in 0..size {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                "{{\"id\":\"lg-{run}-{p}-{n}\",\"incident\":\"inc-load-{}\",\"author\":\"x\",\"at\":{CLOCK_START_MS},\"body\":{{\"kind\":\"note_added\",\"text\":\"lg {sent} poster {p} note {n}\"}}}}",
                p % 5
            ));
            n += 1;
        }
        body.push_str("]}");
        let resp = client
            .post(&url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e.to_string());
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let text = resp.text().await.unwrap_or_default();
        match status {
            200 => {
                out.accepted += size as u64;
                out.ack_ms.push(now.elapsed().as_secs_f32() * 1000.0);
                out.max_seq = out.max_seq.max(max_seq(&text));
            }
            429 | 503 => {
                out.shed += size as u64;
                out.shed_posts += 1;
                out.shed_without_retry_after += retry_after.is_none() as u64;
                let wait = Duration::from_secs(retry_after.unwrap_or(1));
                let wake = (Instant::now() + wait).min(plan.until);
                tokio::time::sleep_until(wake.into()).await;
                // A rate resumes from now, not with a burst to catch up.
                next = next.max(Instant::now());
            }
            _ => {
                out.errors += 1;
                out.first_error.get_or_insert(format!(
                    "{status}: {}",
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    out
}

/// The highest `"seq":N` in an answer.
fn max_seq(text: &str) -> u64 {
    text.match_indices("\"seq\":")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}
