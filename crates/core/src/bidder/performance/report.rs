//! Reading the performance and traffic reports users really have.
//!
//! Authorized Buyers exports carry `#Day` headers, BOMs, M/D/YY dates, country names,
//! `$1,234.50` spend and a totals row; the seed's CSV is tidy; bidders' own traffic logs are
//! something else again. This module recognises a report from its header and turns each
//! row into a checked fact, naming line, column and reason when it cannot.

use crate::shared::country::country_code;
use crate::shared::money::parse_money_micros;
use serde::Serialize;
use time::{Date, Month};

/// The report kinds we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The seed's tidy CSV: creative_id,date,impressions,clicks,spend,geography,device_type.
    SeedCsv,
    /// Authorized Buyers performance report (creative-level).
    Performance,
    FunnelByGeo,
    FunnelByPublisher,
    BidFiltering,
    Quality,
    /// The bidder's own request counts by size.
    Traffic,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::SeedCsv => "seed_csv",
            ReportKind::Performance => "performance",
            ReportKind::FunnelByGeo => "funnel_by_geo",
            ReportKind::FunnelByPublisher => "funnel_by_publisher",
            ReportKind::BidFiltering => "bid_filtering",
            ReportKind::Quality => "quality",
            ReportKind::Traffic => "traffic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::SeedCsv => "performance CSV (seed format)",
            ReportKind::Performance => "Authorized Buyers performance report",
            ReportKind::FunnelByGeo => "Authorized Buyers funnel report by geo",
            ReportKind::FunnelByPublisher => "Authorized Buyers funnel report by publisher",
            ReportKind::BidFiltering => "Authorized Buyers bid filtering report",
            ReportKind::Quality => "Authorized Buyers quality report",
            ReportKind::Traffic => "bidder traffic CSV",
        }
    }

    /// True for reports whose rows are creative performance facts.
    pub fn is_performance(self) -> bool {
        matches!(self, ReportKind::SeedCsv | ReportKind::Performance)
    }
}

/// A column we understand, whatever the report calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Date,
    Hour,
    CreativeId,
    Country,
    Device,
    Placement,
    Impressions,
    Clicks,
    Spend,
    Size,
    Format,
    BillingId,
    BuyerAccountId,
    PublisherId,
    PublisherName,
    PublisherDomain,
    MobileAppId,
    ReachedQueries,
    Bids,
    BidRequests,
    InventoryMatches,
    SuccessfulResponses,
    BidsInAuction,
    AuctionsWon,
    FilteringReason,
    IvtCredited,
    Billed,
    Viewable,
    Measurable,
    /// Requests per second averaged over the row's day (or hour, with an hour column).
    Qps,
    Requests,
}

/// Where each understood column sits in a report's rows: looked up for every field of every
/// row, so an array indexed by the column rather than a hashed map.
#[derive(Debug, Clone, Default)]
struct ColumnPositions([Option<usize>; Column::Requests as usize + 1]);

impl ColumnPositions {
    /// Records a column's position; false when the column was already placed.
    fn insert(&mut self, column: Column, position: usize) -> bool {
        self.0[column as usize].replace(position).is_none()
    }

    fn get(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }

    fn contains(&self, column: Column) -> bool {
        self.get(column).is_some()
    }
}

