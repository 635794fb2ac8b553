//! A seeded, deterministic simulation of consoles syncing through one backend
//! over a faulty network, with restarts, driving the browser's own `SyncEngine`.
//!
//! Faults: messages lost, duplicated, reordered and delayed; backend and
//! console restarts; stream cuts; offline spells. Each scenario comes from one
//! seed, and a failure prints it with the command that replays it.
//!
//! - `SITREP_SIM_SCENARIOS=N`: how many scenarios (default 1000).
//! - `SITREP_SIM_BASE=B`: the seed the scenario seeds are drawn from (default:
//!   the clock, so each run explores new ones; it is printed).
//! - `SITREP_SIM_SEED=S`: run only scenario `S`; `SITREP_SIM_TRACE=1` prints
//!   what happened in it.
//!
//! The network model. POST requests and replies, and stream open requests,
//! are independent messages: each may be lost, duplicated, and delayed by a
//! random latency, which reorders them (a repeated open request for a socket
//! the backend already took is that socket's: one socket, one connection,
//! as in a browser). A stream is a TCP connection: in
//! order, and its faults are cuts, which lose everything still in flight.
//! On top of that it sometimes repeats an earlier message later (stricter
//! than TCP, to exercise idempotence), and a "half-open" cut has the console
//! give up on a socket that goes on delivering for a while, so messages from
//! a replaced stream arrive. A backend restart drops every connection and
//! every message in flight; its log survives. A console restart loses all
//! memory but its store, which holds exactly what the host was asked to
//! write, and each event made (written before it reaches the engine).

use sitrep_core::log::limits;
use sitrep_core::log::protocol::{Ack, StreamMessage};
use sitrep_core::log::sync;
use sitrep_core::log::sync::{
    RequestId, Saved, SendFailure, Status, StreamId, SyncEngine, Transport, Write,
};
use sitrep_core::time::backoff::SplitMix;
use sitrep_core::{Event, EventBody, EventId, IncidentId, Log, Severity};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Instant;

const POST_TIMEOUT_MS: u64 = 10_000;
const OPEN_TIMEOUT_MS: u64 = 10_000;
/// After the chaos ends, how long the network may take to settle.
const SETTLE_LIMIT_MS: u64 = 30 * 60 * 1_000;

#[derive(Clone, Debug)]
struct Params {
    clients: usize,
    events: usize,
    chaos_ms: u64,
    loss: f64,
    dup: f64,
    latency: (u64, u64),
    server_errors: f64,
    invalid: f64,
    names_ids: bool,
    server_restarts: usize,
    client_restarts: usize,
    cuts: usize,
    offline_spells: usize,
}

impl Params {
    fn random(rng: &mut SplitMix) -> Self {
        let lo = rng.range(1, 50);
        Params {
            clients: rng.range(2, 4) as usize,
            events: rng.range(5, 40) as usize,
            chaos_ms: rng.range(20_000, 120_000),
            loss: rng.next_f64() * 0.3,
            dup: rng.next_f64() * 0.2,
            latency: (lo, lo + rng.range(0, 2_000)),
            server_errors: rng.next_f64() * 0.15,
            invalid: rng.next_f64() * 0.08,
            names_ids: rng.chance(0.7),
            server_restarts: rng.range(0, 3) as usize,
            client_restarts: rng.range(0, 4) as usize,
            cuts: rng.range(0, 8) as usize,
            offline_spells: rng.range(0, 3) as usize,
        }
    }

    /// A calm network for scripted tests: fixed latency, no faults.
    fn calm(clients: usize) -> Self {
        Params {
            clients,
            events: 0,
            chaos_ms: 0,
            loss: 0.0,
            dup: 0.0,
            latency: (5, 5),
            server_errors: 0.0,
            invalid: 0.0,
            names_ids: true,
            server_restarts: 0,
            client_restarts: 0,
            cuts: 0,
            offline_spells: 0,
        }
    }
}

#[derive(Clone, Debug)]
enum Ev {
    /// A responder makes an event; `None`: a random one.
    Make {
        client: usize,
        body: Option<EventBody>,
    },
    Wake {
        client: usize,
        inc: u64,
    },
    PostArrive {
        client: usize,
        inc: u64,
        request: RequestId,
        events: Vec<Event>,
        epoch: u64,
    },
    PostReply {
        client: usize,
        inc: u64,
        request: RequestId,
        reply: Result<Vec<Ack>, SendFailure>,
        epoch: u64,
    },
    PostTimeout {
        client: usize,
        inc: u64,
        request: RequestId,
    },
    /// The browser fails a POST at once: it knows it is offline.
    PostOffline {
        client: usize,
        inc: u64,
        request: RequestId,
    },
    OpenArrive {
        client: usize,
        inc: u64,
        stream: StreamId,
        after: u64,
        epoch: u64,
    },
    OpenTimeout {
        client: usize,
        inc: u64,
        stream: StreamId,
    },
    /// The next message on a connection; `None` is the socket opening.
    ConnDeliver {
        conn: usize,
        msg: Option<StreamMessage>,
    },
    /// The console's socket reports the stream closed.
    ConnLost {
        client: usize,
        inc: u64,
        stream: StreamId,
    },
    ConnKill {
        conn: usize,
    },
    Cut,
    ServerCrash {
        down_for: u64,
    },
    ServerUp,
    ClientCrash {
        client: usize,
        down_for: u64,
    },
    ClientUp {
        client: usize,
    },
    NetDown {
        client: usize,
        tell: bool,
        down_for: u64,
    },
    NetUp {
        client: usize,
    },
    Heal,
}

