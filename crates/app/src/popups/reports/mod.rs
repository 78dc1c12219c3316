//! Reports users can send: PDF files of a property's figures or an experiment's results,
//! and schedules that mail a property's report daily or weekly over SMTP.
//!
//! A scheduled period is claimed in the store (one row per schedule and period) before its
//! mail goes out and marked sent after, so a restart, a second instance or a second tick
//! never sends it again. A send cut off by a crash stays "interrupted" and is not retried
//! on its own, because the mail may have left: "Send now" sends it on purpose.

pub mod documents;
pub mod pdf;

use super::ChangeError;
use crate::clock::Clock;
use crate::config::Config;
use crate::popups::Property;
use rtbcat_core::popups::FieldError;
use rtbcat_store::{AuditNote, ReportDelivery, ReportSchedule, ReportScheduleSpec, SharedStore, StoreError};
use serde::{Deserialize, Serialize};

/// A schedule as submitted.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleInput {
    /// A property code; empty or `all` for every property.
    pub property: Option<String>,
    /// `daily` (the day before) or `weekly` (the ISO week before, on Mondays).
    pub frequency: String,
    /// The UTC hour (0–23) from which the report goes out; default 6.
    pub hour_utc: Option<i64>,
    /// Where it goes: one or more e-mail addresses (at most 20).
    pub recipients: Vec<String>,
    pub enabled: Option<bool>,
}

/// A schedule with its newest deliveries.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub id: i64,
    /// Property code; None for every property.
    pub property: Option<String>,
    pub property_name: String,
    pub frequency: String,
    pub hour_utc: i64,
    pub recipients: Vec<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
    pub deliveries: Vec<DeliveryView>,
}

/// One report period of a schedule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// `2026-11-28`, `2026-W48`, or `now-<unix>` for one sent by hand.
    pub period: String,
    /// `sending`, `sent`, `failed`, or `interrupted` (cut off mid-send; not retried, since
    /// the mail may have gone out).
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub claimed_at: i64,
    pub finished_at: Option<i64>,
}

/// What one round of scheduled sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SendRound {
    pub sent: Vec<String>,
    pub failed: Vec<String>,
}

/// Seconds after which a delivery still marked as sending is taken as cut off.
const INTERRUPTED_AFTER: i64 = 600;

fn field(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

async fn validate(store: &SharedStore, input: ScheduleInput) -> Result<ReportScheduleSpec, ChangeError> {
    let mut errors = Vec::new();
    let property_id = match input.property.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some(code) => {
            let found = store.list_properties().await?.into_iter().find(|p| p.code == code);
            if found.is_none() {
                errors.push(field("property", format!("no property has the code {code:?}")));
            }
            found.map(|p| p.id)
        }
    };
    let frequency = input.frequency.trim().to_ascii_lowercase();
    if !matches!(frequency.as_str(), "daily" | "weekly") {
        errors.push(field("frequency", "daily or weekly"));
    }
    let hour_utc = input.hour_utc.unwrap_or(6);
    if !(0..=23).contains(&hour_utc) {
        errors.push(field("hour_utc", "an hour from 0 to 23 (UTC)"));
    }
    let mut recipients: Vec<String> = Vec::new();
    for address in input.recipients.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if address.parse::<lettre::Address>().is_err() {
            errors.push(field("recipients", format!("{address:?} is not an e-mail address")));
        } else if !recipients.iter().any(|r| r.eq_ignore_ascii_case(address)) {
            recipients.push(address.to_string());
        }
    }
    if recipients.is_empty() && errors.iter().all(|e| e.field != "recipients") {
        errors.push(field("recipients", "at least one e-mail address"));
    }
    if recipients.len() > 20 {
        errors.push(field("recipients", "at most 20 addresses"));
    }
    if !errors.is_empty() {
        return Err(ChangeError::Invalid(errors));
    }
    Ok(ReportScheduleSpec {
        property_id,
        frequency,
        hour_utc,
        recipients,
        enabled: input.enabled.unwrap_or(true),
    })
}

