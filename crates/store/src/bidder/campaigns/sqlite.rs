//! Campaigns of creatives on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rtbcat_core::bidder::campaigns::placement::{place, Keyed, Place, Target};
use rusqlite::{params, OptionalExtension, Transaction};

/// Checks that campaign `id` is open and not locked; its name.
fn open_campaign(tx: &Transaction<'_>, id: i64, may_be_locked: bool) -> StoreResult<String> {
    let (name, locked): (String, bool) = tx
        .prepare_cached(CAMPAIGN_STATE)?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("campaign {id}")))?;
    if locked && !may_be_locked {
        return Err(locked_refusal(&name));
    }
    Ok(name)
}

/// Pins creatives in campaign `id`, refusing to take one out of a locked campaign.
fn pin(tx: &Transaction<'_>, id: i64, members: &[(String, String)]) -> StoreResult<()> {
    let mut exists = tx.prepare_cached(CREATIVE_EXISTS)?;
    let mut place_of = tx.prepare_cached(MEMBER_PLACE)?;
    let mut pin = tx.prepare_cached(PIN_MEMBER)?;
    for (seat, creative) in members {
        if !exists.exists(params![seat, creative])? {
            return Err(StoreError::NotFound(format!("creative {seat}/{creative}")));
        }
        let current: Option<(i64, bool)> = place_of
            .query_row(params![seat, creative], |r| Ok((r.get(0)?, r.get(2)?)))
            .optional()?;
        if let Some((from, true)) = current.filter(|(from, _)| *from != id) {
            return Err(locked_refusal(&open_campaign(tx, from, true)?));
        }
        pin.execute(params![seat, creative, id])?;
    }
    Ok(())
}

#[async_trait]
impl CampaignStore for SqliteStore {
    async fn campaign_inputs(&self) -> StoreResult<Vec<CampaignInput>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(CAMPAIGN_INPUTS)?;
            let rows = stmt
                .query_map([], |r| Ok(campaign_input_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn apply_clustering(
        &self,
        clusters: Vec<ClusterToSave>,
        mode: Mode,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut counts = ClusteringCounts::default();
            {
                let mut by_key = tx.prepare_cached(CAMPAIGN_BY_KEY)?;
                let mut insert = tx.prepare_cached(INSERT_CAMPAIGN)?;
                let mut update = tx.prepare_cached(UPDATE_CAMPAIGN)?;
                let mut place_of = tx.prepare_cached(MEMBER_PLACE)?;
                let mut put = tx.prepare_cached(PLACE_MEMBER)?;
                for c in &clusters {
                    let keyed: Option<(Keyed, i64)> = by_key
                        .query_row(params![c.key], |r| {
                            Ok((
                                Keyed {
                                    campaign_id: r.get(0)?,
                                    locked: r.get(1)?,
                                },
                                r.get(2)?,
                            ))
                        })
                        .optional()?;
                    if let Some((_, own)) = keyed {
                        update.execute(params![own, c.name, c.rule, c.confidence_permille, now])?;
                    }
                    let places = c
                        .members
                        .iter()
                        .map(|(seat, creative)| {
                            place_of
                                .query_row(params![seat, creative], |r| {
                                    Ok(Place {
                                        campaign_id: r.get(0)?,
                                        pinned: r.get(1)?,
                                        locked: r.get(2)?,
                                    })
                                })
                                .optional()
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let mut created: Option<i64> = None;
                    for ((seat, creative), decision) in c.members.iter().zip(place(mode, keyed.map(|k| k.0), &places)) {
                        let id = match counts.tally(decision) {
                            None => continue,
                            Some(Target::Existing(id)) => id,
                            Some(Target::New) => match created {
                                Some(id) => id,
                                None => {
                                    counts.formed += 1;
                                    let id: i64 = insert.query_row(
                                        params![c.key, c.name, c.rule, c.confidence_permille, now, c.source],
                                        |r| r.get(0),
                                    )?;
                                    *created.insert(id)
                                }
                            },
                        };
                        put.execute(params![seat, creative, id])?;
                        counts.assigned += 1;
                    }
                }
            }
            if mode == Mode::Recluster || counts.assigned > 0 {
                let subject = format!("{} campaigns", clusters.len());
                crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(subject, now))?;
            }
            tx.commit()?;
            Ok(counts)
        })
        .await
    }

    async fn edit_campaign(&self, edit: CampaignEdit, actor: String, now: i64) -> StoreResult<i64> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (id, subject) = match &edit {
                CampaignEdit::Rename { id, name } => {
                    open_campaign(&tx, *id, true)?;
                    tx.execute(RENAME_CAMPAIGN, params![id, name, now])?;
                    (*id, name.clone())
                }
                CampaignEdit::Lock { id, locked } => {
                    let name = open_campaign(&tx, *id, true)?;
                    tx.execute(LOCK_CAMPAIGN, params![id, locked, now])?;
                    (*id, name)
                }
                CampaignEdit::Move { id, members } => {
                    let name = open_campaign(&tx, *id, false)?;
                    pin(&tx, *id, members)?;
                    (*id, name)
                }
                CampaignEdit::Merge { into, from } => {
                    let name = open_campaign(&tx, *into, false)?;
                    for source in from {
                        open_campaign(&tx, *source, false)?;
                        tx.execute(MERGE_MEMBERS, params![into, source])?;
                        tx.execute(MERGE_CAMPAIGN, params![into, source, now])?;
                    }
                    (*into, name)
                }
                CampaignEdit::Split { name, members } => {
                    let id: i64 = tx.query_row(INSERT_MANUAL_CAMPAIGN, params![name, now], |r| r.get(0))?;
                    tx.execute(KEY_MANUAL_CAMPAIGN, params![id])?;
                    pin(&tx, id, members)?;
                    (id, name.clone())
                }
            };
            let entry = edit.audit_entry(id, &subject, actor, now);
            crate::platform::audit::sqlite::insert_audit(&tx, &entry)?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn campaign_data_version(&self) -> StoreResult<String> {
        self.read(|conn| {
            let (imports, audit): (i64, i64) = conn.query_row(DATA_VERSION, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(format!("{imports}.{audit}"))
        })
        .await
    }

    async fn list_creative_campaigns(&self) -> StoreResult<Vec<CampaignRow>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_CAMPAIGNS)?;
            let mut campaigns = stmt
                .query_map([], |r| Ok(campaign_row_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut members = conn.prepare_cached(LIST_MEMBERS)?;
            let members = members
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            attach_members(&mut campaigns, members);
            Ok(campaigns)
        })
        .await
    }

    async fn campaign_cuts(
        &self,
        by: CampaignDimension,
        campaign: Option<i64>,
        start: Option<String>,
        end: Option<String>,
    ) -> StoreResult<Vec<CampaignCut>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&campaign_cuts_sql(by, campaign.is_some(), "", "", "date"))?;
            let rows = stmt
                .query_map(params![start, end, campaign], |r| Ok(campaign_cut_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
