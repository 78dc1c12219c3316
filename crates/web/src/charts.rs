//! Charts as SVG drawn on the server: no JavaScript charting library, works offline.
//! Hovering a bar shows its values through SVG `<title>` elements.

/// One day of a daily chart: an amount of money (bars) and a count (line).
pub struct DailyPoint {
    pub date: String,
    pub money_micros: i64,
    pub count: i64,
}

/// What the bars and the line of a daily chart are.
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Daily money as bars and a count as a line, each with its own scale.
pub fn daily_chart(points: &[DailyPoint], series: &Series) -> String {
    const WIDTH: f64 = 680.0;
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 8.0;
    const BOTTOM: f64 = 22.0;
    const TOP: f64 = 10.0;
    if points.is_empty() {
        return String::new();
    }
    let max_money = points.iter().map(|p| p.money_micros).max().unwrap_or(0).max(1) as f64;
    let max_count = points.iter().map(|p| p.count).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - LEFT * 2.0) / points.len() as f64;
    let plot = HEIGHT - BOTTOM - TOP;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Daily {} and {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        series.money, series.count
    );
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let h = p.money_micros as f64 / max_money * plot;
        let label = format!(
            "{}: {} ${}, {} {}",
            p.date,
            series.money,
            rtbcat_core::shared::money::format_micros(p.money_micros),
            p.count,
            series.count
        );
        svg.push_str(&format!(
            "<g class=\"bar\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\"/><title>{}</title></g>",
            x + slot * 0.15,
            TOP + plot - h,
            slot * 0.7,
            h.max(0.5),
            escape(&label)
        ));
        let cy = TOP + plot - p.count as f64 / max_count * plot;
        line.push_str(&format!(
            "{}{:.1},{:.1}",
            if i == 0 { "M" } else { " L" },
            x + slot / 2.0,
            cy
        ));
        // A label every week, plus the ends, never two labels crowding each other.
        let last = points.len() - 1;
        if i == 0 || i == last || (i % 7 == 0 && last - i >= 3) {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{}</text>",
                x + slot / 2.0,
                HEIGHT - 6.0,
                escape(p.date.get(5..).unwrap_or(&p.date))
            ));
        }
    }
    svg.push_str(&format!("<path class=\"line\" d=\"{line}\"/>"));
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_day_with_hover_values() {
        let points = vec![
            DailyPoint {
                date: "2026-11-01".into(),
                money_micros: 2_000_000,
                count: 10,
            },
            DailyPoint {
                date: "2026-11-02".into(),
                money_micros: 1_000_000,
                count: 30,
            },
        ];
        let svg = daily_chart(&points, &SPEND_AND_CLICKS);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>2026-11-01: spend $2.00, 10 clicks</title>"));
        assert!(svg.contains("class=\"line\""));
        assert_eq!(daily_chart(&[], &REVENUE_AND_IMPRESSIONS), "");
    }
}
