//! The creatives listing: cards with performance badges or a table with totals, filters
//! (a refused one is named in the page), paging, and the CSV export of every match.

use super::*;

#[derive(Default)]
pub(crate) struct FilterValues {
    search: String,
}

pub(crate) struct Card {
    creative_id: String,
    /// The campaign it is in: (link, name).
    campaign: Option<(String, String)>,
    detail_url: String,
    preview_url: String,
    buyers_url: String,
    format: String,
    size_label: String,
    status_label: String,
    status_class: &'static str,
    advertiser: String,
    destination: String,
    is_app: bool,
    missing_macro: bool,
    thumb_kind: &'static str,
    frame_width: u32,
    frame_height: u32,
    natural_width: u32,
    natural_height: u32,
    scale: String,
    native_image: Option<String>,
    native_headline: String,
    native_cta: String,
    video_label: String,
    perf: Option<CardPerformance>,
}

/// The seed's badges: spend for the period, CPC/CPM, top geo with share, trend, tier.
pub(crate) struct CardPerformance {
    spend: String,
    cpc: String,
    cpm: String,
    ctr: String,
    where_label: String,
    trend: String,
    trend_class: &'static str,
    tier: &'static str,
    tier_label: &'static str,
    /// Disapproved by Google yet still spending: the first thing to look at.
    disapproved_spending: bool,
}

pub(crate) fn period_label(period: Option<&str>) -> String {
    match period.filter(|p| !p.is_empty()).unwrap_or("7d") {
        "1d" => "Yesterday",
        "30d" => "30d",
        "all" => "All time",
        _ => "7d",
    }
    .to_string()
}

/// Below this much spend in the previous period a change in percent means nothing
/// (one cent to a dollar is "▲ 9,900%"), so no trend is shown.
const TREND_MIN_PREVIOUS_MICROS: i64 = 1_000_000;

pub(crate) fn card_performance(
    p: &rtbcat_core::bidder::performance::metrics::PerformanceSummary,
    period_label: &str,
    status: &str,
    geo: Option<&str>,
) -> CardPerformance {
    use rtbcat_core::bidder::performance::metrics::Tier;
    // The trend is of spend; the previous spend is current / (1 + trend).
    let previous = p
        .trend_pct
        .filter(|t| *t > -100.0)
        .map_or(0, |t| (p.spend_micros as f64 / (1.0 + t / 100.0)) as i64);
    let (trend, trend_class) = format::trend(p.trend_pct, previous, TREND_MIN_PREVIOUS_MICROS);
    CardPerformance {
        spend: format!("Spend ({period_label}): {}", format::money(p.spend_micros)),
        cpc: format::money_or_dash(p.cpc_micros),
        cpm: format::money_or_dash(p.cpm_micros),
        ctr: format::percent_or_dash(p.ctr, 2),
        where_label: match (geo, &p.top_geo, p.top_geo_share) {
            // With a country filter every number above is that country's alone.
            (Some(chosen), ..) => format!("in {chosen} only"),
            (None, Some(top), Some(share)) => format!("top geo {} ({:.0}%)", format::country(top), share * 100.0),
            (None, Some(top), None) => format!("top geo {}", format::country(top)),
            _ => "no geo data".into(),
        },
        trend,
        trend_class,
        tier: p.tier.as_str(),
        tier_label: match p.tier {
            Tier::High => "top spender",
            Tier::Medium => "mid spend",
            Tier::Low => "low spend",
            Tier::Zero => "no spend",
        },
        disapproved_spending: status == "DISAPPROVED" && p.spend_micros > 0,
    }
}

pub(crate) const THUMB_WIDTH: f64 = 280.0;

pub(crate) const THUMB_HEIGHT: f64 = 170.0;

