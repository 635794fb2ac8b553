//! Watched upstreams: polls the status pages an admin configured (on the
//! command line, `--upstream NAME=URL`, or with `UpstreamAdded` events on the
//! workspace stream) for their Statuspage v2 `summary.json`, keeps what each
//! said in memory and in the database's cache, and serves it at
//! `GET /api/v1/upstreams`. Only the leading replica polls (the others show
//! what it stored, see `cache`); one machine always leads.
//!
//! Only configured URLs are ever fetched, and redirects are not followed: a
//! client cannot make the server fetch anything (no open proxy), and a
//! provider cannot send it elsewhere (say, to an address inside our network).
//! Each provider has its own task, time limit and size limit, so a slow or
//! broken one never holds up the others.

use crate::clock::now_ms;
mod cache;
mod fetch;

pub use cache::UpstreamCache;
pub use fetch::fetch;

use crate::auth::Reader;
use crate::outbound::HttpsClient;
use crate::storage::cluster::{spawn_while_leading, Cluster, UPSTREAMS};
use crate::AppState;
use axum::extract::{FromRef, State};
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fetch::clip;
pub use sitrep_core::log::protocol::UpstreamsReply;
use sitrep_core::status_page::upstream::{PollSchedule, ProviderState, ProviderView, Summary};
use sitrep_core::status_page::upstream_budget;
use sitrep_core::time::backoff::SplitMix;
use sitrep_core::{Event, EventBody, Workspace};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

pub use sitrep_core::status_page::upstream::{DEFAULT_INTERVAL_MS, MAX_SUMMARY_BYTES};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const SUMMARY_PATH: &str = "/api/v2/summary.json";

/// One provider as configured: `NAME=URL`, URL being the page's base
/// (`https://www.githubstatus.com`) or its summary URL itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    /// The base URL as the admin gave it, without a trailing slash.
    pub url: String,
    /// What is fetched: `url` + `/api/v2/summary.json`.
    pub summary_url: Uri,
}

impl std::str::FromStr for Provider {
    type Err = String;

    fn from_str(s: &str) -> Result<Provider, String> {
        let (name, url) = s
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=URL, got {s:?}"))?;
        Provider::new(name, url)
    }
}

impl Provider {
    /// Checks a name and a base URL, from a flag or a workspace event alike.
    pub fn new(name: &str, url: &str) -> Result<Provider, String> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(format!("the name {name:?} must be 1 to 64 bytes"));
        }
        let url = url.trim();
        // Checked before parsing: a bare host name would otherwise be
        // refused as "invalid format", which does not say what to fix.
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            return Err(format!("{url:?} must start with https:// or http://"));
        }
        let base = url
            .strip_suffix(SUMMARY_PATH)
            .unwrap_or(url)
            .trim_end_matches('/');
        let summary_url: Uri = format!("{base}{SUMMARY_PATH}")
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if summary_url.host().is_none_or(str::is_empty) {
            return Err(format!("{url:?} has no host"));
        }
        if summary_url.query().is_some() {
            return Err(format!("{url:?} must not have a query"));
        }
        Ok(Provider {
            name: name.to_string(),
            url: base.to_string(),
            summary_url,
        })
    }
}

/// How the poller runs; from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub providers: Vec<Provider>,
    pub interval: Duration,
    pub timeout: Duration,
    pub max_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            providers: Vec::new(),
            interval: Duration::from_millis(DEFAULT_INTERVAL_MS),
            timeout: DEFAULT_TIMEOUT,
            max_bytes: MAX_SUMMARY_BYTES,
        }
    }
}

impl Settings {
    /// Refuses two providers with one name: the console tells them apart by it.
    pub fn check(&self) -> Result<(), String> {
        for (i, p) in self.providers.iter().enumerate() {
            if self.providers[..i].iter().any(|q| q.name == p.name) {
                return Err(format!("two upstreams are named {:?}", p.name));
            }
        }
        Ok(())
    }
}

