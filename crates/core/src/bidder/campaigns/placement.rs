//! Where a cluster's creatives go when it is saved, given where they are now. Written once
//! here so both engines decide alike, and so the rule "a user's edit wins" is in one place:
//! a creative a user placed (pinned) or one in a locked campaign never moves, and a locked
//! campaign takes no new creatives.

use std::collections::BTreeMap;

/// Where a creative sits now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub campaign_id: i64,
    /// A user put it there.
    pub pinned: bool,
    /// Its campaign is locked.
    pub locked: bool,
}

/// The saved campaign a cluster's key leads to (a merged campaign leads to the one it was
/// merged into).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyed {
    pub campaign_id: i64,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Run the rules over everything: creatives a user did not place follow the rules.
    Recluster,
    /// Place only creatives in no campaign yet (after an import or sync); nothing moves.
    NewOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Existing(i64),
    /// The cluster's own campaign, to be created.
    New,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Already where it belongs (or, placing only new creatives, already placed).
    Stay,
    /// A user's edit keeps it where it is.
    Kept,
    /// Its campaign is locked against newcomers: it stays where it is (or in none).
    Held,
    Place(Target),
}

/// The decision for each of a cluster's members, in order.
pub fn place(mode: Mode, keyed: Option<Keyed>, places: &[Option<Place>]) -> Vec<Decision> {
    let target = target(mode, keyed, places);
    places
        .iter()
        .map(|place| match (place, target) {
            (Some(_), _) if mode == Mode::NewOnly => Decision::Stay,
            (Some(p), Some(Target::Existing(id))) if p.campaign_id == id => Decision::Stay,
            (Some(p), _) if keyed.is_some_and(|k| k.campaign_id == p.campaign_id) => Decision::Stay,
            (Some(p), _) if p.pinned || p.locked => Decision::Kept,
            (_, None) => Decision::Held,
            (_, Some(target)) => Decision::Place(target),
        })
        .collect()
}

fn target(mode: Mode, keyed: Option<Keyed>, places: &[Option<Place>]) -> Option<Target> {
    if mode == Mode::NewOnly {
        // A newcomer joins the campaign most of its product's creatives are in (which may be
        // a campaign a user or an LLM formed), when that campaign is open.
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for p in places.iter().flatten().filter(|p| !p.locked) {
            *counts.entry(p.campaign_id).or_default() += 1;
        }
        if let Some((id, _)) = counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
            return Some(Target::Existing(id));
        }
    }
    match keyed {
        Some(k) if k.locked => None,
        Some(k) => Some(Target::Existing(k.campaign_id)),
        None => Some(Target::New),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(campaign_id: i64, pinned: bool, locked: bool) -> Option<Place> {
        Some(Place {
            campaign_id,
            pinned,
            locked,
        })
    }

    #[test]
    fn reclustering_moves_only_what_no_user_placed() {
        let keyed = Some(Keyed {
            campaign_id: 1,
            locked: false,
        });
        let decisions = place(
            Mode::Recluster,
            keyed,
            &[
                at(1, false, false),
                at(2, false, false),
                at(2, true, false),
                at(3, false, true),
                None,
            ],
        );
        assert_eq!(
            decisions,
            vec![
                Decision::Stay,
                Decision::Place(Target::Existing(1)),
                Decision::Kept,
                Decision::Kept,
                Decision::Place(Target::Existing(1)),
            ]
        );
        assert_eq!(
            place(Mode::Recluster, None, &[None]),
            vec![Decision::Place(Target::New)]
        );
    }

    #[test]
    fn a_locked_campaign_takes_no_newcomers() {
        let locked = Some(Keyed {
            campaign_id: 1,
            locked: true,
        });
        assert_eq!(
            place(
                Mode::Recluster,
                locked,
                &[at(1, false, true), None, at(4, false, false)]
            ),
            vec![Decision::Stay, Decision::Held, Decision::Held]
        );
    }

    #[test]
    fn newcomers_follow_their_product_and_nothing_else_moves() {
        // The product's creatives sit in campaign 7 (say an LLM formed it), not in the
        // key's campaign 1: the newcomer joins 7.
        let keyed = Some(Keyed {
            campaign_id: 1,
            locked: false,
        });
        assert_eq!(
            place(
                Mode::NewOnly,
                keyed,
                &[at(7, false, false), at(7, false, false), at(1, false, false), None]
            ),
            vec![
                Decision::Stay,
                Decision::Stay,
                Decision::Stay,
                Decision::Place(Target::Existing(7))
            ]
        );
        // Only locked campaigns hold the product: the key's campaign takes the newcomer.
        assert_eq!(
            place(Mode::NewOnly, keyed, &[at(9, false, true), None]),
            vec![Decision::Stay, Decision::Place(Target::Existing(1))]
        );
        assert_eq!(place(Mode::NewOnly, None, &[None]), vec![Decision::Place(Target::New)]);
    }
}