/// `#Day`, `\u{feff}Creative Size `, `Spend (buyer currency)` → comparable names.
pub fn normalize_header(name: &str) -> String {
    let trimmed = name
        .trim_start_matches('\u{feff}')
        .trim()
        .trim_start_matches('#')
        .trim();
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn column_for(normalized: &str) -> Option<Column> {
    Some(match normalized {
        "day" | "date" | "timestamp" | "datetime" | "time" => Column::Date,
        "hour" | "hour of day" => Column::Hour,
        "creative id" | "creative_id" | "creativeid" => Column::CreativeId,
        "country" | "geography" | "geo" | "country code" => Column::Country,
        "device" | "device_type" | "device type" | "platform" => Column::Device,
        "placement" => Column::Placement,
        "impressions" => Column::Impressions,
        "clicks" => Column::Clicks,
        "spend" | "spend (buyer currency)" | "spend (bidder currency)" | "spend_usd" | "cost" => Column::Spend,
        "creative size" | "size" => Column::Size,
        "creative format" | "format" => Column::Format,
        "billing id" => Column::BillingId,
        "buyer account id" | "seat" | "seat_id" | "buyer_id" => Column::BuyerAccountId,
        "publisher id" => Column::PublisherId,
        "publisher name" => Column::PublisherName,
        "publisher domain" => Column::PublisherDomain,
        "mobile app id" => Column::MobileAppId,
        "reached queries" => Column::ReachedQueries,
        "bids" => Column::Bids,
        "bid requests" => Column::BidRequests,
        "inventory matches" => Column::InventoryMatches,
        "successful responses" => Column::SuccessfulResponses,
        "bids in auction" => Column::BidsInAuction,
        "auctions won" => Column::AuctionsWon,
        "bid filtering reason" => Column::FilteringReason,
        "ivt credited impressions" => Column::IvtCredited,
        "billed impressions" => Column::Billed,
        "active view viewable" => Column::Viewable,
        "active view measurable" => Column::Measurable,
        "requests" | "bid_requests" => Column::Requests,
        "qps" => Column::Qps,
        _ => return None,
    })
}

/// How a report's columns map to what we store.
#[derive(Debug, Clone)]
pub struct ReportLayout {
    pub kind: ReportKind,
    positions: ColumnPositions,
    header: Vec<String>,
}

/// Why a header cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HeaderError {
    pub message: String,
}

const EXPECTED: &str =
    "expected one of: the seed CSV (creative_id,date,impressions,clicks,spend,geography,device_type); \
an Authorized Buyers performance report (Day, Creative ID, Impressions, Clicks, Spend (buyer currency), …); \
a funnel report (Day, Country, Bid requests, …); a bid filtering report (Day, Bid filtering reason, Bids); \
a quality report (Day, Publisher ID, Impressions, IVT credited impressions / Billed impressions); \
a traffic CSV (date,size,format,country,device,requests)";

impl ReportLayout {
    /// Recognise a report from its header row.
    pub fn detect(header: &[&str]) -> Result<ReportLayout, HeaderError> {
        let normalized: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
        let mut positions = ColumnPositions::default();
        for (i, name) in normalized.iter().enumerate() {
            if let Some(column) = column_for(name) {
                if !positions.insert(column, i) {
                    return Err(HeaderError {
                        message: format!("column {:?} appears twice", header[i].trim()),
                    });
                }
            }
        }
        let has = |c: Column| positions.contains(c);
        let kind = if has(Column::CreativeId) {
            if normalized.iter().any(|n| n == "creative_id") {
                ReportKind::SeedCsv
            } else {
                ReportKind::Performance
            }
        } else if has(Column::FilteringReason) {
            ReportKind::BidFiltering
        } else if has(Column::IvtCredited) || has(Column::Billed) || has(Column::Viewable) {
            ReportKind::Quality
        } else if has(Column::BidRequests) || has(Column::InventoryMatches) {
            if has(Column::PublisherId) || has(Column::PublisherName) {
                ReportKind::FunnelByPublisher
            } else {
                ReportKind::FunnelByGeo
            }
        } else if has(Column::Size) && (has(Column::Requests) || has(Column::Qps)) {
            ReportKind::Traffic
        } else {
            let found: Vec<&str> = header.iter().map(|h| h.trim()).collect();
            return Err(HeaderError {
                message: format!("cannot tell which report this is from its columns {found:?}; {EXPECTED}"),
            });
        };
        let required: &[Column] = match kind {
            ReportKind::SeedCsv | ReportKind::Performance => &[
                Column::Date,
                Column::CreativeId,
                Column::Impressions,
                Column::Clicks,
                Column::Spend,
            ],
            ReportKind::FunnelByGeo | ReportKind::FunnelByPublisher => &[Column::Date, Column::BidRequests],
            ReportKind::BidFiltering => &[Column::Date, Column::FilteringReason, Column::Bids],
            ReportKind::Quality => &[Column::Date, Column::Impressions],
            ReportKind::Traffic => &[Column::Date, Column::Size],
        };
        let missing: Vec<&str> = required
            .iter()
            .filter(|c| !has(**c))
            .map(|c| column_title(*c))
            .collect();
        if !missing.is_empty() {
            return Err(HeaderError {
                message: format!(
                    "this looks like a {}, but it lacks the column(s) {}",
                    kind.label(),
                    missing.join(", ")
                ),
            });
        }
        Ok(ReportLayout {
            kind,
            positions,
            header: header.iter().map(|h| normalize_header(h)).collect(),
        })
    }

