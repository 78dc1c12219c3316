//! The daily chart, drawn as SVG on the server (no charting library, works offline): money
//! as bars on the left axis, a count as a line on the right axis, gridlines at round
//! values, the previous period as a dashed line, and a day still in progress marked
//! "partial" instead of looking like a collapse. Every value is also in hover titles, and
//! the chart scrolls inside its own box on a phone so its labels stay readable.

use super::{escape, format};

/// One day: an amount of money (bars) and a count (line).
pub struct DailyPoint {
    pub date: String,
    pub money_micros: i64,
    pub count: i64,
}

/// What the bars and the line are.
pub struct Series {
    pub money: &'static str,
    pub count: &'static str,
}

pub const SPEND_AND_CLICKS: Series = Series {
    money: "spend",
    count: "clicks",
};
pub const REVENUE_AND_IMPRESSIONS: Series = Series {
    money: "revenue",
    count: "impressions",
};

/// Every day from `start` to `end`, with the money and count `of` gives for the day's
/// `YYYY-MM-DD` (zeros where nothing happened, so gaps show as gaps).
pub fn every_day(start: time::Date, end: time::Date, of: impl Fn(&str) -> (i64, i64)) -> Vec<DailyPoint> {
    let mut points = Vec::new();
    let mut day = start;
    while day <= end {
        let date = day.to_string();
        let (money_micros, count) = of(&date);
        points.push(DailyPoint {
            date,
            money_micros,
            count,
        });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    points
}

pub struct DailyChart<'a> {
    pub points: &'a [DailyPoint],
    /// The period before, day by day, aligned with `points` by position; empty for none.
    pub previous: &'a [DailyPoint],
    pub series: &'a Series,
    /// The last day is today and still filling up.
    pub partial_last: bool,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 52.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 30.0;

/// A round step (1, 2 or 5 × 10^k) that splits `max` into about four intervals.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The axis top and its ticks, from zero.
fn ticks(max: f64) -> (f64, Vec<f64>) {
    let step = nice_step(max);
    let top = (max / step).ceil().max(1.0) * step;
    let count = (top / step).round() as usize;
    (top, (0..=count).map(|i| i as f64 * step).collect())
}

impl DailyChart<'_> {
    pub fn render(&self) -> String {
        let points = self.points;
        if points.is_empty() {
            return String::new();
        }
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let max_money = points
            .iter()
            .chain(self.previous)
            .map(|p| p.money_micros)
            .max()
            .unwrap_or(0)
            .max(0) as f64;
        let max_count = points.iter().map(|p| p.count).max().unwrap_or(0).max(0) as f64;
        // Money ticks in dollars so the steps are round dollars (or cents).
        let (money_top, money_ticks) = ticks(max_money / 1e6);
        let (count_top, count_ticks) = ticks(max_count);
        let y_money = |micros: i64| TOP + plot_h - (micros as f64 / 1e6) / money_top * plot_h;
        let y_count = |n: i64| TOP + plot_h - n as f64 / count_top * plot_h;
        let slot = plot_w / points.len() as f64;
        let x_mid = |i: usize| LEFT + slot * (i as f64 + 0.5);

        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Daily {} (bars, left axis) and {} (line, right axis)\" xmlns=\"http://www.w3.org/2000/svg\">\
             <defs><pattern id=\"partial-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" class=\"hatch\"/></pattern></defs>",
            escape(self.series.money),
            escape(self.series.count)
        );
        // Gridlines with the money scale on the left.
        for tick in &money_ticks {
            let y = TOP + plot_h - tick / money_top * plot_h;
            svg.push_str(&format!(
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"axis-y\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                format::money_compact((tick * 1e6).round() as i64)
            ));
        }
        // The count scale on the right, at the same heights.
        for tick in &count_ticks {
            let y = TOP + plot_h - tick / count_top * plot_h;
            svg.push_str(&format!(
                "<text class=\"axis-y2\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                WIDTH - RIGHT + 6.0,
                y + 4.0,
                format::count_compact(*tick)
            ));
        }
        let last = points.len() - 1;
        let mut line = String::new();
        let mut previous_line = String::new();
        for (i, p) in points.iter().enumerate() {
            let partial = self.partial_last && i == last;
            let top = y_money(p.money_micros);
            let previous = self.previous.get(i);
            let mut label = format!(
                "{}{}: {} {}, {} {}",
                p.date,
                if partial { " (partial day)" } else { "" },
                self.series.money,
                format::money(p.money_micros),
                format::count(p.count),
                self.series.count
            );
            if let Some(prev) = previous {
                label.push_str(&format!(
                    "; previous period ({}): {} {}",
                    prev.date,
                    self.series.money,
                    format::money(prev.money_micros)
                ));
            }
            svg.push_str(&format!(
                "<g class=\"bar{}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\"/><title>{}</title></g>",
                if partial { " partial" } else { "" },
                LEFT + slot * i as f64 + slot * 0.15,
                top.min(TOP + plot_h - 0.5),
                slot * 0.7,
                (TOP + plot_h - top).max(0.5),
                escape(&label)
            ));
            if partial {
                svg.push_str(&format!(
                    "<text class=\"partial-label\" x=\"{:.1}\" y=\"{:.1}\">partial</text>",
                    x_mid(i),
                    (top - 4.0).max(TOP - 4.0)
                ));
            }
            // A partial day's count would drag the line down: the line stops the day before.
            if !partial || i == 0 {
                line.push_str(&format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { " L" },
                    x_mid(i),
                    y_count(p.count)
                ));
            }
            if let Some(prev) = previous {
                previous_line.push_str(&format!(
                    "{}{:.1},{:.1}",
                    if previous_line.is_empty() { "M" } else { " L" },
                    x_mid(i),
                    y_money(prev.money_micros)
                ));
            }
        }
        if !previous_line.is_empty() {
            svg.push_str(&format!("<path class=\"previous\" d=\"{previous_line}\"/>"));
        }
        svg.push_str(&format!("<path class=\"line\" d=\"{line}\"/>"));
        // Date labels: at most about eight, always the first and the last.
        let every = points.len().div_ceil(8).max(1);
        for (i, p) in points.iter().enumerate() {
            if i == 0 || i == last || (i % every == 0 && last - i > every / 2) {
                svg.push_str(&format!(
                    "<text class=\"axis-x\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    x_mid(i),
                    HEIGHT - 10.0,
                    escape(p.date.get(5..).unwrap_or(&p.date))
                ));
            }
        }
        svg.push_str(&format!(
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            WIDTH - RIGHT,
            TOP + plot_h,
            TOP + plot_h
        ));
        svg.push_str("</svg>");

        let money_total: i64 = points.iter().map(|p| p.money_micros).sum();
        let count_total: i64 = points.iter().map(|p| p.count).sum();
        let mut legend = format!(
            "<span><i class=\"legend-bar\"></i>{} <strong>{}</strong></span><span><i class=\"legend-line\"></i>{} <strong>{}</strong></span>",
            escape(&super::capitalised(self.series.money)),
            format::money(money_total),
            escape(&super::capitalised(self.series.count)),
            format::count(count_total)
        );
        if !self.previous.is_empty() {
            let previous_total: i64 = self.previous.iter().map(|p| p.money_micros).sum();
            let (change, class) = format::trend(
                rtbcat_core::bidder::performance::metrics::trend_pct(money_total, previous_total),
                previous_total,
                1,
            );
            legend.push_str(&format!(
                "<span><i class=\"legend-previous\"></i>Previous period {}{}</span>",
                format::money(previous_total),
                if change.is_empty() {
                    String::new()
                } else {
                    format!(" · now <span class=\"trend trend-{class}\">{change}</span>")
                }
            ));
        }
        if self.partial_last {
            legend.push_str("<span><i class=\"legend-partial\"></i>Today so far (partial)</span>");
        }
        format!("<figure class=\"chart-box\"><div class=\"chart-wrap\">{svg}</div><figcaption class=\"chart-legend\">{legend}</figcaption></figure>")
    }
}

