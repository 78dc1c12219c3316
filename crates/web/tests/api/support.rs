//! Test harness: a real rtbcat server on port 0 over a real database.

use rtbcat_app::clock::FixedClock;
use rtbcat_app::Config;
use rtbcat_app::SharedStore;
use rtbcat_core::platform::accounts::Role;
use std::collections::HashMap;
use std::sync::Arc;

/// 2026-11-20T12:00:00Z
pub const NOW: i64 = 1_795_262_400;
pub const PASSWORD: &str = "a long test password";
pub const POSTBACK_SECRET: &str = "network-shared-secret";

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    /// `/setup?token=…`: the one-time first-run link `rtbcat serve` prints.
    pub setup_path: String,
    pub store: SharedStore,
    /// The app's clock: tests move it forward by hand.
    pub clock: Arc<FixedClock>,
    /// The database lives as long as the app: a temp dir for SQLite, a fresh DB for Postgres.
    _database: TestDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another instance's: that one drops it.
    Shared,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop the database on a fresh runtime thread: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async move {
                    let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await.ok()?;
                    tokio::spawn(connection);
                    client
                        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_url() -> String {
    std::env::var("RTBCAT_TEST_POSTGRES_URL").expect(
        "RTBCAT_TEST_POSTGRES_URL must name a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres",
    )
}

async fn fresh_database(backend: Backend) -> (String, TestDatabase) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("rtbcat.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
        Backend::Postgres => {
            let admin_url = postgres_url();
            let name = format!("rtbcat_test_{}_{}", std::process::id(), rand::random::<u32>());
            let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at RTBCAT_TEST_POSTGRES_URL: {e}"));
            tokio::spawn(connection);
            client
                .execute(&format!("CREATE DATABASE {name}"), &[])
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(base, _)| base)
                .to_string();
            (format!("{base}/{name}"), TestDatabase::Postgres { admin_url, name })
        }
    }
}

/// The test configuration with more `RTBCAT_*` settings.
pub fn config_with(database_url: &str, login_attempts_per_minute: u32, extra: &[(&str, String)]) -> Config {
    let mut env: HashMap<String, String> = extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    env.insert("DATABASE_URL".to_string(), database_url.to_string());
    env.insert("RTBCAT_POSTBACK_SECRET".to_string(), POSTBACK_SECRET.to_string());
    env.insert(
        "RTBCAT_LOGIN_ATTEMPTS_PER_MINUTE".to_string(),
        login_attempts_per_minute.to_string(),
    );
    Config::load(None, &env, None).expect("test config")
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, 1000).await
}

pub async fn spawn_app_with(backend: Backend, login_attempts_per_minute: u32) -> TestApp {
    spawn_app_configured(backend, login_attempts_per_minute, &[]).await
}

/// A server with more `RTBCAT_*` settings (an LLM provider, say).
pub async fn spawn_app_configured(
    backend: Backend,
    login_attempts_per_minute: u32,
    extra: &[(&str, String)],
) -> TestApp {
    let (url, database) = fresh_database(backend).await;
    start_instance(url, database, login_attempts_per_minute, extra).await
}

/// One app instance on `url`: its own state (limiters, caches, job holder) and socket.
async fn start_instance(
    url: String,
    database: TestDatabase,
    login_attempts_per_minute: u32,
    extra: &[(&str, String)],
) -> TestApp {
    let store = rtbcat_app::open_store(&url).await.expect("open store");
    let clock = Arc::new(FixedClock::at(NOW));
    let state = rtbcat_web::AppState::new(
        store.clone(),
        config_with(&url, login_attempts_per_minute, extra),
        clock.clone(),
    )
    .await
    .expect("app state");
    let setup_path = state.setup_path();
    let app = rtbcat_web::App::bind("127.0.0.1:0", state).await.expect("bind");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run(async {
        let _ = rx.await;
    }));
    TestApp {
        base,
        database_url: url,
        setup_path,
        store,
        clock,
        _database: database,
        shutdown: Some(tx),
    }
}

impl TestApp {
    /// A second instance on this one's database, as a second `rtbcat serve` would be.
    pub async fn another_instance(&self, extra: &[(&str, String)]) -> TestApp {
        start_instance(self.database_url.clone(), TestDatabase::Shared, 1000, extra).await
    }

    pub async fn add_user(&self, email: &str, role: Role) {
        rtbcat_app::platform::accounts::create_user(&self.store, email, PASSWORD, role, "test", NOW)
            .await
            .expect("add user");
    }

    /// The demo data set (catalog, performance, traffic and reports, campaigns) at `NOW`.
    pub async fn load_demo(&self, seed: u64, creatives: usize, rows: usize) -> rtbcat_app::bidder::demo::DemoReport {
        rtbcat_app::bidder::demo::load(
            &self.store,
            seed,
            creatives,
            rows,
            rtbcat_core::bidder::catalog::creative::DEFAULT_BUYERS_UI_TEMPLATE,
            time::OffsetDateTime::from_unix_timestamp(NOW).expect("now"),
        )
        .await
        .expect("demo")
    }

    /// A client authenticated with a fresh API token of a new user with this role.
    pub async fn client_as(&self, role: Role) -> reqwest::Client {
        let email = format!("{}@example.com", role.as_str());
        self.add_user(&email, role).await;
        let token = self.token_for(&email, Default::default()).await;
        TestApp::bearer(&token)
    }

    /// A bearer token for an existing user.
    pub async fn token_for(&self, email: &str, options: rtbcat_app::platform::accounts::TokenOptions) -> String {
        rtbcat_app::platform::accounts::create_api_token(&self.store, email, options, "test", NOW)
            .await
            .expect("token")
            .token
    }

    /// A client that sends this bearer token.
    pub fn bearer(token: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A browser-like client: keeps cookies, does not follow redirects so tests can see them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn demo_document(creatives: usize) -> String {
    rtbcat_app::bidder::demo::creatives_document(rtbcat_app::bidder::demo::DEFAULT_SEED, creatives).to_string()
}

/// What a local receiver (webhook, SMTP) got, in order.
pub type Received = Arc<std::sync::Mutex<Vec<String>>>;

/// A minimal SMTP server (RFC 5321's happy path) that keeps each message's DATA.
pub async fn smtp_server() -> (String, Received) {
    let received: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let messages = received.clone();
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let messages = messages.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 localhost ESMTP test\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            messages.lock().expect("lock").push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 localhost\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 end with .\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (format!("smtp://{addr}"), received)
}
