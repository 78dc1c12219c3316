//! Schema upgrades from every schema version rtbcat has shipped, on both engines: a database
//! left at version k (by the migrations as they were, embedded here from the same files)
//! and holding rows in every table is opened by today's store. It must come up at the
//! newest version with exactly the schema a fresh database gets, and keep every row.
//!
//! The rows are made from the schema itself (types, CHECK lists, keys), so a table added
//! later is filled without editing this test.

use std::collections::BTreeMap;

mod sqlite_migrations {
    refinery::embed_migrations!("migrations/sqlite");
}
mod postgres_migrations {
    refinery::embed_migrations!("migrations/postgres");
}

/// Tables of the migration runner itself, not of the product.
const BOOKKEEPING: [&str; 2] = ["refinery_schema_history", "sqlite_sequence"];

fn newest(migrations: &[refinery::Migration]) -> i32 {
    migrations
        .iter()
        .map(|m| m.version())
        .max()
        .expect("at least one migration")
}

/// The first quoted literal after `column` in a table's or constraint's SQL: the first value
/// a `CHECK (column IN ('a', 'b'))` or `CHECK (column = 'a' OR column = 'b')` allows.
fn allowed_literal(sql: &str, column: &str) -> Option<String> {
    let mut search = sql;
    while let Some(at) = search.find(column) {
        let before = search[..at].chars().last();
        let rest = &search[at + column.len()..];
        let whole_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if whole_word {
            let clause: String = rest.chars().take(200).collect();
            let head = clause.trim_start().to_ascii_uppercase();
            let is_check_list = head.starts_with("IN") || head.starts_with("= '") || clause.contains("ANY (ARRAY[");
            if is_check_list {
                let open = clause.find('\'')?;
                let close = clause[open + 1..].find('\'')?;
                return Some(clause[open + 1..open + 1 + close].to_string());
            }
        }
        search = rest;
    }
    None
}

/// A value for a text column in row `n`: a CHECK list's first value, a date where the name
/// says day or date, JSON where it says json/details, else a short unique text.
fn text_value(table_sql: &str, column: &str, n: i64) -> String {
    if let Some(literal) = allowed_literal(table_sql, column) {
        return literal;
    }
    let name = column.to_ascii_lowercase();
    if name.contains("date") || name == "day" || name.ends_with("_day") {
        format!("2026-01-0{n}")
    } else if name.contains("json") || name == "details" || name.ends_with("_list") || name == "arms" {
        "{}".to_string()
    } else {
        format!("v{n}")
    }
}

// ---- SQLite -----------------------------------------------------------------------------

fn sqlite_schema(conn: &rusqlite::Connection) -> Vec<(String, String, Option<String>)> {
    let mut statement = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .expect("schema");
    let rows = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("schema rows");
    rows.map(|r| r.expect("row")).collect()
}

/// Two rows in every table it can fill, in creation order (parents before children, and
/// every key 1 or 2, text keys `v1`/`v2`, so foreign keys line up). Returns the counts.
fn fill_sqlite(conn: &rusqlite::Connection) -> BTreeMap<String, i64> {
    let tables: Vec<(String, String)> = {
        let mut statement = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            )
            .expect("tables");
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("table rows");
        rows.map(|r| r.expect("row")).collect()
    };
    let mut filled = BTreeMap::new();
    for (table, sql) in tables.iter().filter(|(t, _)| !BOOKKEEPING.contains(&t.as_str())) {
        let columns: Vec<(String, String, bool)> = {
            let mut statement = conn
                .prepare(&format!("PRAGMA table_info(\"{table}\")"))
                .expect("columns");
            let rows = statement
                .query_map([], |r| {
                    let pk: i64 = r.get(5)?;
                    let kind: String = r.get(2)?;
                    Ok((r.get(1)?, kind.to_ascii_uppercase(), pk == 1))
                })
                .expect("column rows");
            rows.map(|r| r.expect("row")).collect()
        };
        let single_key = columns.iter().filter(|c| c.2).count() == 1;
        for n in 1..=2_i64 {
            let mut names = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            for (name, kind, key) in &columns {
                if *key && single_key && kind.contains("INT") {
                    continue; // rowid alias: 1, 2 as inserted
                }
                names.push(format!("\"{name}\""));
                values.push(if kind.contains("INT") || kind.contains("BOOL") {
                    rusqlite::types::Value::Integer(n)
                } else if kind.contains("REAL") || kind.contains("FLOA") || kind.contains("DOUB") {
                    rusqlite::types::Value::Real(n as f64 + 0.5)
                } else if kind.contains("BLOB") {
                    rusqlite::types::Value::Blob(vec![n as u8])
                } else {
                    rusqlite::types::Value::Text(text_value(sql, name, n))
                });
            }
            let placeholders = vec!["?"; values.len()].join(", ");
            let insert = format!("INSERT INTO \"{table}\" ({}) VALUES ({placeholders})", names.join(", "));
            if conn.execute(&insert, rusqlite::params_from_iter(values)).is_ok() {
                *filled.entry(table.clone()).or_insert(0) += 1;
            }
        }
    }
    filled
}

