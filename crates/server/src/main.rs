//! The `sitrep-server` command line: parses arguments, binds, announces the
//! address and runs the server until SIGINT or SIGTERM.

use clap::{Parser, Subcommand};
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::ChangeAccount;
use sitrep_server::cli::{
    backup, change_account, create_account, create_token, list_accounts, list_tokens,
    open_accounts, Failure, Store,
};
use sitrep_server::publish;
use sitrep_server::rate::Rate;
use sitrep_server::upstream::{self, Provider};
use sitrep_server::{Config, Limits, Server};
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
// Parsed once at start; the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Serve the API (HTTP + websocket) and the built console.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        data: Store,
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
        /// How long a browser session lasts, in minutes.
        #[arg(long, value_name = "MINUTES", default_value_t = 12 * 60,
              value_parser = clap::value_parser!(u64).range(1..=60 * 24 * 90))]
        session_minutes: u64,
        /// Tests only: session length in ms, overriding --session-minutes.
        #[arg(long, hide = true)]
        session_ms: Option<u64>,
        /// POSTs of events each account may make per second (sustained).
        #[arg(long, value_name = "N", default_value_t = 20.0)]
        post_rate: f64,
        /// POSTs each account may make at once before the rate applies.
        #[arg(long, value_name = "N", default_value_t = 100.0)]
        post_burst: f64,
        /// Drop a websocket client that has not taken a message for this long.
        #[arg(long, value_name = "MS", default_value_t = 10_000,
              value_parser = clap::value_parser!(u64).range(10..))]
        ws_send_timeout_ms: u64,
        /// Sitrep is behind a TLS proxy: trust its X-Forwarded-Proto: https
        /// (and mark the session cookie Secure) and take the last
        /// X-Forwarded-For entry as the client's address for sign-in limits.
        #[arg(long)]
        tls_proxy: bool,
        /// A browser origin besides the server's own (scheme://host[:port])
        /// whose pages may sign in and open the stream, e.g. the address a
        /// reverse proxy serves Sitrep under when it rewrites Host; repeatable.
        #[arg(long = "allowed-origin", value_name = "ORIGIN",
              value_parser = sitrep_server::origin::parse_allowed)]
        allowed_origins: Vec<String>,
        /// Connections one client address may hold open at once (websockets
        /// included); more are closed as soon as they are accepted.
        #[arg(long, value_name = "N", default_value_t = 256,
              value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_connections_per_address: u64,
        /// Tests only: how long a connection may take to send a request head
        /// (and stay idle between requests), in ms (default 10 s).
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        header_timeout_ms: Option<u64>,
        /// Tests only: how long a request may take to be answered, in ms
        /// (default 30 s).
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        request_timeout_ms: Option<u64>,
        /// The name the own public status page (/status) shows.
        #[arg(long, value_name = "NAME", default_value = "Status")]
        status_page_name: String,
        /// The public address of that page, stated in its JSON.
        #[arg(long, value_name = "URL", default_value = "")]
        status_page_url: String,
        /// Tests only: the time limit of one request to a publishing target.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        publish_timeout_ms: Option<u64>,
        /// Tests only: the first wait before retrying a delivery.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(10..))]
        publish_retry_base_ms: Option<u64>,
        /// Tests only: attempts per delivery before it fails.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u32).range(1..))]
        publish_attempts: Option<u32>,
        /// Tests only: the server's clock starts at this instant (ms since
        /// the epoch, UTC) and runs on from there, so date rules are tested
        /// on a chosen day rather than today.
        #[arg(long, hide = true)]
        clock_start_ms: Option<i64>,
        /// The SMTP server for email to subscribers: smtp://host[:587]
        /// (STARTTLS required), smtps://host[:465] (TLS), or
        /// smtp://127.0.0.1:PORT?tls=none for a relay on this machine. A
        /// user name may be in it (smtp://user@host); the password never:
        /// see --smtp-password-file. Needs --smtp-from and --status-page-url.
        #[arg(long, value_name = "URL")]
        smtp: Option<String>,
        /// The From of every email, e.g. "Example status <status@example.com>".
        #[arg(long, value_name = "ADDRESS")]
        smtp_from: Option<String>,
        /// The address bounces come back to: each email's envelope sender
        /// is its own LOCAL+TOKEN@DOMAIN form, so a bounce handed to
        /// POST /api/v1/email/bounces names the copy. Default: the
        /// --smtp-from address.
        #[arg(long, value_name = "ADDRESS")]
        smtp_bounce_address: Option<String>,
        /// A file holding the SMTP password (its first line); or set
        /// SITREP_SMTP_PASSWORD. Never printed.
        #[arg(long, value_name = "FILE")]
        smtp_password_file: Option<PathBuf>,
        /// Emails sent per second at most.
        #[arg(long, value_name = "N", default_value_t = 5.0)]
        smtp_rate: f64,
        /// A PEM certificate to trust for the SMTP server besides the public
        /// roots (a private CA).
        #[arg(long, value_name = "FILE")]
        smtp_ca: Option<PathBuf>,
        /// Tests only: the time limit of one SMTP exchange in ms (default 30 s).
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(50..))]
        smtp_timeout_ms: Option<u64>,
        /// A web origin (scheme://host[:port]) whose pages may read
        /// /api/v2/banner.json (the in-app banner); repeatable.
        #[arg(long = "banner-origin", value_name = "ORIGIN",
              value_parser = sitrep_server::origin::parse_allowed)]
        banner_origins: Vec<String>,
        /// Let subscriber webhooks reach private, loopback and link-local
        /// addresses (a closed network); off by default so a subscriber
        /// cannot point the server at the machines around it.
        #[arg(long)]
        webhook_allow_private: bool,
        /// Tests only: subscription requests one client address may make at once.
        #[arg(long, hide = true)]
        subscribe_burst: Option<f64>,
    },
    /// Accounts: create one (or reset its role and password), count them.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// API tokens for tools and scripts.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Copies the SQLite database while the server runs (SQLite's online
    /// backup) to a new file. On PostgreSQL, use pg_dump.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[command(flatten)]
        data: Store,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Creates an account (or resets an existing one's role and password,
    /// which ends its sessions and revokes its API tokens).
    /// The password is read from stdin: prompted on a terminal, else one line.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Role,
        /// On a reset, keep the account's API tokens working.
        #[arg(long)]
        keep_tokens: bool,
        #[command(flatten)]
        data: Store,
    },
    /// Lists the accounts: role, disabled or not, open sessions, tokens.
    List {
        #[command(flatten)]
        data: Store,
    },
    /// Changes an account's role (its sessions and tokens stay).
    Role {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Role,
        #[command(flatten)]
        data: Store,
    },
    /// Disables an account: its sessions end, its tokens and streams stop
    /// working at once, and it cannot sign in until enabled again.
    Disable {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: Store,
    },
    /// Enables a disabled account again (its tokens work again).
    Enable {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: Store,
    },
    /// Removes an account with its sessions and tokens (its events and
    /// audit entries stay).
    Remove {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: Store,
    },
    /// Prints how many accounts there are (0 on a fresh install).
    Count {
        #[command(flatten)]
        data: Store,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates an API token for an account and prints it, once: only its
    /// hash is stored. Send it as `Authorization: Bearer TOKEN`.
    Create {
        /// The account the token acts as (with that account's role).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: Store,
    },
    /// Lists API tokens (never the tokens themselves): id, account,
    /// created, last used (to the minute).
    List {
        /// Only this account's.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        data: Store,
    },
    /// Revokes a token by the id `token list` shows; its streams close.
    Revoke {
        #[arg(long)]
        id: String,
        #[command(flatten)]
        data: Store,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Account {
            command:
                AccountCommand::Create {
                    name,
                    role,
                    keep_tokens,
                    data,
                },
        } => create_account(&data, &name, role, keep_tokens),
        Command::Account {
            command: AccountCommand::List { data },
        } => list_accounts(&data),
        Command::Account {
            command: AccountCommand::Role { name, role, data },
        } => change_account(
            &data,
            &name,
            ChangeAccount {
                role: Some(role),
                ..ChangeAccount::default()
            },
            &format!("{name} is now a {role}."),
        ),
        Command::Account {
            command: AccountCommand::Disable { name, data },
        } => change_account(
            &data,
            &name,
            ChangeAccount {
                disabled: Some(true),
                ..ChangeAccount::default()
            },
            &format!("{name} is disabled."),
        ),
        Command::Account {
            command: AccountCommand::Enable { name, data },
        } => change_account(
            &data,
            &name,
            ChangeAccount {
                disabled: Some(false),
                ..ChangeAccount::default()
            },
            &format!("{name} is enabled."),
        ),
        Command::Account {
            command: AccountCommand::Remove { name, data },
        } => open_accounts(&data).and_then(|a| {
            a.remove("install", &name)??;
            println!("{name} is removed.");
            Ok(())
        }),
        Command::Token {
            command: TokenCommand::List { name, data },
        } => list_tokens(&data, name.as_deref()),
        Command::Token {
            command: TokenCommand::Revoke { id, data },
        } => open_accounts(&data).and_then(|a| {
            let name = a.revoke_token("install", &id)??;
            println!("Token {id} of {name} is revoked.");
            Ok(())
        }),
        Command::Account {
            command: AccountCommand::Count { data },
        } => open_accounts(&data).and_then(|a| {
            println!("{}", a.count()?);
            Ok(())
        }),
        Command::Token {
            command: TokenCommand::Create { name, data },
        } => create_token(&data, &name),
        Command::Backup { to, data } => backup(&data, &to),
        serve @ Command::Serve { .. } => match tokio::runtime::Runtime::new() {
            Ok(rt) => rt.block_on(run_serve(serve)),
            Err(e) => Err(e.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sitrep-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_serve(command: Command) -> Result<(), Failure> {
    let Command::Serve {
        addr,
        data,
        static_dir,
        upstreams,
        upstream_interval,
        upstream_interval_ms,
        upstream_timeout_ms,
        session_minutes,
        session_ms,
        post_rate,
        post_burst,
        ws_send_timeout_ms,
        tls_proxy,
        allowed_origins,
        max_connections_per_address,
        header_timeout_ms,
        request_timeout_ms,
        status_page_name,
        status_page_url,
        publish_timeout_ms,
        publish_retry_base_ms,
        publish_attempts,
        clock_start_ms,
        smtp,
        smtp_from,
        smtp_bounce_address,
        smtp_password_file,
        smtp_rate,
        smtp_ca,
        smtp_timeout_ms,
        banner_origins,
        webhook_allow_private,
        subscribe_burst,
    } = command
    else {
        unreachable!("run_serve is only called for serve");
    };
    if let Some(ms) = clock_start_ms {
        sitrep_server::clock::start_at(ms);
    }
    if !(post_rate > 0.0 && post_burst >= 1.0) {
        return Err("--post-rate must be above 0 and --post-burst at least 1".into());
    }
    let limits = Limits {
        session_ttl: session_ms
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(session_minutes * 60)),
        posts: Rate {
            per_second: post_rate,
            burst: post_burst,
        },
        ws_send_timeout: Duration::from_millis(ws_send_timeout_ms),
        tls_proxy,
        allowed_origins,
        connections: connections_limits(
            max_connections_per_address,
            header_timeout_ms,
            request_timeout_ms,
        ),
        ..Limits::default()
    };
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
    let mut publish = publish::Settings::default();
    publish.page.name = status_page_name;
    publish.page.url = status_page_url;
    if let Some(ms) = publish_timeout_ms {
        publish.timeout = Duration::from_millis(ms);
        publish.connect_timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = publish_retry_base_ms {
        publish.policy.base_ms = ms;
        publish.policy.max_ms = ms * 8;
    }
    if let Some(n) = publish_attempts {
        publish.policy.max_attempts = n;
    }
    publish.channels.allow_private_webhooks = webhook_allow_private;
    if let Some(b) = subscribe_burst {
        publish.channels.subscribe_per_ip.burst = b.max(1.0);
    }
    if let Some(url) = smtp {
        let mut settings = smtp_settings(
            &url,
            smtp_from,
            smtp_password_file,
            smtp_rate,
            smtp_ca,
            smtp_timeout_ms,
            &publish.page.url,
        )?;
        settings.bounce_address = smtp_bounce_address;
        publish.channels.smtp = Some(settings);
    } else if smtp_bounce_address.is_some() {
        return Err(
            "--smtp-bounce-address needs --smtp: without an SMTP server no email is sent".into(),
        );
    }
    serve(
        addr,
        data,
        static_dir,
        upstreams,
        limits,
        publish,
        banner_origins,
    )
    .await
}

/// `--smtp` and friends, checked before anything starts. The password comes
/// from a file or the environment and is never echoed in an error.
fn smtp_settings(
    url: &str,
    from: Option<String>,
    password_file: Option<PathBuf>,
    rate: f64,
    ca: Option<PathBuf>,
    timeout_ms: Option<u64>,
    page_url: &str,
) -> Result<publish::channels::mailer::SmtpSettings, Failure> {
    use publish::channels::mailer::{parse_url, SmtpSettings};
    let (host, port, security, user) = parse_url(url)?;
    let from = from.ok_or("--smtp needs --smtp-from, the address emails come from")?;
    if !(page_url.starts_with("https://") || page_url.starts_with("http://")) {
        return Err(
            "--smtp needs --status-page-url: every email links to the page and to unsubscribe"
                .into(),
        );
    }
    if rate.is_nan() || rate <= 0.0 {
        return Err("--smtp-rate must be above 0".into());
    }
    let password = match password_file {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read --smtp-password-file {}: {e}", path.display()))?;
            Some(text.lines().next().unwrap_or("").to_string())
        }
        None => std::env::var("SITREP_SMTP_PASSWORD").ok(),
    };
    if password.is_some() && user.is_none() {
        return Err("an SMTP password was given but no user: write it as smtp://USER@host".into());
    }
    let ca_pem = match ca {
        Some(path) => Some(
            std::fs::read(&path)
                .map_err(|e| format!("cannot read --smtp-ca {}: {e}", path.display()))?,
        ),
        None => None,
    };
    Ok(SmtpSettings {
        host,
        port,
        security,
        user,
        password,
        from,
        bounce_address: None,
        rate,
        timeout: Duration::from_millis(timeout_ms.unwrap_or(30_000)),
        ca_pem,
    })
}

fn connections_limits(
    per_address: u64,
    header_ms: Option<u64>,
    request_ms: Option<u64>,
) -> sitrep_server::connections::Timeouts {
    let d = sitrep_server::connections::Timeouts::default();
    sitrep_server::connections::Timeouts {
        header: header_ms.map(Duration::from_millis).unwrap_or(d.header),
        request: request_ms.map(Duration::from_millis).unwrap_or(d.request),
        per_address: per_address as usize,
    }
}

async fn serve(
    addr: SocketAddr,
    data: Store,
    static_dir: PathBuf,
    upstreams: upstream::Settings,
    limits: Limits,
    publish: publish::Settings,
    banner_origins: Vec<String>,
) -> Result<(), Failure> {
    if !static_dir.join("index.html").is_file() {
        eprintln!(
            "sitrep-server: warning: no index.html in {}; serving the API only (build the console with trunk)",
            static_dir.display()
        );
    }
    let config = Config {
        storage: data.location()?,
        static_dir,
        upstreams,
        limits,
        publish,
        banner_origins,
    };
    // Opening blocks on the database (and may wait for another process's
    // schema step): off the async workers.
    let server = tokio::task::spawn_blocking(move || Server::new(&config)).await??;
    let accounts = server.accounts();
    if tokio::task::spawn_blocking(move || accounts.count()).await?? == 0 {
        eprintln!(
            "sitrep-server: warning: there are no accounts yet, so nobody can sign in. Create the first admin with:\n  \
             sitrep-server account create --name NAME --role admin {}",
            match &data.database {
                Some(_) => "(with the same SITREP_DATABASE)".to_string(),
                None => format!("--data {}", data.data.display()),
            }
        );
    }
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