struct Scheduled {
    at: u64,
    order: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

#[derive(Default)]
struct Server {
    down: bool,
    epoch: u64,
    log: Vec<Event>,
    acks: HashMap<EventId, Ack>,
    head: u64,
    /// What `caught_up` names the log (some scenarios: nothing, as a
    /// backend from before logs had names). It never changes: the backend
    /// is never replaced, so no console may ever think so.
    name: Option<String>,
}

struct Conn {
    client: usize,
    inc: u64,
    stream: StreamId,
    alive: bool,
    last_at: u64,
}

/// The console's IndexedDB: survives restarts, holds what it was told to.
#[derive(Default)]
struct Disk {
    events: Vec<Event>,
    index: HashMap<EventId, usize>,
    refused: Vec<(EventId, String)>,
    cursor: u64,
    log: Option<String>,
}

impl Disk {
    fn put(&mut self, ev: Event) {
        match self.index.get(&ev.id) {
            // Replace in place: a pending event keeps its place in the order made.
            Some(&i) => self.events[i] = ev,
            None => {
                self.index.insert(ev.id.clone(), self.events.len());
                self.events.push(ev);
            }
        }
    }

    fn write(&mut self, w: Write) {
        for ev in w.events {
            self.put(ev);
        }
        for (ev, error) in w.refused {
            self.refused.push((ev.id.clone(), error));
            self.put(ev);
        }
        for ev in w.retried {
            self.refused.retain(|(id, _)| *id != ev.id);
            self.put(ev);
        }
        for ev in w.requeued {
            self.put(ev);
        }
        if let Some(c) = w.cursor {
            self.cursor = c;
        }
        if let Some(log) = w.log {
            self.log = log;
        }
    }

    fn saved(&self) -> Saved {
        Saved {
            events: self.events.clone(),
            refused: self.refused.clone(),
            cursor: self.cursor,
            log: self.log.clone(),
        }
    }
}

struct Client {
    engine: Option<SyncEngine>,
    /// Incarnation: bumped by a restart, so messages to the old page are dropped.
    inc: u64,
    net_up: bool,
    disk: Disk,
    wake: Option<u64>,
    opened: HashSet<StreamId>,
    /// Ids this console's engine has held confirmed (acked, or received), across restarts.
    confirmed: HashSet<EventId>,
    refused: HashSet<EventId>,
    sends: HashMap<EventId, u32>,
    stream_opens: Vec<u64>,
    /// The stream this page opened last.
    current_stream: Option<StreamId>,
    /// `next_attempt_at` as the status showed it after each stream loss.
    reconnect_shown: Vec<u64>,
}

/// Records the engine's commands; the simulation then carries them out.
#[derive(Default)]
struct Recorder(Vec<Effect>);

enum Effect {
    Persist(Write),
    Send(RequestId, Vec<Event>),
    Open(StreamId, u64),
}

impl Transport for Recorder {
    fn persist(&mut self, write: Write) {
        self.0.push(Effect::Persist(write));
    }
    fn send(&mut self, request: RequestId, events: Vec<Event>) {
        self.0.push(Effect::Send(request, events));
    }
    fn open_stream(&mut self, stream: StreamId, after: u64) {
        self.0.push(Effect::Open(stream, after));
    }
}

struct Made {
    id: EventId,
    client: usize,
    valid: bool,
}

struct Sim {
    rng: SplitMix,
    p: Params,
    now: u64,
    queue: BinaryHeap<Scheduled>,
    order: u64,
    healed: bool,
    server: Server,
    clients: Vec<Client>,
    conns: Vec<Conn>,
    made: Vec<Made>,
    next_event: u64,
    violations: Vec<String>,
    trace: Option<String>,
    steps: u64,
}

impl Sim {
    fn new(p: Params, seed: u64, trace: bool) -> Self {
        let clients = (0..p.clients)
            .map(|_| Client {
                engine: None,
                inc: 0,
                net_up: true,
                disk: Disk::default(),
                wake: None,
                opened: HashSet::new(),
                confirmed: HashSet::new(),
                refused: HashSet::new(),
                sends: HashMap::new(),
                stream_opens: Vec::new(),
                current_stream: None,
                reconnect_shown: Vec::new(),
            })
            .collect();
        let mut sim = Sim {
            rng: SplitMix(seed),
            healed: p.chaos_ms == 0,
            p,
            now: 0,
            queue: BinaryHeap::new(),
            order: 0,
            // From the seed, not the generator: the scenarios stay as they were.
            server: Server {
                name: (seed % 4 != 0).then(|| format!("log-{seed:016x}")),
                ..Server::default()
            },
            clients,
            conns: Vec::new(),
            made: Vec::new(),
            next_event: 0,
            violations: Vec::new(),
            trace: trace.then(String::new),
            steps: 0,
        };
        for c in 0..sim.p.clients {
            sim.start_client(c);
        }
        sim
    }

