//! Charts as SVG drawn on the server: no JavaScript charting library, works offline.
//! Hovering a bar shows its values through SVG `<title>` elements.

/// One day of a daily chart.
pub struct DailyPoint {
    pub date: String,
    pub spend_micros: i64,
    pub clicks: i64,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Daily spend as bars, clicks as a line, each with its own scale.
pub fn daily_spend_and_clicks(points: &[DailyPoint]) -> String {
    const WIDTH: f64 = 680.0;
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 8.0;
    const BOTTOM: f64 = 22.0;
    const TOP: f64 = 10.0;
    if points.is_empty() {
        return String::new();
    }
    let max_spend = points.iter().map(|p| p.spend_micros).max().unwrap_or(0).max(1) as f64;
    let max_clicks = points.iter().map(|p| p.clicks).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - LEFT * 2.0) / points.len() as f64;
    let plot = HEIGHT - BOTTOM - TOP;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Daily spend and clicks\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let h = p.spend_micros as f64 / max_spend * plot;
        let label = format!(
            "{}: spend ${}, {} clicks",
            p.date,
            rtbcat_core::money::format_micros(p.spend_micros),
            p.clicks
        );
        svg.push_str(&format!(
            "<g class=\"bar\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\"/><title>{}</title></g>",
            x + slot * 0.15,
            TOP + plot - h,
            slot * 0.7,
            h.max(0.5),
            escape(&label)
        ));
        let cy = TOP + plot - p.clicks as f64 / max_clicks * plot;
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
                spend_micros: 2_000_000,
                clicks: 10,
            },
            DailyPoint {
                date: "2026-11-02".into(),
                spend_micros: 1_000_000,
                clicks: 30,
            },
        ];
        let svg = daily_spend_and_clicks(&points);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>2026-11-01: spend $2.00, 10 clicks</title>"));
        assert!(svg.contains("class=\"line\""));
        assert_eq!(daily_spend_and_clicks(&[]), "");
    }
}
