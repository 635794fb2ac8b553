//! sitrep-server as a library: builds the HTTP router from a `Config`, so
//! the binary and in-process tests run the very same app.

pub mod api;
pub mod console;
pub mod store;
pub mod stream;
pub mod upstream;

use axum::Router;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use store::{Store, StoreError};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

pub struct Config {
    /// Holds `sitrep.sqlite3`; created if missing.
    pub data_dir: PathBuf,
    /// The built console (trunk's `dist/`).
    pub static_dir: PathBuf,
    /// Status pages to watch; none unless an admin configured some.
    pub upstreams: upstream::Settings,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub live: broadcast::Sender<stream::Committed>,
    /// Flips to true when the server is stopping, so websockets can say goodbye.
    pub stopping: watch::Receiver<bool>,
    /// What watched providers last said; streams push it on change.
    pub upstreams: upstream::Upstreams,
}

pub struct Server {
    router: Router,
    stop: watch::Sender<bool>,
    upstreams: upstream::Upstreams,
    upstream_settings: upstream::Settings,
}

/// A subscriber that falls this far behind is resynced from SQLite rather
/// than holding everyone else back.
const LIVE_CAPACITY: usize = 4096;

impl Server {
    pub fn new(config: &Config) -> Result<Server, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(StartError::DataDir)?;
        let store =
            Store::open(&config.data_dir.join("sitrep.sqlite3")).map_err(StartError::Store)?;
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let (stop, stopping) = watch::channel(false);
        config.upstreams.check().map_err(StartError::Upstreams)?;
        // Providers added from consoles are events on the workspace stream.
        let workspace = store
            .stream_events(&sitrep_core::IncidentId::workspace())
            .map_err(StartError::Store)?;
        let upstreams =
            upstream::Upstreams::new(&config.upstreams.providers, &workspace, upstream::now_ms());
        let state = AppState {
            store: Arc::new(store),
            live,
            stopping,
            upstreams: upstreams.clone(),
        };
        let router = api::router(state)
            .merge(upstream::router(upstreams.clone()))
            .fallback_service(console::router(config.static_dir.clone()));
        Ok(Server {
            router,
            stop,
            upstreams,
            upstream_settings: config.upstreams.clone(),
        })
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
        // Polling starts with serving, inside the runtime, and ends with it.
        upstream::spawn(&self.upstreams, &self.upstream_settings, stop.subscribe());
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let graceful = axum::serve(listener, self.router).with_graceful_shutdown(async move {
            signal.await;
            let _ = stop.send(true);
            let _ = stopping.send(());
        });
        let deadline = async move {
            if stopped.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            served = graceful => served,
            () = deadline => Ok(()),
        }
    }
}

/// How long a stopping server waits for open connections.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug)]
pub enum StartError {
    DataDir(std::io::Error),
    Store(StoreError),
    Upstreams(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::DataDir(e) => write!(f, "cannot create the data directory: {e}"),
            StartError::Store(e) => write!(f, "cannot open the event log: {e}"),
            StartError::Upstreams(e) => write!(f, "bad --upstream: {e}"),
        }
    }
}

impl std::error::Error for StartError {}