    /// Draws the chaos: when events are made and when things break.
    fn plan_chaos(&mut self) {
        let chaos = self.p.chaos_ms;
        for _ in 0..self.p.events {
            let client = self.rng.range(0, self.p.clients as u64 - 1) as usize;
            let at = self.rng.range(0, chaos);
            self.at(at, Ev::Make { client, body: None });
        }
        for _ in 0..self.p.server_restarts {
            let at = self.rng.range(0, chaos);
            let down_for = self.rng.range(100, 15_000);
            self.at(at, Ev::ServerCrash { down_for });
        }
        for _ in 0..self.p.client_restarts {
            let client = self.rng.range(0, self.p.clients as u64 - 1) as usize;
            let at = self.rng.range(0, chaos);
            let down_for = self.rng.range(10, 10_000);
            self.at(at, Ev::ClientCrash { client, down_for });
        }
        for _ in 0..self.p.cuts {
            let at = self.rng.range(0, chaos);
            self.at(at, Ev::Cut);
        }
        for _ in 0..self.p.offline_spells {
            let client = self.rng.range(0, self.p.clients as u64 - 1) as usize;
            let at = self.rng.range(0, chaos);
            let tell = self.rng.chance(0.5);
            let down_for = self.rng.range(1_000, 20_000);
            self.at(
                at,
                Ev::NetDown {
                    client,
                    tell,
                    down_for,
                },
            );
        }
        self.at(chaos, Ev::Heal);
    }

    fn log(&mut self, line: impl FnOnce() -> String) {
        if let Some(t) = &mut self.trace {
            let _ = writeln!(t, "{:>8} {}", self.now, line());
        }
    }

    fn at(&mut self, at: u64, ev: Ev) {
        self.order += 1;
        self.queue.push(Scheduled {
            at,
            order: self.order,
            ev,
        });
    }

    fn latency(&mut self) -> u64 {
        let (lo, hi) = self.p.latency;
        self.rng.range(lo, hi)
    }

    /// Sends over the lossy network: maybe lost, maybe twice, after a latency.
    fn net(&mut self, ev: Ev) {
        if !self.healed && self.rng.chance(self.p.loss) {
            self.log(|| format!("lost {}", short(&ev)));
            return;
        }
        if !self.healed && self.rng.chance(self.p.dup) {
            let at = self.now + self.latency();
            self.at(at, ev.clone());
        }
        let at = self.now + self.latency();
        self.at(at, ev);
    }

