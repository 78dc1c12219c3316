//! A/B tests of offers on a property's placement: create (checked), start (one running per
//! placement), stop with or without a winner, and the results with their statistics
//! (core `popups::experiments`).

use rtbcat_core::popups::experiments::{self as stats, ArmCounts, Results, Settings};
use rtbcat_core::popups::FieldError;
use rtbcat_store::{Experiment, NewArm, NewExperiment, SharedStore, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("invalid experiment")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmInput {
    pub label: String,
    pub offer_id: i64,
    /// Share of traffic, relative to the other arms (e.g. 50 and 50).
    pub weight: Option<i64>,
    /// A variant's own title, tagline, CTA or image (else the offer's).
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub cta_text: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentInput {
    pub name: String,
    pub property_id: i64,
    /// `thankyou`, `exit-intent` or `timed`.
    pub placement: String,
    /// The first arm is control.
    pub arms: Vec<ArmInput>,
    /// Before a verdict: at least this many impressions in every arm (default 1,000)…
    pub min_impressions_per_arm: Option<i64>,
    /// …and this many days of running (default 7).
    pub min_days: Option<i64>,
}

fn field(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

fn clean(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Checks an experiment against the property's offers; every problem, by field.
async fn validate(store: &SharedStore, input: &ExperimentInput) -> Result<NewExperiment, ExperimentError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(field("name", "is required, at most 100 characters"));
    }
    if rtbcat_core::popups::Placement::parse(&input.placement).is_none() {
        errors.push(field("placement", "use thankyou, exit-intent or timed"));
    }
    // The offers that run on the property (an arm can only show one of those).
    let property = store
        .list_properties()
        .await?
        .into_iter()
        .find(|p| p.id == input.property_id);
    let property_offers: Vec<i64> = match &property {
        Some(p) => store
            .list_offers()
            .await?
            .into_iter()
            .filter(|o| o.properties.contains(&p.code))
            .map(|o| o.id)
            .collect(),
        None => {
            errors.push(field(
                "property_id",
                format!("there is no property {}", input.property_id),
            ));
            Vec::new()
        }
    };
    if !(2..=6).contains(&input.arms.len()) {
        errors.push(field("arms", "an experiment has 2 to 6 arms (the first is control)"));
    }
    let mut arms = Vec::new();
    // What each arm shows: a second arm showing the same is refused.
    let mut seen: Vec<[Option<String>; 5]> = Vec::new();
    for (i, a) in input.arms.iter().enumerate() {
        let at = |f: &str| format!("arms[{i}].{f}");
        let label = a.label.trim();
        if label.is_empty() || label.chars().count() > 60 {
            errors.push(field(&at("label"), "is required, at most 60 characters"));
        } else if input.arms[..i].iter().any(|b| b.label.trim() == label) {
            errors.push(field(&at("label"), format!("{label:?} is used by another arm")));
        }
        let weight = a.weight.unwrap_or(50);
        if !(1..=1000).contains(&weight) {
            errors.push(field(&at("weight"), "must be 1 to 1000"));
        }
        if property.is_some() && !property_offers.contains(&a.offer_id) {
            errors.push(field(
                &at("offer_id"),
                format!("offer {} is not on this property", a.offer_id),
            ));
        }
        if let Some(url) = clean(&a.image_url) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                errors.push(field(&at("image_url"), "must be an http(s) URL"));
            }
        }
        let shape = [
            Some(a.offer_id.to_string()),
            clean(&a.title),
            clean(&a.tagline),
            clean(&a.cta_text),
            clean(&a.image_url),
        ];
        if seen.contains(&shape) {
            errors.push(field(
                &at("offer_id"),
                "this arm shows the same thing as another; change the offer or a variant field",
            ));
        }
        seen.push(shape);
        arms.push(NewArm {
            label: label.to_string(),
            offer_id: a.offer_id,
            weight,
            title: clean(&a.title),
            tagline: clean(&a.tagline),
            cta_text: clean(&a.cta_text),
            image_url: clean(&a.image_url),
        });
    }
    let min_impressions = input.min_impressions_per_arm.unwrap_or(1000);
    if !(100..=10_000_000).contains(&min_impressions) {
        errors.push(field("min_impressions_per_arm", "must be 100 to 10,000,000"));
    }
    let min_days = input.min_days.unwrap_or(7);
    if !(1..=90).contains(&min_days) {
        errors.push(field("min_days", "must be 1 to 90"));
    }
    if !errors.is_empty() {
        return Err(ExperimentError::Invalid(errors));
    }
    Ok(NewExperiment {
        property_id: input.property_id,
        placement: input.placement.trim().to_string(),
        name: name.to_string(),
        min_impressions_per_arm: min_impressions,
        min_days,
        arms,
        created_by: String::new(),
        created_at: 0,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArmView {
    pub id: i64,
    pub label: String,
    pub offer_id: i64,
    pub weight: i64,
    pub control: bool,
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub cta_text: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExperimentView {
    pub id: i64,
    pub name: String,
    pub property_id: i64,
    pub placement: String,
    /// `draft`, `running` or `stopped`.
    pub status: String,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub winner_arm: Option<i64>,
    pub min_impressions_per_arm: i64,
    pub min_days: i64,
    pub created_by: String,
    pub created_at: i64,
    pub arms: Vec<ArmView>,
    /// Per arm (same order), with intervals and the comparisons with control.
    #[schema(value_type = Object)]
    pub results: Option<Results>,
}

fn view(e: Experiment, results: Option<Results>) -> ExperimentView {
    ExperimentView {
        arms: e
            .arms
            .iter()
            .enumerate()
            .map(|(i, a)| ArmView {
                id: a.id,
                label: a.label.clone(),
                offer_id: a.offer_id,
                weight: a.weight,
                control: i == 0,
                title: a.title.clone(),
                tagline: a.tagline.clone(),
                cta_text: a.cta_text.clone(),
                image_url: a.image_url.clone(),
            })
            .collect(),
        id: e.id,
        name: e.name,
        property_id: e.property_id,
        placement: e.placement,
        status: e.status,
        started_at: e.started_at,
        stopped_at: e.stopped_at,
        winner_arm: e.winner_arm,
        min_impressions_per_arm: e.min_impressions_per_arm,
        min_days: e.min_days,
        created_by: e.created_by,
        created_at: e.created_at,
        results,
    }
}

pub async fn create(
    store: &SharedStore,
    input: &ExperimentInput,
    actor: &str,
    now: i64,
) -> Result<ExperimentView, ExperimentError> {
    let mut new = validate(store, input).await?;
    new.created_by = actor.into();
    new.created_at = now;
    Ok(view(store.create_experiment(new).await?, None))
}

pub async fn list(store: &SharedStore) -> Result<Vec<ExperimentView>, ExperimentError> {
    Ok(store.experiments().await?.into_iter().map(|e| view(e, None)).collect())
}

/// One experiment with its results so far.
pub async fn get(store: &SharedStore, id: i64, now: i64) -> Result<ExperimentView, ExperimentError> {
    let e = store
        .experiment(id)
        .await?
        .ok_or_else(|| ExperimentError::NotFound(format!("experiment {id}")))?;
    let totals = store.arm_totals(id).await?;
    let counts: Vec<ArmCounts> = e
        .arms
        .iter()
        .map(|a| {
            let t = totals.iter().find(|t| t.arm_id == a.id).cloned().unwrap_or_default();
            ArmCounts {
                impressions: t.impressions,
                clicks: t.clicks,
                conversions: t.conversions,
                revenue_micros: t.revenue_micros,
                payouts: t.payouts,
            }
        })
        .collect();
    let weights: Vec<u32> = e.arms.iter().map(|a| a.weight.clamp(0, 1_000_000) as u32).collect();
    let days = match (e.started_at, e.stopped_at) {
        (Some(start), stop) => (stop.unwrap_or(now) - start).max(0) as f64 / 86_400.0,
        _ => 0.0,
    };
    let settings = Settings {
        min_impressions_per_arm: e.min_impressions_per_arm,
        min_days: e.min_days as f64,
        ..Settings::default()
    };
    let results = stats::results(&counts, &weights, 0, days, &settings);
    Ok(view(e, Some(results)))
}

/// Starts a draft experiment; refused while another runs on the same placement.
pub async fn start(store: &SharedStore, id: i64, actor: &str, now: i64) -> Result<ExperimentView, ExperimentError> {
    let e = store
        .experiment(id)
        .await?
        .ok_or_else(|| ExperimentError::NotFound(format!("experiment {id}")))?;
    if e.status != "draft" {
        return Err(ExperimentError::Conflict(format!(
            "experiment {id} is {}; only a draft starts",
            e.status
        )));
    }
    if let Some(other) = store.running_experiment(e.property_id, e.placement.clone()).await? {
        return Err(ExperimentError::Conflict(format!(
            "experiment {} ({}) already runs on this placement; stop it first",
            other.id, other.name
        )));
    }
    Ok(view(
        store
            .set_experiment_status(id, "running".into(), None, actor.into(), now)
            .await?,
        None,
    ))
}

/// Stops a running experiment, naming the winning arm (by label) or none.
pub async fn stop(
    store: &SharedStore,
    id: i64,
    winner: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<ExperimentView, ExperimentError> {
    let e = store
        .experiment(id)
        .await?
        .ok_or_else(|| ExperimentError::NotFound(format!("experiment {id}")))?;
    if e.status != "running" {
        return Err(ExperimentError::Conflict(format!(
            "experiment {id} is {}; only a running one stops",
            e.status
        )));
    }
    let winner_arm =
        match winner.map(str::trim).filter(|w| !w.is_empty()) {
            Some(label) => Some(e.arms.iter().find(|a| a.label == label).map(|a| a.id).ok_or_else(|| {
                ExperimentError::Invalid(vec![field("winner", format!("no arm is labelled {label:?}"))])
            })?),
            None => None,
        };
    Ok(view(
        store
            .set_experiment_status(id, "stopped".into(), winner_arm, actor.into(), now)
            .await?,
        None,
    ))
}

/// How a property splits impressions among its offers when no experiment decides.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationInput {
    /// `priority` (the offers' priorities) or `learning` (Thompson sampling on revenue per impression).
    pub mode: String,
    /// The least share any offer gets in learning mode (default 0.05).
    pub floor: Option<f64>,
    /// Impressions every offer gets before learning starts (default 500).
    pub burn_in: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RotationView {
    pub property_id: i64,
    pub mode: String,
    pub floor: f64,
    pub burn_in: i64,
    /// The split learning mode uses now, from the last 30 days, and why.
    pub allocation: Vec<rtbcat_core::popups::rotation::Allocation>,
}

/// Each active offer's last-30-day totals on a property.
async fn offer_stats(
    store: &SharedStore,
    property_id: i64,
    today: time::Date,
) -> Result<Vec<rtbcat_core::popups::rotation::OfferStats>, StoreError> {
    let code = store
        .list_properties()
        .await?
        .into_iter()
        .find(|p| p.id == property_id)
        .map(|p| p.code);
    let Some(code) = code else {
        return Ok(Vec::new());
    };
    let rows = store
        .popup_analytics(rtbcat_store::AnalyticsFilter {
            property_id: Some(property_id),
            offer_id: None,
            from: (today - time::Duration::days(29)).to_string(),
            to: today.to_string(),
            group_by: rtbcat_store::AnalyticsGroup::Offer,
        })
        .await?;
    Ok(store
        .list_offers()
        .await?
        .into_iter()
        .filter(|o| o.active && o.properties.contains(&code))
        .map(|o| {
            let row = rows.iter().find(|r| r.key == o.id.to_string());
            rtbcat_core::popups::rotation::OfferStats {
                offer_id: o.id,
                impressions: row.map_or(0, |r| r.impressions),
                conversions: row.map_or(0, |r| r.conversions),
                revenue_micros: row.map_or(0, |r| r.revenue_micros),
            }
        })
        .collect())
}

fn settings_of(r: &Option<rtbcat_store::Rotation>) -> rtbcat_core::popups::rotation::RotationSettings {
    let defaults = rtbcat_core::popups::rotation::RotationSettings::default();
    match r {
        Some(r) => rtbcat_core::popups::rotation::RotationSettings {
            floor: r.floor_permille as f64 / 1000.0,
            burn_in: r.burn_in,
        },
        None => defaults,
    }
}

/// The split to serve by, when the property learns; none in priority mode.
pub async fn learning_allocation(
    store: &SharedStore,
    property_id: i64,
    today: time::Date,
) -> Result<Option<Vec<rtbcat_core::popups::rotation::Allocation>>, StoreError> {
    let rotation = store.rotation(property_id).await?;
    if rotation.as_ref().is_none_or(|r| r.mode != "learning") {
        return Ok(None);
    }
    let stats = offer_stats(store, property_id, today).await?;
    let seed = today.to_julian_day() as u64 ^ property_id as u64;
    Ok(Some(rtbcat_core::popups::rotation::allocate(
        &stats,
        &settings_of(&rotation),
        seed,
    )))
}

pub async fn rotation(
    store: &SharedStore,
    property_id: i64,
    today: time::Date,
) -> Result<RotationView, ExperimentError> {
    let rotation = store.rotation(property_id).await?;
    let settings = settings_of(&rotation);
    let stats = offer_stats(store, property_id, today).await?;
    Ok(RotationView {
        property_id,
        mode: rotation.map_or_else(|| "priority".to_string(), |r| r.mode),
        floor: settings.floor,
        burn_in: settings.burn_in,
        allocation: rtbcat_core::popups::rotation::allocate(
            &stats,
            &settings,
            today.to_julian_day() as u64 ^ property_id as u64,
        ),
    })
}

pub async fn set_rotation(
    store: &SharedStore,
    property_id: i64,
    input: &RotationInput,
    actor: &str,
    now: i64,
    today: time::Date,
) -> Result<RotationView, ExperimentError> {
    let mut errors = Vec::new();
    if !matches!(input.mode.as_str(), "priority" | "learning") {
        errors.push(field("mode", "use priority or learning"));
    }
    let floor = input.floor.unwrap_or(0.05);
    if !(0.0..=0.25).contains(&floor) {
        errors.push(field("floor", "must be 0 to 0.25 (a share of impressions)"));
    }
    let burn_in = input.burn_in.unwrap_or(500);
    if !(0..=1_000_000).contains(&burn_in) {
        errors.push(field("burn_in", "must be 0 to 1,000,000 impressions"));
    }
    if !store.list_properties().await?.iter().any(|p| p.id == property_id) {
        return Err(ExperimentError::NotFound(format!("property {property_id}")));
    }
    if !errors.is_empty() {
        return Err(ExperimentError::Invalid(errors));
    }
    store
        .set_rotation(rtbcat_store::Rotation {
            property_id,
            mode: input.mode.clone(),
            floor_permille: (floor * 1000.0).round() as i64,
            burn_in,
            updated_by: actor.into(),
            updated_at: now,
        })
        .await?;
    rotation(store, property_id, today).await
}