    pub fn has(&self, column: Column) -> bool {
        self.positions.contains(column)
    }

    /// The header as the file spells it (normalised), for error messages.
    pub fn column_name(&self, column: Column) -> String {
        self.positions
            .get(column)
            .and_then(|i| self.header.get(i))
            .cloned()
            .unwrap_or_else(|| column_title(column).into())
    }
}

fn column_title(column: Column) -> &'static str {
    match column {
        Column::Date => "Day",
        Column::Hour => "Hour",
        Column::CreativeId => "Creative ID",
        Column::Country => "Country",
        Column::Device => "Platform",
        Column::Placement => "Placement",
        Column::Impressions => "Impressions",
        Column::Clicks => "Clicks",
        Column::Spend => "Spend",
        Column::Size => "Creative size",
        Column::Format => "Creative format",
        Column::BillingId => "Billing ID",
        Column::BuyerAccountId => "Buyer account ID",
        Column::PublisherId => "Publisher ID",
        Column::PublisherName => "Publisher name",
        Column::PublisherDomain => "Publisher domain",
        Column::MobileAppId => "Mobile app ID",
        Column::ReachedQueries => "Reached queries",
        Column::Bids => "Bids",
        Column::BidRequests => "Bid requests",
        Column::InventoryMatches => "Inventory matches",
        Column::SuccessfulResponses => "Successful responses",
        Column::BidsInAuction => "Bids in auction",
        Column::AuctionsWon => "Auctions won",
        Column::FilteringReason => "Bid filtering reason",
        Column::IvtCredited => "IVT credited impressions",
        Column::Billed => "Billed impressions",
        Column::Viewable => "Active view viewable",
        Column::Measurable => "Active view measurable",
        Column::Qps => "qps",
        Column::Requests => "requests",
    }
}

/// Device classes; report spellings map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    Desktop,
    Mobile,
    Tablet,
    Ctv,
    Unknown,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Ctv => "ctv",
            Device::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Device> {
        Some(match text.trim().to_lowercase().as_str() {
            "desktop" | "desktops" | "pc" | "computer" | "personal computer" | "computers" => Device::Desktop,
            "mobile"
            | "smartphone"
            | "smartphones"
            | "phone"
            | "high-end mobile devices"
            | "mobile devices"
            | "feature phones"
            | "android"
            | "ios"
            | "mobile app"
            | "mobile web" => Device::Mobile,
            "tablet" | "tablets" => Device::Tablet,
            "ctv" | "connected tv" | "connected tvs" | "tv" | "smart tv" => Device::Ctv,
            "" | "unknown" | "other" | "other devices" | "-" | "--" => Device::Unknown,
            _ => return None,
        })
    }
}

/// `2026-11-01T13:05:00Z` or `2026-11-01 13:05` → (`2026-11-01`, Some(13)); a plain date
/// stays as it is.
fn split_timestamp(text: &str) -> (&str, Option<u8>) {
    let Some(at) = text.find(['T', ' ']).filter(|&i| i >= 8) else {
        return (text, None);
    };
    let (day, time) = (&text[..at], &text[at + 1..]);
    let hour = time.get(..2).and_then(|h| h.parse::<u8>().ok()).filter(|h| *h < 24);
    match hour {
        Some(h) if time.as_bytes().get(2) == Some(&b':') => (day, Some(h)),
        _ => (text, None),
    }
}

/// Read a report date: `2026-01-11`, `2026/01/11`, `1/11/26` (M/D/YY), `1/11/2026`.
pub fn parse_report_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let number = |s: &str| s.trim().parse::<i32>().ok();
    let build = |y: i32, m: i32, d: i32| {
        let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
        Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()
    };
    if let Some((y, rest)) = text.split_once(['-', '/']) {
        if y.len() == 4 {
            let (m, d) = rest.split_once(['-', '/'])?;
            return build(number(y)?, number(m)?, number(d)?);
        }
    }
    let parts: Vec<&str> = text.split('/').collect();
    if let [m, d, y] = parts.as_slice() {
        let year = match y.trim().len() {
            2 => 2000 + number(y)?,
            4 => number(y)?,
            _ => return None,
        };
        return build(year, number(m)?, number(d)?);
    }
    None
}