pub(crate) fn card(item: &CreativeListItem, period_label: &str, geo: Option<&str>) -> Card {
    let s = &item.summary;
    let content = item.content.clone().unwrap_or_default();
    let (detail_url, preview_url) = creative_urls(&s.seat_id, &s.creative_id);
    let (natural_width, natural_height) = natural_size(&s.format, s.width, s.height);
    let scale = (THUMB_WIDTH / f64::from(natural_width))
        .min(THUMB_HEIGHT / f64::from(natural_height))
        .min(1.0);
    let (status_label, status_class) = status_view(&s.status);
    let thumb_kind = match s.format.as_str() {
        "HTML" if content.html_snippet.is_some() => "html",
        "NATIVE" => "native",
        "VIDEO" => "video",
        _ => "none",
    };
    let video_label = match content.video_duration_seconds {
        Some(seconds) => format!("{} · {:.0}s", s.canonical_size, seconds),
        None => s.canonical_size.clone(),
    };
    Card {
        campaign: None,
        creative_id: s.creative_id.clone(),
        detail_url,
        preview_url,
        buyers_url: s.google_buyers_url.clone(),
        format: s.format.clone(),
        size_label: s.canonical_size.clone(),
        status_label,
        status_class,
        advertiser: s.advertiser.clone().unwrap_or_else(|| "—".into()),
        destination: s.primary_destination.clone().unwrap_or_else(|| "no destination".into()),
        is_app: s.app_id.is_some(),
        missing_macro: s.has_click_macro == Some(false),
        thumb_kind,
        frame_width: natural_width,
        frame_height: natural_height,
        natural_width,
        natural_height,
        scale: format!("{scale:.4}"),
        native_image: content
            .native_image_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        native_headline: content.native_headline.unwrap_or_default(),
        native_cta: content.native_call_to_action.unwrap_or_default(),
        video_label,
        perf: item
            .performance
            .as_ref()
            .map(|p| card_performance(p, period_label, &s.status, geo)),
    }
}

#[derive(Template)]
#[template(path = "creative_grid.html")]
pub(crate) struct CreativeGrid {
    cards: Vec<Card>,
    /// The table view's table, rendered (empty in the card view).
    table_html: String,
    table_view: bool,
    has_performance: bool,
    as_of_label: String,
    catalog_empty: bool,
    /// Why the filters were refused; shown in place of results, the filters stay.
    error: Option<String>,
    range_label: String,
    page: i64,
    page_count: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    export_url: String,
    geo_label: Option<String>,
}

#[derive(Template)]
#[template(path = "creatives.html")]
pub(crate) struct CreativesPage {
    chrome: Chrome,
    stats_line: String,
    filters: FilterValues,
    seat_options: Vec<SelectOption>,
    format_options: Vec<SelectOption>,
    size_options: Vec<SelectOption>,
    status_options: Vec<SelectOption>,
    language_options: Vec<SelectOption>,
    sort_options: Vec<SelectOption>,
    order_options: Vec<SelectOption>,
    period_options: Vec<SelectOption>,
    tier_options: Vec<SelectOption>,
    geo: String,
    table_view: bool,
    /// The filter the error is about, marked invalid in the form.
    invalid: String,
    cards_url: String,
    table_url: String,
    grid: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct CreativesPageParams {
    #[serde(flatten)]
    list: CreativeListParamsForm,
    partial: Option<String>,
}

/// Form fields arrive as strings (an empty select is `""`), so page params are read
/// leniently and handed to the API's validation.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct CreativeListParamsForm {
    seat: Option<String>,
    format: Option<String>,
    size: Option<String>,
    status: Option<String>,
    language: Option<String>,
    search: Option<String>,
    page: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    period: Option<String>,
    tier: Option<String>,
    geo: Option<String>,
    view: Option<String>,
}

impl CreativeListParamsForm {
    fn is_table(&self) -> bool {
        self.view.as_deref() == Some("table")
    }

