//! `sitrep-server backup`: a copy of the SQLite database taken while the
//! server runs and writes, from which a server starts with every event
//! acked before it. It never overwrites a file, and on PostgreSQL it says to
//! use pg_dump instead.

mod common;

use common::*;

fn backup(data: &std::path::Path, to: &std::path::Path) -> std::process::Output {
    server_command(data)
        .args(["backup", "--to"])
        .arg(to)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_every_acked_event() {
    let dir = temp_dir();
    let data = data_dir(&dir);
    let s = Running::start(&data);
    let copy = dir.path().join("sitrep-backup.sqlite3");
    if on_postgres() {
        let out = backup(&data, &copy);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!copy.exists());
        return;
    }
    let (status, _) = post(&s, &notes("before", 50)).await;
    assert_eq!(status, 200);
    // Writes go on while the copy is made.
    let writer = {
        let (client, url) = (s.client(), s.url("/api/v1/events"));
        tokio::spawn(async move {
            for i in 0..20 {
                let body = serde_json::json!({ "events": [note(&format!("during-{i}"), "x")] });
                assert!(client
                    .post(&url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .is_success());
            }
        })
    };
    let out = backup(&data, &copy);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds password hashes and keys");
    }
    // A second backup to the same file is refused; the first is untouched.
    let size = std::fs::metadata(&copy).unwrap().len();
    let again = backup(&data, &copy);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("cannot create"));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);

    // Restored into a new data dir: a server starts from it.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&copy, restored.join("sitrep.sqlite3")).unwrap();
    let r = Running::start(&restored);
    let log = whole_log(&r).await;
    let ours = whole_log(&s).await;
    assert!(log.len() >= 50, "{}", log.len());
    assert_eq!(
        log[..],
        ours[..log.len()],
        "the backup is the log up to a point"
    );
    assert!(log.iter().take(50).all(|(_, id)| id.starts_with("before")));
}
