//! The PDF reports: a property's (or every property's) figures over a period, and an
//! experiment's results. Laid out by `pdf::Document`, with no browser involved.

use super::pdf::{Align, Column, Document};
use crate::clock::Clock;
use crate::popups::analytics::{report, AnalyticsError, AnalyticsLine, AnalyticsQuery};
use crate::popups::experiments::{ExperimentError, ExperimentView};
use crate::popups::Property;
use rtbcat_core::shared::money::format_micros;
use rtbcat_store::SharedStore;

use rtbcat_core::shared::text::thousands as count;

fn money(micros: i64) -> String {
    format!("${}", format_micros(micros))
}

fn percent(share: Option<f64>, places: usize) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.places$}%", s * 100.0))
}

fn stamp(unix: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

const LINE_COLUMNS: [(&str, f32, Align); 7] = [
    ("Impressions", 1.2, Align::Right),
    ("Clicks", 1.0, Align::Right),
    ("CTR", 0.9, Align::Right),
    ("Conversions", 1.1, Align::Right),
    ("Revenue", 1.2, Align::Right),
    ("RPM", 1.0, Align::Right),
    ("Bot hits", 0.9, Align::Right),
];

/// A table of analytics lines under `label`, with a total row.
fn lines_table(doc: &mut Document, label: &str, lines: &[&AnalyticsLine], key: impl Fn(&AnalyticsLine) -> String) {
    let mut columns = vec![Column {
        heading: label,
        width: 2.4,
        align: Align::Left,
    }];
    columns.extend(LINE_COLUMNS.iter().map(|(heading, width, align)| Column {
        heading,
        width: *width,
        align: *align,
    }));
    let row = |name: String, l: (i64, i64, i64, i64, i64)| {
        let (impressions, clicks, conversions, revenue, bots) = l;
        vec![
            name,
            count(impressions),
            count(clicks),
            percent(rtbcat_core::bidder::performance::metrics::ctr(clicks, impressions), 2),
            count(conversions),
            money(revenue),
            rtbcat_core::popups::rpm_micros(revenue, impressions).map_or_else(|| "–".into(), money),
            count(bots),
        ]
    };
    let mut rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            row(
                key(l),
                (l.impressions, l.clicks, l.conversions, l.revenue_micros, l.bot_hits),
            )
        })
        .collect();
    let sum = |f: fn(&AnalyticsLine) -> i64| lines.iter().map(|l| f(l)).sum::<i64>();
    rows.push(row(
        "Total".into(),
        (
            sum(|l| l.impressions),
            sum(|l| l.clicks),
            sum(|l| l.conversions),
            sum(|l| l.revenue_micros),
            sum(|l| l.bot_hits),
        ),
    ));
    doc.table(&columns, &rows);
}