/// One step of a funnel: its name, count and the share lost since the step before.
pub struct FunnelBar<'a> {
    pub label: &'a str,
    pub count: i64,
    pub drop_share: Option<f64>,
}

/// The request funnel as horizontal bars, widths to scale of the first step, each labelled
/// with its count and the drop from the step before.
pub fn funnel_chart(steps: &[FunnelBar<'_>]) -> String {
    const W: f64 = 720.0;
    const LABEL: f64 = 170.0;
    const ROW: f64 = 34.0;
    let Some(first) = steps.first() else {
        return String::new();
    };
    let top = first.count.max(1) as f64;
    let height = ROW * steps.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg class=\"chart funnel\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"Request funnel\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, step) in steps.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let width = ((step.count.max(0) as f64 / top) * (W - LABEL - 170.0)).max(1.0);
        let drop = step
            .drop_share
            .filter(|_| i > 0)
            .map(|d| format!(" (−{})", format::percent(d, 1)))
            .unwrap_or_default();
        svg.push_str(&format!(
            "<text class=\"funnel-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text><g class=\"bar\"><rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" rx=\"3\"/><title>{}: {}{}</title></g><text class=\"funnel-value\" x=\"{:.1}\" y=\"{:.1}\">{}{}</text>",
            LABEL - 8.0,
            y + ROW * 0.55,
            escape(step.label),
            ROW - 10.0,
            escape(step.label),
            format::count(step.count),
            drop,
            LABEL + width + 6.0,
            y + ROW * 0.55,
            format::count(step.count),
            drop
        ));
    }
    svg.push_str("</svg>");
    format!("<div class=\"chart-wrap\">{svg}</div>")
}

