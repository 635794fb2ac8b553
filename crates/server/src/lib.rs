//! sitrep-server as a library: builds the HTTP router from a `Config`, so
//! the binary and in-process tests run the very same app.

pub mod accounts;
pub mod admin;
pub mod alerts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod connections;
pub mod console;
pub mod directory;
pub mod fanout;
pub mod freeze;
pub mod hashing;
pub mod headers;
pub mod intake;
pub mod metrics;
pub mod origin;
pub mod outbound;
pub mod overload;
pub mod peer;
pub mod presence;
pub mod publish;
pub mod rate;
pub mod reply;
pub mod reviews;
pub mod routes;
pub mod storage;
pub mod stream;
pub mod team_hooks;
pub mod upstream;
pub mod webhook_post;

use axum::Router;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
pub use storage::sqlite::{prepare_data_dir, DB_FILE};
use storage::{DbError, EventStore};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

pub struct Config {
    /// SQLite in a data directory (created if missing), or PostgreSQL.
    pub storage: storage::Location,
    /// The built console (trunk's `dist/`).
    pub static_dir: PathBuf,
    /// Status pages to watch; none unless an admin configured some.
    pub upstreams: upstream::Settings,
    pub limits: Limits,
    /// The own status page's identity, and how targets are called and retried.
    pub publish: publish::Settings,
    /// Origins whose pages may read `/api/v2/banner.json` (`--banner-origin`).
    pub banner_origins: Vec<String>,
}

