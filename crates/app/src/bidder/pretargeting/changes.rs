//! Changes at Google: apply, rollback and the guard, each verified by reading back.

use super::*;

async fn get_live(api: &GoogleApi, account: &Account, name: &str) -> Result<Value> {
    Ok(api.get(account, name, &[]).await?)
}

async fn patch(api: &GoogleApi, account: &Account, name: &str, mask: &[String], body: &Value) -> Result<Value> {
    Ok(api
        .call(
            account,
            reqwest::Method::PATCH,
            name,
            &[("updateMask", mask.join(","))],
            Some(body),
        )
        .await?)
}

/// Patches `name` to match `meant` on `mask`, reads it back, and says which fields did not stick.
async fn patch_and_verify(
    api: &GoogleApi,
    account: &Account,
    name: &str,
    meant: &Value,
    mask: &[String],
) -> Result<(Value, Vec<String>)> {
    patch(api, account, name, mask, &rules::patch_body(meant, mask)).await?;
    let read_back = get_live(api, account, name).await?;
    let missing = rules::not_stuck(meant, &read_back, mask);
    Ok((read_back, missing))
}

/// Applies a proposal (admins, after explicit approval): snapshot → patch → read back →
/// snapshot → audit. A patch that does not stick is undone and the proposal marked failed.
pub async fn apply(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    id: i64,
    actor: &str,
    now: i64,
    today: time::Date,
) -> Result<ProposalView> {
    let p = store
        .proposal(id)
        .await?
        .ok_or_else(|| PretargetingError::NotFound(format!("proposal {id}")))?;
    if p.status != "proposed" {
        return Err(PretargetingError::Conflict(format!(
            "proposal {id} is {}; only a proposed change is applied",
            p.status
        )));
    }
    let changes: Vec<Change> = serde_json::from_str(&p.changes_json).unwrap_or_default();
    let (bidder, _) = parts(&p.config_name);
    let account = account_for(store, accounts, &bidder).await?;
    let live = get_live(api, account, &p.config_name).await?;
    let before = snapshot(store, &live, "before_apply", actor, now).await?;
    // Against the config as it is now, not as it was when proposed.
    let plan = rules::plan(&live, &changes, p.allow_widening).map_err(|e| {
        PretargetingError::Conflict(format!(
            "the config changed since the proposal and the change no longer applies: {e}"
        ))
    })?;
    let outcome =
        |status: &str, error: Option<String>, after: Option<i64>, action: &str, details: Value| ProposalOutcome {
            id,
            status: status.into(),
            actor: actor.into(),
            at: now,
            before_snapshot: Some(before),
            after_snapshot: after,
            error,
            guard: None,
            action: action.into(),
            details,
        };
    let attempt = patch_and_verify(api, account, &p.config_name, &plan.after, &plan.update_mask).await;
    let failure = match attempt {
        Err(e) => Some(e.to_string()),
        Ok((_, ref missing)) if !missing.is_empty() => {
            // Unknown state: put back what was there before, and say so.
            let restore = patch_and_verify(api, account, &p.config_name, &live, &plan.update_mask).await;
            let restored = match &restore {
                Ok((config, still)) if still.is_empty() => {
                    snapshot(store, config, "restored", actor, now).await?;
                    "the previous values were restored".to_string()
                }
                Ok((_, still)) => format!(
                    "restoring failed too for {}; check the config in Google's UI",
                    still.join(", ")
                ),
                Err(e) => format!("restoring failed: {e}; check the config in Google's UI"),
            };
            Some(format!(
                "the patch did not stick for {}; {restored}",
                missing.join(", ")
            ))
        }
        Ok((read_back, _)) => {
            let after = snapshot(store, &read_back, "after_apply", actor, now).await?;
            let applied = store
                .record_proposal_outcome(outcome(
                    "applied",
                    None,
                    Some(after),
                    "pretargeting.apply",
                    serde_json::json!({"update_mask": plan.update_mask, "diff": plan.diff, "before_snapshot": before, "after_snapshot": after}),
                ))
                .await?;
            return proposal_view(store, applied, today).await;
        }
    };
    let failed = store
        .record_proposal_outcome(outcome(
            "failed",
            failure.clone(),
            None,
            "pretargeting.apply_failed",
            serde_json::json!({"update_mask": plan.update_mask, "error": failure}),
        ))
        .await?;
    proposal_view(store, failed, today).await
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollbackReport {
    pub config_name: String,
    pub restored_snapshot: i64,
    pub before_snapshot: i64,
    pub after_snapshot: i64,
    pub diff: Vec<FieldDiff>,
    pub update_mask: Vec<String>,
}

/// Puts a config back as a snapshot has it (the managed fields), verified like an apply.
pub async fn rollback(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    snapshot_id: i64,
    actor: &str,
    now: i64,
) -> Result<RollbackReport> {
    let target = store
        .snapshot(snapshot_id)
        .await?
        .ok_or_else(|| PretargetingError::NotFound(format!("snapshot {snapshot_id}")))?;
    let wanted: Value = serde_json::from_str(&target.config_json).unwrap_or_default();
    let (bidder, _) = parts(&target.config_name);
    let account = account_for(store, accounts, &bidder).await?;
    let live = get_live(api, account, &target.config_name).await?;
    let diff = rules::diff(&live, &wanted);
    if diff.is_empty() {
        return Err(Refusal::NoChange.into());
    }
    let before = snapshot(store, &live, "before_rollback", actor, now).await?;
    let mask: Vec<String> = diff.iter().map(|d| d.path.clone()).collect();
    let (read_back, missing) = patch_and_verify(api, account, &target.config_name, &wanted, &mask).await?;
    let after = snapshot(store, &read_back, "after_rollback", actor, now).await?;
    let details = serde_json::json!({"restored_snapshot": snapshot_id, "update_mask": mask, "missing": missing});
    store
        .append_audit(rtbcat_store::NewAuditEntry {
            at: now,
            actor: actor.into(),
            action: if missing.is_empty() {
                "pretargeting.rollback"
            } else {
                "pretargeting.rollback_failed"
            }
            .into(),
            subject: Some(target.config_name.clone()),
            details,
        })
        .await?;
    if !missing.is_empty() {
        return Err(PretargetingError::Conflict(format!(
            "the rollback did not stick for {}; check the config in Google's UI",
            missing.join(", ")
        )));
    }
    // A proposal whose "before" this was is now rolled back.
    for p in store.proposals(500).await? {
        if p.before_snapshot == Some(snapshot_id) && p.status == "applied" {
            store
                .record_proposal_outcome(ProposalOutcome {
                    id: p.id,
                    status: "rolled_back".into(),
                    actor: actor.into(),
                    at: now,
                    before_snapshot: None,
                    after_snapshot: None,
                    error: None,
                    guard: None,
                    action: "pretargeting.proposal_rolled_back".into(),
                    details: serde_json::json!({"rollback_snapshot": after}),
                })
                .await?;
        }
    }
    Ok(RollbackReport {
        config_name: target.config_name,
        restored_snapshot: snapshot_id,
        before_snapshot: before,
        after_snapshot: after,
        diff,
        update_mask: mask,
    })
}

pub async fn snapshots(store: &SharedStore, config_name: Option<String>, limit: i64) -> Result<Vec<SnapshotView>> {
    Ok(store
        .snapshots(config_name, limit)
        .await?
        .into_iter()
        .map(|s| SnapshotView {
            id: s.id,
            config_name: s.config_name,
            display_name: s.display_name,
            reason: s.reason,
            actor: s.actor,
            taken_at: s.taken_at,
        })
        .collect())
}

/// Requests on one day, every seat.
async fn day_requests(store: &SharedStore, day: time::Date) -> Result<Option<i64>> {
    let rows = store
        .size_requests(rtbcat_store::WasteFilter {
            start: day.to_string(),
            end: day.to_string(),
            seat: None,
        })
        .await?;
    Ok((!rows.is_empty()).then(|| rows.iter().map(|r| r.requests).sum()))
}

/// Checks applied changes against the traffic imported since: a first full day after the
/// change below half of the week before is flagged, and rolled back when `auto_rollback`.
pub async fn guard(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    auto_rollback: bool,
    now: i64,
) -> Result<Vec<ProposalView>> {
    // One guard at a time, across instances: two would roll the same change back twice.
    let holder = format!("guard-{}-{}", std::process::id(), rand::random::<u32>());
    if !store
        .take_lease("pretargeting-guard".into(), holder.clone(), now, now + 300)
        .await?
    {
        return Ok(Vec::new());
    }
    let outcome = guard_checks(store, api, accounts, auto_rollback, now).await;
    store
        .take_lease("pretargeting-guard".into(), holder, now, now - 1)
        .await?;
    outcome
}

async fn guard_checks(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    auto_rollback: bool,
    now: i64,
) -> Result<Vec<ProposalView>> {
    let mut checked = Vec::new();
    for p in store.proposals(500).await? {
        let (Some(applied_at), None, "applied") = (p.applied_at, &p.guard_status, p.status.as_str()) else {
            continue;
        };
        let Ok(applied) = time::OffsetDateTime::from_unix_timestamp(applied_at) else {
            continue;
        };
        let day = applied.date();
        let Some(after) = day_requests(store, day.next_day().unwrap_or(day)).await? else {
            continue;
        };
        let mut week = Vec::new();
        for back in 1..=7 {
            if let Some(d) = day.checked_sub(time::Duration::days(back)) {
                week.extend(day_requests(store, d).await?);
            }
        }
        if week.is_empty() {
            continue;
        }
        let before = week.iter().sum::<i64>() / week.len() as i64;
        let (qps_before, qps_after) = (before / 86_400, after / 86_400);
        let dropped = (after as f64) < GUARD_MIN_RATIO * before as f64;
        let mut status = if dropped { "dropped" } else { "ok" }.to_string();
        let mut rollback_error = None;
        if dropped && auto_rollback {
            match p.before_snapshot {
                Some(snapshot_id) => match rollback(store, api, accounts, snapshot_id, "guard", now).await {
                    Ok(_) => status = "rolled_back".into(),
                    Err(e) => rollback_error = Some(e.to_string()),
                },
                None => rollback_error = Some("no snapshot to roll back to".into()),
            }
        }
        let current = store.proposal(p.id).await?.map_or(p.status.clone(), |c| c.status);
        let updated = store
            .record_proposal_outcome(ProposalOutcome {
                id: p.id,
                status: current,
                actor: "guard".into(),
                at: now,
                before_snapshot: None,
                after_snapshot: None,
                error: rollback_error.clone(),
                guard: Some((qps_before, qps_after, status.clone())),
                action: format!("pretargeting.guard_{status}"),
                details: serde_json::json!({"requests_per_day_before": before, "requests_first_day_after": after, "rollback_error": rollback_error}),
            })
            .await?;
        checked.push(proposal_view(store, updated, now_date(now)).await?);
    }
    Ok(checked)
}

fn now_date(now: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now).map_or(time::Date::MIN, |t| t.date())
}