fn sqlite_counts(conn: &rusqlite::Connection, tables: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    tables
        .keys()
        .filter_map(|t| {
            conn.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))
                .ok()
                .map(|n| (t.clone(), n))
        })
        .collect()
}

/// A database at `path` left at schema `version` by the migrations as they were shipped.
fn sqlite_at_version(path: &std::path::Path, version: i32) -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = ON").expect("pragma");
    sqlite_migrations::migrations::runner()
        .set_target(refinery::Target::Version(version))
        .set_grouped(true)
        .run(&mut conn)
        .unwrap_or_else(|e| panic!("migrate to version {version}: {e}"));
    conn
}

#[tokio::test]
async fn sqlite_upgrades_from_every_shipped_version() {
    let latest = newest(sqlite_migrations::migrations::runner().get_migrations());
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh_path = dir.path().join("fresh.db");
    rtbcat_store::open(&format!("sqlite://{}", fresh_path.display()))
        .await
        .expect("fresh");
    let fresh = sqlite_schema(&rusqlite::Connection::open(&fresh_path).expect("open fresh"));

    let mut tables_filled = 0;
    for version in 1..latest {
        let path = dir.path().join(format!("v{version}.db"));
        let before = {
            let conn = sqlite_at_version(&path, version);
            let filled = fill_sqlite(&conn);
            let tables: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                     AND name != 'refinery_schema_history'",
                    [],
                    |r| r.get(0),
                )
                .expect("tables");
            assert!(
                filled.len() * 4 >= tables as usize * 3,
                "version {version}: rows made for {} of {tables} tables",
                filled.len()
            );
            filled
        };
        tables_filled += before.len();
        let store = rtbcat_store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap_or_else(|e| panic!("upgrade from version {version}: {e}"));
        drop(store);
        let conn = rusqlite::Connection::open(&path).expect("reopen");
        assert_eq!(
            sqlite_schema(&conn),
            fresh,
            "schema after the upgrade from version {version}"
        );
        let version_now: i64 = conn
            .query_row("SELECT MAX(version) FROM refinery_schema_history", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version_now, i64::from(latest));
        let after = sqlite_counts(&conn, &before);
        for (table, rows) in &before {
            if let Some(now) = after.get(table) {
                assert!(
                    now >= rows,
                    "version {version}: {table} had {rows} rows, has {now} after the upgrade"
                );
            }
        }
    }
    assert!(tables_filled > 300, "tables filled across versions: {tables_filled}");
}

/// Every row of a table as text, in id order: what a rebuild must keep exactly.
fn sqlite_rows(conn: &rusqlite::Connection, table: &str) -> Vec<String> {
    let mut statement = conn
        .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
        .expect("rows");
    let width = statement.column_count();
    let rows = statement
        .query_map([], |r| {
            (0..width)
                .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                .collect::<Result<Vec<_>, _>>()
                .map(|values| values.join("|"))
        })
        .expect("row values");
    rows.map(|r| r.expect("row")).collect()
}

