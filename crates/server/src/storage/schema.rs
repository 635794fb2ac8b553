//! The schema as numbered steps, each with its SQLite and PostgreSQL text.
//! A database records the steps it has had (`sitrep_schema`); a server runs
//! the missing ones at start, one process at a time (SQLite's write lock,
//! PostgreSQL's advisory lock), and refuses a database that has a step it
//! does not know: a newer server wrote it, and running on would lose data.
//!
//! A new table is a new step at the end, never an edit of an old one.

/// One schema change.
#[derive(Debug)]
pub struct Step {
    pub version: u32,
    /// Checked too: a database whose step N has another name was made by a
    /// different build, and is refused rather than guessed at.
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const STEPS: &[Step] = &[
    Step {
        version: 1,
        name: "log, accounts, audit, publishing",
        sqlite: SQLITE_1,
        postgres: POSTGRES_1,
    },
    Step {
        version: 2,
        name: "replicas and presence",
        // One process keeps presence in memory.
        sqlite: "-- replicas and presence are kept in memory on one machine",
        postgres: POSTGRES_2,
    },
    Step {
        version: 3,
        name: "upstream cache",
        sqlite: UPSTREAM_CACHE,
        postgres: UPSTREAM_CACHE,
    },
    Step {
        version: 4,
        name: "subscribers and team webhooks",
        sqlite: SQLITE_4,
        postgres: POSTGRES_4,
    },
    Step {
        version: 5,
        name: "email bounces",
        sqlite: SQLITE_5,
        postgres: POSTGRES_5,
    },
    Step {
        version: 6,
        name: "log identity",
        sqlite: SQLITE_6,
        postgres: POSTGRES_6,
    },
    Step {
        version: 7,
        name: "incident numbers",
        sqlite: SQLITE_7,
        postgres: POSTGRES_7,
    },
];

/// The newest version this binary knows.
pub fn latest() -> u32 {
    STEPS.last().map_or(0, |s| s.version)
}

/// The steps still to run, given those the database records as
/// (version, name) in ascending order; or why the database must be refused.
pub fn pending(applied: &[(u32, String)]) -> Result<&'static [Step], String> {
    for (i, (version, name)) in applied.iter().enumerate() {
        let Some(ours) = STEPS.get(i) else {
            return Err(format!(
                "the database's schema is at version {version} ({name}), newer than this \
                 sitrep-server knows (version {}): run the newer sitrep-server that wrote it, \
                 or restore a backup made by this one",
                latest()
            ));
        };
        if ours.version != *version || ours.name != name {
            return Err(format!(
                "the database's schema step {version} is {name:?}, but this sitrep-server's step \
                 {} is {:?}: the database was made by a different build; nothing was changed",
                ours.version, ours.name
            ));
        }
    }
    Ok(&STEPS[applied.len().min(STEPS.len())..])
}

/// The bookkeeping table itself (the same text works on both backends).
pub const SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS sitrep_schema (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Version 1 on SQLite: the tables as they were before steps were counted,
/// so an existing data directory is taken over as it is (`IF NOT EXISTS`;
/// columns added since by hand are added by `sqlite::schema`).
const SQLITE_1: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    incident TEXT NOT NULL,
    event TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident, seq);
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES accounts(name),
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES accounts(name),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
-- Every change that may end an account's streams (a session ended, a
-- password or role set, an account removed): a running server reads
-- these, whichever process wrote them.
CREATE TABLE IF NOT EXISTS account_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    subject TEXT,
    address TEXT,
    count INTEGER NOT NULL DEFAULT 1,
    last_at INTEGER
);
CREATE TABLE IF NOT EXISTS publish_targets (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    page_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    components TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS publish_deliveries (
    update_id TEXT NOT NULL,
    target TEXT NOT NULL,
    incident TEXT NOT NULL,
    seq INTEGER NOT NULL,
    stage TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    reported INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (update_id, target)
);
CREATE TABLE IF NOT EXISTS publish_links (
    target TEXT NOT NULL,
    incident TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    PRIMARY KEY (target, incident)
);
";

/// Version 1 on PostgreSQL: the same tables. The log's seq is handed out
/// from `log_head` under its row lock, so commits happen in seq order and a
/// reader that sees seq N has every seq below it (a SEQUENCE would let a
/// later seq commit first, and a client paging past it would skip one).
const POSTGRES_1: &str = "
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    incident TEXT NOT NULL,
    event TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX events_incident ON events (incident, seq);
CREATE TABLE log_head (
    one BIGINT PRIMARY KEY CHECK (one = 1),
    head BIGINT NOT NULL
);
INSERT INTO log_head (one, head) VALUES (1, 0);
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES accounts(name),
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_name ON sessions (name);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES accounts(name),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE TABLE account_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    subject TEXT,
    address TEXT,
    count BIGINT NOT NULL DEFAULT 1,
    last_at BIGINT
);
CREATE INDEX audit_by_action ON audit (action, id);
CREATE INDEX audit_by_actor ON audit (actor, id);
CREATE INDEX audit_by_subject ON audit (subject, id);
CREATE TABLE publish_targets (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    page_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    components TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE publish_deliveries (
    update_id TEXT NOT NULL,
    target TEXT NOT NULL,
    incident TEXT NOT NULL,
    seq BIGINT NOT NULL,
    stage TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 0,
    tries BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    reported BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (update_id, target)
);
CREATE INDEX publish_deliveries_by_stage ON publish_deliveries (stage, seq);
CREATE TABLE publish_links (
    target TEXT NOT NULL,
    incident TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    PRIMARY KEY (target, incident)
);
";

/// Version 2 on PostgreSQL: the replicas serving this database (a
/// heartbeat on the database's clock) and who has which incident open on
/// each, so every replica lists everyone.
const POSTGRES_2: &str = "
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    alive_at BIGINT NOT NULL
);
CREATE TABLE presence (
    replica TEXT NOT NULL,
    seat BIGINT NOT NULL,
    incident TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (replica, seat)
);
CREATE INDEX presence_by_incident ON presence (incident);
";