/// One watched provider: where it comes from, what we fetch (or why we
/// cannot), what it last said, and its polling task.
struct Entry {
    name: String,
    url: String,
    /// The summary URL, or why the configured URL is not one we fetch.
    target: Result<Uri, String>,
    state: ProviderState,
    /// Tells this entry's poller from an earlier one for the same name.
    id: u64,
    task: Option<tokio::task::AbortHandle>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        // A provider removed (or re-pointed) stops being polled at once.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What pollers need, known once the server runs.
#[derive(Clone)]
struct Runner {
    runtime: tokio::runtime::Handle,
    client: HttpsClient,
    settings: Settings,
    /// Turns true when the server stops or this process stops leading.
    stopping: watch::Receiver<bool>,
    seed: u64,
    cache: Arc<UpstreamCache>,
    cluster: Arc<dyn Cluster>,
}

struct Inner {
    entries: Vec<Entry>,
    /// From the command line: fixed for the server's life, and they win a
    /// name clash with the workspace.
    cli: Vec<Provider>,
    /// Folded from the workspace stream (`UpstreamAdded`/`UpstreamRemoved`).
    workspace: Workspace,
    runner: Option<Runner>,
    next_id: u64,
}

/// What every provider last said, shared by the pollers, the handler and
/// the streams (which push the list again whenever it changes).
#[derive(Clone)]
pub struct Upstreams {
    inner: Arc<RwLock<Inner>>,
    /// Bumped whenever what consoles see changes.
    changes: Arc<watch::Sender<u64>>,
}

impl Upstreams {
    /// The command line's providers and those the workspace events stored
    /// so far name (`workspace_events`: every event on the workspace
    /// stream, in seq order). Nothing is polled until `spawn`.
    pub fn new(cli: &[Provider], workspace_events: &[Event], now: i64) -> Upstreams {
        let mut workspace = Workspace::default();
        for ev in workspace_events {
            workspace.apply(ev);
        }
        let upstreams = Upstreams {
            inner: Arc::new(RwLock::new(Inner {
                entries: Vec::new(),
                cli: cli.to_vec(),
                workspace,
                runner: None,
                next_id: 0,
            })),
            changes: Arc::new(watch::channel(0).0),
        };
        upstreams.reconcile(now);
        upstreams
    }

    /// Wakes whenever what consoles see has changed.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// What consoles are sent: bounded per provider and in total (see
    /// `upstream_budget`), whatever a provider's page holds.
    pub fn views(&self) -> Vec<ProviderView> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        upstream_budget::for_consoles(
            inner
                .entries
                .iter()
                .map(|e| (e.name.as_str(), e.url.as_str(), &e.state)),
            &inner.workspace.upstream_links,
            &upstream_budget::CONSOLE,
        )
    }

