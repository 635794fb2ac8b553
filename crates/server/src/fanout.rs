//! The live fan-out: each commit's events serialized once, as groups that
//! every stream shares; a bounded ring of recent groups that each stream
//! reads at its own pace (one that falls out of it is caught up from the
//! log instead); and how far behind the streams are, which the door reads
//! to shed writes before deliveries fall behind (see `overload`).
//!
//! Whatever commits the events (this process's group commit, or another
//! replica's, read back after a notification) hands them to `publish` in
//! seq order, once each; nothing here knows where they came from.

use axum::extract::ws::Utf8Bytes;
use sitrep_core::Event;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One `events` message holds at most about this much JSON (a few hundred
/// typical events), well under the 1 MiB + 64 KiB a client must accept
/// (docs/protocol.md); a bigger event goes alone. Kept near the socket's
/// write buffer: the websocket library keeps each socket's buffer at the
/// largest size it ever held, so bigger frames would cost every stream.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// A stream takes about this much at a time: what one write carries, and
/// all a stream far behind holds beside the shared ring.
const TAKE_BYTES: usize = MAX_FRAME_BYTES;

/// The ring keeps at most this many groups and this many bytes of them:
/// memory stays bounded however fast events come, and a stream further
/// behind than that is caught up from the log.
const RING_GROUPS: usize = 8192;
const RING_BYTES: usize = 64 << 20;

const BATCH_PREFIX: &str = r#"{"type":"events","events":["#;
const BATCH_SUFFIX: &str = "]}";
const ONE_PREFIX: &str = r#"{"type":"event","event":"#;
const ONE_SUFFIX: &str = "}";

/// Events committed together, serialized once for every stream.
pub struct Group {
    /// The seq of its last event.
    pub last_seq: u64,
    /// When it was handed over, for the lag.
    at: Instant,
    /// `{"type":"events","events":[…]}`.
    frame: Utf8Bytes,
    /// Each event's seq and where its JSON sits in `frame`.
    spans: Vec<(u64, Range<usize>)>,
    /// Each event as its own `event` message, for streams that did not
    /// ask for `events`; made when the first such stream needs them.
    singles: OnceLock<Vec<(u64, Utf8Bytes)>>,
}

impl Group {
    /// Splits `events` (seq order) into groups of at most about
    /// `MAX_FRAME_BYTES` each.
    fn of(events: &[Event], at: Instant) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut json = Vec::from(BATCH_PREFIX);
        let mut spans = Vec::new();
        for ev in events {
            if !spans.is_empty() && json.len() >= MAX_FRAME_BYTES {
                groups.push(Group::close(json, spans, at));
                json = Vec::from(BATCH_PREFIX);
                spans = Vec::new();
            }
            if !spans.is_empty() {
                json.push(b',');
            }
            let start = json.len();
            serde_json::to_writer(&mut json, ev).expect("an event always serializes");
            spans.push((ev.seq.unwrap_or(0), start..json.len()));
        }
        if !spans.is_empty() {
            groups.push(Group::close(json, spans, at));
        }
        groups
    }

    fn close(mut json: Vec<u8>, spans: Vec<(u64, Range<usize>)>, at: Instant) -> Group {
        json.extend_from_slice(BATCH_SUFFIX.as_bytes());
        let json = String::from_utf8(json).expect("serde_json writes UTF-8");
        Group {
            last_seq: spans.last().map_or(0, |s| s.0),
            at,
            frame: json.into(),
            spans,
            singles: OnceLock::new(),
        }
    }

    fn bytes(&self) -> usize {
        self.frame.len()
    }

    /// The events' JSON inside the brackets, comma-separated.
    fn inner(&self) -> &str {
        &self.frame.as_str()[BATCH_PREFIX.len()..self.frame.len() - BATCH_SUFFIX.len()]
    }

    /// Each event (seq, `event` message), for streams that read one a frame.
    pub fn singles(&self) -> &[(u64, Utf8Bytes)] {
        self.singles.get_or_init(|| {
            self.spans
                .iter()
                .map(|(seq, span)| {
                    let json = &self.frame.as_str()[span.clone()];
                    let mut one =
                        String::with_capacity(ONE_PREFIX.len() + json.len() + ONE_SUFFIX.len());
                    one.push_str(ONE_PREFIX);
                    one.push_str(json);
                    one.push_str(ONE_SUFFIX);
                    (*seq, one.into())
                })
                .collect()
        })
    }

    /// The events with seq above `after` as one `events` message, or None
    /// when there are none.
    pub fn after(&self, after: u64) -> Option<Utf8Bytes> {
        let first = self.spans.iter().position(|(seq, _)| *seq > after)?;
        if first == 0 {
            return Some(self.frame.clone());
        }
        let from = self.spans[first].1.start;
        let json = &self.frame.as_str()[from..self.frame.len() - BATCH_SUFFIX.len()];
        Some(format!("{BATCH_PREFIX}{json}{BATCH_SUFFIX}").into())
    }
}

