//! What serving consults before the draw: each offer's delivery rules, a placement's
//! running experiment (the visitor's sticky arm) and a learning property's split, each
//! cached briefly.

use super::*;

/// An offer's delivery rules as core reads them.
pub fn delivery_rules(offer: &rtbcat_store::Offer) -> rules::DeliveryRules {
    let date = |d: &Option<String>| {
        d.as_deref()
            .and_then(rtbcat_core::bidder::performance::report::parse_report_date)
    };
    rules::DeliveryRules {
        start: date(&offer.start_date),
        end: date(&offer.end_date),
        daily_impression_cap: offer.daily_impression_cap,
        daily_click_cap: offer.daily_click_cap,
        total_impression_cap: offer.total_impression_cap,
        total_click_cap: offer.total_click_cap,
        countries: offer.countries.clone(),
        devices: offer.devices.clone(),
    }
}

/// What a candidate delivered so far, as core's caps read it.
pub fn delivered(candidate: &OfferCandidate) -> rules::Delivered {
    rules::Delivered {
        impressions_today: candidate.impressions_today,
        clicks_today: candidate.clicks_today,
        impressions_total: candidate.impressions_total,
        clicks_total: candidate.clicks_total,
    }
}

impl Tracking {
    /// Forgets the cached running experiments and learned splits (after a change).
    pub fn forget_experiments(&self) {
        self.experiments.forget();
        self.allocations.forget();
    }

    /// The learned split of a property in learning mode (cached); none in priority mode.
    pub(super) async fn allocation(
        &self,
        property_id: i64,
    ) -> Result<Option<Vec<rtbcat_core::popups::rotation::Allocation>>, TrackError> {
        let split = self
            .allocations
            .get(
                property_id,
                self.clock.unix_millis(),
                ALLOCATION_CACHE_SECONDS * 1000,
                || crate::popups::experiments::learning_allocation(&self.store, property_id, self.clock.now().date()),
            )
            .await?;
        Ok(split)
    }

    /// The arm of the running experiment this visitor is in, when its offer may be served.
    /// The key is the script's visitor id (sticky for the experiment's life); without one,
    /// the daily visitor hash (sticky for the day).
    pub(super) async fn experiment_arm(
        &self,
        property: &Property,
        placement: Placement,
        visit: &Visit,
        candidates: &[OfferCandidate],
    ) -> Result<Option<rtbcat_store::Arm>, TrackError> {
        let key = (property.id, placement.as_str().to_string());
        let experiment = self
            .experiments
            .get(key, self.clock.unix_millis(), EXPERIMENT_CACHE_SECONDS * 1000, || {
                self.store
                    .running_experiment(property.id, placement.as_str().to_string())
            })
            .await?;
        let Some(experiment) = experiment else {
            return Ok(None);
        };
        let visitor_key = if visit.visitor_id.is_empty() {
            format!("h:{}", self.visitor_hash(visit, property.id).await?)
        } else {
            format!("v:{}", visit.visitor_id)
        };
        let weights: Vec<u32> = experiment
            .arms
            .iter()
            .map(|a| a.weight.clamp(0, 1_000_000) as u32)
            .collect();
        let Some(index) = rtbcat_core::popups::experiments::assign(experiment.id, &visitor_key, &weights) else {
            return Ok(None);
        };
        let arm = experiment.arms[index].clone();
        Ok(candidates.iter().any(|c| c.offer.id == arm.offer_id).then_some(arm))
    }
}