/// Two values as a pair of thin bars (e.g. requests and impressions of a size), to scale
/// of `max`.
pub fn pair_bars(first: i64, second: Option<i64>, max: i64) -> String {
    let scale = |v: i64| (v.max(0) as f64 / max.max(1) as f64 * 120.0).max(if v > 0 { 1.0 } else { 0.0 });
    format!(
        "<svg class=\"pair-bars\" viewBox=\"0 0 120 14\" width=\"120\" height=\"14\" aria-hidden=\"true\"><rect class=\"first\" x=\"0\" y=\"1\" width=\"{:.1}\" height=\"5\"/><rect class=\"second\" x=\"0\" y=\"8\" width=\"{:.1}\" height=\"5\"/></svg>",
        scale(first),
        scale(second.unwrap_or(0))
    )
}

/// One cell of a heat map: its text, its hover title, and its tone from −1 (much better,
/// green) through 0 (neutral) to 1 (much worse, red); None for no data.
pub struct HeatCell {
    pub text: String,
    pub title: String,
    pub tone: Option<f64>,
}

/// A heat map as SVG: row labels on the left, column labels on top. Colours keep 4.5:1
/// contrast for the dark text on every tone.
pub fn heat_map(label: &str, columns: &[String], rows: &[(String, Vec<HeatCell>)]) -> String {
    const LABEL_WIDTH: f64 = 230.0;
    const CELL_WIDTH: f64 = 86.0;
    const CELL_HEIGHT: f64 = 30.0;
    const HEAD: f64 = 28.0;
    let width = LABEL_WIDTH + CELL_WIDTH * columns.len() as f64;
    let height = HEAD + CELL_HEIGHT * rows.len() as f64;
    let mut svg = format!(
        "<div class=\"chart-wrap\"><svg class=\"heat-map\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">",
        escape(label)
    );
    for (c, column) in columns.iter().enumerate() {
        svg.push_str(&format!(
            "<text class=\"heat-column\" x=\"{:.1}\" y=\"18\" text-anchor=\"middle\">{}</text>",
            LABEL_WIDTH + CELL_WIDTH * (c as f64 + 0.5),
            escape(column)
        ));
    }
    for (r, (row, cells)) in rows.iter().enumerate() {
        let y = HEAD + CELL_HEIGHT * r as f64;
        let short: String = row.chars().take(32).collect();
        svg.push_str(&format!(
            "<text class=\"heat-row\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            LABEL_WIDTH - 8.0,
            y + CELL_HEIGHT / 2.0 + 4.0,
            escape(row),
            escape(&short)
        ));
        for (c, cell) in cells.iter().enumerate() {
            let x = LABEL_WIDTH + CELL_WIDTH * c as f64;
            let fill = match cell.tone {
                None => "#f3f4f6".to_string(),
                Some(t) => {
                    let t = t.clamp(-1.0, 1.0);
                    // Light tints only: green for better, red for worse.
                    let (r, g, b) = if t < 0.0 {
                        (255.0 - 120.0 * -t, 255.0 - 35.0 * -t, 255.0 - 120.0 * -t)
                    } else {
                        (255.0 - 10.0 * t, 255.0 - 130.0 * t, 255.0 - 130.0 * t)
                    };
                    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
                }
            };
            svg.push_str(&format!(
                "<g class=\"heat-cell\"><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#fff\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
                escape(&cell.title),
                CELL_WIDTH,
                CELL_HEIGHT,
                x + CELL_WIDTH / 2.0,
                y + CELL_HEIGHT / 2.0 + 4.0,
                escape(&cell.text)
            ));
        }
    }
    svg.push_str("</svg></div>");
    svg
}

/// One minute of the real-time chart.
pub struct MinuteBar {
    /// Unix seconds at the start of the minute.
    pub minute: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub revenue_micros: i64,
}

