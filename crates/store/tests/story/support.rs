//! A fresh database per story: a temporary SQLite file, or a new PostgreSQL database
//! dropped afterwards.

use rtbcat_store::SharedStore;

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct Fresh {
    pub store: SharedStore,
    /// SQLite: the file, for tests that edit it behind the store's back.
    pub sqlite_path: Option<std::path::PathBuf>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
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

pub async fn fresh(engine: Engine) -> Fresh {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("story.db");
            let url = format!("sqlite://{}", path.display());
            let store = rtbcat_store::open(&url).await.expect("open SQLite");
            Fresh {
                store,
                sqlite_path: Some(path),
                url,
                _dir: Some(dir),
                postgres: None,
            }
        }
        Engine::Postgres => {
            let admin_url = std::env::var("RTBCAT_TEST_POSTGRES_URL")
                .expect("RTBCAT_TEST_POSTGRES_URL must name a PostgreSQL server for the PostgreSQL stories");
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let name = format!(
                "rtbcat_story_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
                .await
                .expect("reach PostgreSQL");
            tokio::spawn(connection);
            client
                .execute(&format!("CREATE DATABASE {name}"), &[])
                .await
                .expect("create database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b)
                .to_string();
            let url = format!("{base}/{name}");
            let store = rtbcat_store::open(&url).await.expect("open PostgreSQL");
            Fresh {
                store,
                sqlite_path: None,
                url,
                _dir: None,
                postgres: Some((admin_url, name)),
            }
        }
    }
}