/// Events read from the log (a catch-up page, seq order) as `events`
/// messages within the frame limit.
pub fn frames(events: &[Event]) -> Vec<Utf8Bytes> {
    Group::of(events, Instant::now())
        .into_iter()
        .map(|g| g.frame)
        .collect()
}

/// Several groups' events above `after` as few `events` messages as
/// `MAX_FRAME_BYTES` allows: one when they fit, and a group's shared frame
/// itself when no other joins it.
pub fn coalesce(groups: &[Arc<Group>], after: u64) -> Vec<Utf8Bytes> {
    let mut out = Vec::new();
    // Whole groups waiting to go out together.
    let mut run: Vec<&Group> = Vec::new();
    let mut run_bytes = 0;
    for g in groups {
        if g.last_seq <= after {
            continue;
        }
        if g.spans.first().is_some_and(|(seq, _)| *seq <= after) {
            // Partly sent already (by the catch-up): the rest alone.
            emit(&mut run, &mut out);
            run_bytes = 0;
            out.extend(g.after(after));
            continue;
        }
        if !run.is_empty() && run_bytes + g.bytes() > MAX_FRAME_BYTES {
            emit(&mut run, &mut out);
            run_bytes = 0;
        }
        run.push(g);
        run_bytes += g.bytes();
    }
    emit(&mut run, &mut out);
    out
}

fn emit(run: &mut Vec<&Group>, out: &mut Vec<Utf8Bytes>) {
    match run.as_slice() {
        [] => {}
        [one] => out.push(one.frame.clone()),
        many => {
            let len = many.iter().map(|g| g.bytes()).sum();
            let mut json = String::with_capacity(len);
            json.push_str(BATCH_PREFIX);
            for (i, g) in many.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(g.inner());
            }
            json.push_str(BATCH_SUFFIX);
            out.push(json.into());
        }
    }
    run.clear();
}

struct Ring {
    groups: VecDeque<Arc<Group>>,
    /// The index of `groups[0]` among every group published.
    first: u64,
    bytes: usize,
}

impl Ring {
    fn end(&self) -> u64 {
        self.first + self.groups.len() as u64
    }
}

/// Where one stream is: what it has written to its socket, and whether it
/// is waiting on that socket (then a lag is the client's, not ours).
struct Progress {
    /// Groups before this index are written out.
    delivered: AtomicU64,
    /// Microseconds since the fan-out began, plus one, since the stream
    /// began waiting for its socket to take a write; 0 when it is not.
    blocked_since: AtomicU64,
    /// Groups from this index on count towards the lag: those published
    /// once the stream's catch-up was done (`NOT_LIVE` until then).
    counted_from: AtomicU64,
}

const NOT_LIVE: u64 = u64::MAX;

struct Inner {
    ring: Mutex<Ring>,
    /// How many groups were published: streams wait for it to move.
    published: watch::Sender<u64>,
    streams: Mutex<Vec<Weak<Progress>>>,
    began: Instant,
    /// The lag last measured, and when (measured at most every `LAG_EVERY`).
    lag: Mutex<(Instant, Duration)>,
}