/// The last hour as one bar of impressions per minute (the current minute, still filling,
/// drawn lighter), labelled every ten minutes in UTC; each bar's title has its figures.
pub fn minute_bars(bars: &[MinuteBar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let (top, grid) = ticks(bars.iter().map(|b| b.impressions).max().unwrap_or(0).max(0) as f64);
    let slot = plot_w / bars.len() as f64;
    let clock = |unix: i64| {
        let at = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!("{:02}:{:02}", at.hour(), at.minute())
    };
    let mut svg = format!(
        "<svg class=\"chart chart-minutes\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Impressions per minute, last {} minutes\" xmlns=\"http://www.w3.org/2000/svg\"><defs><pattern id=\"minute-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" class=\"hatch\"/></pattern></defs>",
        bars.len()
    );
    for tick in &grid {
        let y = TOP + plot_h - tick / top * plot_h;
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            format::count(*tick as i64)
        ));
    }
    let last = bars.len() - 1;
    for (i, bar) in bars.iter().enumerate() {
        let height = bar.impressions.max(0) as f64 / top * plot_h;
        let x = LEFT + slot * i as f64 + 1.0;
        svg.push_str(&format!(
            "<g class=\"bar{}\"><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\"/><title>{} UTC{}: {} impressions, {} clicks, {} revenue</title></g>",
            if i == last { " now" } else { "" },
            TOP + plot_h - height,
            (slot - 2.0).max(1.0),
            clock(bar.minute),
            if i == last { " (so far)" } else { "" },
            format::count(bar.impressions),
            format::count(bar.clicks),
            format::money(bar.revenue_micros)
        ));
        if i % 10 == 0 || i == last {
            svg.push_str(&format!(
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                HEIGHT - 8.0,
                clock(bar.minute)
            ));
        }
    }
    svg.push_str("</svg>");
    format!("<div class=\"chart-wrap\">{svg}</div>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_funnel_scales_to_its_first_step_and_names_drops() {
        let steps = [
            FunnelBar {
                label: "Bid requests",
                count: 1000,
                drop_share: None,
            },
            FunnelBar {
                label: "Bids",
                count: 250,
                drop_share: Some(0.75),
            },
        ];
        let svg = funnel_chart(&steps);
        assert!(svg.contains("width=\"380.0\""), "{svg}");
        assert!(svg.contains("width=\"95.0\""), "{svg}");
        assert!(svg.contains(">250 (−75.0%)</text>"));
        assert_eq!(funnel_chart(&[]), "");
        assert!(pair_bars(50, Some(10), 100).contains("width=\"60.0\""));
    }

    fn day(date: &str, money: i64, count: i64) -> DailyPoint {
        DailyPoint {
            date: date.into(),
            money_micros: money,
            count,
        }
    }

    #[test]
    fn bars_axes_previous_period_and_partial_day() {
        let points = vec![day("2026-11-01", 2_000_000, 10), day("2026-11-02", 1_000_000, 30)];
        let previous = vec![day("2026-10-30", 3_000_000, 5), day("2026-10-31", 1_000_000, 5)];
        let html = DailyChart {
            points: &points,
            previous: &previous,
            series: &SPEND_AND_CLICKS,
            partial_last: true,
        }
        .render();
        assert_eq!(html.matches("<rect x=").count(), 2);
        assert!(html
            .contains("<title>2026-11-01: spend $2.00, 10 clicks; previous period (2026-10-30): spend $3.00</title>"));
        assert!(html.contains("class=\"bar partial\""));
        assert!(html.contains(">partial</text>"));
        assert!(html.contains("class=\"previous\""));
        // Money axis up to the previous period's $3 in round steps; counts up to 30.
        assert!(html.contains(">$3</text>") || html.contains(">$4</text>"), "{html}");
        assert!(html.contains(">30</text>"));
        assert!(html.matches("class=\"grid\"").count() >= 3);
        assert!(html.contains("Previous period $4.00"));
        assert!(html.contains("▼ 25%"));
    }

    #[test]
    fn round_steps() {
        assert_eq!(nice_step(100.0), 50.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(ticks(0.0).1, vec![0.0, 1.0]);
        assert_eq!(ticks(23.0).1, vec![0.0, 10.0, 20.0, 30.0]);
        assert_eq!(ticks(18.0).1, vec![0.0, 5.0, 10.0, 15.0, 20.0]);
        let empty = DailyChart {
            points: &[],
            previous: &[],
            series: &REVENUE_AND_IMPRESSIONS,
            partial_last: false,
        };
        assert_eq!(empty.render(), "");
    }

    #[test]
    fn the_last_hour_has_a_bar_a_minute_and_marks_the_current_one() {
        let start = 1_795_262_400 - 59 * 60; // 11:01 UTC
        let bars: Vec<MinuteBar> = (0..60)
            .map(|i| MinuteBar {
                minute: start + i * 60,
                impressions: i,
                clicks: 0,
                revenue_micros: 0,
            })
            .collect();
        let svg = minute_bars(&bars);
        assert_eq!(svg.matches("<g class=\"bar").count(), 60);
        assert_eq!(svg.matches("<g class=\"bar now\"").count(), 1);
        assert!(svg.contains("12:00 UTC (so far): 59 impressions"), "{svg}");
        // Labels every ten minutes and at the current one.
        assert!(svg.contains(">11:01</text>") && svg.contains(">11:11</text>") && svg.contains(">12:00</text>"));
        assert_eq!(minute_bars(&[]), "");
    }
}