/// How long sessions last and how hard anyone may push.
#[derive(Clone, Debug)]
pub struct Limits {
    pub session_ttl: std::time::Duration,
    /// POSTs of events per account.
    pub posts: rate::Rate,
    /// Failed sign-ins per (name, client address): the owner signing in
    /// from elsewhere is not held up by someone else's guesses.
    pub sign_in_backoff: rate::BackoffPolicy,
    /// Sign-in attempts per client address, whatever names they try.
    pub sign_ins_per_address: rate::Rate,
    /// Password hashes run at once (each takes 19 MiB), and how many more
    /// may wait; a sign-in beyond those is answered 503.
    pub hash_threads: usize,
    pub hash_queue: usize,
    /// A websocket client that has not taken a message by then is dropped.
    pub ws_send_timeout: std::time::Duration,
    /// Trust `X-Forwarded-Proto: https` from a TLS proxy in front (sets the
    /// cookie's Secure flag). Off by default: anyone can send that header.
    pub tls_proxy: bool,
    /// Header, request and idle timeouts, and open connections per address.
    pub connections: connections::Timeouts,
    /// Browser origins besides the server's own that may open the stream
    /// and sign in (`--allowed-origin`), as `origin::parse_allowed` gives them.
    pub allowed_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            session_ttl: std::time::Duration::from_secs(12 * 3600),
            posts: rate::Rate {
                per_second: 20.0,
                burst: 100.0,
            },
            sign_in_backoff: rate::BackoffPolicy {
                free: 5,
                first: std::time::Duration::from_secs(1),
                max: std::time::Duration::from_secs(15 * 60),
                forget_after: std::time::Duration::from_secs(3600),
            },
            sign_ins_per_address: rate::Rate {
                per_second: 0.5,
                burst: 20.0,
            },
            hash_threads: 2,
            hash_queue: 16,
            ws_send_timeout: std::time::Duration::from_secs(10),
            tls_proxy: false,
            connections: connections::Timeouts::default(),
            allowed_origins: Vec::new(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub log: Arc<dyn EventStore>,
    /// The log's id (`storage::log_id`), read once at start: it never
    /// changes under a running server.
    pub log_id: Arc<str>,
    /// Everything beside the log (accounts, publishing, caches).
    pub db: Arc<dyn storage::Database>,
    /// The other replicas, if any: signals and leadership.
    pub cluster: Arc<dyn storage::cluster::Cluster>,
    pub accounts: Arc<accounts::Accounts>,
    pub post_limiter: Arc<rate::Limiter>,
    pub sign_in_backoff: Arc<rate::Backoff>,
    pub address_limiter: Arc<rate::Limiter>,
    /// Where passwords are hashed and checked, a few at a time.
    pub hashers: Arc<hashing::Hashers>,
    pub session_ttl: std::time::Duration,
    pub ws_send_timeout: std::time::Duration,
    pub tls_proxy: bool,
    pub allowed_origins: Arc<Vec<String>>,
    /// Hands committed events to every open stream.
    pub live: fanout::Fanout,
    /// Refuses writes while deliveries or commits fall behind.
    pub door: overload::Door,
    /// What review checks read, kept current by every commit (the log's feed).
    pub reviews: reviews::Reviews,
    /// Flips to true when the server is stopping, so websockets can say goodbye.
    pub stopping: watch::Receiver<bool>,
    pub presence: presence::Board,
    /// Names of accounts whose sessions, tokens, password or role changed
    /// (from this server or the CLI): their streams check their credential
    /// again and close if it no longer holds.
    pub account_changes: broadcast::Sender<Arc<str>>,
    /// What watched providers last said; streams push it on change.
    pub upstreams: upstream::Upstreams,
    /// Publishing targets, the delivery queue and the own status page.
    pub relay: publish::Relay,
    /// The alert inbox as stored, and the writer that paces alert storms.
    pub alerts: alerts::Alerts,
    /// The team's outbound webhooks.
    pub hooks: team_hooks::TeamHooks,
}

pub struct Server {
    router: Router,
    /// The one client for calls out (publishing, upstream polling).
    https: outbound::HttpsClient,
    accounts: Arc<accounts::Accounts>,
    account_changes: broadcast::Sender<Arc<str>>,
    stop: watch::Sender<bool>,
    upstreams: upstream::Upstreams,
    upstream_settings: upstream::Settings,
    upstream_cache: Arc<upstream::UpstreamCache>,
    relay: publish::Relay,
    alerts: alerts::Alerts,
    hooks: team_hooks::TeamHooks,
    timeouts: connections::Timeouts,
    db: Arc<dyn storage::Database>,
    cluster: Arc<dyn storage::cluster::Cluster>,
    presence: presence::Board,
    /// On several replicas: the tasks that share presence.
    sharing: Option<presence::Sharing>,
}

impl Server {
    /// Opens the storage (running pending schema steps) and builds the app.
    /// Blocks on the database: call it off the async workers.
    pub fn new(config: &Config) -> Result<Server, StartError> {
        let storage = storage::open(&config.storage).map_err(StartError::Database)?;
        let log = storage.log.clone();
        let log_id = storage::log_id(storage.db.as_ref()).map_err(StartError::Database)?;
        let accounts = accounts::Accounts::new(storage.db.clone()).map_err(StartError::Database)?;
        let queue = publish::queue::PublishQueue::new(storage.db.clone());
        let live = fanout::Fanout::default();
        let reviews = reviews::Reviews::default();
        let channel_store = publish::channels::store::ChannelStore::new(storage.db.clone());
        let hook_store = team_hooks::store::HookStore::new(storage.db.clone());
        let (stop, stopping) = watch::channel(false);
        config.upstreams.check().map_err(StartError::Upstreams)?;
        // Providers added from consoles are events on the workspace stream.
        let workspace = log
            .stream_events(&sitrep_core::IncidentId::workspace())
            .map_err(StartError::Database)?;
        let upstreams = upstream::Upstreams::new(
            &config.upstreams.providers,
            &workspace,
            crate::clock::now_ms(),
        );
        // What providers said before this start (or on the leading replica).
        let upstream_cache = Arc::new(upstream::UpstreamCache::new(storage.db.clone()));
        match upstream_cache.load() {
            Ok(cached) => upstreams.adopt(cached),
            Err(e) => eprintln!("sitrep-server: cannot read the upstream cache: {e}"),
        }
        let cluster = storage.cluster.clone();
        let relay = publish::Relay::new(
            queue,
            channel_store,
            config.publish.clone(),
            log.clone(),
            cluster.clone(),
        )
        .map_err(StartError::Channels)?;
        let hooks = team_hooks::TeamHooks::new(
            hook_store,
            log.clone(),
            cluster.clone(),
            team_hooks::Settings {
                console_url: config.publish.page.url.clone(),
                policy: config.publish.policy.clone(),
                timeout: config.publish.timeout,
            },
        );
        // The alert inbox as stored, and the writer that paces storms.
        let alerts = alerts::Alerts::open(log.clone()).map_err(StartError::Database)?;
        // Every committed event, once and in seq order, whichever replica
        // stored it: to the live streams (the fan-out), to the review folds,
        // to the upstream list (providers change in seq order), and, on the
        // leading replica, to the publishing queue (on one machine a
        // published update is queued before its POST is acked; a replica
        // that takes the lead queues whatever it finds missing). Every
        // replica's public page marks itself stale; the leader's team hooks
        // read the log behind their own cursor.
        {
            let (live, reviews) = (live.clone(), reviews.clone());
            let (upstreams, relay, hooks) = (upstreams.clone(), relay.clone(), hooks.clone());
            let alerts = alerts.clone();
            let leader = cluster.leader();
            log.set_feed(Arc::new(move |events| {
                live.publish(events);
                reviews.committed(events);
                upstreams.workspace_events(events);
                // Every replica keeps its inbox (dedup, triage checks) current.
                alerts.stored(events);
                relay.public.stored(events);
                if *leader.borrow() {
                    relay.stored(events);
                    hooks.wake();
                }
            }));
        }
        let (presence, sharing) = if cluster.replicated() {
            let (board, sharing) = presence::Board::replicated();
            (board, Some(sharing))
        } else {
            (presence::Board::default(), None)
        };
        let accounts = Arc::new(accounts);
        let (account_changes, _) = broadcast::channel(256);
        let state = AppState {
            log: log.clone(),
            log_id: Arc::from(log_id),
            db: storage.db.clone(),
            accounts: accounts.clone(),
            account_changes: account_changes.clone(),
            post_limiter: Arc::new(rate::Limiter::new(config.limits.posts)),
            sign_in_backoff: Arc::new(rate::Backoff::new(config.limits.sign_in_backoff)),
            address_limiter: Arc::new(rate::Limiter::new(config.limits.sign_ins_per_address)),
            hashers: Arc::new(hashing::Hashers::new(
                config.limits.hash_threads,
                config.limits.hash_queue,
            )),
            session_ttl: config.limits.session_ttl,
            ws_send_timeout: config.limits.ws_send_timeout,
            tls_proxy: config.limits.tls_proxy,
            allowed_origins: Arc::new(config.limits.allowed_origins.clone()),
            live,
            door: overload::Door::default(),
            reviews,
            stopping,
            presence: presence.clone(),
            cluster: cluster.clone(),
            upstreams: upstreams.clone(),
            relay: relay.clone(),
            alerts: alerts.clone(),
            hooks: hooks.clone(),
        };
        let public = publish::own::Public {
            relay: relay.clone(),
            log: log.clone(),
            banner_origins: Arc::new(config.banner_origins.clone()),
            tls_proxy: config.limits.tls_proxy,
        };
        let router = routes::router(
            state.clone(),
            public,
            config.static_dir.clone(),
            config.limits.connections.request,
        );
        // Publishing and upstream polling share one HTTPS client; its
        // connect bound is the shorter of theirs (each bounds its requests'
        // whole time itself).
        let https = outbound::client(config.publish.connect_timeout.min(config.upstreams.timeout));
        Ok(Server {
            router,
            https,
            accounts,
            account_changes,
            stop,
            upstreams,
            upstream_settings: config.upstreams.clone(),
            upstream_cache,
            relay,
            alerts,
            hooks,
            timeouts: config.limits.connections,
            db: storage.db.clone(),
            cluster,
            presence,
            sharing,
        })
    }

