//! Geographic intelligence: a segment (campaign, advertiser, format) × country matrix of
//! spend, clicks, CPC and CTR with sample sizes, and the cross-segment patterns that hold
//! up: a segment whose clicks in a country cost much less (or more) than in its other
//! countries, when the rest of the portfolio shows no such gap there. Tested like the
//! detectors: quasi-Poisson, Benjamini–Hochberg across every (segment, country) tested.

use super::{dispersion, Cell, Sums};
use crate::shared::stats::{benjamini_hochberg, normal_cdf, normal_quantile};
use std::collections::{BTreeMap, HashMap};

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MatrixCell {
    pub country: String,
    #[serde(flatten)]
    pub sums: Sums,
    pub cpc_micros: Option<i64>,
    pub ctr: Option<f64>,
    /// This cell's CPC over its row's: under 1 is cheaper than the segment's average.
    pub cpc_index: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MatrixRow {
    pub segment: String,
    #[serde(flatten)]
    pub sums: Sums,
    pub cpc_micros: Option<i64>,
    pub cells: Vec<MatrixCell>,
}

/// A segment's country whose CPC is far from what the segment's and the country's levels
/// predict (a two-way fit of log CPC by median polish, so one odd cell cannot move the fit).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pattern {
    pub segment: String,
    pub country: String,
    pub cpc_micros: i64,
    /// What the segment's level and the country's level predict.
    pub expected_cpc_micros: i64,
    /// cpc / expected, with its interval: under 1 the segment does unusually well there.
    pub ratio: f64,
    pub interval: (f64, f64),
    pub p_value: f64,
    pub q_value: f64,
    pub confidence: f64,
    #[serde(flatten)]
    pub sums: Sums,
    /// The segment's weekly spend in the country.
    pub weekly_spend_micros: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeoReport {
    pub countries: Vec<String>,
    pub rows: Vec<MatrixRow>,
    pub patterns: Vec<Pattern>,
}

/// How big the matrix is and what a pattern needs.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoSettings {
    /// The biggest segments and countries by spend.
    pub max_rows: usize,
    pub max_countries: usize,
    pub confidence: f64,
    /// 0.25: a cell 25% cheaper or dearer than its fit.
    pub min_effect: f64,
    pub min_clicks: i64,
    pub days: i64,
}

impl Default for GeoSettings {
    fn default() -> Self {
        GeoSettings {
            max_rows: 15,
            max_countries: 10,
            confidence: 0.9,
            min_effect: 0.25,
            min_clicks: 30,
            days: 14,
        }
    }
}

