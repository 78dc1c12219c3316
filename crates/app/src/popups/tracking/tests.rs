//! Tokens, hashes, countries and devices.
use super::*;

/// Needs a MaxMind-format country database: CI unpacks the CC0
/// `@ip-location-db/geo-whois-asn-country-mmdb` npm package and sets RTBCAT_TEST_GEOIP_DB.
#[test]
#[ignore = "needs RTBCAT_TEST_GEOIP_DB (a country .mmdb); CI provides it"]
fn countries_come_from_the_database_when_there_is_no_header() {
    let path = std::env::var("RTBCAT_TEST_GEOIP_DB").expect("RTBCAT_TEST_GEOIP_DB must name a country .mmdb");
    let reader = open_geoip(std::path::Path::new(&path)).expect("open");
    let lookup = |ip: &str| country_in(&reader, ip);
    // Well-known allocations: Google (US), Deutsche Telekom (DE).
    assert_eq!(lookup("8.8.8.8").as_deref(), Some("US"));
    assert_eq!(lookup("80.128.0.1").as_deref(), Some("DE"));
    assert_eq!(lookup("127.0.0.1"), None, "private addresses have no country");
}

fn sample_token() -> ServeToken {
    ServeToken {
        serve_id: "abcdefghijklmnop".into(),
        offer_id: 1,
        property_id: 2,
        placement: "thankyou".into(),
        issued_at: 1_795_262_400,
        country: "US".into(),
        device: "desktop".into(),
        arm_id: Some(7),
    }
}

#[test]
fn a_token_opens_only_with_its_whole_signature() {
    let signer = TokenSigner::new(b"a test key of some length");
    let token = signer.sign(&sample_token());
    assert_eq!(signer.open(&token), Some(sample_token()));
    // Every shortened signature is refused, down to none at all.
    let (payload, tag) = token.split_once('.').expect("payload.tag");
    for keep in 0..tag.len() {
        let cut = format!("{payload}.{}", &tag[..keep]);
        assert_eq!(signer.open(&cut), None, "a tag cut to {keep} characters was accepted");
    }
    // Every single-byte change anywhere in the token is refused.
    let bytes = token.as_bytes();
    for position in 0..bytes.len() {
        for replacement in [b'A', b'B', b'-', b'_', b'0', b'.', b'z'] {
            if bytes[position] == replacement {
                continue;
            }
            let mut changed = bytes.to_vec();
            changed[position] = replacement;
            let changed = String::from_utf8(changed).expect("ascii");
            assert_eq!(
                signer.open(&changed),
                None,
                "a change at byte {position} was accepted: {changed}"
            );
        }
    }
    // A longer tag (the full MAC) is not ours either.
    assert_eq!(signer.open(&format!("{token}AAAA")), None);
    // Another key's signature is refused.
    assert_eq!(TokenSigner::new(b"another key").open(&token), None);
}

#[test]
fn devices_from_user_agents() {
    assert_eq!(
        device_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"),
        "mobile"
    );
    assert_eq!(
        device_of("Mozilla/5.0 (Linux; Android 14; SM-S918B) Mobile Safari/537.36"),
        "mobile"
    );
    assert_eq!(
        device_of("Mozilla/5.0 (Linux; Android 13; SM-X700) Safari/537.36"),
        "tablet"
    );
    assert_eq!(device_of("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"), "tablet");
    assert_eq!(
        device_of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"),
        "desktop"
    );
}

#[test]
fn serve_ids_sort_by_issue_time_and_differ_within_one() {
    let clock = crate::clock::FixedClock::at(1_795_262_400);
    let same_moment: Vec<String> = (0..1000).map(|_| time_ordered_id(&clock)).collect();
    let distinct: std::collections::HashSet<&String> = same_moment.iter().collect();
    assert_eq!(
        distinct.len(),
        1000,
        "80 random bits tell serves of one millisecond apart"
    );
    clock.advance(1);
    let later = time_ordered_id(&clock);
    assert!(
        same_moment.iter().all(|earlier| earlier < &later),
        "a later serve's key sorts after every earlier one: {later}"
    );
    // ULID text: 26 characters of Crockford base32, safe in a URL and a network's sub-id.
    assert!(later.len() == 26 && later.chars().all(|c| c.is_ascii_alphanumeric()));
}

/// The visitor hash keeps one salt for the whole UTC day, takes the new day's salt from that
/// day's first hash on (never yesterday's copy), and every instance on the store agrees on it.
#[tokio::test]
async fn visitor_hashes_keep_the_day_and_change_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = rtbcat_store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    // 2026-11-21 00:00:00 UTC.
    let clock = Arc::new(crate::clock::FixedClock::at(1_795_219_200));
    let instance = |store: rtbcat_store::SharedStore| {
        let clock: Arc<dyn Clock> = clock.clone();
        async move {
            let metrics = crate::platform::metrics::Metrics::new();
            let (writer, _task) = EventWriter::start(store.clone(), 16, metrics);
            Tracking::new(store, clock, writer).await.expect("tracking")
        }
    };
    let (first, second) = (instance(store.clone()).await, instance(store.clone()).await);
    async fn hash(tracking: &Tracking) -> String {
        let visit = Visit {
            ip: "203.0.113.9".into(),
            user_agent: "Mozilla/5.0".into(),
            ..Visit::default()
        };
        tracking.visitor_hash(&visit, 7).await.expect("hash")
    }
    let morning = hash(&first).await;
    // The hash is HMAC-SHA256(the day's stored salt, "ip\nuser agent\nproperty"), its first 16
    // bytes in hex: a change of form would split a day's unique visitors at an upgrade.
    let salt = store
        .server_secret("visitor_salt:2026-11-21".into(), "not made here".into(), 0)
        .await
        .expect("the day's salt");
    let mut expected = HmacSha256::new_from_slice(salt.as_bytes()).expect("key");
    expected.update(b"203.0.113.9\nMozilla/5.0\n7");
    assert_eq!(morning, hex::encode(&expected.finalize().into_bytes()[..16]));
    clock.advance(86_399);
    assert_eq!(hash(&first).await, morning, "the same salt until the day ends");
    assert_eq!(hash(&second).await, morning, "another instance uses the stored salt");
    clock.advance(1);
    // Three hashes at once: one reads the new salt, the others wait for it rather than
    // answer with yesterday's copy.
    let (next_day, also, and_also) = tokio::join!(hash(&first), hash(&first), hash(&first));
    assert_ne!(next_day, morning, "the new day's first hash has the new day's salt");
    assert_eq!(
        (&also, &and_also),
        (&next_day, &next_day),
        "no hash of the new day uses the old salt"
    );
    assert_eq!(hash(&second).await, next_day);
}