    pub fn accounts(&self) -> Arc<accounts::Accounts> {
        self.accounts.clone()
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves until `signal` resolves, then stops taking connections, closes
    /// the websockets and waits for requests in flight, but no longer than
    /// `SHUTDOWN_GRACE`: a browser holding a keep-alive connection open must
    /// not keep a stopped server alive.
    pub async fn serve(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = self.stop;
        // Polling starts with serving, inside the runtime, and ends with it
        // (on the leading replica).
        upstream::spawn(
            &self.upstreams,
            &self.upstream_settings,
            self.upstream_cache.clone(),
            self.cluster.clone(),
            self.https.clone(),
            stop.subscribe(),
        );
        // So does the relay, which first repairs what the last stop left.
        self.relay.spawn(self.https.clone(), stop.subscribe());
        // And the alert desk's writer.
        self.alerts.spawn(stop.subscribe());
        if let Some(sharing) = self.sharing {
            sharing.run(
                self.presence.clone(),
                self.db.clone(),
                self.cluster.clone(),
                stop.subscribe(),
            );
        }
        self.hooks.spawn(self.https.clone(), stop.subscribe());
        tokio::spawn(accounts::watch(
            self.accounts.clone(),
            self.account_changes.clone(),
            stop.subscribe(),
        ));
        let stopping = stop.subscribe();
        tokio::spawn(async move {
            signal.await;
            let _ = stop.send(true);
        });
        connections::serve(
            listener,
            self.router,
            self.timeouts,
            stopping,
            SHUTDOWN_GRACE,
        )
        .await
    }
}

/// How long a stopping server waits for open connections.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug)]
pub enum StartError {
    Database(DbError),
    Upstreams(String),
    Channels(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Database(e) => write!(f, "cannot open the database: {e}"),
            StartError::Upstreams(e) => write!(f, "bad --upstream: {e}"),
            StartError::Channels(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}