    /// Queues a message on a connection, behind everything already on it.
    fn push(&mut self, conn: usize, msg: Option<StreamMessage>) {
        let at = (self.now + self.latency()).max(self.conns[conn].last_at);
        self.conns[conn].last_at = at;
        self.at(
            at,
            Ev::ConnDeliver {
                conn,
                msg: msg.clone(),
            },
        );
        if !self.healed && msg.is_some() && self.rng.chance(self.p.dup / 2.0) {
            let later = (self.now + self.latency()).max(at) + self.rng.range(0, 3_000);
            self.conns[conn].last_at = later;
            self.at(later, Ev::ConnDeliver { conn, msg });
        }
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(Scheduled { at, ev, .. }) = self.queue.pop() {
            self.now = at;
            self.steps += 1;
            if self.now > self.p.chaos_ms + SETTLE_LIMIT_MS || self.steps > 5_000_000 {
                return Err(format!(
                    "did not settle (t={} ms, {} steps)",
                    self.now, self.steps
                ));
            }
            self.handle(ev);
        }
        Ok(())
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Make { client, body } => self.make(client, body),
            Ev::Wake { client, inc } => {
                if self.clients[client].inc == inc {
                    self.clients[client].wake = None;
                    self.drive(client);
                }
            }
            Ev::PostArrive {
                client,
                inc,
                request,
                events,
                epoch,
            } => self.post_arrive(client, inc, request, events, epoch),
            Ev::PostReply {
                client,
                inc,
                request,
                reply,
                epoch,
            } => {
                if epoch != self.server.epoch || !self.reachable(client, inc) {
                    return;
                }
                self.log(|| format!("c{client} reply {request}: {}", reply_text(&reply)));
                let Some(engine) = self.clients[client].engine.as_mut() else {
                    return;
                };
                match reply {
                    Ok(acks) => {
                        engine.on_ack(request, &acks, self.now);
                        let held: Vec<EventId> = acks
                            .into_iter()
                            .map(|a| a.id)
                            .filter(|id| is_confirmed(engine, id))
                            .collect();
                        self.clients[client].confirmed.extend(held);
                    }
                    Err(failure) => {
                        engine.on_send_failed(request, failure, self.now);
                        let refused: Vec<EventId> = engine.refused().keys().cloned().collect();
                        self.clients[client].refused.extend(refused);
                    }
                }
                self.drive(client);
            }
            Ev::PostTimeout {
                client,
                inc,
                request,
            }
            | Ev::PostOffline {
                client,
                inc,
                request,
            } => {
                if self.clients[client].inc != inc {
                    return;
                }
                let failure = match ev {
                    Ev::PostOffline { .. } => SendFailure::Unreachable,
                    _ => SendFailure::Degraded,
                };
                if let Some(engine) = self.clients[client].engine.as_mut() {
                    engine.on_send_failed(request, failure, self.now);
                    self.drive(client);
                }
            }
            Ev::OpenArrive {
                client,
                inc,
                stream,
                after,
                epoch,
            } => {
                if self.server.down {
                    let at = self.now + self.latency();
                    self.at(
                        at,
                        Ev::ConnLost {
                            client,
                            inc,
                            stream,
                        },
                    );
                } else if epoch == self.server.epoch {
                    self.open(client, inc, stream, after);
                }
            }
            Ev::OpenTimeout {
                client,
                inc,
                stream,
            } => {
                if self.clients[client].inc == inc && !self.clients[client].opened.contains(&stream)
                {
                    // The browser gives up on the socket and closes it.
                    for conn in &mut self.conns {
                        if (conn.client, conn.inc, conn.stream) == (client, inc, stream) {
                            conn.alive = false;
                        }
                    }
                    self.lost(client, stream);
                }
            }
            Ev::ConnDeliver { conn, msg } => self.deliver(conn, msg),
            Ev::ConnLost {
                client,
                inc,
                stream,
            } => {
                if self.clients[client].inc == inc {
                    self.lost(client, stream);
                }
            }
            Ev::ConnKill { conn } => self.conns[conn].alive = false,
            Ev::Cut => {
                let alive: Vec<usize> = (0..self.conns.len())
                    .filter(|&i| self.conns[i].alive)
                    .collect();
                if alive.is_empty() {
                    return;
                }
                let conn = alive[self.rng.range(0, alive.len() as u64 - 1) as usize];
                let Conn {
                    client,
                    inc,
                    stream,
                    ..
                } = self.conns[conn];
                let half_open = self.rng.chance(0.5);
                self.log(|| format!("cut c{client} stream {stream} (half-open: {half_open})"));
                if half_open {
                    let kill = self.now + self.rng.range(1_000, 20_000);
                    self.at(kill, Ev::ConnKill { conn });
                } else {
                    self.conns[conn].alive = false;
                }
                let notice = self.now + self.rng.range(0, 3_000);
                self.at(
                    notice,
                    Ev::ConnLost {
                        client,
                        inc,
                        stream,
                    },
                );
            }
            Ev::ServerCrash { down_for } => {
                if self.server.down {
                    return;
                }
                self.log(|| format!("server crashes for {down_for} ms"));
                self.server.down = true;
                self.server.epoch += 1;
                for i in 0..self.conns.len() {
                    if self.conns[i].alive {
                        self.conns[i].alive = false;
                        let Conn {
                            client,
                            inc,
                            stream,
                            ..
                        } = self.conns[i];
                        let at = self.now + self.latency();
                        self.at(
                            at,
                            Ev::ConnLost {
                                client,
                                inc,
                                stream,
                            },
                        );
                    }
                }
                self.at(self.now + down_for, Ev::ServerUp);
            }
            Ev::ServerUp => {
                self.log(|| "server up".into());
                self.server.down = false;
            }
            Ev::ClientCrash { client, down_for } => {
                if self.clients[client].engine.is_none() {
                    return;
                }
                self.log(|| format!("c{client} crashes for {down_for} ms"));
                let c = &mut self.clients[client];
                c.engine = None;
                c.inc += 1;
                c.wake = None;
                c.opened.clear();
                self.close_conns(client);
                self.at(self.now + down_for, Ev::ClientUp { client });
            }
            Ev::ClientUp { client } => self.start_client(client),
            Ev::NetDown {
                client,
                tell,
                down_for,
            } => {
                if !self.clients[client].net_up {
                    return;
                }
                self.log(|| format!("c{client} offline for {down_for} ms (told: {tell})"));
                self.clients[client].net_up = false;
                if tell {
                    if let Some(engine) = self.clients[client].engine.as_mut() {
                        engine.network(false, self.now);
                    }
                }
                let inc = self.clients[client].inc;
                for i in 0..self.conns.len() {
                    let conn = &mut self.conns[i];
                    if conn.alive && conn.client == client {
                        conn.alive = false;
                        let stream = conn.stream;
                        self.at(
                            self.now + 1,
                            Ev::ConnLost {
                                client,
                                inc,
                                stream,
                            },
                        );
                    }
                }
                self.at(self.now + down_for, Ev::NetUp { client });
            }
            Ev::NetUp { client } => {
                self.log(|| format!("c{client} online"));
                self.clients[client].net_up = true;
                if let Some(engine) = self.clients[client].engine.as_mut() {
                    engine.network(true, self.now);
                    self.drive(client);
                }
            }
            Ev::Heal => {
                self.log(|| "heal".into());
                self.healed = true;
            }
        }
    }

