//! The `sitrep-server` command line: parses arguments, binds, announces the
//! address and runs the server until SIGINT or SIGTERM.

use clap::{Parser, Subcommand};
use sitrep_server::upstream::{self, Provider};
use sitrep_server::{Config, Server};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_STATIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist");

#[derive(Parser)]
#[command(
    name = "sitrep-server",
    version,
    about = "Sitrep's reference backend: the shared incident log and the console."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (HTTP + websocket) and the built console.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Directory for the event log (sitrep.sqlite3); created if missing.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The built console (trunk's dist/).
        #[arg(long = "static", default_value = DEFAULT_STATIC)]
        static_dir: PathBuf,
        /// A status page to watch, NAME=URL with URL the page's base
        /// (it must serve /api/v2/summary.json); repeatable.
        #[arg(long = "upstream", value_name = "NAME=URL")]
        upstreams: Vec<Provider>,
        /// Seconds between polls of each upstream (jittered; longer after errors).
        #[arg(long, value_name = "SECONDS", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..=86_400))]
        upstream_interval: u64,
        /// Tests only: the poll interval in ms, overriding --upstream-interval.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        upstream_interval_ms: Option<u64>,
        /// Tests only: the time limit of one poll in ms (default 10 s).
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        upstream_timeout_ms: Option<u64>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let Command::Serve {
        addr,
        data,
        static_dir,
        upstreams,
        upstream_interval,
        upstream_interval_ms,
        upstream_timeout_ms,
    } = Cli::parse().command;
    let upstreams = upstream::Settings {
        providers: upstreams,
        interval: upstream_interval_ms
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(upstream_interval)),
        timeout: upstream_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(upstream::DEFAULT_TIMEOUT),
        ..upstream::Settings::default()
    };
    match serve(addr, data, static_dir, upstreams).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sitrep-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    addr: SocketAddr,
    data: PathBuf,
    static_dir: PathBuf,
    upstreams: upstream::Settings,
) -> Result<(), Box<dyn std::error::Error>> {
    if !static_dir.join("index.html").is_file() {
        eprintln!(
            "sitrep-server: warning: no index.html in {}; serving the API only (build the console with trunk)",
            static_dir.display()
        );
    }
    let server = Server::new(&Config {
        data_dir: data,
        static_dir,
        upstreams,
    })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    // Scripts and tests wait for exactly this line.
    let mut out = std::io::stdout().lock();
    writeln!(out, "Sitrep is running at http://{bound}/")?;
    out.flush()?;
    drop(out);
    server.serve(listener, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