fn delivery_view(d: ReportDelivery, now: i64) -> DeliveryView {
    let status = if d.status == "sending" && now - d.claimed_at > INTERRUPTED_AFTER {
        "interrupted".to_string()
    } else {
        d.status
    };
    DeliveryView {
        period: d.period,
        status,
        attempts: d.attempts,
        error: d.error,
        claimed_at: d.claimed_at,
        finished_at: d.finished_at,
    }
}

fn view(
    schedule: ReportSchedule,
    properties: &[rtbcat_store::Property],
    deliveries: Vec<DeliveryView>,
) -> ScheduleView {
    let property = schedule
        .property_id
        .and_then(|id| properties.iter().find(|p| p.id == id));
    ScheduleView {
        id: schedule.id,
        property: property.map(|p| p.code.clone()),
        property_name: property.map_or_else(|| "All properties".to_string(), |p| p.name.clone()),
        frequency: schedule.frequency,
        hour_utc: schedule.hour_utc,
        recipients: schedule.recipients,
        enabled: schedule.enabled,
        created_by: schedule.created_by,
        created_at: schedule.created_at,
        deliveries,
    }
}

/// Every schedule with its last ten deliveries.
pub async fn list(store: &SharedStore, now: i64) -> Result<Vec<ScheduleView>, StoreError> {
    let properties = store.list_properties().await?;
    let mut views = Vec::new();
    for schedule in store.report_schedules().await? {
        let deliveries = store
            .report_deliveries(Some(schedule.id), 10)
            .await?
            .into_iter()
            .map(|d| delivery_view(d, now))
            .collect();
        views.push(view(schedule, &properties, deliveries));
    }
    Ok(views)
}

/// Creates (`id` None) or replaces a schedule.
pub async fn save(
    store: &SharedStore,
    id: Option<i64>,
    input: ScheduleInput,
    actor: &str,
    now: i64,
) -> Result<ScheduleView, ChangeError> {
    let spec = validate(store, input).await?;
    let note = AuditNote {
        actor: actor.to_string(),
        action: if id.is_some() {
            "report_schedule.update"
        } else {
            "report_schedule.create"
        }
        .into(),
    };
    let saved = store.save_report_schedule(id, spec, note, now).await?;
    let properties = store.list_properties().await?;
    Ok(view(saved, &properties, Vec::new()))
}

pub async fn delete(store: &SharedStore, id: i64, actor: &str, now: i64) -> Result<(), StoreError> {
    let note = AuditNote {
        actor: actor.to_string(),
        action: "report_schedule.delete".into(),
    };
    store.delete_report_schedule(id, note, now).await
}

/// Builds the schedule's report for a period and mails it with the PDF attached.
async fn mail_report(
    store: &SharedStore,
    config: &Config,
    clock: &dyn Clock,
    schedule: &ReportSchedule,
    period: &rtbcat_core::popups::ReportPeriod,
) -> Result<(), String> {
    let property: Option<Property> = match schedule.property_id {
        None => None,
        Some(id) => Some(
            crate::popups::properties::list(store)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|p| p.id == id)
                .ok_or_else(|| format!("property {id} no longer exists"))?,
        ),
    };
    let bytes = documents::property_report(store, clock, property.as_ref(), period.first, period.last)
        .await
        .map_err(|e| e.to_string())?;
    let (name, code) = property
        .as_ref()
        .map_or(("All properties".to_string(), "all".to_string()), |p| {
            (p.name.clone(), p.code.clone())
        });
    let span = if period.first == period.last {
        period.first.to_string()
    } else {
        format!("{} to {}", period.first, period.last)
    };
    let text = format!(
        "The {} popup report for {name}, {span} (UTC), is attached as a PDF.\n\nSent by rtbcat. To change or stop it, open Popup analytics → Scheduled reports.\n",
        schedule.frequency
    );
    crate::platform::mail::send(
        config,
        &schedule.recipients,
        &format!("[rtbcat] Popup report: {name}, {span}"),
        &text,
        Some(crate::platform::mail::Attachment {
            file_name: format!("rtbcat-popups-{code}-{}.pdf", period.key),
            content_type: "application/pdf",
            bytes,
        }),
    )
    .await
}