    fn start_client(&mut self, client: usize) {
        let seed = self.rng.next_u64();
        let c = &mut self.clients[client];
        let mut engine = SyncEngine::new(c.disk.saved(), seed);
        if !c.net_up {
            engine.network(false, self.now);
        }
        c.engine = Some(engine);
        self.log(|| format!("c{client} starts"));
        self.drive(client);
    }

    fn close_conns(&mut self, client: usize) {
        for conn in &mut self.conns {
            if conn.client == client {
                conn.alive = false;
            }
        }
    }

    fn reachable(&self, client: usize, inc: u64) -> bool {
        let c = &self.clients[client];
        c.inc == inc && c.net_up && c.engine.is_some()
    }

    fn make(&mut self, client: usize, body: Option<EventBody>) {
        if self.clients[client].engine.is_none() {
            return; // the page is down: nobody can make anything in it
        }
        self.next_event += 1;
        let incident = IncidentId(format!("inc{}", self.rng.range(0, 2)).into());
        let body = body.unwrap_or_else(|| self.random_body());
        let event = Event::new(
            format!("ev{:05}", self.next_event),
            incident,
            &format!("c{client}"),
            self.now as i64,
            body,
        );
        let valid = limits::check(&event).is_ok();
        self.made.push(Made {
            id: event.id.clone(),
            client,
            valid,
        });
        self.log(|| format!("c{client} makes {} ({})", event.id, event.body.kind()));
        let c = &mut self.clients[client];
        // Written to the store before the engine sees it, as the glue does.
        c.disk.put(event.clone());
        if let Some(engine) = c.engine.as_mut() {
            assert!(engine.make(event));
        }
        self.drive(client);
    }

    fn random_body(&mut self) -> EventBody {
        if self.rng.chance(self.p.invalid) {
            return EventBody::note("   ");
        }
        let sev = Severity::ALL[self.rng.range(0, 3) as usize];
        match self.rng.range(0, 3) {
            0 => EventBody::Declared {
                title: format!("outage {}", self.next_event),
                severity: sev,
                summary: String::new(),
                started_at: self.now as i64 - 1_000,
                detected_at: None,
            },
            1 => EventBody::note(format!("note {}", self.next_event)),
            2 => EventBody::StatusChanged {
                status: sitrep_core::Status::ALL[self.rng.range(0, 3) as usize],
            },
            _ => EventBody::SeverityChanged { severity: sev },
        }
    }

    /// Runs the engine's commands, exactly as the browser glue will.
    fn drive(&mut self, client: usize) {
        let Some(engine) = self.clients[client].engine.as_mut() else {
            return;
        };
        let mut rec = Recorder::default();
        let wake = sync::drive(engine, self.now, &mut rec);
        let inc = self.clients[client].inc;
        for effect in rec.0 {
            match effect {
                Effect::Persist(w) => self.clients[client].disk.write(w),
                Effect::Send(request, events) => self.send(client, inc, request, events),
                Effect::Open(stream, after) => {
                    self.log(|| format!("c{client} opens stream {stream} after {after}"));
                    self.clients[client].stream_opens.push(self.now);
                    self.clients[client].current_stream = Some(stream);
                    if self.clients[client].net_up {
                        let epoch = self.server.epoch;
                        self.net(Ev::OpenArrive {
                            client,
                            inc,
                            stream,
                            after,
                            epoch,
                        });
                        self.at(
                            self.now + OPEN_TIMEOUT_MS,
                            Ev::OpenTimeout {
                                client,
                                inc,
                                stream,
                            },
                        );
                    } else {
                        self.at(
                            self.now + 1,
                            Ev::ConnLost {
                                client,
                                inc,
                                stream,
                            },
                        );
                    }
                }
            }
        }
        if let Some(at) = wake {
            if self.clients[client].wake != Some(at) {
                self.clients[client].wake = Some(at);
                self.at(at.max(self.now + 1), Ev::Wake { client, inc });
            }
        }
    }

    fn send(&mut self, client: usize, inc: u64, request: RequestId, events: Vec<Event>) {
        self.log(|| {
            let ids: Vec<&str> = events.iter().map(|e| &*e.id.0).collect();
            format!("c{client} sends {request}: {}", ids.join(" "))
        });
        let c = &mut self.clients[client];
        for ev in &events {
            *c.sends.entry(ev.id.clone()).or_default() += 1;
            if c.confirmed.contains(&ev.id) {
                self.violations.push(format!(
                    "c{client} sent {} again after it was confirmed",
                    ev.id
                ));
            }
            if c.refused.contains(&ev.id) {
                self.violations.push(format!(
                    "c{client} sent {} again after it was refused",
                    ev.id
                ));
            }
        }
        if !c.net_up {
            self.at(
                self.now + 1,
                Ev::PostOffline {
                    client,
                    inc,
                    request,
                },
            );
            return;
        }
        let epoch = self.server.epoch;
        self.net(Ev::PostArrive {
            client,
            inc,
            request,
            events,
            epoch,
        });
        self.at(
            self.now + POST_TIMEOUT_MS,
            Ev::PostTimeout {
                client,
                inc,
                request,
            },
        );
    }