/// The fan-out, shared by the commit path and every stream.
#[derive(Clone)]
pub struct Fanout {
    inner: Arc<Inner>,
}

impl Default for Fanout {
    fn default() -> Fanout {
        let began = Instant::now();
        Fanout {
            inner: Arc::new(Inner {
                ring: Mutex::new(Ring {
                    groups: VecDeque::new(),
                    first: 0,
                    bytes: 0,
                }),
                published: watch::channel(0).0,
                streams: Mutex::new(Vec::new()),
                began,
                lag: Mutex::new((began, Duration::ZERO)),
            }),
        }
    }
}

/// A stream waiting on its socket longer than this is the client's lag
/// (a slow network, a client that stopped reading), not the server's.
const BLOCKED: Duration = Duration::from_millis(50);
/// The lag is measured at most this often (it looks at every stream).
const LAG_EVERY: Duration = Duration::from_millis(10);

impl Fanout {
    /// Hands newly committed events (ascending seq, each once) to every
    /// stream. Called in seq order (under the log's write lock).
    pub fn publish(&self, events: &[Event]) {
        // Nobody listening: a stream that opens later subscribes before it
        // reads the log, so it reads these from there.
        if events.is_empty() || self.inner.published.receiver_count() == 0 {
            return;
        }
        let groups = Group::of(events, Instant::now());
        let end = {
            let mut ring = lock(&self.inner.ring);
            for g in groups {
                ring.bytes += g.bytes();
                ring.groups.push_back(Arc::new(g));
            }
            while ring.groups.len() > RING_GROUPS
                || (ring.bytes > RING_BYTES && ring.groups.len() > 1)
            {
                if let Some(old) = ring.groups.pop_front() {
                    ring.bytes -= old.bytes();
                    ring.first += 1;
                }
            }
            ring.end()
        };
        self.inner.published.send_replace(end);
    }

    /// A stream's place, from what is published next. Subscribe before
    /// reading the catch-up: what commits meanwhile arrives here too, and
    /// the overlap is told apart by seq.
    pub fn subscribe(&self) -> Subscription {
        let published = self.inner.published.subscribe();
        let next = *published.borrow();
        let progress = Arc::new(Progress {
            delivered: AtomicU64::new(next),
            blocked_since: AtomicU64::new(0),
            counted_from: AtomicU64::new(NOT_LIVE),
        });
        {
            let mut streams = lock(&self.inner.streams);
            streams.retain(|s| s.strong_count() > 0);
            streams.push(Arc::downgrade(&progress));
        }
        Subscription {
            fanout: self.clone(),
            next,
            published,
            progress,
        }
    }

    /// How far behind the live streams are: the age of the oldest group
    /// not yet written out, at the 90th percentile of streams that are not
    /// waiting on their own socket. Zero when all are current.
    pub fn lag(&self) -> Duration {
        let now = Instant::now();
        {
            let last = lock(&self.inner.lag);
            if now.saturating_duration_since(last.0) < LAG_EVERY {
                return last.1;
            }
        }
        let lag = self.measure(now);
        *lock(&self.inner.lag) = (now, lag);
        lag
    }