/// A whole count as reports spell it: `1234`, `1,234`, `1 234`.
fn parse_count(text: &str) -> Result<i64, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() || cleaned == "-" || cleaned == "--" {
        return Ok(0);
    }
    if let Some(rest) = cleaned.strip_prefix('-') {
        if rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty() {
            return Err(format!("{} is negative", text.trim()));
        }
    }
    // Some exports write counts as `1234.0`.
    let integral = cleaned
        .strip_suffix(".0")
        .or_else(|| cleaned.strip_suffix(".00"))
        .unwrap_or(&cleaned);
    let value = integral
        .parse::<i64>()
        .map_err(|_| format!("{:?} is not a whole number", text.trim()))?;
    if value > crate::shared::limits::MAX_COUNT {
        return Err(format!(
            "{value} is larger than any real count (at most {} per row)",
            crate::shared::limits::MAX_COUNT
        ));
    }
    Ok(value)
}

/// One creative-day(-hour) performance fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerformanceFact {
    /// Billing ID / buyer account, when the report carries one.
    pub seat_id: Option<String>,
    pub creative_id: String,
    pub date: Date,
    pub hour: Option<u8>,
    /// ISO alpha-2, or `ZZ` when the report has no country dimension.
    pub country: String,
    pub device: Device,
    /// Publisher / app / placement, empty when the report has none.
    pub placement: String,
    pub impressions: i64,
    pub clicks: i64,
    pub spend_micros: i64,
    pub reached_queries: Option<i64>,
    pub bids: Option<i64>,
}

/// A fact's key as the stores order it: creative first, so a creative's facts are one range.
/// No hour sorts before hour 0, as the stores keep it (-1).
pub type FactKey<'a> = (&'a str, Date, Option<u8>, &'a str, &'a str, &'a str, &'a str);

impl PerformanceFact {
    pub fn key(&self) -> FactKey<'_> {
        (
            &self.creative_id,
            self.date,
            self.hour,
            &self.country,
            self.device.as_str(),
            &self.placement,
            self.seat_id.as_deref().unwrap_or(""),
        )
    }
}

/// Puts facts in key order, in place. Stable: of two rows with one key, the file's later one
/// stays later, so it still wins when the rows are upserted in this order. The sort moves
/// indices; each fact then moves once, along the permutation's cycles, with no second copy.
pub fn sort_by_fact_key(facts: &mut [PerformanceFact]) {
    let mut order: Vec<usize> = (0..facts.len()).collect();
    order.sort_by(|&a, &b| facts[a].key().cmp(&facts[b].key()));
    // order[k] is the fact that belongs at k. Follow each cycle from its first position,
    // marking every position filled by pointing it at itself.
    for start in 0..facts.len() {
        let mut current = start;
        while order[current] != start {
            let next = order[current];
            facts.swap(current, next);
            order[current] = current;
            current = next;
        }
        order[current] = current;
    }
}

/// A traffic or quality fact: funnel, bid filtering, quality reports and the bidder's own
/// request counts. Only the metrics the report carries are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TrafficFact {
    pub kind: &'static str,
    pub date: Option<Date>,
    pub hour: Option<u8>,
    pub country: String,
    pub device: String,
    pub seat_id: String,
    pub publisher: String,
    pub size: String,
    pub format: String,
    pub filtering_reason: String,
    pub bid_requests: Option<i64>,
    pub inventory_matches: Option<i64>,
    pub successful_responses: Option<i64>,
    pub reached_queries: Option<i64>,
    pub bids: Option<i64>,
    pub bids_in_auction: Option<i64>,
    pub auctions_won: Option<i64>,
    pub impressions: Option<i64>,
    pub clicks: Option<i64>,
    pub ivt_credited_impressions: Option<i64>,
    pub billed_impressions: Option<i64>,
    pub viewable_impressions: Option<i64>,
    pub measurable_impressions: Option<i64>,
    pub requests: Option<i64>,
}

/// What one data row became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedRow {
    Performance(PerformanceFact),
    /// Boxed: traffic rows are rare and wide, performance rows are the hot path.
    Traffic(Box<TrafficFact>),
    /// A totals/summary line, skipped.
    Totals,
}