/// Version 20 rebuilds `popup_events` (its kind rule written without `IN`, which SQLite
/// checked through a temporary b-tree per insert): every event keeps its id and values, the
/// next id follows the old ones, and the rule still refuses a kind it does not know.
#[tokio::test]
async fn sqlite_event_rebuild_keeps_every_event_and_the_kind_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v19.db");
    let before = {
        let conn = sqlite_at_version(&path, 19);
        for (n, kind) in ["impression", "click", "conversion"].iter().enumerate() {
            conn.execute(
                "INSERT INTO popup_events (id, event_key, kind, occurred_at, property_id, offer_id, click_id, \
                 revenue_micros, transaction_id, attributed, arm_id) VALUES (?1, ?2, ?3, ?4, 7, 9, ?5, ?6, ?7, 0, ?8)",
                rusqlite::params![
                    (n as i64 + 1) * 10,
                    format!("k{n}"),
                    kind,
                    1_795_219_200_000_i64 + n as i64,
                    (n == 1).then_some("c1"),
                    n as i64 * 1_250_000,
                    (n == 2).then_some("t1"),
                    (n == 0).then_some(3_i64)
                ],
            )
            .expect("event at version 19");
        }
        sqlite_rows(&conn, "popup_events")
    };
    assert_eq!(before.len(), 3);
    drop(
        rtbcat_store::open(&format!("sqlite://{}", path.display()))
            .await
            .expect("upgrade"),
    );
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    assert_eq!(
        sqlite_rows(&conn, "popup_events"),
        before,
        "the same events, ids and values"
    );
    let unknown = conn.execute(
        "INSERT INTO popup_events (event_key, kind, occurred_at) VALUES ('k9', 'view', 0)",
        [],
    );
    assert!(
        unknown.is_err_and(|e| e.to_string().contains("CHECK")),
        "an unknown kind is refused by the table"
    );
    conn.execute(
        "INSERT INTO popup_events (event_key, kind, occurred_at) VALUES ('k9', 'click', 0)",
        [],
    )
    .expect("a known kind goes in");
    let newest: i64 = conn
        .query_row("SELECT MAX(id) FROM popup_events", [], |r| r.get(0))
        .expect("newest id");
    assert_eq!(newest, 31, "the next id follows the kept ones");
}

// ---- PostgreSQL -------------------------------------------------------------------------

async fn postgres_schema(client: &tokio_postgres::Client) -> Vec<String> {
    let mut lines = Vec::new();
    // Partitions hold data (the facts' days), not schema: a database with facts has more.
    for query in [
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition) ORDER BY 1",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' \
         AND tablename NOT IN (SELECT relname FROM pg_class WHERE relispartition) ORDER BY 1",
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE connamespace = 'public'::regnamespace \
         AND conrelid NOT IN (SELECT oid FROM pg_class WHERE relispartition) ORDER BY 1",
    ] {
        for row in client.query(query, &[]).await.expect("schema") {
            lines.push(row.get::<_, String>(0));
        }
    }
    lines
}

