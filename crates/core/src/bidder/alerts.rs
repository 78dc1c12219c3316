//! Alerts: rules over what the data shows now, which conditions fire, and which were
//! already firing (an alert goes out once per condition until it clears). Pure.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A campaign's CPC on the newest day is more than `threshold` above its previous week's.
    CpcSpike,
    /// A campaign's spend on the newest day is more than `threshold` below its previous
    /// week's daily average.
    SpendDrop,
    /// An opportunity appears.
    NewOpportunity,
    /// The share of bid requests for sizes without a creative rose by more than
    /// `threshold` (in points, 0.1 = 10 points) against the week before.
    WasteJump,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        AlertKind::CpcSpike,
        AlertKind::SpendDrop,
        AlertKind::NewOpportunity,
        AlertKind::WasteJump,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::CpcSpike => "cpc_spike",
            AlertKind::SpendDrop => "spend_drop",
            AlertKind::NewOpportunity => "new_opportunity",
            AlertKind::WasteJump => "waste_jump",
        }
    }

    pub fn parse(text: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The notes' defaults: CPC +20%, spend −50%, waste +10 points.
    pub fn default_threshold(self) -> f64 {
        match self {
            AlertKind::CpcSpike => 0.2,
            AlertKind::SpendDrop => 0.5,
            AlertKind::NewOpportunity => 0.0,
            AlertKind::WasteJump => 0.1,
        }
    }
}

/// One subject's numbers now and before.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Stable: what the alert is about (`campaign 12`, an opportunity id, `waste`).
    pub subject: String,
    /// For people: the campaign's name, the opportunity's recommendation.
    pub label: String,
    pub current: Option<f64>,
    pub previous: Option<f64>,
}

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub subject: String,
    pub message: String,
}

fn dollars(v: f64) -> String {
    format!("${v:.2}")
}

/// The conditions of a rule that hold in `observations`.
pub fn firing(kind: AlertKind, threshold: f64, observations: &[Observation]) -> Vec<Firing> {
    observations
        .iter()
        .filter_map(|o| {
            let message = match (kind, o.current, o.previous) {
                (AlertKind::NewOpportunity, _, _) => format!("New opportunity: {}", o.label),
                (AlertKind::CpcSpike, Some(now), Some(before)) if before > 0.0 && now > before * (1.0 + threshold) => {
                    format!(
                        "CPC spike on {}: {} against {} the week before (+{:.0}%)",
                        o.label,
                        dollars(now),
                        dollars(before),
                        (now / before - 1.0) * 100.0
                    )
                }
                (AlertKind::SpendDrop, Some(now), Some(before)) if before > 0.0 && now < before * (1.0 - threshold) => {
                    format!(
                        "Spend drop on {}: {} against {} a day the week before (−{:.0}%)",
                        o.label,
                        dollars(now),
                        dollars(before),
                        (1.0 - now / before) * 100.0
                    )
                }
                (AlertKind::WasteJump, Some(now), Some(before)) if now - before > threshold => format!(
                    "Waste jump: {:.1}% of bid requests are for sizes without a creative, against {:.1}% the week before",
                    now * 100.0,
                    before * 100.0
                ),
                _ => return None,
            };
            Some(Firing {
                subject: o.subject.clone(),
                message,
            })
        })
        .collect()
}

/// What changed since the last evaluation: conditions that newly hold (to announce) and
/// subjects that were firing and no longer are (cleared).
pub fn changes(now: &[Firing], active: &BTreeSet<String>) -> (Vec<Firing>, Vec<String>) {
    let holding: BTreeSet<&str> = now.iter().map(|f| f.subject.as_str()).collect();
    let new = now.iter().filter(|f| !active.contains(&f.subject)).cloned().collect();
    let cleared = active
        .iter()
        .filter(|s| !holding.contains(s.as_str()))
        .cloned()
        .collect();
    (new, cleared)
}

/// A Slack-compatible incoming-webhook body (also fine for most chat tools).
pub fn webhook_body(rule: &str, text: &str) -> serde_json::Value {
    serde_json::json!({ "text": format!("[rtbcat] {rule}: {text}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(subject: &str, current: f64, previous: f64) -> Observation {
        Observation {
            subject: subject.into(),
            label: subject.into(),
            current: Some(current),
            previous: Some(previous),
        }
    }

    #[test]
    fn rules_fire_past_their_thresholds_only() {
        let cpc = firing(
            AlertKind::CpcSpike,
            0.2,
            &[seen("a", 0.61, 0.5), seen("b", 0.59, 0.5), seen("c", 1.0, 0.0)],
        );
        assert_eq!(cpc.iter().map(|f| f.subject.as_str()).collect::<Vec<_>>(), vec!["a"]);
        assert!(cpc[0].message.contains("+22%"), "{}", cpc[0].message);
        let drop = firing(
            AlertKind::SpendDrop,
            0.5,
            &[seen("a", 40.0, 100.0), seen("b", 60.0, 100.0)],
        );
        assert_eq!(drop.len(), 1);
        let waste = firing(AlertKind::WasteJump, 0.1, &[seen("waste", 0.35, 0.2)]);
        assert_eq!(waste.len(), 1);
    }

    #[test]
    fn a_condition_alerts_once_until_it_clears() {
        let active: BTreeSet<String> = ["a".to_string(), "gone".to_string()].into();
        let now = vec![
            Firing {
                subject: "a".into(),
                message: String::new(),
            },
            Firing {
                subject: "b".into(),
                message: String::new(),
            },
        ];
        let (new, cleared) = changes(&now, &active);
        assert_eq!(new.iter().map(|f| f.subject.as_str()).collect::<Vec<_>>(), vec!["b"]);
        assert_eq!(cleared, vec!["gone".to_string()]);
        assert_eq!(webhook_body("CPC", "up")["text"], "[rtbcat] CPC: up");
    }
}
