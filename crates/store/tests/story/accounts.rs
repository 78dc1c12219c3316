//! Accounts, tokens and the audit log.

use crate::support::{fresh, Engine};
use rtbcat_core::platform::accounts::Role;
use rtbcat_store::{NewApiToken, NewAuditEntry, NewUser, StoreError, UserUpdate};

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.into(),
        role,
        password_hash: "$argon2id$not-checked-here".into(),
        now: 100,
    }
}

async fn accounts_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let admin = store
        .create_first_admin(new_user("admin@x.io", Role::Admin))
        .await
        .expect("first");
    let admin = admin.expect("the first admin is created");
    assert!(
        store
            .create_first_admin(new_user("late@x.io", Role::Admin))
            .await
            .expect("second")
            .is_none(),
        "setup happens once"
    );
    let ed = store.create_user(new_user("ed@x.io", Role::Editor)).await.expect("ed");
    assert!(matches!(
        store.create_user(new_user("ed@x.io", Role::Viewer)).await,
        Err(StoreError::Conflict(_))
    ));

    // Sessions end when they expire and when the user is disabled.
    store
        .create_session("s1".into(), ed.id, 100, 200)
        .await
        .expect("session");
    assert_eq!(
        store.session_user("s1".into(), 150).await.expect("read").map(|u| u.id),
        Some(ed.id)
    );
    assert!(
        store.session_user("s1".into(), 250).await.expect("read").is_none(),
        "expired"
    );

    // A token's scope lowers its owner's role; expiry and revocation end it.
    let token = |sha: &str, scope, expires_at| NewApiToken {
        token_sha256: sha.into(),
        user_id: ed.id,
        label: "script".into(),
        scope,
        expires_at,
        now: 100,
    };
    let read_only = store
        .create_api_token(token("t1", Some(Role::Viewer), None))
        .await
        .expect("t1");
    store.create_api_token(token("t2", None, Some(500))).await.expect("t2");
    assert_eq!(
        store
            .api_token_user("t1".into(), 150)
            .await
            .expect("t1")
            .map(|u| u.role),
        Some(Role::Viewer)
    );
    assert_eq!(
        store
            .api_token_user("t2".into(), 150)
            .await
            .expect("t2")
            .map(|u| u.role),
        Some(Role::Editor)
    );
    assert!(
        store.api_token_user("t2".into(), 600).await.expect("t2").is_none(),
        "expired"
    );
    let listed = store.list_api_tokens(Some(ed.id)).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].last_used_at, Some(150), "last use is recorded");
    assert!(
        matches!(
            store.revoke_api_token(read_only.id, Some(admin.id)).await,
            Err(StoreError::NotFound(_))
        ),
        "only its owner (or an admin, owner None) revokes a token"
    );
    store.revoke_api_token(read_only.id, Some(ed.id)).await.expect("revoke");
    assert!(store.api_token_user("t1".into(), 150).await.expect("t1").is_none());

    // Disabling ends sessions and stops tokens; the last admin stays.
    store
        .create_session("s2".into(), ed.id, 100, 10_000)
        .await
        .expect("session");
    let update = |role, disabled| UserUpdate {
        role,
        disabled,
        password_hash: None,
    };
    let disabled = store
        .update_user(ed.id, update(None, Some(true)))
        .await
        .expect("disable");
    assert!(disabled.disabled);
    assert!(store.session_user("s2".into(), 150).await.expect("read").is_none());
    assert!(store.api_token_user("t2".into(), 150).await.expect("t2").is_none());
    assert!(matches!(
        store.update_user(admin.id, update(Some(Role::Viewer), None)).await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(
        store
            .list_users()
            .await
            .expect("users")
            .iter()
            .find(|u| u.id == admin.id)
            .map(|u| u.role),
        Some(Role::Admin),
        "a refused change changes nothing"
    );

    // The audit log keeps bounded text.
    store
        .append_audit(NewAuditEntry {
            at: 1,
            actor: "x".repeat(100_000),
            action: "login.failed".into(),
            subject: Some("y".repeat(100_000)),
            details: serde_json::json!({ "blob": "z".repeat(100_000) }),
        })
        .await
        .expect("audit");
    let entry = store.recent_audit(1).await.expect("audit").remove(0);
    assert!(entry.actor.len() < 400 && entry.subject.map_or(0, |s| s.len()) < 400);
    assert!(entry.details.to_string().len() < 5_000);
}

async fn newer_schema_story(engine: Engine) {
    let db = fresh(engine).await;
    let record = "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
                  VALUES (999, 'future', '2030-01-01', '0')";
    match engine {
        Engine::Sqlite => {
            let path = db.sqlite_path.clone().expect("path");
            let conn = rusqlite::Connection::open(path).expect("open file");
            conn.execute(record, []).expect("simulate a newer binary's migration");
        }
        Engine::Postgres => {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            client
                .execute(record, &[])
                .await
                .expect("simulate a newer binary's migration");
        }
    }
    let err = rtbcat_store::open(&db.url).await.err().expect("refused");
    let backend = match engine {
        Engine::Sqlite => rtbcat_store::Backend::Sqlite,
        Engine::Postgres => rtbcat_store::Backend::Postgres,
    };
    let binary = rtbcat_store::binary_schema_version(backend);
    assert!(
        matches!(err, StoreError::SchemaTooNew { database: 999, binary: b } if b == binary),
        "{err}"
    );
}

stories! {
    accounts_story => accounts_on_sqlite, accounts_on_postgres;
    newer_schema_story => newer_schema_on_sqlite, newer_schema_on_postgres;
}