/// A row that could not be read: line (1-based, header is line 1), column, reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("line {line}, column {column}: {reason}")]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl ReportLayout {
    fn field<'a>(&self, row: &[&'a str], column: Column) -> Option<&'a str> {
        self.positions.get(column).and_then(|i| row.get(i)).map(|v| v.trim())
    }

    fn error(&self, line: u64, column: Column, reason: impl Into<String>) -> RowError {
        RowError {
            line,
            column: self.column_name(column),
            reason: reason.into(),
        }
    }

    fn count(&self, row: &[&str], line: u64, column: Column) -> Result<Option<i64>, RowError> {
        match self.field(row, column) {
            None => Ok(None),
            Some(text) => parse_count(text)
                .map(Some)
                .map_err(|reason| self.error(line, column, reason)),
        }
    }

    /// A `qps` column as a request count: the rate times the seconds the row covers (an hour
    /// with an hour column, else a day), so it adds up with files that count requests.
    fn requests_from_qps(&self, row: &[&str], line: u64, hourly: bool) -> Result<Option<i64>, RowError> {
        let Some(text) = self.field(row, Column::Qps) else {
            return Ok(None);
        };
        let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
        if cleaned.is_empty() {
            return Ok(Some(0));
        }
        let qps: f64 = cleaned
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| self.error(line, Column::Qps, format!("{text:?} is not a rate (e.g. 1240 or 12.5)")))?;
        if qps < 0.0 {
            return Err(self.error(line, Column::Qps, format!("{text} is negative")));
        }
        let requests = (qps * if hourly { 3_600.0 } else { 86_400.0 }).round();
        if requests > crate::shared::limits::MAX_COUNT as f64 {
            return Err(self.error(line, Column::Qps, format!("{text} is more than any bidder receives")));
        }
        Ok(Some(requests as i64))
    }

    /// Parse one data row. `today` bounds dates: a report cannot describe the future.
    pub fn parse_row(&self, row: &[&str], line: u64, today: Date) -> Result<ParsedRow, RowError> {
        let first = row.first().map(|f| f.trim().to_lowercase()).unwrap_or_default();
        let date_text = self.field(row, Column::Date).unwrap_or("");
        // Authorized Buyers ends some exports with a totals line: "Total" in the first
        // column, or empty dimensions and summed metrics.
        if first.starts_with("total") || first.starts_with("grand total") || (date_text.is_empty() && first.is_empty())
        {
            return Ok(ParsedRow::Totals);
        }
        // A row that does not line up with its header would put values under the wrong
        // columns (or read a missing amount as nothing): refuse it.
        if row.len() != self.header.len() {
            return Err(RowError {
                line,
                column: "(row)".into(),
                reason: format!(
                    "{} fields, but the header has {}; a missing or extra comma shifts every value after it",
                    row.len(),
                    self.header.len()
                ),
            });
        }
        // A log's timestamp (`2026-11-01T13:00:00Z`, `2026-11-01 13:05`) is its day and hour.
        let (day_text, timestamp_hour) = split_timestamp(date_text);
        let date = parse_report_date(day_text).ok_or_else(|| {
            self.error(
                line,
                Column::Date,
                format!("{date_text:?} is not a date (expected 2026-01-11, 1/11/26 or 2026-01-11T13:00:00Z)"),
            )
        })?;
        if date > today {
            return Err(self.error(line, Column::Date, format!("{date} is in the future")));
        }
        if date < crate::shared::limits::EARLIEST_DATE {
            return Err(self.error(
                line,
                Column::Date,
                format!("{date} is before {}", crate::shared::limits::EARLIEST_DATE),
            ));
        }
        let hour = match self.field(row, Column::Hour).filter(|h| !h.is_empty()) {
            None => timestamp_hour,
            Some(text) => {
                let value: i64 = text
                    .parse()
                    .map_err(|_| self.error(line, Column::Hour, format!("{text:?} is not an hour 0–23")))?;
                if !(0..=23).contains(&value) {
                    return Err(self.error(line, Column::Hour, format!("hour {value} is not 0–23")));
                }
                Some(value as u8)
            }
        };
        let country = match self.field(row, Column::Country) {
            None => "ZZ".to_string(),
            Some(text) => country_code(text)
                .ok_or_else(|| self.error(line, Column::Country, format!("unknown country {text:?}")))?,
        };
        let device = match self.field(row, Column::Device) {
            None => Device::Unknown,
            Some(text) => Device::parse(text).ok_or_else(|| {
                self.error(
                    line,
                    Column::Device,
                    format!("unknown device {text:?} (expected desktop, mobile, tablet, ctv)"),
                )
            })?,
        };
        let seat_id = self
            .field(row, Column::BuyerAccountId)
            .or_else(|| self.field(row, Column::BillingId))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let placement = [
            Column::Placement,
            Column::PublisherId,
            Column::MobileAppId,
            Column::PublisherDomain,
            Column::PublisherName,
        ]
        .iter()
        .find_map(|c| self.field(row, *c).filter(|v| !v.is_empty()))
        .unwrap_or("")
        .to_string();
        let impressions = self.count(row, line, Column::Impressions)?;
        let clicks = self.count(row, line, Column::Clicks)?;
        if let (Some(i), Some(c)) = (impressions, clicks) {
            if c > i {
                return Err(self.error(line, Column::Clicks, format!("clicks ({c}) exceed impressions ({i})")));
            }
        }
        if self.kind.is_performance() {
            let creative_id = self.field(row, Column::CreativeId).unwrap_or("");
            if creative_id.is_empty() {
                return Err(self.error(line, Column::CreativeId, "is empty"));
            }
            let spend_text = self.field(row, Column::Spend).unwrap_or("");
            let spend_micros = if spend_text.is_empty() {
                0
            } else {
                parse_money_micros(spend_text).map_err(|e| self.error(line, Column::Spend, e.to_string()))?
            };
            if spend_micros > crate::shared::limits::MAX_ROW_SPEND_MICROS {
                return Err(self.error(
                    line,
                    Column::Spend,
                    format!(
                        "{spend_text} is larger than any real spend of one row (at most {})",
                        crate::shared::money::format_micros(crate::shared::limits::MAX_ROW_SPEND_MICROS)
                    ),
                ));
            }
            return Ok(ParsedRow::Performance(PerformanceFact {
                seat_id,
                creative_id: creative_id.to_string(),
                date,
                hour,
                country,
                device,
                placement,
                impressions: impressions.unwrap_or(0),
                clicks: clicks.unwrap_or(0),
                spend_micros,
                reached_queries: self.count(row, line, Column::ReachedQueries)?,
                bids: self.count(row, line, Column::Bids)?,
            }));
        }
        let size = match self.field(row, Column::Size).filter(|s| !s.is_empty()) {
            None => String::new(),
            Some(text) => crate::bidder::catalog::size::parse_size_text(text)
                .map(|s| s.label)
                .map_err(|e| self.error(line, Column::Size, e.to_string()))?,
        };
        Ok(ParsedRow::Traffic(Box::new(TrafficFact {
            kind: self.kind.as_str(),
            date: Some(date),
            hour,
            country,
            device: device.as_str().to_string(),
            seat_id: seat_id.unwrap_or_default(),
            publisher: placement,
            size,
            format: self.field(row, Column::Format).unwrap_or("").to_ascii_uppercase(),
            filtering_reason: self.field(row, Column::FilteringReason).unwrap_or("").to_string(),
            bid_requests: self.count(row, line, Column::BidRequests)?,
            inventory_matches: self.count(row, line, Column::InventoryMatches)?,
            successful_responses: self.count(row, line, Column::SuccessfulResponses)?,
            reached_queries: self.count(row, line, Column::ReachedQueries)?,
            bids: self.count(row, line, Column::Bids)?,
            bids_in_auction: self.count(row, line, Column::BidsInAuction)?,
            auctions_won: self.count(row, line, Column::AuctionsWon)?,
            impressions,
            clicks,
            ivt_credited_impressions: self.count(row, line, Column::IvtCredited)?,
            billed_impressions: self.count(row, line, Column::Billed)?,
            viewable_impressions: self.count(row, line, Column::Viewable)?,
            measurable_impressions: self.count(row, line, Column::Measurable)?,
            requests: match self.count(row, line, Column::Requests)? {
                Some(requests) => Some(requests),
                None => self.requests_from_qps(row, line, hour.is_some())?,
            },
        })))
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