    /// The backend's side of a POST: all or nothing, idempotent by id.
    fn post_arrive(
        &mut self,
        client: usize,
        inc: u64,
        request: RequestId,
        events: Vec<Event>,
        epoch: u64,
    ) {
        let reply = if self.server.down {
            // Connection refused: the console learns at once.
            let epoch = self.server.epoch;
            let at = self.now + self.latency();
            let reply = Err(SendFailure::Unreachable);
            self.at(
                at,
                Ev::PostReply {
                    client,
                    inc,
                    request,
                    reply,
                    epoch,
                },
            );
            return;
        } else if epoch != self.server.epoch {
            return; // sent to a backend that has since restarted: gone
        } else if !self.healed && self.rng.chance(self.p.server_errors) {
            Err(SendFailure::Degraded)
        } else if let Some((ev, error)) = events
            .iter()
            .find_map(|e| limits::check(e).err().map(|err| (e, err)))
        {
            let id = self.p.names_ids.then(|| ev.id.clone());
            Err(SendFailure::Refused { id, error })
        } else {
            let mut acks = Vec::with_capacity(events.len());
            let mut new = Vec::new();
            for mut ev in events {
                if let Some(ack) = self.server.acks.get(&ev.id) {
                    acks.push(ack.clone());
                    continue;
                }
                // Seqs increase but are not gap-free; clients must not care.
                self.server.head += 1 + u64::from(self.rng.chance(0.1));
                ev.seq = Some(self.server.head);
                ev.received_at = Some(self.now as i64);
                let ack = Ack {
                    id: ev.id.clone(),
                    seq: self.server.head,
                    received_at: self.now as i64,
                    number: None,
                };
                self.server.acks.insert(ev.id.clone(), ack.clone());
                acks.push(ack);
                self.server.log.push(ev.clone());
                new.push(ev);
            }
            // A commit reaches each stream as `event` messages or, as the
            // reference backend sends it to `batch=1` streams, as one
            // `events` message.
            for conn in 0..self.conns.len() {
                if !self.conns[conn].alive || new.is_empty() {
                    continue;
                }
                if self.rng.chance(0.5) {
                    let events = new.clone();
                    self.push(conn, Some(StreamMessage::Events { events }));
                } else {
                    for ev in &new {
                        self.push(conn, Some(StreamMessage::Event { event: ev.clone() }));
                    }
                }
            }
            Ok(acks)
        };
        self.log(|| format!("server answers c{client} {request}: {}", reply_text(&reply)));
        let epoch = self.server.epoch;
        self.net(Ev::PostReply {
            client,
            inc,
            request,
            reply,
            epoch,
        });
    }

    /// The backend accepts a stream: catch-up, caught_up, then live.
    fn open(&mut self, client: usize, inc: u64, stream: StreamId, after: u64) {
        if self.clients[client].inc != inc || !self.clients[client].net_up {
            return;
        }
        // Two connections behind one socket would interleave two catch-ups,
        // which no browser sees (and which would make a `caught_up` from one
        // look behind the cursor the other moved).
        if self
            .conns
            .iter()
            .any(|c| c.client == client && c.inc == inc && c.stream == stream)
        {
            return;
        }
        let conn = self.conns.len();
        self.conns.push(Conn {
            client,
            inc,
            stream,
            alive: true,
            last_at: self.now,
        });
        self.push(conn, None);
        let catch_up: Vec<Event> = self
            .server
            .log
            .iter()
            .filter(|e| e.seq.is_some_and(|s| s > after))
            .cloned()
            .collect();
        // The catch-up in `events` messages of a few events, or one by one.
        if self.rng.chance(0.5) {
            for events in catch_up.chunks(3) {
                let events = events.to_vec();
                self.push(conn, Some(StreamMessage::Events { events }));
            }
        } else {
            for event in catch_up {
                self.push(conn, Some(StreamMessage::Event { event }));
            }
        }
        let head = self.server.head;
        let log = self.server.name.clone();
        self.push(conn, Some(StreamMessage::CaughtUp { head, log }));
    }