/// Version 3: what each watched provider last said (the state as JSON),
/// so a restarted server, or a replica that does not poll, shows it at
/// once with its age. The same text on both.
const UPSTREAM_CACHE: &str = "
CREATE TABLE IF NOT EXISTS upstream_cache (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
";

/// Version 4 on SQLite: the public page's subscribers (email and webhook,
/// pending until confirmed), each published update's fan-out per channel
/// and each copy to each subscriber (the primary key is what makes a copy
/// exactly once), and the team's webhooks with their deliveries and how far
/// the log has been read for them.
const SQLITE_4: &str = "
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    components TEXT NOT NULL DEFAULT '[]',
    secret TEXT NOT NULL DEFAULT '',
    confirm_token TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    unsubscribed_at INTEGER,
    confirm_sends INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS subscribers_address ON subscribers (kind, email, url);
CREATE TABLE IF NOT EXISTS channel_fanouts (
    update_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    incident TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expanded INTEGER NOT NULL DEFAULT 0,
    round INTEGER NOT NULL DEFAULT 0,
    reported TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (update_id, channel)
);
CREATE TABLE IF NOT EXISTS channel_jobs (
    update_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    subscriber INTEGER NOT NULL,
    stage TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    sent_at INTEGER,
    PRIMARY KEY (update_id, channel, subscriber)
);
CREATE INDEX IF NOT EXISTS channel_jobs_due ON channel_jobs (stage, next_at);
CREATE TABLE IF NOT EXISTS team_hooks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS team_hook_deliveries (
    hook TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    incident TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    stage TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    answer_code INTEGER,
    answer TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    PRIMARY KEY (hook, event_id)
);
CREATE INDEX IF NOT EXISTS team_hook_deliveries_due ON team_hook_deliveries (stage, next_at);
CREATE TABLE IF NOT EXISTS team_hook_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
";

/// Version 4 on PostgreSQL: the same tables.
const POSTGRES_4: &str = "
CREATE TABLE subscribers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    components TEXT NOT NULL DEFAULT '[]',
    secret TEXT NOT NULL DEFAULT '',
    confirm_token TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    unsubscribed_at BIGINT,
    confirm_sends BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX subscribers_address ON subscribers (kind, email, url);
CREATE TABLE channel_fanouts (
    update_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    incident TEXT NOT NULL,
    seq BIGINT NOT NULL,
    expanded BIGINT NOT NULL DEFAULT 0,
    round BIGINT NOT NULL DEFAULT 0,
    reported TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (update_id, channel)
);
CREATE TABLE channel_jobs (
    update_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    subscriber BIGINT NOT NULL,
    stage TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 0,
    tries BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    sent_at BIGINT,
    PRIMARY KEY (update_id, channel, subscriber)
);
CREATE INDEX channel_jobs_due ON channel_jobs (stage, next_at);
CREATE TABLE team_hooks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    from_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE team_hook_deliveries (
    hook TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    incident TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    stage TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 0,
    tries BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    answer_code BIGINT,
    answer TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (hook, event_id)
);
CREATE INDEX team_hook_deliveries_due ON team_hook_deliveries (stage, next_at);
CREATE TABLE team_hook_cursor (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
";

/// Version 5 on SQLite: each emailed copy's bounce token (the `+TOKEN` of
/// its envelope sender, given when it is first sent, kept across attempts)
/// and every bounce handed in for one (a repeated notification is stored
/// once; hard ones count towards stopping mail to an address).
const SQLITE_5: &str = "
ALTER TABLE channel_jobs ADD COLUMN bounce_token TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS channel_jobs_bounce_token ON channel_jobs (bounce_token);
CREATE TABLE IF NOT EXISTS channel_bounces (
    token TEXT NOT NULL,
    status TEXT NOT NULL,
    diagnostic TEXT NOT NULL,
    subscriber INTEGER NOT NULL,
    hard INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (token, status, diagnostic)
);
CREATE INDEX IF NOT EXISTS channel_bounces_subscriber ON channel_bounces (subscriber, hard);
";

/// Version 5 on PostgreSQL: the same.
const POSTGRES_5: &str = "
ALTER TABLE channel_jobs ADD COLUMN bounce_token TEXT;
CREATE UNIQUE INDEX channel_jobs_bounce_token ON channel_jobs (bounce_token);
CREATE TABLE channel_bounces (
    token TEXT NOT NULL,
    status TEXT NOT NULL,
    diagnostic TEXT NOT NULL,
    subscriber BIGINT NOT NULL,
    hard BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (token, status, diagnostic)
);
CREATE INDEX channel_bounces_subscriber ON channel_bounces (subscriber, hard);
";

/// Version 6: the log's name, made once, here, with the log or (for a
/// database made before) at this upgrade, and never changed: a console
/// that finds another name in `caught_up` knows the log was replaced
/// (docs/protocol.md, "A backend behind the client's cursor"). 128 random
/// bits in hex; replicas read the one row their database holds.
const SQLITE_6: &str = "
CREATE TABLE IF NOT EXISTS log_identity (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id TEXT NOT NULL
);
INSERT INTO log_identity (one, id) VALUES (1, lower(hex(randomblob(16))))
    ON CONFLICT (one) DO NOTHING;
";

/// Version 6 on PostgreSQL: the same row (`gen_random_uuid` is built in
/// since PostgreSQL 13; its 122 random bits, without the dashes).
const POSTGRES_6: &str = "
CREATE TABLE log_identity (
    one BIGINT PRIMARY KEY CHECK (one = 1),
    id TEXT NOT NULL
);
INSERT INTO log_identity (one, id) VALUES (1, replace(gen_random_uuid()::text, '-', ''));
";

/// Version 7 on SQLite: incident numbers (`INC-42`), one per incident,
/// given by the log's writer in the commit that first stores a `declared`
/// event of that incident (`seq` is that event's), so numbers follow the
/// log's order and are never reused. Incidents declared before this step
/// are numbered here in the same order.
const SQLITE_7: &str = "
CREATE TABLE IF NOT EXISTS incident_numbers (
    number INTEGER PRIMARY KEY,
    incident TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL UNIQUE
);
INSERT INTO incident_numbers (number, incident, seq)
    SELECT ROW_NUMBER() OVER (ORDER BY first), incident, first FROM (
        SELECT incident, MIN(seq) AS first FROM events
        WHERE json_extract(event, '$.body.kind') = 'declared' GROUP BY incident
    ) ORDER BY first;
";

/// Version 7 on PostgreSQL: the same table, written under `log_head`'s row
/// lock like the seqs, so every replica's numbers come from one order.
const POSTGRES_7: &str = "
CREATE TABLE incident_numbers (
    number BIGINT PRIMARY KEY,
    incident TEXT NOT NULL UNIQUE,
    seq BIGINT NOT NULL UNIQUE
);
INSERT INTO incident_numbers (number, incident, seq)
    SELECT ROW_NUMBER() OVER (ORDER BY first), incident, first FROM (
        SELECT incident, MIN(seq) AS first FROM events
        WHERE (event::jsonb) -> 'body' ->> 'kind' = 'declared' GROUP BY incident
    ) AS declared;
";

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(n: usize) -> Vec<(u32, String)> {
        STEPS[..n]
            .iter()
            .map(|s| (s.version, s.name.to_string()))
            .collect()
    }

    #[test]
    fn steps_are_numbered_one_by_one() {
        for (i, s) in STEPS.iter().enumerate() {
            assert_eq!(s.version as usize, i + 1, "{}", s.name);
        }
    }

    #[test]
    fn a_fresh_database_gets_every_step_and_a_current_one_none() {
        assert_eq!(pending(&[]).unwrap().len(), STEPS.len());
        assert!(pending(&applied(STEPS.len())).unwrap().is_empty());
    }

    #[test]
    fn a_newer_or_foreign_schema_is_refused_with_what_to_do() {
        let mut newer = applied(STEPS.len());
        newer.push((latest() + 1, "from the future".into()));
        let err = pending(&newer).unwrap_err();
        assert!(err.contains("newer than this sitrep-server knows"), "{err}");
        assert!(err.contains("from the future"), "{err}");
        let foreign = vec![(1, "something else".to_string())];
        let err = pending(&foreign).unwrap_err();
        assert!(err.contains("different build"), "{err}");
    }
}