/// The matrix for `segment_of` each creative index (None: left out) and its patterns.
pub fn geographic(cells: &[Cell], segment_of: &dyn Fn(usize) -> Option<String>, settings: &GeoSettings) -> GeoReport {
    let GeoSettings {
        max_rows,
        max_countries,
        confidence,
        min_effect,
        min_clicks,
        days,
    } = settings.clone();
    let mut by_cell: BTreeMap<(String, String), Sums> = BTreeMap::new();
    let mut by_segment: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_country: BTreeMap<String, Sums> = BTreeMap::new();
    let mut days_of: HashMap<String, Vec<(String, Sums)>> = HashMap::new();
    let mut segment_day: BTreeMap<(String, String, String), Sums> = BTreeMap::new();
    for c in cells {
        let Some(segment) = segment_of(c.creative) else {
            continue;
        };
        by_cell
            .entry((segment.clone(), c.country.clone()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        by_segment
            .entry(segment.clone())
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        by_country
            .entry(c.country.clone())
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        segment_day
            .entry((segment, c.country.clone(), c.day.clone()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
    }
    for ((segment, country, _), sums) in &segment_day {
        days_of
            .entry(segment.clone())
            .or_default()
            .push((country.clone(), *sums));
    }
    let phi: HashMap<&str, f64> = days_of
        .iter()
        .map(|(segment, cells)| {
            (
                segment.as_str(),
                dispersion(cells.iter().map(|(k, s)| (k.as_str(), *s))),
            )
        })
        .collect();

    // Patterns: log CPC of every cell with enough clicks, fitted as overall + segment +
    // country by median polish; a cell far from its fit is a pattern.
    let testable: Vec<(&(String, String), &Sums)> = by_cell
        .iter()
        .filter(|(_, s)| s.clicks >= min_clicks && s.spend_micros > 0)
        .collect();
    let mut residual: Vec<f64> = testable
        .iter()
        .map(|(_, s)| (s.spend_micros as f64 / s.clicks as f64).ln())
        .collect();
    let rows_of: Vec<&str> = testable.iter().map(|((r, _), _)| r.as_str()).collect();
    let cols_of: Vec<&str> = testable.iter().map(|((_, c), _)| c.as_str()).collect();
    let median = |mut v: Vec<f64>| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    for _ in 0..10 {
        for keys in [&rows_of, &cols_of] {
            let mut groups: HashMap<&str, Vec<f64>> = HashMap::new();
            for (k, r) in keys.iter().zip(&residual) {
                groups.entry(k).or_default().push(*r);
            }
            let centre: HashMap<&str, f64> = groups.into_iter().map(|(k, v)| (k, median(v))).collect();
            for (k, r) in keys.iter().zip(residual.iter_mut()) {
                *r -= centre[k];
            }
        }
    }
    let p_values: Vec<f64> = testable
        .iter()
        .zip(&residual)
        .map(|(((segment, _), s), r)| {
            let se = (phi.get(segment.as_str()).copied().unwrap_or(1.0) / s.clicks as f64).sqrt();
            2.0 * (1.0 - normal_cdf((r / se).abs()))
        })
        .collect();
    let q = benjamini_hochberg(&p_values);
    let z = normal_quantile(0.5 + confidence / 2.0);
    let threshold = (1.0 / (1.0 - min_effect)).ln();
    let mut patterns: Vec<Pattern> = Vec::new();
    for (i, ((segment, country), sums)) in testable.iter().enumerate() {
        if q[i] > 1.0 - confidence || residual[i].abs() < threshold {
            continue;
        }
        let se = (phi.get(segment.as_str()).copied().unwrap_or(1.0) / sums.clicks as f64).sqrt();
        let cpc = sums.spend_micros / sums.clicks;
        patterns.push(Pattern {
            segment: segment.clone(),
            country: country.clone(),
            cpc_micros: cpc,
            expected_cpc_micros: (cpc as f64 / residual[i].exp()).round() as i64,
            ratio: residual[i].exp(),
            interval: ((residual[i] - z * se).exp(), (residual[i] + z * se).exp()),
            p_value: p_values[i],
            q_value: q[i],
            confidence: 1.0 - q[i],
            sums: **sums,
            weekly_spend_micros: sums.spend_micros * 7 / days.max(1),
        });
    }
    patterns.sort_by(|a, b| {
        b.ratio
            .ln()
            .abs()
            .total_cmp(&a.ratio.ln().abs())
            .then(a.segment.cmp(&b.segment))
    });

    // The matrix: the biggest segments and countries by spend.
    let mut countries: Vec<(String, i64)> = by_country.iter().map(|(c, s)| (c.clone(), s.spend_micros)).collect();
    countries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    countries.truncate(max_countries);
    let mut segments: Vec<(String, Sums)> = by_segment.into_iter().collect();
    segments.sort_by(|a, b| b.1.spend_micros.cmp(&a.1.spend_micros).then(a.0.cmp(&b.0)));
    segments.truncate(max_rows);
    let rows = segments
        .into_iter()
        .map(|(segment, sums)| {
            let row_cpc = sums.cpc_micros();
            let cells = countries
                .iter()
                .map(|(country, _)| {
                    let s = by_cell
                        .get(&(segment.clone(), country.clone()))
                        .copied()
                        .unwrap_or_default();
                    let cpc = s.cpc_micros();
                    MatrixCell {
                        country: country.clone(),
                        cpc_micros: cpc,
                        ctr: (s.impressions > 0).then(|| s.clicks as f64 / s.impressions as f64),
                        cpc_index: match (cpc, row_cpc) {
                            (Some(c), Some(r)) if r > 0 => Some(c as f64 / r as f64),
                            _ => None,
                        },
                        sums: s,
                    }
                })
                .collect();
            MatrixRow {
                segment,
                sums,
                cpc_micros: row_cpc,
                cells,
            }
        })
        .collect();
    GeoReport {
        countries: countries.into_iter().map(|(c, _)| c).collect(),
        rows,
        patterns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(creative: usize, day: u32, country: &str, spend: i64, clicks: i64) -> Cell {
        Cell {
            creative,
            day: format!("d{day}"),
            country: country.into(),
            spend_micros: spend,
            impressions: clicks * 50,
            clicks,
        }
    }

    #[test]
    fn a_segment_cheap_in_one_country_unlike_the_rest_is_a_pattern() {
        let mut cells = Vec::new();
        for day in 0..14 {
            for creative in 0..4 {
                for (country, share) in [("BR", 0.5), ("IE", 0.2), ("US", 0.3)] {
                    let spend = (100_000_000.0 * share) as i64;
                    // Creative 0 (segment "puzzle") pays a quarter per click in BR.
                    let cpc = if creative == 0 && country == "BR" {
                        100_000
                    } else {
                        400_000
                    };
                    // A little day-to-day wobble.
                    let wobble = 1.0 + 0.05 * ((day * 7 + creative as u32) % 5) as f64 / 5.0;
                    cells.push(cell(
                        creative,
                        day,
                        country,
                        spend,
                        (spend as f64 / cpc as f64 * wobble) as i64,
                    ));
                }
            }
        }
        let segment = |i: usize| {
            Some(if i == 0 {
                "puzzle".to_string()
            } else {
                format!("other{i}")
            })
        };
        let report = geographic(&cells, &segment, &GeoSettings::default());
        assert_eq!(report.rows.len(), 4);
        assert_eq!(report.countries[0], "BR");
        let brazil = report
            .patterns
            .iter()
            .find(|p| p.segment == "puzzle" && p.country == "BR")
            .expect("the planted pattern");
        assert!((brazil.ratio - 0.25).abs() < 0.05, "{brazil:?}");
        assert!(brazil.interval.0 < brazil.ratio && brazil.ratio < brazil.interval.1 && brazil.confidence >= 0.9);
        assert!(
            report.patterns.iter().all(|p| p.segment == "puzzle"),
            "only the planted segment: {:?}",
            report.patterns
        );
        let puzzle = report.rows.iter().find(|r| r.segment == "puzzle").expect("row");
        let br = puzzle.cells.iter().find(|c| c.country == "BR").expect("cell");
        assert!(br.cpc_index.expect("index") < 1.0);
    }

    #[test]
    fn price_levels_by_segment_and_country_are_no_pattern() {
        // Segments and countries differ in price (each on its own), with daily noise.
        let mut cells = Vec::new();
        let mut state = 7u64;
        for day in 0..14 {
            for creative in 0..6 {
                for (country, level) in [("BR", 0.5), ("IE", 1.6), ("US", 1.3), ("IN", 0.4)] {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let noise = 0.85 + 0.3 * ((state >> 11) as f64 / (1u64 << 53) as f64);
                    let cpc = 300_000.0 * level * (1.0 + creative as f64 * 0.2) * noise;
                    let spend = 20_000_000i64;
                    cells.push(cell(creative, day, country, spend, (spend as f64 / cpc) as i64));
                }
            }
        }
        let segment = |i: usize| Some(format!("segment{i}"));
        let report = geographic(&cells, &segment, &GeoSettings::default());
        assert!(report.patterns.is_empty(), "{:?}", report.patterns);
    }
}