/// The report of one property (or all) from `first` to `last`: totals, revenue by hour (one
/// day) or by day as a chart and a table, then by offer, country and device.
pub async fn property_report(
    store: &SharedStore,
    clock: &dyn Clock,
    property: Option<&Property>,
    first: time::Date,
    last: time::Date,
) -> Result<Vec<u8>, AnalyticsError> {
    let lines = |group: &str| AnalyticsQuery {
        from: Some(first.to_string()),
        to: Some(last.to_string()),
        group_by: Some(group.into()),
        offer_id: None,
    };
    let one_day = first == last;
    let time_group = if one_day { "hour" } else { "day" };
    let by_time = report(store, clock, property, &lines(time_group)).await?.lines;
    let by_offer = report(store, clock, property, &lines("offer")).await?.lines;
    let by_country = report(store, clock, property, &lines("country")).await?.lines;
    let by_device = report(store, clock, property, &lines("device")).await?.lines;
    let name = property.map_or("All properties".to_string(), |p| format!("{} ({})", p.name, p.code));
    let mut doc = Document::new(&format!("Popup report: {name}, {first} to {last}"));
    doc.heading(&format!("Popup report: {name}"), 18.0);
    doc.text(
        &format!(
            "{first} to {last} (UTC). Generated {} by rtbcat. CTR is clicks per impression; RPM is revenue per 1,000 impressions; bot hits are not counted as impressions.",
            stamp(clock.unix())
        ),
        9.0,
        true,
    );
    let sum = |f: fn(&AnalyticsLine) -> i64| by_time.iter().map(f).sum::<i64>();
    let (impressions, clicks, revenue) = (sum(|l| l.impressions), sum(|l| l.clicks), sum(|l| l.revenue_micros));
    doc.figures(&[
        ("Impressions", count(impressions)),
        ("Clicks", count(clicks)),
        (
            "CTR",
            percent(rtbcat_core::bidder::performance::metrics::ctr(clicks, impressions), 2),
        ),
        ("Conversions", count(sum(|l| l.conversions))),
        ("Revenue", money(revenue)),
        (
            "RPM",
            rtbcat_core::popups::rpm_micros(revenue, impressions).map_or_else(|| "–".into(), money),
        ),
    ]);
    if by_time.is_empty() {
        doc.text("No events in this period.", 10.0, false);
        return Ok(doc.finish());
    }
    // Every hour or day of the period, zeros included, so a gap shows as a gap.
    let keys: Vec<String> = if one_day {
        (0..24).map(|h| format!("{first}T{h:02}")).collect()
    } else {
        let mut days = Vec::new();
        let mut day = first;
        while day <= last {
            days.push(day.to_string());
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        days
    };
    let revenue_of = |key: &str| by_time.iter().find(|l| l.key == key).map_or(0, |l| l.revenue_micros);
    let bars: Vec<(String, f64)> = keys
        .iter()
        .map(|k| {
            let label = if one_day {
                format!("{}h", &k[k.len() - 2..])
            } else {
                k[5..].to_string()
            };
            (label, revenue_of(k) as f64 / 1e6)
        })
        .collect();
    let top = keys.iter().map(|k| revenue_of(k)).max().unwrap_or(0);
    doc.bar_chart(
        if one_day {
            "Revenue by hour (UTC)"
        } else {
            "Revenue by day"
        },
        &bars,
        &format!("highest: {}", money(top)),
        (bars.len() / 12).max(1),
    );
    fn ordered(lines: &[AnalyticsLine]) -> Vec<&AnalyticsLine> {
        let mut sorted: Vec<&AnalyticsLine> = lines.iter().collect();
        sorted.sort_by_key(|l| std::cmp::Reverse(l.impressions));
        sorted
    }
    doc.heading(if one_day { "By hour" } else { "By day" }, 12.0);
    let mut chronological: Vec<&AnalyticsLine> = by_time.iter().collect();
    chronological.sort_by(|a, b| a.key.cmp(&b.key));
    lines_table(
        &mut doc,
        if one_day { "Hour (UTC)" } else { "Day" },
        &chronological,
        |l| l.key.clone(),
    );
    doc.heading("By offer", 12.0);
    lines_table(&mut doc, "Offer", &ordered(&by_offer), |l| {
        l.label.clone().unwrap_or_else(|| l.key.clone())
    });
    doc.heading("By country", 12.0);
    let countries = ordered(&by_country);
    let shown = countries.len().min(30);
    lines_table(&mut doc, "Country", &countries[..shown], |l| {
        rtbcat_core::shared::country::country_label(&l.key)
    });
    if countries.len() > shown {
        doc.text(
            &format!("{} more countries are in the CSV export.", countries.len() - shown),
            8.0,
            true,
        );
    }
    doc.heading("By device", 12.0);
    lines_table(&mut doc, "Device", &ordered(&by_device), |l| {
        let mut chars = l.key.chars();
        chars
            .next()
            .map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
    });
    Ok(doc.finish())
}

/// An experiment's report: its arms with intervals, the comparison to control, the
/// sample-ratio check and what the test still waits for.
pub fn experiment_report(
    experiment: &ExperimentView,
    property_name: &str,
    now: i64,
) -> Result<Vec<u8>, ExperimentError> {
    let mut doc = Document::new(&format!("Experiment: {}", experiment.name));
    doc.heading(&format!("Experiment: {}", experiment.name), 18.0);
    let started = experiment.started_at.map_or_else(|| "not started".into(), stamp);
    let stopped = experiment
        .stopped_at
        .map_or_else(|| "not stopped".into(), |at| format!("stopped {}", stamp(at)));
    doc.text(
        &format!(
            "{property_name}, placement {}. Status: {}. Started {started}; {stopped}. Generated {}.",
            experiment.placement,
            experiment.status,
            stamp(now)
        ),
        9.0,
        true,
    );
    let Some(results) = &experiment.results else {
        doc.text("No results yet.", 10.0, false);
        return Ok(doc.finish());
    };
    let estimate = |e: &Option<rtbcat_core::popups::experiments::Estimate>, scale: f64, places: usize, unit: &str| {
        e.as_ref().map_or_else(
            || "–".to_string(),
            |e| {
                format!(
                    "{unit}{:.places$} ({unit}{:.places$}–{:.places$})",
                    e.value * scale,
                    e.low * scale,
                    e.high * scale
                )
            },
        )
    };
    let mut rows = Vec::new();
    for (arm, result) in experiment.arms.iter().zip(&results.arms) {
        let rpm = result.versus_control.iter().find(|c| c.metric == "rpm");
        rows.push(vec![
            if arm.control && !arm.label.eq_ignore_ascii_case("control") {
                format!("{} (control)", arm.label)
            } else {
                arm.label.clone()
            },
            count(result.impressions),
            count(result.clicks),
            estimate(&result.ctr, 100.0, 2, ""),
            count(result.conversions),
            money(result.revenue_micros),
            estimate(&result.rpm, 1.0, 2, "$"),
            rpm.map_or_else(|| "–".into(), |c| format!("{:.0}%", c.chance_to_beat * 100.0)),
        ]);
    }
    doc.heading("Arms", 12.0);
    doc.table(
        &[
            Column {
                heading: "Arm",
                width: 1.7,
                align: Align::Left,
            },
            Column {
                heading: "Impressions",
                width: 1.3,
                align: Align::Right,
            },
            Column {
                heading: "Clicks",
                width: 0.9,
                align: Align::Right,
            },
            Column {
                heading: "CTR % (95%)",
                width: 1.6,
                align: Align::Right,
            },
            Column {
                heading: "Conv.",
                width: 0.8,
                align: Align::Right,
            },
            Column {
                heading: "Revenue",
                width: 1.1,
                align: Align::Right,
            },
            Column {
                heading: "RPM (95%)",
                width: 1.8,
                align: Align::Right,
            },
            Column {
                heading: "Beats control",
                width: 1.4,
                align: Align::Right,
            },
        ],
        &rows,
    );
    let bars: Vec<(String, f64)> = experiment
        .arms
        .iter()
        .zip(&results.arms)
        .map(|(arm, r)| (arm.label.clone(), r.rpm.as_ref().map_or(0.0, |e| e.value)))
        .collect();
    let best = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    // Below half a cent every bar would read $0.00: no chart until there is revenue.
    if best >= 0.005 {
        doc.bar_chart(
            "Revenue per 1,000 impressions by arm",
            &bars,
            &format!("highest: ${best:.2}"),
            1,
        );
    }
    doc.heading("Against control", 12.0);
    let mut comparisons = Vec::new();
    for (arm, result) in experiment.arms.iter().zip(&results.arms) {
        for c in &result.versus_control {
            let (metric, scale, unit) = match c.metric {
                "ctr" => ("CTR", 100.0, " points"),
                "conversion_rate" => ("Conversion rate", 100.0, " points"),
                _ => ("RPM", 1.0, " $"),
            };
            let interval = if c.difference.low.is_finite() && c.difference.high.is_finite() {
                format!(
                    "{:+.3}{unit} ({:+.3} to {:+.3}, an interval valid however often you look)",
                    c.difference.value * scale,
                    c.difference.low * scale,
                    c.difference.high * scale
                )
            } else {
                "too little data for an interval yet".to_string()
            };
            comparisons.push(format!(
                "{} against control, {metric}: {interval}{}; chance to beat control {:.0}%{}",
                arm.label,
                c.lift.map(|l| format!(", lift {:+.1}%", l * 100.0)).unwrap_or_default(),
                c.chance_to_beat * 100.0,
                if c.significant { " (significant)" } else { "" }
            ));
        }
    }
    if comparisons.is_empty() {
        doc.text("No comparison yet: an arm has no impressions.", 9.0, false);
    }
    for line in comparisons {
        doc.text(&line, 9.0, false);
    }
    if let Some(srm) = &results.sample_ratio {
        doc.text(
            &if srm.mismatch {
                format!(
                    "Sample-ratio mismatch (p = {:.2e}): the observed split differs from the configured one; treat these results as suspect.",
                    srm.p_value
                )
            } else {
                format!("The observed split matches the configured one (sample-ratio p = {:.3}).", srm.p_value)
            },
            9.0,
            srm.mismatch,
        );
    }
    if !results.ready {
        doc.text(
            &format!("Not ready for a verdict: {}.", results.waiting_for.join("; ")),
            9.0,
            true,
        );
    }
    Ok(doc.finish())
}