    fn measure(&self, now: Instant) -> Duration {
        let blocked_before = self.micros(now).saturating_sub(BLOCKED.as_micros() as u64);
        let positions: Vec<u64> = lock(&self.inner.streams)
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|p| {
                let since = p.blocked_since.load(Ordering::Relaxed);
                since == 0 || since > blocked_before
            })
            .filter_map(|p| {
                let from = p.counted_from.load(Ordering::Relaxed);
                (from != NOT_LIVE).then(|| p.delivered.load(Ordering::Relaxed).max(from))
            })
            .collect();
        let ring = lock(&self.inner.ring);
        let mut lags: Vec<Duration> = positions
            .into_iter()
            .map(|d| {
                if d >= ring.end() {
                    return Duration::ZERO;
                }
                // Fell out of the ring: at least as old as its oldest.
                let i = d.saturating_sub(ring.first) as usize;
                ring.groups
                    .get(i)
                    .map_or(Duration::ZERO, |g| now.saturating_duration_since(g.at))
            })
            .collect();
        drop(ring);
        if lags.is_empty() {
            return Duration::ZERO;
        }
        let k = (lags.len() - 1) * 9 / 10;
        *lags.select_nth_unstable(k).1
    }

    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.inner.began).as_micros() as u64 + 1
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here leaves its data whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a stream takes from the ring.
pub enum Taken {
    /// Every group published since the last take, oldest first.
    Groups(Vec<Arc<Group>>),
    /// Some fell out of the ring before this stream took them: catch up
    /// from the log, then go on from the groups still in it.
    Lagged,
}

/// One stream's place in the fan-out.
pub struct Subscription {
    fanout: Fanout,
    /// The index of the next group to take.
    next: u64,
    published: watch::Receiver<u64>,
    progress: Arc<Progress>,
}

