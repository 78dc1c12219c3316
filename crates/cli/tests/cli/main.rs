//! The `rtbcat` binary as users run it: real processes on a real SQLite file.

mod instances;
mod restore;

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
    let document = rtbcat_app::bidder::demo::creatives_document(99, creatives).to_string();
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

/// One keep-alive HTTP/1.1 connection that posts impression beacons; true per 2xx.
struct Beacon {
    stream: std::io::BufReader<std::net::TcpStream>,
}

impl Beacon {
    fn connect(addr: &str) -> Option<Beacon> {
        let stream = std::net::TcpStream::connect(addr).ok()?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
        Some(Beacon {
            stream: std::io::BufReader::new(stream),
        })
    }

    /// None when the server is gone.
    fn post(&mut self, token: &str) -> Option<bool> {
        use std::io::{BufRead, Read, Write};
        let request = format!(
            "POST /api/impression HTTP/1.1\r\nHost: rtbcat\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0\r\n\
             Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{token}",
            token.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).ok()?;
        let mut status_line = String::new();
        if self.stream.read_line(&mut status_line).ok()? == 0 {
            return None;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).ok()?;
        Some(status_line.split(' ').nth(1).is_some_and(|code| code.starts_with('2')))
    }
}

/// `rtbcat serve` on a free port with the workspace's data dir (and `env`: DATABASE_URL, say),
/// tracking unthrottled: the process and the address it listens on.
fn serve(workspace: &Workspace, env: &[(&str, &str)]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut command = Command::new(env!("CARGO_BIN_EXE_rtbcat"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RTBCAT_DATA_DIR", workspace.dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("RTBCAT_TRACKING_REQUESTS_PER_MINUTE", "100000000")
        .stdout(std::process::Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut server = command.spawn().expect("start server");
    let mut lines = std::io::BufReader::new(server.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("server output").expect("line");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim().to_string();
        }
    };
    // Keep reading what it prints: a closed pipe would fail its next line.
    std::thread::spawn(move || lines.for_each(drop));
    (server, addr)
}

/// `psql -Atq URL -c SQL` (PostgreSQL's client): its output, trimmed.
fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args(["-Atq", url, "-c", sql])
        .output()
        .expect("psql (PostgreSQL's client) is needed for this test");
    assert!(output.status.success(), "{sql}: {}", stderr(&output));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The serve id inside a token: the key its impression is stored under.
fn serve_id(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').next().expect("payload");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("json");
    value["s"].as_str().expect("serve id").to_string()
}

/// Under load, `kill -9` the server: after a restart, every impression that was answered
/// 2xx is in the database.
#[test]
fn impressions_acknowledged_before_a_kill_9_are_all_stored() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let workspace = Workspace::new();
    let demo = workspace.rtbcat(&["demo", "--rows", "0", "--popup-impressions", "0", "--creatives", "10"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let tokens = workspace.rtbcat(&["popup", "tokens", "--property", "mff", "--count", "60000"]);
    assert!(tokens.status.success(), "{}", stderr(&tokens));
    let tokens: Vec<String> = stdout(&tokens).lines().map(str::to_string).collect();
    assert_eq!(tokens.len(), 60_000);

    let (mut server, addr) = serve(&workspace, &[]);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = tokens
        .chunks(tokens.len() / 8)
        .map(|slice| {
            let (slice, addr) = (slice.to_vec(), addr.clone());
            let (acknowledged, answered, stop) = (acknowledged.clone(), answered.clone(), stop.clone());
            std::thread::spawn(move || {
                let Some(mut beacon) = Beacon::connect(&addr) else {
                    return;
                };
                for token in slice {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match beacon.post(&token) {
                        Some(true) => {
                            acknowledged.lock().expect("lock").push(token);
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(false) => {}
                        None => break,
                    }
                }
            })
        })
        .collect();
    // Let a few thousand land, then kill the server without warning mid-stream.
    for _ in 0..2000 {
        if answered.load(Ordering::Relaxed) >= 3000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(answered.load(Ordering::Relaxed) >= 3000, "the load never got going");
    server.kill().expect("kill -9");
    server.wait().expect("reap");
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("worker");
    }

    // Restart (migrations and WAL recovery run at open), then look for every acknowledged one.
    let restart = workspace.rtbcat(&["migrate"]);
    assert!(restart.status.success(), "{}", stderr(&restart));
    let acknowledged = acknowledged.lock().expect("lock").clone();
    let connection = rusqlite::Connection::open(workspace.dir.path().join("rtbcat.db")).expect("open");
    let mut lookup = connection
        .prepare("SELECT COUNT(*) FROM popup_events WHERE event_key = ?1 AND kind = 'impression'")
        .expect("prepare");
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|token| {
            let found: i64 = lookup
                .query_row([format!("i:{}", serve_id(token))], |r| r.get(0))
                .expect("lookup");
            found != 1
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged impressions lost",
        missing.len(),
        acknowledged.len()
    );
    let stored: i64 = connection
        .query_row("SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'", [], |r| {
            r.get(0)
        })
        .expect("count");
    let hourly: i64 = connection
        .query_row("SELECT COALESCE(SUM(impressions), 0) FROM popup_hourly", [], |r| {
            r.get(0)
        })
        .expect("sum");
    assert_eq!(hourly, stored, "the rollup agrees with the events");
    assert!(stored as usize >= acknowledged.len());
}

/// `rtbcat seats discover` and `rtbcat sync` against the local fake Google; the key's
/// private part never reaches the output, even with debug logging.
#[test]
fn seats_discover_and_sync_against_the_fake_google() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let document = rtbcat_app::bidder::demo::creatives_document(5, 300);
    let list = document["creatives"].as_array().cloned().expect("creatives");
    let in_seat = list
        .iter()
        .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("buyers/7654321/")))
        .count();
    let state = rtbcat_web::dev::fake_google::state_with("9000001", &rtbcat_app::bidder::demo::SEATS, list);
    let (fake, _server) = runtime
        .block_on(rtbcat_web::dev::fake_google::FakeGoogle::start("127.0.0.1:0", state))
        .expect("fake google");
    let workspace = Workspace::new();
    let key = workspace.write("key.json", &fake.key_json());
    let api = fake.api_url();
    let env = [
        ("RTBCAT_GOOGLE_KEY_FILE", key.as_str()),
        ("RTBCAT_GOOGLE_API_URL", api.as_str()),
        ("RUST_LOG", "debug"),
    ];
    let discovered = workspace.rtbcat_env(&["seats", "discover"], &env);
    assert!(discovered.status.success(), "{}", stderr(&discovered));
    assert!(
        stdout(&discovered).contains("found 2 seat(s)"),
        "{}",
        stdout(&discovered)
    );
    let synced = workspace.rtbcat_env(&["sync", "--seat", "7654321", "--json"], &env);
    assert!(synced.status.success(), "{}", stderr(&synced));
    let run: serde_json::Value = serde_json::from_str(stdout(&synced).trim()).expect("json line");
    assert_eq!(
        (run["status"].as_str(), run["inserted"].as_u64()),
        (Some("done"), Some(in_seat as u64))
    );
    for output in [&discovered, &synced] {
        assert!(!stderr(output).contains("PRIVATE KEY") && !stdout(output).contains("PRIVATE KEY"));
    }
    let listed = workspace.rtbcat_env(&["seats", "list"], &env);
    assert!(
        stdout(&listed).contains(&format!("{in_seat} creatives here")),
        "{}",
        stdout(&listed)
    );
    // An unknown seat fails with its name and a non-zero exit.
    let unknown = workspace.rtbcat_env(&["sync", "--seat", "42"], &env);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("seat 42 is not known"),
        "{}",
        stderr(&unknown)
    );
}

/// `GET path` with a bearer token, `Connection: close`: the whole answer, headers and body.
fn get_with_bearer(addr: &str, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: rtbcat\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

/// `rtbcat serve` sums the performance listing's default windows at start, before anyone
/// asks (its `listing_warmup` job, counted in /metrics).
#[test]
fn serve_sums_the_listing_windows_ahead_at_start() {
    let workspace = Workspace::new();
    let demo = workspace.rtbcat(&[
        "demo",
        "--creatives",
        "30",
        "--rows",
        "2000",
        "--popup-impressions",
        "0",
    ]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let token = "a metrics scraper token long enough";
    let (mut server, addr) = serve(&workspace, &[("RTBCAT_METRICS_TOKEN", token)]);
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = get_with_bearer(&addr, "/metrics", token);
        if metrics.contains(r#"job_runs_total{job="listing_warmup",outcome="ok"} 1"#) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        metrics.contains(r#"job_runs_total{job="listing_warmup",outcome="ok"} 1"#),
        "no listing warm-up within 10 s of the start:\n{metrics}"
    );
}