/// Two rows in every table it can fill (tables in creation order), values from each
/// column's type and CHECK constraints. Returns the counts.
async fn fill_postgres(client: &tokio_postgres::Client) -> BTreeMap<String, i64> {
    let tables = client
        .query(
            "SELECT c.relname::text, COALESCE(string_agg(pg_get_constraintdef(k.oid), ' '), '') FROM pg_class c \
             LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'c' \
             WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace GROUP BY c.oid, c.relname ORDER BY c.oid",
            &[],
        )
        .await
        .expect("tables");
    let mut filled = BTreeMap::new();
    for table in tables {
        let (name, checks): (String, String) = (table.get(0), table.get(1));
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let columns = client
            .query(
                "SELECT column_name::text, data_type::text, COALESCE(column_default, '') LIKE 'nextval%' OR is_identity = 'YES' \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&name],
            )
            .await
            .expect("columns");
        for n in 1..=2_i64 {
            let mut names = Vec::new();
            let mut values = Vec::new();
            for column in &columns {
                let (column_name, kind, generated): (String, String, bool) =
                    (column.get(0), column.get(1), column.get(2));
                if generated {
                    continue;
                }
                let value = match kind.as_str() {
                    "bigint" | "integer" | "smallint" => n.to_string(),
                    "boolean" => "true".to_string(),
                    "double precision" | "real" | "numeric" => format!("{n}.5"),
                    "bytea" => "'\\x00'".to_string(),
                    "date" => format!("'2026-01-0{n}'"),
                    "jsonb" | "json" => "'{}'".to_string(),
                    kind if kind.starts_with("timestamp") => "now()".to_string(),
                    _ => format!("'{}'", text_value(&checks, &column_name, n).replace('\'', "''")),
                };
                names.push(format!("\"{column_name}\""));
                values.push(value);
            }
            let insert = format!(
                "INSERT INTO \"{name}\" ({}) VALUES ({})",
                names.join(", "),
                values.join(", ")
            );
            if client.execute(&insert, &[]).await.is_ok() {
                *filled.entry(name.clone()).or_insert(0) += 1;
            }
        }
    }
    filled
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

#[tokio::test]
#[ignore = "needs PostgreSQL (RTBCAT_TEST_POSTGRES_URL); CI runs it"]
async fn postgres_upgrades_from_every_shipped_version() {
    let admin_url = std::env::var("RTBCAT_TEST_POSTGRES_URL").expect("RTBCAT_TEST_POSTGRES_URL");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b)
        .to_string();
    let admin = connect(&admin_url).await;
    let latest = newest(postgres_migrations::migrations::runner().get_migrations());
    let database = |version: i32| format!("rtbcat_upgrade_{}_{version}", std::process::id());

    let fresh_name = database(0);
    admin
        .execute(&format!("CREATE DATABASE {fresh_name}"), &[])
        .await
        .expect("create");
    let fresh_url = format!("{base}/{fresh_name}");
    drop(rtbcat_store::open(&fresh_url).await.expect("fresh"));
    let fresh = postgres_schema(&connect(&fresh_url).await).await;

    let mut tables_filled = 0;
    for version in 1..latest {
        let name = database(version);
        admin
            .execute(&format!("CREATE DATABASE {name}"), &[])
            .await
            .expect("create");
        let url = format!("{base}/{name}");
        let mut old = connect(&url).await;
        postgres_migrations::migrations::runner()
            .set_target(refinery::Target::Version(version))
            .set_grouped(true)
            .run_async(&mut old)
            .await
            .expect("migrate to the old version");
        let before = fill_postgres(&old).await;
        let tables: i64 = old
            .query_one(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename != 'refinery_schema_history'",
                &[],
            )
            .await
            .expect("tables")
            .get(0);
        assert!(
            before.len() * 4 >= tables as usize * 3,
            "version {version}: rows made for {} of {tables} tables",
            before.len()
        );
        tables_filled += before.len();
        let store = rtbcat_store::open(&url)
            .await
            .unwrap_or_else(|e| panic!("upgrade from version {version}: {e}"));
        drop(store);
        assert_eq!(
            postgres_schema(&old).await,
            fresh,
            "schema after the upgrade from version {version}"
        );
        for (table, rows) in &before {
            if let Ok(row) = old.query_one(&format!("SELECT COUNT(*) FROM \"{table}\""), &[]).await {
                let now: i64 = row.get(0);
                assert!(
                    now >= *rows,
                    "version {version}: {table} had {rows} rows, has {now} after the upgrade"
                );
            }
        }
        drop(old);
        admin
            .execute(&format!("DROP DATABASE {name} WITH (FORCE)"), &[])
            .await
            .expect("drop");
    }
    admin
        .execute(&format!("DROP DATABASE {fresh_name} WITH (FORCE)"), &[])
        .await
        .expect("drop");
    assert!(tables_filled > 300, "tables filled across versions: {tables_filled}");
}
