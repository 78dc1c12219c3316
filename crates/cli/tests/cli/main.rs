//! The `rtbcat` binary as users run it: real processes on a real SQLite file.

use std::path::Path;
use std::process::{Command, Output};

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn rtbcat(&self, args: &[&str]) -> Output {
        self.rtbcat_env(args, &[])
    }

    fn rtbcat_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rtbcat"));
        command
            .args(args)
            .env("RTBCAT_DATA_DIR", self.dir.path())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("run rtbcat")
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        path.display().to_string()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn demo_file(workspace: &Workspace, creatives: usize) -> String {
    let document = rtbcat_app::demo::creatives_document(99, creatives).to_string();
    workspace.write("creatives.json", &document)
}

#[test]
fn import_creatives_summarises_per_format_and_is_idempotent() {
    let workspace = Workspace::new();
    let file = demo_file(&workspace, 652);
    let first = workspace.rtbcat(&["import", "creatives", &file]);
    assert!(first.status.success(), "{}", stderr(&first));
    let text = stdout(&first);
    assert!(text.contains("652 creatives"), "{text}");
    for format in ["HTML", "VIDEO", "NATIVE"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(format)),
            "per-format line for {format}: {text}"
        );
    }
    let second = workspace.rtbcat(&["import", "creatives", "--json", &file]);
    assert!(second.status.success(), "{}", stderr(&second));
    let report: serde_json::Value = serde_json::from_str(stdout(&second).trim()).expect("json report");
    assert_eq!(
        (report["inserted"].as_u64(), report["unchanged"].as_u64()),
        (Some(0), Some(652))
    );
}

#[test]
fn a_malformed_file_names_element_and_field_and_imports_nothing() {
    let workspace = Workspace::new();
    let bad = workspace.write(
        "bad.ndjson",
        "{\"name\":\"buyers/1/creatives/ok\",\"creativeFormat\":\"HTML\"}\n{\"name\":\"buyers/1/creatives/broken\",\"creativeFormat\":\"GIF\"}\n",
    );
    let output = workspace.rtbcat(&["import", "creatives", &bad]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("creative #2 (broken)") && message.contains("creativeFormat"),
        "{message}"
    );
    assert!(message.contains("nothing imported"), "{message}");
    let json = workspace.rtbcat(&["import", "creatives", "--json", &demo_file(&workspace, 3)]);
    let report: serde_json::Value = serde_json::from_str(stdout(&json).trim()).expect("json");
    assert_eq!(report["inserted"], 3, "the earlier bad file left nothing behind");
    let garbage = workspace.write("garbage.json", "{ this is not json");
    let output = workspace.rtbcat(&["import", "creatives", &garbage]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not valid JSON"), "{}", stderr(&output));
}

#[test]
fn users_tokens_and_roles() {
    let workspace = Workspace::new();
    let added = workspace.rtbcat_env(
        &["user", "add", "Jen@Example.com", "--role", "editor"],
        &[("RTBCAT_PASSWORD", "a long password")],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("jen@example.com (editor)"));
    let weak = workspace.rtbcat_env(&["user", "add", "x@example.com"], &[("RTBCAT_PASSWORD", "short")]);
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("at least 10 characters"), "{}", stderr(&weak));
    let bad_role = workspace.rtbcat_env(
        &["user", "add", "y@example.com", "--role", "root"],
        &[("RTBCAT_PASSWORD", "a long password")],
    );
    assert!(!bad_role.status.success());
    let token = workspace.rtbcat(&["token", "create", "--user", "jen@example.com"]);
    assert!(token.status.success(), "{}", stderr(&token));
    assert!(stdout(&token).trim().starts_with("rtbcat_"));
    let unknown = workspace.rtbcat(&["token", "create", "--user", "nobody@example.com"]);
    assert!(!unknown.status.success());
}

#[test]
fn demo_is_idempotent_and_backup_copies_the_database() {
    let workspace = Workspace::new();
    let first = workspace.rtbcat(&["demo", "--creatives", "50", "--rows", "2000"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("50 new"), "{}", stdout(&first));
    let again = workspace.rtbcat(&["demo", "--creatives", "50", "--rows", "2000"]);
    assert!(stdout(&again).contains("50 unchanged"), "{}", stdout(&again));

    let copy = workspace.dir.path().join("copy.db");
    let backup = workspace.rtbcat(&["backup", &copy.display().to_string()]);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let connection = rusqlite::Connection::open(Path::new(&copy)).expect("open copy");
    let count: i64 = connection
        .query_row("SELECT COUNT(*) FROM creatives", [], |r| r.get(0))
        .expect("count");
    assert_eq!(count, 50);
    let refuse = workspace.rtbcat(&["backup", &copy.display().to_string()]);
    assert!(!refuse.status.success(), "never overwrites a file");
}

#[test]
fn bad_configuration_is_named() {
    let workspace = Workspace::new();
    let output = workspace.rtbcat_env(&["migrate"], &[("DATABASE_URL", "mysql://root:hunter2@db/x")]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("DATABASE_URL"), "{message}");
    assert!(!message.contains("hunter2"), "secrets never printed: {message}");
    let postgres = workspace.rtbcat_env(
        &["backup", "/tmp/x.db"],
        &[("DATABASE_URL", "postgres://u:pw@127.0.0.1:1/x")],
    );
    assert!(stderr(&postgres).contains("pg_dump"), "{}", stderr(&postgres));
}

/// `kill -9` in the middle of a large import leaves no half-written fact and no history
/// line; running the same import again completes it.
#[test]
fn an_import_killed_mid_write_leaves_nothing_and_rerunning_completes_it() {
    use std::io::Write;
    let workspace = Workspace::new();
    let rows = 400_000;
    let path = workspace.dir.path().join("big.csv");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        writeln!(
            file,
            "creative_id,date,hour,impressions,clicks,spend,geography,device_type"
        )
        .expect("write");
        for n in 0..rows {
            writeln!(
                file,
                "c{},2026-01-{:02},{},100,1,0.50,BR,mobile",
                n % 5000,
                1 + (n / 120_000),
                (n / 5000) % 24
            )
            .expect("write");
        }
    }
    let file = path.display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rtbcat"))
        .args(["import", "performance", "--json", &file])
        .env("RTBCAT_DATA_DIR", workspace.dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start import");
    // Wait until the import is writing (its WAL grows), then kill it without warning.
    let wal = workspace.dir.path().join("rtbcat.db-wal");
    let mut writing = false;
    for _ in 0..6000 {
        if std::fs::metadata(&wal)
            .map(|m| m.len() > 4 * 1024 * 1024)
            .unwrap_or(false)
        {
            writing = true;
            break;
        }
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the import finished before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(writing, "the import never started writing");
    child.kill().expect("kill -9");
    child.wait().expect("reap");

    let count = |table: &str| -> i64 {
        let connection = rusqlite::Connection::open(workspace.dir.path().join("rtbcat.db")).expect("open");
        connection
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(count("performance_metrics"), 0, "no half-written rows");
    assert_eq!(count("imports"), 0, "no history line for an import that did not finish");

    let rerun = workspace.rtbcat(&["import", "performance", "--json", &file]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    let report: serde_json::Value = serde_json::from_str(stdout(&rerun).trim()).expect("json");
    assert_eq!(report["imported"], rows, "{report}");
    assert_eq!(count("performance_metrics"), rows);
}