impl Subscription {
    /// Waits until there is something to take. Cancel-safe (a branch of a
    /// `select!`); never returns while the fan-out lives otherwise.
    pub async fn ready(&mut self) {
        let next = self.next;
        if self.published.wait_for(|&n| n > next).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// What was published since the last take, oldest first, up to about
    /// `TAKE_BYTES` (at least one group; `ready` stays ready for the rest).
    pub fn take(&mut self) -> Taken {
        let ring = lock(&self.fanout.inner.ring);
        if self.next < ring.first {
            self.next = ring.first;
            return Taken::Lagged;
        }
        let from = (self.next - ring.first) as usize;
        let mut groups = Vec::new();
        let mut bytes = 0;
        for g in ring.groups.range(from..) {
            if bytes >= TAKE_BYTES {
                break;
            }
            bytes += g.bytes();
            groups.push(g.clone());
        }
        self.next += groups.len() as u64;
        Taken::Groups(groups)
    }

    /// Everything taken so far is written out.
    pub fn delivered(&self) {
        self.progress.delivered.store(self.next, Ordering::Relaxed);
    }

    /// The catch-up is done: from now on this stream's lag counts (what
    /// was published during the catch-up was mostly sent with it).
    pub fn live(&self) {
        let now = *self.published.borrow();
        self.progress.counted_from.store(now, Ordering::Relaxed);
    }

    /// The stream is waiting for its socket (true) or no longer (false).
    pub fn blocked(&self, blocked: bool) {
        let v = if blocked {
            self.fanout.micros(Instant::now())
        } else {
            0
        };
        self.progress.blocked_since.store(v, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sitrep_core::log::protocol::StreamMessage;
    use sitrep_core::EventBody;

    fn ev(seq: u64, text: &str) -> Event {
        let mut e = Event::new(
            format!("e{seq}").as_str(),
            "inc",
            "ana",
            1,
            EventBody::NoteAdded {
                text: text.into(),
                entry: Default::default(),
            },
        );
        e.seq = Some(seq);
        e.received_at = Some(2);
        e
    }

    fn events_of(frame: &Utf8Bytes) -> Vec<Event> {
        match serde_json::from_str::<StreamMessage>(frame.as_str()).unwrap() {
            StreamMessage::Events { events } => events,
            other => panic!("not an events message: {other:?}"),
        }
    }

    #[test]
    fn a_group_is_the_same_json_serde_writes_for_the_message() {
        let evs = vec![ev(1, "a"), ev(2, "b \"quoted\"")];
        let g = &Group::of(&evs, Instant::now())[0];
        let serde = serde_json::to_string(&StreamMessage::Events {
            events: evs.clone(),
        })
        .unwrap();
        assert_eq!(g.frame.as_str(), serde);
        for (one, e) in g.singles().iter().zip(&evs) {
            let serde = serde_json::to_string(&StreamMessage::Event { event: e.clone() }).unwrap();
            assert_eq!((one.0, one.1.as_str()), (e.seq.unwrap(), serde.as_str()));
        }
        assert_eq!(events_of(&g.after(1).unwrap()), vec![evs[1].clone()]);
        assert!(g.after(2).is_none());
    }

    #[test]
    fn big_commits_are_split_and_queued_groups_coalesce_within_the_frame_limit() {
        let pad = "x".repeat(10_000);
        let evs: Vec<Event> = (1..=20).map(|s| ev(s, &pad)).collect();
        let groups: Vec<Arc<Group>> = Group::of(&evs, Instant::now())
            .into_iter()
            .map(Arc::new)
            .collect();
        assert!(groups.len() > 1, "20 × 10 kB is over one frame");
        assert!(groups.iter().all(|g| g.bytes() < MAX_FRAME_BYTES + 11_000));
        let small: Vec<Arc<Group>> = (21..=30)
            .map(|s| Arc::new(Group::of(&[ev(s, "n")], Instant::now()).remove(0)))
            .collect();
        let all: Vec<Arc<Group>> = groups.iter().chain(&small).cloned().collect();
        let frames = coalesce(&all, 3);
        let got: Vec<u64> = frames
            .iter()
            .flat_map(events_of)
            .map(|e| e.seq.unwrap())
            .collect();
        assert_eq!(
            got,
            (4..=30).collect::<Vec<_>>(),
            "each event once, in order"
        );
        assert!(frames.iter().all(|f| f.len() < MAX_FRAME_BYTES + 11_000));
        // Ten small groups queued together go out as one message.
        assert_eq!(coalesce(&small, 0).len(), 1);
        // One group alone is shared, not copied.
        let one = coalesce(&small[..1], 0);
        assert_eq!(one[0].as_ptr(), small[0].frame.as_ptr());
    }

    #[test]
    fn a_stream_takes_what_was_published_since_it_subscribed_and_one_too_far_behind_is_told() {
        let f = Fanout::default();
        let mut a = f.subscribe();
        f.publish(&[ev(1, "a"), ev(2, "b")]);
        let mut b = f.subscribe();
        f.publish(&[ev(3, "c")]);
        let seqs = |t: Taken| match t {
            Taken::Groups(g) => g.iter().map(|g| g.last_seq).collect::<Vec<_>>(),
            Taken::Lagged => panic!("lagged"),
        };
        assert_eq!(seqs(a.take()), vec![2, 3]);
        assert_eq!(seqs(b.take()), vec![3]);
        assert_eq!(seqs(a.take()), Vec::<u64>::new());
        for s in 4..(RING_GROUPS as u64 + 10) {
            f.publish(&[ev(s, "n")]);
        }
        assert!(matches!(a.take(), Taken::Lagged));
        let mut rest = 0;
        loop {
            let n = seqs(a.take()).len();
            if n == 0 {
                break;
            }
            assert!(n < RING_GROUPS, "a take is bounded");
            rest += n;
        }
        assert_eq!(
            rest, RING_GROUPS,
            "then the ring as it is, a part at a time"
        );
    }

    #[test]
    fn the_lag_counts_live_streams_that_are_behind_but_not_those_waiting_on_their_socket() {
        let f = Fanout::default();
        let streams: Vec<Subscription> = (0..10).map(|_| f.subscribe()).collect();
        for s in &streams {
            s.live();
        }
        f.publish(&[ev(1, "a")]);
        std::thread::sleep(Duration::from_millis(30));
        assert!(f.measure(Instant::now()) >= Duration::from_millis(30));
        let mut streams = streams;
        for s in &mut streams {
            s.take();
            s.delivered();
        }
        assert_eq!(f.measure(Instant::now()), Duration::ZERO);
        f.publish(&[ev(2, "b")]);
        for s in &streams {
            s.blocked(true);
        }
        std::thread::sleep(BLOCKED + Duration::from_millis(10));
        assert_eq!(
            f.measure(Instant::now()),
            Duration::ZERO,
            "clients that do not read are theirs to answer for"
        );
    }
}
