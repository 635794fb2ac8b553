//! What the server keeps stays with it: the data directory and the SQLite
//! files (password hashes, publishing keys) are readable by the server's
//! user alone, and answers for a signed-in account are never cached.

mod common;

use common::*;

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_its_database_files_are_private_to_the_server_user() {
    use std::os::unix::fs::PermissionsExt;
    if on_postgres() {
        // On PostgreSQL the data sits in the database server's own
        // directory, guarded by its user and its authentication.
        println!("skipped on PostgreSQL: no SQLite files in the data directory to check");
        return;
    }
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let (status, _) = post(&s, &[note("n-1", "written, so the WAL exists")]).await;
    assert_eq!(status, 200);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    let mut seen = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("sitrep.sqlite3")
        {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 2, "the database and its WAL: {seen}");

    // An install made before (world-readable) is tightened at the next start.
    drop(s);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = data.join("sitrep.sqlite3");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _s = Running::start(&data);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
}

#[tokio::test]
async fn answers_for_a_signed_in_account_carry_cache_control_no_store() {
    let s = fresh_server();
    for path in [
        "/api/v1/events",
        "/api/v1/session",
        "/api/v1/freeze",
        "/api/v1/upstreams",
        "/api/v1/publish/targets",
    ] {
        let resp = s.client_as("admin").get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
    }
    let refused = client().get(s.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["cache-control"], "no-store");
}
