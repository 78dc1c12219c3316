//! Every refusal, and the diffs and masks of the changes that pass.

use super::*;

fn config() -> Value {
    json!({
        "name": "bidders/9000001/pretargetingConfigs/111",
        "displayName": "Mobile apps",
        "billingId": "1000001",
        "state": "ACTIVE",
        "includedCreativeDimensions": [{"width": "300", "height": "250"}, {"width": "320", "height": "50"}],
        "geoTargeting": {"includedIds": ["2076", "2840"]},
        "publisherTargeting": {"targetingMode": "EXCLUSIVE", "values": ["pub-1"]},
        "includedFormats": ["HTML", "VAST"],
        "maximumQps": "5000",
        "invalidGeoIds": []
    })
}

fn change(field: &str, action: &str, values: &[&str]) -> Change {
    Change {
        field: field.into(),
        action: action.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

#[test]
fn narrowing_changes_pass_with_their_diff_and_mask() {
    let plan = plan(
        &config(),
        &[
            change("includedCreativeDimensions", "remove", &["320X50"]),
            change("publisherTargeting", "exclude", &["pub-7734"]),
            change("maximumQps", "set", &["4000"]),
        ],
        false,
    )
    .expect("narrowing passes");
    assert_eq!(
        plan.update_mask,
        ["includedCreativeDimensions", "publisherTargeting.values", "maximumQps"]
    );
    assert!(!plan.widens);
    let sizes = &plan.diff[0];
    assert_eq!(
        (sizes.removed.clone(), sizes.added.clone()),
        (vec!["320x50".to_string()], vec![])
    );
    assert_eq!(
        plan.after["includedCreativeDimensions"],
        json!([{"width": "300", "height": "250"}])
    );
    assert_eq!(plan.after["publisherTargeting"]["values"], json!(["pub-1", "pub-7734"]));
    // Everything else in the config is kept as it was.
    assert_eq!(plan.after["billingId"], "1000001");
    let body = patch_body(&plan.after, &plan.update_mask);
    assert_eq!(body["maximumQps"], "4000");
    assert!(body.get("billingId").is_none());
}

#[test]
fn emptying_an_include_list_is_refused() {
    let refused = plan(
        &config(),
        &[change("includedCreativeDimensions", "remove", &["300x250", "320x50"])],
        true,
    );
    assert!(
        matches!(refused, Err(Refusal::EmptiesIncludeList { index: 1, .. })),
        "{refused:?}"
    );
    // Excluding the only two included countries empties the inclusion too, even allowed to widen.
    let refused = plan(&config(), &[change("geo", "exclude", &["BR", "US"])], true);
    assert!(
        matches!(refused, Err(Refusal::EmptiesIncludeList { .. })),
        "{refused:?}"
    );
}

#[test]
fn removing_from_an_empty_inclusion_is_refused() {
    let mut everything = config();
    everything
        .as_object_mut()
        .expect("object")
        .remove("includedCreativeDimensions");
    let refused = plan(
        &everything,
        &[change("includedCreativeDimensions", "remove", &["300x250"])],
        true,
    );
    assert!(
        matches!(refused, Err(Refusal::RemoveFromEverything { .. })),
        "{refused:?}"
    );
    // Adding to it narrows to that size alone: allowed, with a warning.
    let narrowed = plan(
        &everything,
        &[change("includedCreativeDimensions", "add", &["300x250"])],
        false,
    )
    .expect("narrowing");
    assert!(narrowed.warnings[0].contains("only 300x250"), "{:?}", narrowed.warnings);
}

#[test]
fn widening_needs_permission() {
    for widening in [
        change("includedCreativeDimensions", "add", &["728x90"]),
        change("publisherTargeting", "include", &["pub-1"]),
        change("maximumQps", "set", &["9000"]),
        change("geoTargeting.includedIds", "add", &["2704"]),
    ] {
        let refused = plan(&config(), std::slice::from_ref(&widening), false);
        assert!(
            matches!(refused, Err(Refusal::Widens { .. })),
            "{widening:?}: {refused:?}"
        );
        let allowed = plan(&config(), std::slice::from_ref(&widening), true).expect("allowed");
        assert!(allowed.widens, "{widening:?}");
    }
}

#[test]
fn a_geo_is_excluded_where_the_config_can_say_it() {
    // Vietnam's Google geo id is 2000 + its ISO numeric code 704.
    assert_eq!(country_geo_id("VN").as_deref(), Some("2704"));
    assert_eq!(country_geo_id("XX"), None);
    // Included geos: excluding one drops it from the inclusion.
    let dropped = plan(&config(), &[change("geo", "exclude", &["US"])], false).expect("narrowing");
    assert_eq!(dropped.after["geoTargeting"]["includedIds"], json!(["2076"]));
    // Not in an inclusion list: it joins the exclusions.
    let mut open = config();
    open["geoTargeting"] = json!({});
    let excluded = plan(&open, &[change("geo", "exclude", &["VN"])], false).expect("narrowing");
    assert_eq!(excluded.update_mask, ["geoTargeting.excludedIds"]);
    assert_eq!(excluded.after["geoTargeting"]["excludedIds"], json!(["2704"]));
}

#[test]
fn bad_changes_are_named_and_no_ops_refused() {
    for (bad, says) in [
        (
            change("includedCreativeDimensions", "remove", &["big"]),
            "a size like 300x250",
        ),
        (change("geo", "exclude", &["Atlantis"]), "country code"),
        (change("includedFormats", "add", &["FLASH"]), "one of HTML"),
        (change("billingId", "set", &["1"]), "not one rtbcat changes"),
        (change("maximumQps", "set", &["0"]), "above 0"),
        (change("includedFormats", "toggle", &["HTML"]), "use add or remove"),
        (change("publisherTargeting", "exclude", &[]), "`values` is empty"),
    ] {
        let refused = plan(&config(), std::slice::from_ref(&bad), true).expect_err("refused");
        assert!(refused.to_string().contains(says), "{bad:?}: {refused}");
    }
    let same = plan(&config(), &[change("publisherTargeting", "exclude", &["pub-1"])], false);
    assert_eq!(same, Err(Refusal::NoChange));
}

#[test]
fn a_patch_that_did_not_stick_is_seen() {
    let meant = plan(&config(), &[change("includedFormats", "remove", &["VAST"])], false).expect("plan");
    assert_eq!(
        not_stuck(&meant.after, &config(), &meant.update_mask),
        ["includedFormats"]
    );
    assert!(not_stuck(&meant.after, &meant.after, &meant.update_mask).is_empty());
    // Restoring: the diff from the live config back to a snapshot, with a field to clear.
    let mut live = config();
    live["webTargeting"] = json!({"targetingMode": "EXCLUSIVE", "values": ["spam.example"]});
    let back = diff(&live, &config());
    let mask: Vec<&str> = back.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(mask, ["webTargeting.targetingMode", "webTargeting.values"]);
    assert!(back.iter().all(|d| d.widens), "dropping an exclusion widens");
}
