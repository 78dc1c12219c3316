//! Popup analytics: impressions, clicks, CTR with its 95% Wilson interval, conversions,
//! revenue and RPM, grouped by day, hour, offer, property, country or device.

use crate::clock::Clock;
use crate::popups::Property;
use rtbcat_store::{AnalyticsFilter, AnalyticsGroup, SharedStore, StoreError};
use serde::Serialize;

/// The line, by offer, of bots' requests for an offer (counted under offer 0).
pub const BOT_REQUESTS_LABEL: &str = "Bots asking for an offer (shown none)";

/// What to report: a window of days and a grouping.
#[derive(Debug, Clone, Default)]
pub struct AnalyticsQuery {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last day, inclusive (default: today, so today's events are in).
    pub to: Option<String>,
    /// `day` (default), `week` (ISO), `month`, `hour`, `offer`, `property`, `country` or `device`.
    pub group_by: Option<String>,
    pub offer_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("`{name}` {reason}")]
    BadParameter { name: &'static str, reason: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnalyticsLine {
    pub key: String,
    /// Offer name when grouped by offer, property code when grouped by property.
    pub label: Option<String>,
    pub impressions: i64,
    pub clicks: i64,
    pub ctr: Option<f64>,
    /// 95% Wilson interval of the CTR.
    pub ctr_low: Option<f64>,
    pub ctr_high: Option<f64>,
    pub conversions: i64,
    pub revenue_micros: i64,
    /// Revenue per thousand impressions (eCPM), micros.
    pub rpm_micros: Option<i64>,
    pub bot_hits: i64,
}

/// The report: its first and last day and one line per group.
pub struct AnalyticsReport {
    pub from: String,
    pub to: String,
    pub lines: Vec<AnalyticsLine>,
}

/// A report's days from its `from`/`to` parameters (`YYYY-MM-DD`): `to` defaults to today,
/// `from` to 29 days before `to`; `from` after `to` is refused.
pub fn report_range(
    clock: &dyn Clock,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(time::Date, time::Date), AnalyticsError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let parse = |name: &'static str, value: &Option<String>| -> Result<Option<time::Date>, AnalyticsError> {
        value
            .as_deref()
            .map(|text| {
                time::Date::parse(text, format).map_err(|_| AnalyticsError::BadParameter {
                    name,
                    reason: "must be YYYY-MM-DD",
                })
            })
            .transpose()
    };
    let to = parse("to", to)?.unwrap_or_else(|| clock.now().date());
    let from = parse("from", from)?.unwrap_or(to - time::Duration::days(29));
    if from > to {
        return Err(AnalyticsError::BadParameter {
            name: "from",
            reason: "is after `to`",
        });
    }
    Ok((from, to))
}

/// Analytics for one property, or every property (`None`).
pub async fn report(
    store: &SharedStore,
    clock: &dyn Clock,
    property: Option<&Property>,
    query: &AnalyticsQuery,
) -> Result<AnalyticsReport, AnalyticsError> {
    let (from, to) = report_range(clock, &query.from, &query.to)?;
    // Weeks and months are days added up (the same rollup on both engines).
    let period = query.group_by.as_deref().filter(|g| matches!(*g, "week" | "month"));
    let group_by = match query.group_by.as_deref().unwrap_or("day") {
        "day" | "week" | "month" => AnalyticsGroup::Day,
        "hour" => AnalyticsGroup::Hour,
        "offer" => AnalyticsGroup::Offer,
        "property" => AnalyticsGroup::Property,
        "country" => AnalyticsGroup::Country,
        "device" => AnalyticsGroup::Device,
        _ => {
            return Err(AnalyticsError::BadParameter {
                name: "group_by",
                reason: "use day, week, month, hour, offer, property, country or device",
            })
        }
    };
    let rows = store
        .popup_analytics(AnalyticsFilter {
            property_id: property.map(|p| p.id),
            offer_id: query.offer_id,
            from: from.to_string(),
            to: to.to_string(),
            group_by,
        })
        .await?;
    let rows = match period {
        Some(period) => {
            let mut grouped: Vec<rtbcat_store::AnalyticsRow> = Vec::new();
            for r in rows {
                let key = rtbcat_core::popups::analytics::period_of(&r.key, period).unwrap_or(r.key.clone());
                match grouped.last_mut().filter(|g| g.key == key) {
                    Some(g) => {
                        g.impressions += r.impressions;
                        g.clicks += r.clicks;
                        g.conversions += r.conversions;
                        g.revenue_micros += r.revenue_micros;
                        g.bot_hits += r.bot_hits;
                    }
                    None => grouped.push(rtbcat_store::AnalyticsRow { key, ..r }),
                }
            }
            grouped
        }
        None => rows,
    };
    let offers = store.list_offers().await?;
    let properties = store.list_properties().await?;
    let lines = rows
        .into_iter()
        .map(|r| {
            let label = match group_by {
                // Offer 0 holds the bots' requests for an offer: they were shown none.
                AnalyticsGroup::Offer if r.key == "0" => Some(BOT_REQUESTS_LABEL.to_string()),
                AnalyticsGroup::Offer => offers
                    .iter()
                    .find(|o| o.id.to_string() == r.key)
                    .map(|o| o.name.clone()),
                AnalyticsGroup::Property => properties
                    .iter()
                    .find(|p| p.id.to_string() == r.key)
                    .map(|p| p.code.clone()),
                _ => None,
            };
            let interval = rtbcat_core::shared::stats::wilson_interval(r.clicks, r.impressions);
            AnalyticsLine {
                label,
                ctr: (r.impressions > 0).then(|| r.clicks as f64 / r.impressions as f64),
                ctr_low: interval.map(|i| i.0),
                ctr_high: interval.map(|i| i.1),
                rpm_micros: rtbcat_core::popups::rpm_micros(r.revenue_micros, r.impressions),
                key: r.key,
                impressions: r.impressions,
                clicks: r.clicks,
                conversions: r.conversions,
                revenue_micros: r.revenue_micros,
                bot_hits: r.bot_hits,
            }
        })
        .collect();
    Ok(AnalyticsReport {
        from: from.to_string(),
        to: to.to_string(),
        lines,
    })
}