    /// Takes newly stored events (in seq order); those about upstreams on
    /// the workspace stream change what is polled, and links change which
    /// components consoles are sent first.
    pub fn workspace_events(&self, stored: &[Event]) {
        let relevant: Vec<&Event> = stored
            .iter()
            .filter(|e| {
                e.incident.is_workspace()
                    && matches!(
                        e.body,
                        EventBody::UpstreamAdded { .. }
                            | EventBody::UpstreamRemoved { .. }
                            | EventBody::UpstreamLinked { .. }
                            | EventBody::UpstreamUnlinked { .. }
                    )
            })
            .collect();
        if relevant.is_empty() {
            return;
        }
        let links = relevant.iter().any(|e| {
            matches!(
                e.body,
                EventBody::UpstreamLinked { .. } | EventBody::UpstreamUnlinked { .. }
            )
        });
        {
            let mut inner = self.write();
            for ev in relevant {
                inner.workspace.apply(ev);
            }
        }
        self.reconcile(now_ms());
        if links {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Makes the entries match the command line plus the workspace: new
    /// providers start polling, removed ones stop, a changed URL starts over.
    fn reconcile(&self, now: i64) {
        let mut inner = self.write();
        let mut wanted: Vec<(String, Result<Provider, String>)> = inner
            .cli
            .iter()
            .map(|p| (p.name.clone(), Ok(p.clone())))
            .collect();
        for (name, url) in &inner.workspace.upstreams {
            if wanted.iter().any(|(n, _)| n == name) {
                eprintln!("sitrep-server: upstream {name:?} from the workspace is ignored: the command line names it");
                continue;
            }
            wanted.push((name.clone(), Provider::new(name, url)));
        }
        let mut old = std::mem::take(&mut inner.entries);
        let before: Vec<u64> = old.iter().map(|e| e.id).collect();
        for (name, provider) in wanted {
            let url = match &provider {
                Ok(p) => p.url.clone(),
                Err(_) => inner
                    .workspace
                    .upstreams
                    .get(&name)
                    .cloned()
                    .unwrap_or_default(),
            };
            if let Some(pos) = old.iter().position(|e| e.name == name && e.url == url) {
                let entry = old.remove(pos);
                inner.entries.push(entry);
                continue;
            }
            let id = inner.next_id;
            inner.next_id += 1;
            let (target, state) = match provider {
                Ok(p) => (Ok(p.summary_url), ProviderState::new(now)),
                Err(reason) => {
                    let reason = clip(format!("not a URL we poll: {reason}"));
                    (
                        Err(reason.clone()),
                        ProviderState::Unknown {
                            since: now,
                            reason,
                            last_known: None,
                        },
                    )
                }
            };
            let mut entry = Entry {
                name,
                url,
                target,
                state,
                id,
                task: None,
            };
            if let Some(runner) = &inner.runner {
                entry.task = start(self, runner, &entry);
            }
            inner.entries.push(entry);
        }
        // Entries left in `old` are dropped here, which stops their pollers.
        drop(old);
        let changed = inner.entries.iter().map(|e| e.id).ne(before);
        drop(inner);
        if changed {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Records one poll; returns what to keep in the cache, or None when
    /// the provider is no longer watched (its poller then ends).
    fn observe(&self, id: u64, result: Result<Summary, String>, now: i64) -> Option<Observed> {
        let mut inner = self.write();
        let entry = inner.entries.iter_mut().find(|e| e.id == id)?;
        let was_known = entry.state.is_known();
        let reason = result.as_ref().err().cloned();
        crate::metrics::metrics()
            .upstream_polls
            .with_label_values(&[
                entry.name.as_str(),
                if reason.is_none() { "ok" } else { "failed" },
            ])
            .inc();
        let changed = entry.state.observe(result, now);
        // One line per transition, not per poll: the log stays readable
        // during a long outage.
        match (was_known, reason) {
            (true, Some(reason)) => {
                eprintln!(
                    "sitrep-server: upstream {:?} is unknown: {reason}",
                    entry.name
                )
            }
            (false, None) => eprintln!("sitrep-server: upstream {:?} answers", entry.name),
            _ => {}
        }
        let observed = Observed {
            name: entry.name.clone(),
            url: entry.url.clone(),
            state: entry.state.clone(),
        };
        drop(inner);
        if changed {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
        Some(observed)
    }

    /// Takes what the cache says of providers watched here (same name and
    /// URL): at start, and on a replica that does not poll whenever the
    /// leader stored something new.
    pub fn adopt(&self, cached: Vec<Observed>) {
        let mut changed = false;
        {
            let mut inner = self.write();
            for c in cached {
                if let Some(e) = inner
                    .entries
                    .iter_mut()
                    .find(|e| e.name == c.name && e.url == c.url)
                {
                    if e.state != c.state {
                        e.state = c.state;
                        changed = true;
                    }
                }
            }
        }
        if changed {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Starts every provider's poller, and those added later, until
    /// `runner.stopping`. Must run inside the runtime.
    fn start_polling(&self, runner: Runner) {
        let mut inner = self.write();
        let mut entries = std::mem::take(&mut inner.entries);
        for entry in &mut entries {
            if entry.task.is_none() {
                entry.task = start(self, &runner, entry);
            }
        }
        inner.entries = entries;
        inner.runner = Some(runner);
    }

    /// Stops every poller (this process no longer leads).
    fn stop_polling(&self) {
        let mut inner = self.write();
        inner.runner = None;
        for entry in &mut inner.entries {
            if let Some(task) = entry.task.take() {
                task.abort();
            }
        }
    }
}

/// What one provider said, as the cache keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub name: String,
    pub url: String,
    pub state: ProviderState,
}

/// `GET /api/v1/upstreams`: any account that reads.
pub async fn list(State(upstreams): State<Upstreams>, _reader: Reader) -> Response {
    let reply = UpstreamsReply {
        providers: upstreams.views(),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(reply)).into_response()
}

impl FromRef<AppState> for Upstreams {
    fn from_ref(state: &AppState) -> Upstreams {
        state.upstreams.clone()
    }
}

/// Polls while this process leads (polling is once-only work): every
/// provider's poller starts when it comes to lead and stops when it no
/// longer does; meanwhile it follows what the leader stores in the cache.
/// Until `stopping`. Must run inside the runtime.
pub fn spawn(
    upstreams: &Upstreams,
    settings: &Settings,
    cache: Arc<UpstreamCache>,
    cluster: Arc<dyn Cluster>,
    client: HttpsClient,
    stopping: watch::Receiver<bool>,
) {
    tokio::spawn(cache::follow(
        upstreams.clone(),
        cache.clone(),
        cluster.clone(),
        stopping.clone(),
    ));
    let (upstreams, settings) = (upstreams.clone(), settings.clone());
    spawn_while_leading(cluster.clone(), stopping, move |mut until| {
        upstreams.start_polling(Runner {
            runtime: tokio::runtime::Handle::current(),
            client: client.clone(),
            settings: settings.clone(),
            stopping: until.clone(),
            seed: now_ms() as u64,
            cache: cache.clone(),
            cluster: cluster.clone(),
        });
        let upstreams = upstreams.clone();
        async move {
            let _ = until.wait_for(|s| *s).await;
            upstreams.stop_polling();
        }
    });
}

/// Starts the poller of one entry; none for a URL we do not poll.
fn start(
    upstreams: &Upstreams,
    runner: &Runner,
    entry: &Entry,
) -> Option<tokio::task::AbortHandle> {
    let url = entry.target.as_ref().ok()?.clone();
    let task = Poller {
        upstreams: upstreams.clone(),
        cache: runner.cache.clone(),
        cluster: runner.cluster.clone(),
        id: entry.id,
        url,
        client: runner.client.clone(),
        timeout: runner.settings.timeout,
        max_bytes: runner.settings.max_bytes,
        rng: SplitMix(runner.seed ^ entry.id.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        schedule: PollSchedule::new(runner.settings.interval.as_millis() as u64),
    };
    Some(
        runner
            .runtime
            .spawn(task.run(runner.stopping.clone()))
            .abort_handle(),
    )
}

struct Poller {
    upstreams: Upstreams,
    cache: Arc<UpstreamCache>,
    cluster: Arc<dyn Cluster>,
    id: u64,
    url: Uri,
    client: HttpsClient,
    timeout: Duration,
    max_bytes: usize,
    rng: SplitMix,
    schedule: PollSchedule,
}

impl Poller {
    async fn run(mut self, mut stopping: watch::Receiver<bool>) {
        let mut delay = self.schedule.first_delay(self.rng.next_f64());
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(delay)) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            let result = tokio::select! {
                r = fetch(&self.client, &self.url, self.timeout, self.max_bytes) => r,
                _ = stopping.wait_for(|s| *s) => return,
            };
            let ok = result.is_ok();
            let Some(observed) = self.upstreams.observe(self.id, result, now_ms()) else {
                return;
            };
            // Kept for restarts and for the replicas that do not poll.
            let (cache, cluster) = (self.cache.clone(), self.cluster.clone());
            tokio::task::spawn_blocking(move || match cache.save(&observed, now_ms()) {
                Ok(()) => {
                    let _ = cluster.signal(UPSTREAMS, &observed.name);
                }
                Err(e) => eprintln!(
                    "sitrep-server: cannot keep what {:?} said: {e}",
                    observed.name
                ),
            });
            let random = self.rng.next_f64();
            delay = if ok {
                self.schedule.after_success(random)
            } else {
                self.schedule.after_failure(random)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_is_a_name_and_a_base_url() {
        let p: Provider = "github=https://www.githubstatus.com/".parse().unwrap();
        assert_eq!(p.name, "github");
        assert_eq!(p.url, "https://www.githubstatus.com");
        assert_eq!(
            p.summary_url.to_string(),
            "https://www.githubstatus.com/api/v2/summary.json"
        );
        let q: Provider = "gh=https://www.githubstatus.com/api/v2/summary.json"
            .parse()
            .unwrap();
        assert_eq!(q.summary_url, p.summary_url);
    }

    #[test]
    fn malformed_provider_flags_are_refused_with_a_reason() {
        for (flag, want) in [
            ("github", "expected NAME=URL"),
            ("=https://a.example", "1 to 64 bytes"),
            ("a=ftp://a.example", "https:// or http://"),
            ("a=www.githubstatus.com", "https:// or http://"),
            ("a=https://a.example/?x=1", "query"),
            ("a=https://not a url", "not a URL"),
        ] {
            let err = flag.parse::<Provider>().unwrap_err();
            assert!(err.contains(want), "{flag}: {err}");
        }
    }

    #[test]
    fn two_providers_may_not_share_a_name() {
        let p: Provider = "a=https://a.example".parse().unwrap();
        let s = Settings {
            providers: vec![p.clone(), p],
            ..Settings::default()
        };
        assert!(s.check().unwrap_err().contains("\"a\""));
    }
}
