//! The storage story: each domain's store behaviour checked directly on SQLite and on
//! PostgreSQL (atuin's `db_story`), not only through HTTP. One test binary; a module per
//! domain. The PostgreSQL stories are `#[ignore]`d: CI runs them with `--ignored` and
//! RTBCAT_TEST_POSTGRES_URL set.

/// For each story `fn(Engine)`, a test on SQLite and an ignored one on PostgreSQL.
macro_rules! stories {
    ($($story:ident => $sqlite:ident, $postgres:ident;)*) => {$(
        #[tokio::test]
        async fn $sqlite() {
            $story($crate::support::Engine::Sqlite).await;
        }

        #[tokio::test]
        #[ignore = "needs PostgreSQL (RTBCAT_TEST_POSTGRES_URL); CI runs it"]
        async fn $postgres() {
            $story($crate::support::Engine::Postgres).await;
        }
    )*};
}

mod accounts;
mod campaigns;
mod catalog;
mod performance;
mod popups;
mod support;
mod upgrades;
mod waste;
