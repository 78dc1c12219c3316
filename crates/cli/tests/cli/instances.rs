//! Two `rtbcat serve` processes on one PostgreSQL behind a round-robin proxy (a few lines
//! here: each new connection goes to the next instance): tracking load through both, one
//! instance killed with SIGKILL mid-load, the load carrying on through the other; afterwards
//! every acknowledged impression is stored exactly once and the rollups agree.

use super::{psql, serve, serve_id, stderr, stdout, Beacon, Workspace};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A round-robin TCP proxy: each connection to it is piped to the next backend; a backend
/// that refuses is skipped, as a load balancer's health check would.
fn proxy(backends: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for (next, client) in listener.incoming().flatten().enumerate() {
            let upstream = (0..backends.len()).find_map(|i| {
                let backend = &backends[(next + i) % backends.len()];
                TcpStream::connect(backend).ok()
            });
            let Some(upstream) = upstream else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().expect("clone"), upstream.try_clone().expect("clone")),
                (upstream, client),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    addr
}

#[test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
fn two_instances_behind_a_proxy_lose_nothing_acknowledged_when_one_is_killed() {
    let admin = std::env::var("RTBCAT_TEST_POSTGRES_URL").expect("RTBCAT_TEST_POSTGRES_URL");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
    let db = format!("rtbcat_two_{}", std::process::id());
    psql(&admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    psql(&admin, &format!("CREATE DATABASE {db}"));
    let url = format!("{base}/{db}");
    let workspace = Workspace::new();
    let env = [("DATABASE_URL", url.as_str())];
    let demo = workspace.rtbcat_env(
        &["demo", "--rows", "0", "--popup-impressions", "0", "--creatives", "10"],
        &env,
    );
    assert!(demo.status.success(), "{}", stderr(&demo));
    let tokens = workspace.rtbcat_env(&["popup", "tokens", "--property", "mff", "--count", "40000"], &env);
    assert!(tokens.status.success(), "{}", stderr(&tokens));
    let tokens: Vec<String> = stdout(&tokens).lines().map(str::to_string).collect();

    let (mut first, first_addr) = serve(&workspace, &env);
    let (mut second, second_addr) = serve(&workspace, &env);
    let front = proxy(vec![first_addr, second_addr]);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (sent, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = tokens
        .chunks(tokens.len() / 8)
        .map(|slice| {
            let (slice, front) = (slice.to_vec(), front.clone());
            let (acknowledged, sent, answered, stop) =
                (acknowledged.clone(), sent.clone(), answered.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut beacon = None;
                let mut reconnects = 0;
                for token in slice {
                    if stop.load(Ordering::Relaxed) || reconnects > 20 {
                        break;
                    }
                    if beacon.is_none() {
                        beacon = Beacon::connect(&front);
                        reconnects += 1;
                    }
                    let Some(open) = beacon.as_mut() else {
                        continue;
                    };
                    sent.fetch_add(1, Ordering::Relaxed);
                    match open.post(&token) {
                        Some(true) => {
                            acknowledged.lock().expect("lock").push(token);
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(false) => {}
                        // The instance died under this connection: the next goes to the other.
                        None => beacon = None,
                    }
                }
            })
        })
        .collect();
    for _ in 0..4000 {
        if answered.load(Ordering::Relaxed) >= 4000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(answered.load(Ordering::Relaxed) >= 4000, "the load never got going");
    first.kill().expect("kill -9");
    first.wait().expect("reap");
    let at_kill = answered.load(Ordering::Relaxed);
    // The load carries on through the second instance.
    for _ in 0..4000 {
        if answered.load(Ordering::Relaxed) >= at_kill + 4000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("worker");
    }
    assert!(
        answered.load(Ordering::Relaxed) >= at_kill + 4000,
        "the survivor took the load"
    );
    second.kill().expect("stop");
    second.wait().expect("reap");

    let acknowledged = acknowledged.lock().expect("lock").clone();
    let stored: std::collections::HashSet<String> =
        psql(&url, "SELECT event_key FROM popup_events WHERE kind = 'impression'")
            .lines()
            .map(str::to_string)
            .collect();
    let missing = acknowledged
        .iter()
        .filter(|t| !stored.contains(&format!("i:{}", serve_id(t))))
        .count();
    let hourly: usize = psql(&url, "SELECT COALESCE(SUM(impressions), 0) FROM popup_hourly")
        .parse()
        .expect("sum");
    let totals: usize = psql(&url, "SELECT COALESCE(SUM(impressions), 0) FROM offer_totals")
        .parse()
        .expect("sum");
    println!(
        "two instances: {} sent, {} acknowledged ({} before the kill), {} stored, {} lost",
        sent.load(Ordering::Relaxed),
        acknowledged.len(),
        at_kill,
        stored.len(),
        missing
    );
    assert_eq!(missing, 0, "acknowledged impressions lost");
    assert_eq!(
        hourly,
        stored.len(),
        "the hourly rollup counts each stored impression once"
    );
    assert_eq!(totals, stored.len(), "so do the lifetime totals");
    psql(&admin, &format!("DROP DATABASE {db} WITH (FORCE)"));
}