    fn deliver(&mut self, conn: usize, msg: Option<StreamMessage>) {
        let Conn {
            client,
            inc,
            stream,
            alive,
            ..
        } = self.conns[conn];
        if !alive || !self.reachable(client, inc) {
            return;
        }
        let c = &mut self.clients[client];
        let Some(engine) = c.engine.as_mut() else {
            return;
        };
        match msg {
            None => {
                c.opened.insert(stream);
                engine.connected(stream);
            }
            Some(msg) => {
                let ids: Vec<EventId> = match &msg {
                    StreamMessage::Event { event } => vec![event.id.clone()],
                    StreamMessage::Events { events } => {
                        events.iter().map(|e| e.id.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                engine.on_stream(stream, msg);
                for id in ids.into_iter().filter(|id| is_confirmed(engine, id)) {
                    c.confirmed.insert(id);
                }
            }
        }
        self.drive(client);
    }

    fn lost(&mut self, client: usize, stream: StreamId) {
        let Some(engine) = self.clients[client].engine.as_mut() else {
            return;
        };
        engine.disconnected(stream, self.now);
        if let Status::Reconnecting { next_attempt_at } = engine.status() {
            if self.clients[client].current_stream.take() == Some(stream) {
                self.clients[client].reconnect_shown.push(next_attempt_at);
            }
        }
        self.log(|| format!("c{client} lost stream {stream}"));
        self.drive(client);
    }

    /// The end state every scenario must reach.
    fn check(&self) -> Result<(), String> {
        if let Some(v) = self.violations.first() {
            return Err(format!("{v} ({} violations)", self.violations.len()));
        }
        let mut stored: HashMap<&EventId, u64> = HashMap::new();
        for ev in &self.server.log {
            let seq = ev.seq.ok_or("a stored event without seq")?;
            if stored.insert(&ev.id, seq).is_some() {
                return Err(format!("{} is in the backend's log twice", ev.id));
            }
        }
        for m in &self.made {
            match (m.valid, stored.contains_key(&m.id)) {
                (true, false) => {
                    return Err(format!(
                        "{} (made by c{}) never reached the backend",
                        m.id, m.client
                    ))
                }
                (false, true) => return Err(format!("invalid {} was stored", m.id)),
                _ => {}
            }
        }
        // Each console's events are stored in the order it made them.
        for c in 0..self.clients.len() {
            let seqs: Vec<u64> = self
                .made
                .iter()
                .filter(|m| m.client == c)
                .filter_map(|m| stored.get(&m.id).copied())
                .collect();
            if seqs.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!(
                    "c{c}'s events were stored out of the order made: {seqs:?}"
                ));
            }
        }
        let mut server_log = Log::new();
        for ev in &self.server.log {
            server_log.insert(ev.clone());
        }
        let want = server_log.fold();
        for (c, client) in self.clients.iter().enumerate() {
            let engine = client
                .engine
                .as_ref()
                .ok_or(format!("c{c} is not running"))?;
            let log = engine.log();
            let invalid: HashSet<&EventId> = self
                .made
                .iter()
                .filter(|m| m.client == c && !m.valid)
                .map(|m| &m.id)
                .collect();
            let refused: HashSet<&EventId> = engine.refused().keys().collect();
            if refused != invalid {
                return Err(format!(
                    "c{c} refused {refused:?}, but made invalid {invalid:?}"
                ));
            }
            if let Some(p) = log.pending().iter().find(|p| !refused.contains(&p.id)) {
                return Err(format!("c{c} still has {} pending", p.id));
            }
            let held: HashMap<&EventId, u64> = log
                .events()
                .filter_map(|e| e.seq.map(|s| (&e.id, s)))
                .collect();
            if held != stored {
                let missing: Vec<_> = stored.keys().filter(|id| !held.contains_key(*id)).collect();
                return Err(format!(
                    "c{c}'s confirmed events differ from the backend's; missing {missing:?}"
                ));
            }
            let mut confirmed = Log::new();
            for ev in log.events().filter(|e| e.is_confirmed()) {
                confirmed.insert(ev.clone());
            }
            if confirmed.fold() != want {
                return Err(format!("c{c} folds to a different state than the backend"));
            }
            if engine.cursor() != self.server.head {
                return Err(format!(
                    "c{c}'s cursor is {}, the head {}",
                    engine.cursor(),
                    self.server.head
                ));
            }
            if let Some(b) = engine.backend_behind() {
                return Err(format!("c{c} says the backend is not its log: {b:?}"));
            }
            if engine.log_id() != self.server.name.as_deref() {
                return Err(format!(
                    "c{c} holds the log name {:?}, the backend says {:?}",
                    engine.log_id(),
                    self.server.name
                ));
            }
            if engine.status() != Status::Online || !engine.is_caught_up() {
                return Err(format!("c{c} ends {:?}", engine.status()));
            }
        }
        Ok(())
    }
}

fn is_confirmed(engine: &SyncEngine, id: &EventId) -> bool {
    engine.log().contains(id) && !engine.log().pending().iter().any(|p| &p.id == id)
}

fn reply_text(reply: &Result<Vec<Ack>, SendFailure>) -> String {
    match reply {
        Ok(acks) => format!("{} acks", acks.len()),
        Err(f) => format!("{f:?}"),
    }
}

fn short(ev: &Ev) -> String {
    let s = format!("{ev:?}");
    s.chars().take(80).collect()
}

/// One scenario from its seed. Returns the backend's log length.
fn scenario(seed: u64, trace: bool) -> Result<usize, String> {
    let mut rng = SplitMix(seed);
    let params = Params::random(&mut rng);
    let mut sim = Sim::new(params.clone(), rng.next_u64(), trace);
    sim.plan_chaos();
    let outcome = sim.run().and_then(|()| sim.check());
    if let Some(t) = &sim.trace {
        println!("{t}");
    }
    outcome
        .map(|()| sim.server.log.len())
        .map_err(|e| format!("{e}\n  params: {params:?}"))
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn every_event_is_confirmed_once_and_all_replicas_agree_under_chaos() {
    let trace = std::env::var_os("SITREP_SIM_TRACE").is_some();
    let seeds: Vec<u64> = match env_u64("SITREP_SIM_SEED") {
        Some(seed) => vec![seed],
        None => {
            let count = env_u64("SITREP_SIM_SCENARIOS").unwrap_or(1_000);
            let base = env_u64("SITREP_SIM_BASE").unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
            println!("sync_sim: {count} scenarios from SITREP_SIM_BASE={base}");
            let mut rng = SplitMix(base);
            (0..count).map(|_| rng.next_u64()).collect()
        }
    };
    let started = Instant::now();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = seeds.len().div_ceil(threads).max(1);
    let results: Vec<(u64, Result<usize, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&seed| {
                            let run = std::panic::catch_unwind(|| scenario(seed, trace));
                            let result = run.unwrap_or_else(|p| {
                                let msg = p
                                    .downcast_ref::<String>()
                                    .cloned()
                                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                    .unwrap_or_default();
                                Err(format!("panicked: {msg}"))
                            });
                            (seed, result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    assert_eq!(results.len(), seeds.len(), "a worker thread died");
    let events: usize = results.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(seed, r)| r.as_ref().err().map(|e| (seed, e)))
        .map(|(seed, e)| {
            format!(
                "scenario {seed} failed: {e}\n  replay: SITREP_SIM_SEED={seed} SITREP_SIM_TRACE=1 \
                 cargo test -p sitrep-core --test sync_sim -- --nocapture every_event"
            )
        })
        .collect();
    println!(
        "sync_sim: {} scenarios, {events} events stored, {} failed, {:.1} s",
        results.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed; first:\n{}",
        failures.len(),
        results.len(),
        failures[0]
    );
}

fn note(text: &str) -> Option<EventBody> {
    Some(EventBody::note(text))
}

#[test]
fn a_refused_event_is_kept_and_not_resent() {
    for names_ids in [true, false] {
        let mut p = Params::calm(2);
        p.names_ids = names_ids;
        let mut sim = Sim::new(p, 9, false);
        for (i, body) in [note("first"), note("  "), note("third")]
            .into_iter()
            .enumerate()
        {
            sim.at(100 + i as u64, Ev::Make { client: 0, body });
        }
        sim.at(
            5_000,
            Ev::Make {
                client: 0,
                body: note("after"),
            },
        );
        sim.run().unwrap();
        sim.check().unwrap();
        let blank = &sim.made[1].id;
        let client = &sim.clients[0];
        let engine = client.engine.as_ref().unwrap();
        assert_eq!(
            engine.refused().get(blank).map(String::as_str),
            Some("the note is empty")
        );
        assert_eq!(engine.log().pending().len(), 1, "kept, pending, in the log");
        assert!(!sim.server.acks.contains_key(blank));
        // Found directly when the backend names it; by halving the batch when not.
        let expected_sends = if names_ids { 1 } else { 2 };
        assert_eq!(
            client.sends[blank], expected_sends,
            "names_ids: {names_ids}"
        );
        assert_eq!(sim.server.log.len(), 3);
        let on_disk = client.disk.refused.iter().any(|(id, _)| id == blank);
        assert!(
            on_disk,
            "the refusal is stored, so a restart does not resend it"
        );
    }
}

#[test]
fn reconnect_attempts_wait_the_backoff_between_them() {
    let mut sim = Sim::new(Params::calm(1), 3, false);
    // Down from the start for two minutes, then one more crash once caught up.
    sim.at(0, Ev::ServerCrash { down_for: 120_000 });
    sim.at(200_000, Ev::ServerCrash { down_for: 10 });
    sim.run().unwrap();
    sim.check().unwrap();
    let c = &sim.clients[0];
    // Every attempt before two minutes met a down backend.
    let opens = &c.stream_opens;
    let before_up: Vec<u64> = opens.iter().copied().filter(|t| *t < 120_000).collect();
    assert!(before_up.len() >= 6, "{opens:?}");
    for (k, pair) in before_up.windows(2).enumerate() {
        // Each failed attempt costs two 5 ms trips (there, and the refusal back).
        let wait = pair[1] - pair[0] - 10;
        let step = (1_000u64 << k).min(30_000);
        assert!(
            (step / 2..=step).contains(&wait),
            "wait {k} was {wait} ms, not in [{}, {step}]: {opens:?}",
            step / 2
        );
    }
    // The status named the time of every next attempt.
    for (shown, next) in c.reconnect_shown.iter().zip(&opens[1..]) {
        assert_eq!(shown, next);
    }
    // Once caught up the wait starts again from the base.
    let after: Vec<u64> = opens.iter().copied().filter(|t| *t >= 200_000).collect();
    assert_eq!(after.len(), 1, "{opens:?}");
    assert!(after[0] - 200_000 <= 5 + 1_000, "{opens:?}");
}