    /// The API's parameters for one page of this listing.
    fn list_params(&self, page: i64, page_size: i64) -> CreativeListParams {
        let or = |v: &Option<String>, default: &str| {
            Some(v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| default.into()))
        };
        CreativeListParams {
            seat: self.seat.clone(),
            format: self.format.clone(),
            size: self.size.clone(),
            status: self.status.clone(),
            language: self.language.clone(),
            search: self.search.clone(),
            slim: Some(false),
            page: Some(page),
            page_size: Some(page_size),
            // The catalog opens sorted by spend over the last 7 days, as the seed asks.
            sort: or(&self.sort, "spend"),
            order: or(&self.order, "desc"),
            period: or(&self.period, "7d"),
            tier: self.tier.clone(),
            geo: self.geo.clone(),
            ..Default::default()
        }
    }

    fn query(&self, page: Option<i64>, view: Option<&str>) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        let view = view.map(str::to_string).or_else(|| self.view.clone());
        for (key, value) in [
            ("search", &self.search),
            ("seat", &self.seat),
            ("format", &self.format),
            ("size", &self.size),
            ("status", &self.status),
            ("language", &self.language),
            ("sort", &self.sort),
            ("order", &self.order),
            ("period", &self.period),
            ("tier", &self.tier),
            ("geo", &self.geo),
            ("view", &view),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                serializer.append_pair(key, v);
            }
        }
        if let Some(page) = page {
            serializer.append_pair("page", &page.to_string());
        }
        serializer.finish()
    }

    fn filtered(&self) -> bool {
        [
            &self.seat,
            &self.format,
            &self.size,
            &self.status,
            &self.language,
            &self.search,
            &self.tier,
            &self.geo,
        ]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

pub(crate) const PAGE_SIZE: i64 = 48;

fn filter_parameter(err: &ApiError) -> String {
    err.body
        .details
        .as_ref()
        .and_then(|d| d.get("parameter"))
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string()
}

/// A refused filter said by its label in the form (`Country: unknown …`), with a hint.
fn filter_message(err: &ApiError) -> String {
    let reason = err
        .body
        .details
        .as_ref()
        .and_then(|d| d.get("reason"))
        .and_then(|r| r.as_str())
        .unwrap_or(&err.body.message);
    let (label, hint) = match filter_parameter(err).as_str() {
        "geo" => ("Country", " — type a code like BR or a name like Brazil."),
        "page" => ("Page", ""),
        "period" => ("Period", ""),
        "tier" => ("Tier", ""),
        "sort" => ("Sort", ""),
        "order" => ("Order", ""),
        "status" => ("Status", ""),
        "format" => ("Format", ""),
        "size" => ("Size", ""),
        "seat" => ("Seat", ""),
        _ => return capitalised(&err.body.message),
    };
    format!("{label}: {reason}{hint}")
}

pub(crate) fn page_url(form: &CreativeListParamsForm, page: i64) -> String {
    format!("/app/creatives?{}", form.query(Some(page), None))
}

/// One page of the listing as the page shows it (with performance when asked for).
async fn listing_page(
    state: &AppState,
    form: &CreativeListParamsForm,
    page: i64,
    page_size: i64,
) -> Result<(rtbcat_app::bidder::catalog::CreativePage, Option<time::Date>), ApiError> {
    let list_params = form.list_params(page, page_size);
    let listing = crate::bidder::catalog::api::performance_listing(&list_params)?;
    let query = creative_query(list_params, page_size)?;
    Ok(match listing {
        Some(listing) => {
            rtbcat_app::bidder::catalog::view::list_with_performance(
                &state.store,
                &state.listing_totals,
                query,
                listing,
            )
            .await?
        }
        None => (rtbcat_app::bidder::catalog::list(&state.store, query).await?, None),
    })
}

fn read_page(form: &CreativeListParamsForm) -> Result<i64, ApiError> {
    match form.page.as_deref().filter(|p| !p.is_empty()).map(str::parse::<i64>) {
        None => Ok(1),
        Some(Ok(p)) if p >= 1 => Ok(p),
        Some(_) => Err(ApiError::bad_parameter("page", "must be a whole number, 1 or more")),
    }
}

/// The table view: every listed creative with its numbers, and the page's totals.
fn creatives_table(items: &[CreativeListItem], period_label: &str) -> Table {
    let mut table = Table::new(
        "creatives-table",
        "Creatives",
        vec![
            Column::text("Creative"),
            Column::text("Format"),
            Column::text("Size"),
            Column::text("Status"),
            Column::text("Advertiser"),
            Column::number(&format!("Spend ({period_label})")),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR"),
            Column::number("CPC"),
            Column::number("CPM"),
            Column::text("Tier"),
        ],
    );
    let (mut spend, mut impressions, mut clicks) = (0i64, 0i64, 0i64);
    for item in items {
        let s = &item.summary;
        let (detail_url, _) = creative_urls(&s.seat_id, &s.creative_id);
        let (status_label, status_class) = status_view(&s.status);
        let p = item.performance.as_ref();
        spend += p.map_or(0, |p| p.spend_micros);
        impressions += p.map_or(0, |p| p.impressions);
        clicks += p.map_or(0, |p| p.clicks);
        table.keyed_row(
            s.creative_id.clone(),
            vec![
                Cell::link(&detail_url, &s.creative_id),
                Cell::text(&s.format),
                Cell::text(&s.canonical_size),
                Cell::markup(
                    format!(
                        "<span class=\"badge badge-{status_class}\">{}</span>",
                        escape(&status_label)
                    ),
                    status_label,
                ),
                Cell::text(s.advertiser.as_deref().unwrap_or("—")),
                p.map_or_else(Cell::dash, |p| Cell::money(p.spend_micros)),
                p.map_or_else(Cell::dash, |p| Cell::count(p.impressions)),
                p.map_or_else(Cell::dash, |p| Cell::count(p.clicks)),
                Cell::percent(p.and_then(|p| p.ctr), 2),
                Cell::money_or_dash(p.and_then(|p| p.cpc_micros)),
                Cell::money_or_dash(p.and_then(|p| p.cpm_micros)),
                Cell::text(p.map_or("", |p| p.tier.as_str())),
            ],
        );
    }
    table.totals(vec![
        Cell::text(format!("Total, {} listed", format::count(items.len() as i64))),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
        Cell::money(spend),
        Cell::count(impressions),
        Cell::count(clicks),
        Cell::percent(rtbcat_core::bidder::performance::metrics::ctr(clicks, impressions), 2),
        Cell::money_or_dash(rtbcat_core::bidder::performance::metrics::cpc_micros(spend, clicks)),
        Cell::money_or_dash(rtbcat_core::bidder::performance::metrics::cpm_micros(
            spend,
            impressions,
        )),
        Cell::text(""),
    ]);
    table
}

pub(crate) async fn creatives_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<CreativesPageParams>,
) -> Response {
    let form = params.list.clone();
    let period_label = period_label(form.period.as_deref());
    let table_view = form.is_table();
    let mut grid = CreativeGrid {
        cards: Vec::new(),
        table_html: String::new(),
        table_view,
        has_performance: false,
        as_of_label: String::new(),
        catalog_empty: false,
        error: None,
        range_label: String::new(),
        page: 1,
        page_count: 1,
        prev_url: None,
        next_url: None,
        export_url: format!("/app/creatives/export.csv?{}", form.query(None, None)),
        geo_label: form
            .geo
            .as_deref()
            .filter(|g| !g.trim().is_empty())
            .and_then(rtbcat_core::shared::country::country_code)
            .map(|c| format::country(&c)),
    };
    let mut invalid = String::new();
    let listed = match read_page(&form) {
        Ok(page) => listing_page(&state, &form, page, PAGE_SIZE).await.map(|r| (page, r)),
        Err(err) => Err(err),
    };
    match listed {
        Ok((page, (result, as_of))) => {
            let page_count = ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
            let first = (page - 1) * PAGE_SIZE + 1;
            let last = (first + result.items.len() as i64 - 1).max(first);
            grid.catalog_empty = result.total == 0 && !form.filtered();
            grid.has_performance = as_of.is_some();
            grid.as_of_label = as_of.map(|d| format!("{period_label} to {d}")).unwrap_or_default();
            grid.range_label = format!(
                "{}–{} of {} creatives",
                format::count(first),
                format::count(last),
                format::count(result.total)
            );
            grid.page = page;
            grid.page_count = page_count;
            grid.prev_url = (page > 1).then(|| page_url(&form, page - 1));
            grid.next_url = (page < page_count).then(|| page_url(&form, page + 1));
            if table_view {
                grid.table_html = creatives_table(&result.items, &period_label).render();
            }
            let campaign_of = rtbcat_app::bidder::campaigns::campaign_of_creatives(&state.store)
                .await
                .unwrap_or_default();
            grid.cards = result
                .items
                .iter()
                .map(|item| {
                    let mut card = card(item, &period_label, grid.geo_label.as_deref());
                    card.campaign = campaign_of
                        .get(&(item.summary.seat_id.clone(), item.summary.creative_id.clone()))
                        .map(|(id, name)| (format!("/app/campaigns/{id}"), name.clone()));
                    card
                })
                .collect();
        }
        Err(err) if err.status.is_client_error() => {
            invalid = filter_parameter(&err);
            grid.error = Some(filter_message(&err));
        }
        Err(err) => return error_page(&user, "creatives", err),
    }
    let grid_html = match grid.render() {
        Ok(html) => html,
        Err(err) => return error_page(&user, "creatives", ApiError::internal(err)),
    };
    if params.partial.is_some() {
        return Html(grid_html).into_response();
    }
    let facets = match rtbcat_app::bidder::catalog::facets(&state.store).await {
        Ok(f) => f,
        Err(err) => return error_page(&user, "creatives", err.into()),
    };
    let stats_line = format!(
        "{} creatives · {} seats · {} sizes",
        format::count(facets.formats.iter().map(|f| f.count).sum::<i64>()),
        format::count(facets.seats.len() as i64),
        format::count(facets.sizes.len() as i64)
    );
    render(&CreativesPage {
        chrome: Chrome::new(&user, "creatives"),
        stats_line,
        filters: FilterValues {
            search: form.search.clone().unwrap_or_default(),
        },
        seat_options: options(&facets.seats, &form.seat, str::to_string),
        format_options: options(&facets.formats, &form.format, str::to_string),
        size_options: options(&facets.sizes, &form.size, str::to_string),
        status_options: options(&facets.statuses, &form.status, |s| status_view(s).0),
        language_options: options(&facets.languages, &form.language, str::to_string),
        sort_options: fixed_options(
            &[
                ("spend", "Spend"),
                ("cpc", "CPC"),
                ("cpm", "CPM"),
                ("ctr", "CTR"),
                ("impressions", "Impressions"),
                ("clicks", "Clicks"),
                ("recent", "Recently updated"),
            ],
            form.sort.as_deref(),
            "spend",
        ),
        order_options: fixed_options(
            &[("desc", "Highest first"), ("asc", "Lowest first")],
            form.order.as_deref(),
            "desc",
        ),
        period_options: fixed_options(
            &[
                ("1d", "Yesterday"),
                ("7d", "Last 7 days"),
                ("30d", "Last 30 days"),
                ("all", "All time"),
            ],
            form.period.as_deref(),
            "7d",
        ),
        tier_options: fixed_options(
            &[
                ("", "All tiers"),
                ("high", "High spend (top 25%)"),
                ("medium", "Medium spend"),
                ("low", "Low spend (bottom 25%)"),
                ("zero", "No spend"),
            ],
            form.tier.as_deref(),
            "",
        ),
        geo: form.geo.clone().unwrap_or_default(),
        table_view,
        invalid,
        cards_url: format!("/app/creatives?{}", form.query(None, Some("cards"))),
        table_url: format!("/app/creatives?{}", form.query(None, Some("table"))),
        grid: grid_html,
    })
}