/// One minute of the real-time view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RealtimeMinute {
    /// Start of the minute, Unix seconds (UTC).
    pub minute: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
}

/// One offer's last hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RealtimeOffer {
    pub offer_id: i64,
    pub name: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
}

/// The last 60 minutes, minute by minute (the current, partial minute last), and per offer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Realtime {
    /// When it was read, Unix seconds.
    pub as_of: i64,
    pub minutes: Vec<RealtimeMinute>,
    pub offers: Vec<RealtimeOffer>,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
}

/// Minutes the real-time view covers.
pub const REALTIME_MINUTES: i64 = 60;

/// The last hour for one property or all, from the per-minute rollup written with the events
/// (so it costs a range read of at most 60 minutes of rows, not a scan of the event log).
pub async fn realtime(
    store: &SharedStore,
    clock: &dyn Clock,
    property: Option<&Property>,
) -> Result<Realtime, StoreError> {
    let now = clock.unix();
    let current = now.div_euclid(60);
    let first = current - (REALTIME_MINUTES - 1);
    let rows = store.popup_minutes(property.map(|p| p.id), first).await?;
    let mut minutes: Vec<RealtimeMinute> = (first..=current)
        .map(|m| RealtimeMinute {
            minute: m * 60,
            ..RealtimeMinute::default()
        })
        .collect();
    let names: std::collections::HashMap<i64, String> =
        store.list_offers().await?.into_iter().map(|o| (o.id, o.name)).collect();
    let mut offers: Vec<RealtimeOffer> = Vec::new();
    for row in rows.iter().filter(|r| r.minute <= current) {
        let Some(slot) = usize::try_from(row.minute - first)
            .ok()
            .and_then(|i| minutes.get_mut(i))
        else {
            continue;
        };
        slot.impressions += row.impressions;
        slot.clicks += row.clicks;
        slot.conversions += row.conversions;
        slot.revenue_micros += row.revenue_micros;
        let at = match offers.iter().position(|o| o.offer_id == row.offer_id) {
            Some(at) => at,
            None => {
                offers.push(RealtimeOffer {
                    offer_id: row.offer_id,
                    name: names
                        .get(&row.offer_id)
                        .cloned()
                        .unwrap_or_else(|| format!("offer {}", row.offer_id)),
                    impressions: 0,
                    clicks: 0,
                    conversions: 0,
                    revenue_micros: 0,
                });
                offers.len() - 1
            }
        };
        let offer = &mut offers[at];
        offer.impressions += row.impressions;
        offer.clicks += row.clicks;
        offer.conversions += row.conversions;
        offer.revenue_micros += row.revenue_micros;
    }
    offers.sort_by_key(|o| std::cmp::Reverse((o.impressions, o.offer_id)));
    let sum = |f: fn(&RealtimeMinute) -> i64| minutes.iter().map(f).sum::<i64>();
    Ok(Realtime {
        as_of: now,
        impressions: sum(|m| m.impressions),
        clicks: sum(|m| m.clicks),
        conversions: sum(|m| m.conversions),
        revenue_micros: sum(|m| m.revenue_micros),
        minutes,
        offers,
    })
}
