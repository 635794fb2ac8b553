//! The command line's account, token and backup commands: where the data
//! lives (`--data` or `--database`), and the work each command does, for
//! the `sitrep-server` binary.

use crate::accounts::{self, Accounts};
use crate::storage::{self, Location};
use sitrep_core::log::access::Role;
use sitrep_core::log::admin::ChangeAccount;
use sitrep_core::time::utc;
use std::io::Write;
use std::path::PathBuf;

pub type Failure = Box<dyn std::error::Error>;

/// Where the data lives, for every command: SQLite in `--data` (the
/// default), or PostgreSQL with `--database` for several replicas.
#[derive(clap::Args, Clone, Debug)]
pub struct Store {
    /// Directory for SQLite (sitrep.sqlite3); created if missing. Not used
    /// with --database.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// PostgreSQL instead of SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    /// (every replica of one deployment names the same database).
    #[arg(
        long,
        env = "SITREP_DATABASE",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
}

impl Store {
    pub fn location(&self) -> Result<Location, Failure> {
        Ok(Location::from_args(
            self.data.clone(),
            self.database.as_deref(),
        )?)
    }
}

pub fn open_accounts(data: &Store) -> Result<Accounts, Failure> {
    let location = data.location()?;
    let db = storage::open_database(&location)
        .map_err(|e| format!("cannot open {}: {e}", location.describe()))?;
    Ok(Accounts::new(db)?)
}

pub fn create_account(
    data: &Store,
    name: &str,
    role: Role,
    keep_tokens: bool,
) -> Result<(), Failure> {
    accounts::check_name(name)?;
    let accounts = open_accounts(data)?;
    let password = read_password(name)?;
    accounts.upsert("install", name, role, &password, keep_tokens)??;
    println!("Account {name} ({role}) is ready.");
    Ok(())
}

pub fn change_account(
    data: &Store,
    name: &str,
    change: ChangeAccount,
    done: &str,
) -> Result<(), Failure> {
    open_accounts(data)?.change("install", name, &change)??;
    println!("{done}");
    Ok(())
}

pub fn list_accounts(data: &Store) -> Result<(), Failure> {
    for a in open_accounts(data)?.list()? {
        let state = match a.disabled_at {
            Some(at) => format!("disabled {}", utc::format(at)),
            None => "enabled".into(),
        };
        println!(
            "{}\t{}\t{state}\t{} sessions\t{} tokens",
            a.name, a.role, a.sessions, a.tokens
        );
    }
    Ok(())
}

pub fn list_tokens(data: &Store, name: Option<&str>) -> Result<(), Failure> {
    for t in open_accounts(data)?.tokens(name)? {
        let used = t
            .last_used_at
            .map(utc::format)
            .unwrap_or_else(|| "never used".into());
        println!(
            "{}\t{}\tcreated {}\t{used}",
            t.id,
            t.account,
            utc::format(t.created_at)
        );
    }
    Ok(())
}

pub fn create_token(data: &Store, name: &str) -> Result<(), Failure> {
    let accounts = open_accounts(data)?;
    match accounts.create_token("install", name)? {
        Some(token) => {
            eprintln!(
                "The token for {name}, shown only this once (send it as Authorization: Bearer):"
            );
            println!("{token}");
            Ok(())
        }
        None => Err(format!("no account named {name}").into()),
    }
}

/// On a terminal: asked twice without echo. Piped: the first line.
pub fn read_password(name: &str) -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        accounts::check_password(&password)?;
        return Ok(password);
    }
    let ask = |prompt: &str| -> Result<String, Failure> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let _ = std::process::Command::new("stty").arg("-echo").status();
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    loop {
        let first = ask(&format!(
            "Password for {name} (at least {} characters): ",
            accounts::MIN_PASSWORD_CHARS
        ))?;
        if let Err(why) = accounts::check_password(&first) {
            eprintln!("{why}; try again.");
            continue;
        }
        if ask("The same password again: ")? == first {
            return Ok(first);
        }
        eprintln!("The two did not match; try again.");
    }
}

/// A consistent copy of the SQLite database while the server runs (SQLite's
/// online backup), to `to`, made for this user alone. On PostgreSQL the
/// database's own tools do this (pg_dump); the message says so.
pub fn backup(data: &Store, to: &std::path::Path) -> Result<(), Failure> {
    match data.location()? {
        Location::Sqlite(dir) => {
            let pages = storage::sqlite::backup(&dir, to)?;
            println!(
                "Backed up {} to {} ({pages} pages).",
                dir.display(),
                to.display()
            );
            Ok(())
        }
        Location::Postgres(_) => Err("the data is in PostgreSQL: back it up with pg_dump \
             (pg_dump -Fc -d DATABASE -f sitrep.dump; see docs/deploy.md)"
            .into()),
    }
}