/// Every creative the filters match, as CSV (all pages, not just the one on screen).
pub(crate) async fn creatives_export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(form): Query<CreativeListParamsForm>,
) -> Response {
    const EXPORT_PAGE: i64 = 500;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let period = period_label(form.period.as_deref());
    let header = [
        "creative_id",
        "seat_id",
        "format",
        "size",
        "status",
        "advertiser",
        "destination",
        "period",
        "spend",
        "impressions",
        "clicks",
        "ctr_percent",
        "cpc",
        "cpm",
        "top_geo",
        "tier",
    ];
    let mut failed = writer.write_record(header).err().map(|e| e.to_string());
    let mut page = 1;
    while failed.is_none() {
        let (result, _) = match listing_page(&state, &form, page, EXPORT_PAGE).await {
            Ok(r) => r,
            Err(err) => return error_page(&user, "creatives", err),
        };
        for item in &result.items {
            let s = &item.summary;
            let p = item.performance.as_ref();
            let opt_money = |m: Option<i64>| m.map(format::money_value).unwrap_or_default();
            let record = [
                s.creative_id.clone(),
                s.seat_id.clone(),
                s.format.clone(),
                s.canonical_size.clone(),
                s.status.clone(),
                s.advertiser.clone().unwrap_or_default(),
                s.primary_destination.clone().unwrap_or_default(),
                period.clone(),
                opt_money(p.map(|p| p.spend_micros)),
                p.map(|p| p.impressions.to_string()).unwrap_or_default(),
                p.map(|p| p.clicks.to_string()).unwrap_or_default(),
                p.and_then(|p| p.ctr)
                    .map(|c| format!("{:.4}", c * 100.0))
                    .unwrap_or_default(),
                opt_money(p.and_then(|p| p.cpc_micros)),
                opt_money(p.and_then(|p| p.cpm_micros)),
                p.and_then(|p| p.top_geo.clone()).unwrap_or_default(),
                p.map(|p| p.tier.as_str().to_string()).unwrap_or_default(),
            ];
            if let Err(e) = writer.write_record(&record) {
                failed = Some(e.to_string());
                break;
            }
        }
        if page * EXPORT_PAGE >= result.total || result.items.is_empty() {
            break;
        }
        page += 1;
    }
    let bytes = match (failed, writer.into_inner()) {
        (None, Ok(bytes)) => bytes,
        (Some(e), _) => return error_page(&user, "creatives", ApiError::internal(e)),
        (None, Err(e)) => return error_page(&user, "creatives", ApiError::internal(e)),
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"creatives.csv\""),
        ],
        bytes,
    )
        .into_response()
}