/// How one period's delivery went.
enum Outcome {
    /// Sent, failed too often, or being sent by someone else: not this caller's to send.
    NotClaimed,
    Sent,
    Failed(String),
}

/// Claims, mails and records one period of a schedule.
async fn deliver(
    store: &SharedStore,
    config: &Config,
    clock: &dyn Clock,
    schedule: &ReportSchedule,
    period: &rtbcat_core::popups::ReportPeriod,
    key: &str,
) -> Result<Outcome, StoreError> {
    if !store.claim_report(schedule.id, key.to_string(), clock.unix()).await? {
        return Ok(Outcome::NotClaimed);
    }
    let outcome = mail_report(store, config, clock, schedule, period).await;
    let (status, error) = match &outcome {
        Ok(()) => ("sent", None),
        Err(e) => ("failed", Some(e.clone())),
    };
    store
        .finish_report(schedule.id, key.to_string(), status.into(), error, clock.unix())
        .await?;
    Ok(match outcome {
        Ok(()) => Outcome::Sent,
        Err(e) => Outcome::Failed(e),
    })
}

/// One round: every enabled schedule whose newest period is due and not yet sent (or failed
/// and due a retry) is mailed. Runs under a lease so instances take turns.
pub async fn send_due(
    store: &SharedStore,
    config: &Config,
    clock: &dyn Clock,
    holder: &str,
) -> Result<SendRound, StoreError> {
    let now = clock.unix();
    let mut round = SendRound::default();
    if !store
        .take_lease("reports".into(), holder.into(), now, now + 300)
        .await?
    {
        return Ok(round);
    }
    let result = async {
        for schedule in store.report_schedules().await?.into_iter().filter(|s| s.enabled) {
            let Some(period) = rtbcat_core::popups::due_report_period(
                &schedule.frequency,
                schedule.hour_utc,
                schedule.created_at,
                clock.now(),
            ) else {
                continue;
            };
            let label = format!("schedule {} {}", schedule.id, period.key);
            match deliver(store, config, clock, &schedule, &period, &period.key).await? {
                Outcome::NotClaimed => {}
                Outcome::Sent => round.sent.push(label),
                Outcome::Failed(e) => {
                    tracing::warn!(schedule = schedule.id, period = %period.key, error = %e, "report not sent");
                    round.failed.push(format!("{label}: {e}"));
                }
            }
        }
        Ok::<(), StoreError>(())
    }
    .await;
    store.take_lease("reports".into(), holder.into(), now, now - 1).await?;
    result.map(|()| round)
}

/// Mails a schedule's newest complete period now, by hand, whatever was sent before.
pub async fn send_now(
    store: &SharedStore,
    config: &Config,
    clock: &dyn Clock,
    id: i64,
) -> Result<DeliveryView, ChangeError> {
    let schedule = store
        .report_schedules()
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("report schedule {id}")))?;
    // The newest complete period, as if the schedule had always existed and its hour had come.
    let period = rtbcat_core::popups::due_report_period(&schedule.frequency, 0, i64::MIN, clock.now())
        .ok_or_else(|| StoreError::Refused("there is no complete period to report yet".into()))?;
    let key = format!("now-{}", clock.unix());
    if let Outcome::NotClaimed = deliver(store, config, clock, &schedule, &period, &key).await? {
        return Err(StoreError::Conflict(
            "a report of this schedule was just sent by hand; try again in a second".into(),
        )
        .into());
    }
    let delivery = store
        .report_deliveries(Some(id), 50)
        .await?
        .into_iter()
        .find(|d| d.period == key)
        .ok_or_else(|| StoreError::NotFound(format!("the delivery {key}")))?;
    Ok(delivery_view(delivery, clock.unix()))
}
