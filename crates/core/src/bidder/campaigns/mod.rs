//! Rule-based clustering of creatives into campaigns: creatives that lead to the same product
//! belong together. Pure: the facts in, the groups out, each with a stable key (so a saved
//! campaign keeps its identity across runs), a readable name, the rule that formed it and a
//! confidence.

pub mod llm;
pub mod placement;

use std::collections::{BTreeMap, BTreeSet};

/// What clustering needs to know about one creative.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreativeFacts {
    pub seat_id: String,
    pub creative_id: String,
    pub advertiser: Option<String>,
    pub format: String,
    pub languages: Vec<String>,
    /// `Google Play` or `App Store` when the destination is an app.
    pub app_store: Option<String>,
    pub app_id: Option<String>,
    /// Registrable domain of a web destination (ignored for apps: it is the store's).
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Stable across runs for the same product (and split).
    pub key: String,
    pub name: String,
    /// Why these creatives are together, in words.
    pub rule: String,
    /// 0–1: how sure the rule is that these creatives sell one product.
    pub confidence: f64,
    /// (seat, creative id), sorted.
    pub members: Vec<(String, String)>,
}

/// A group larger than this is split by format or language when the split is meaningful…
pub const SPLIT_ABOVE: usize = 60;
/// …that is, when at least two parts have this many creatives each.
pub const SPLIT_PART_MIN: usize = 10;

fn normalized(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Product {
    /// One app in one store.
    App {
        store: String,
        id: String,
    },
    /// The same app in both stores (merged by advertiser).
    CrossStore {
        advertiser: String,
    },
    Web {
        domain: String,
    },
    Advertiser {
        name: String,
    },
}

fn product_of(c: &CreativeFacts) -> Option<Product> {
    if let (Some(store), Some(id)) = (&c.app_store, &c.app_id) {
        return Some(Product::App {
            store: store.clone(),
            id: id.to_lowercase(),
        });
    }
    if let Some(domain) = c.domain.as_deref().filter(|d| !d.is_empty()) {
        return Some(Product::Web {
            domain: domain.to_lowercase(),
        });
    }
    c.advertiser
        .as_deref()
        .map(normalized)
        .filter(|a| !a.is_empty())
        .map(|name| Product::Advertiser { name })
}

/// Cluster `creatives`; creatives with nothing to go by (no app, domain or advertiser) are
/// left out.
pub fn cluster(creatives: &[CreativeFacts]) -> Vec<Cluster> {
    let mut groups: BTreeMap<Product, Vec<&CreativeFacts>> = BTreeMap::new();
    for c in creatives {
        if let Some(product) = product_of(c) {
            groups.entry(product).or_default().push(c);
        }
    }
    // The same app in both stores: one advertiser with exactly one Android app and exactly
    // one iOS app. Anything more ambiguous stays apart (never two products in one campaign).
    let mut apps_by_advertiser: BTreeMap<String, BTreeMap<String, BTreeSet<Product>>> = BTreeMap::new();
    for (product, members) in &groups {
        if let Product::App { store, .. } = product {
            let advertisers: BTreeSet<String> = members
                .iter()
                .filter_map(|c| c.advertiser.as_deref().map(normalized))
                .filter(|a| !a.is_empty())
                .collect();
            if advertisers.len() == 1 {
                let advertiser = advertisers.into_iter().next().unwrap_or_default();
                apps_by_advertiser
                    .entry(advertiser)
                    .or_default()
                    .entry(store.clone())
                    .or_default()
                    .insert(product.clone());
            }
        }
    }
    for (advertiser, stores) in apps_by_advertiser {
        let one_each = stores.len() == 2 && stores.values().all(|apps| apps.len() == 1);
        if !one_each {
            continue;
        }
        let mut merged = Vec::new();
        for product in stores.into_values().flatten() {
            merged.extend(groups.remove(&product).unwrap_or_default());
        }
        groups.insert(Product::CrossStore { advertiser }, merged);
    }
    let mut out = Vec::new();
    for (product, members) in groups {
        for (suffix, part, split_rule) in split(&members) {
            out.push(describe(&product, suffix, part, split_rule));
        }
    }
    out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.key.cmp(&b.key)));
    out
}

type Part<'a> = (Option<String>, Vec<&'a CreativeFacts>, Option<&'static str>);

/// A large group split by format, else by language, when at least two parts are big
/// enough; otherwise the group whole.
fn split<'a>(members: &[&'a CreativeFacts]) -> Vec<Part<'a>> {
    if members.len() > SPLIT_ABOVE {
        let by = |key: &dyn Fn(&CreativeFacts) -> String| {
            let mut parts: BTreeMap<String, Vec<&'a CreativeFacts>> = BTreeMap::new();
            for c in members {
                parts.entry(key(c)).or_default().push(*c);
            }
            parts
        };
        for (parts, rule) in [
            (by(&|c: &CreativeFacts| c.format.to_lowercase()), "split by format"),
            (
                by(&|c: &CreativeFacts| c.languages.first().cloned().unwrap_or_default()),
                "split by language",
            ),
        ] {
            if parts.values().filter(|p| p.len() >= SPLIT_PART_MIN).count() >= 2 {
                return parts
                    .into_iter()
                    .map(|(key, part)| (Some(key), part, Some(rule)))
                    .collect();
            }
        }
    }
    vec![(None, members.to_vec(), None)]
}

fn most_common<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values.filter(|v| !v.trim().is_empty()) {
        *counts.entry(v).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| v.trim().to_string())
}

fn describe(product: &Product, suffix: Option<String>, part: Vec<&CreativeFacts>, split_rule: Option<&str>) -> Cluster {
    let advertiser = most_common(part.iter().filter_map(|c| c.advertiser.as_deref()));
    let (key, base, platform, rule, confidence) = match product {
        Product::App { store, id } => (
            format!("app:{}:{id}", normalized(store)),
            advertiser.clone().unwrap_or_else(|| id.clone()),
            Some(if store == "App Store" { "iOS" } else { "Android" }),
            format!("same app ({store} {id})"),
            0.95,
        ),
        Product::CrossStore { advertiser: name } => (
            format!("apps:{name}"),
            advertiser.clone().unwrap_or_else(|| name.clone()),
            Some("Android + iOS"),
            "the same advertiser's one app on Google Play and one on the App Store".to_string(),
            0.8,
        ),
        Product::Web { domain } => (
            format!("web:{domain}"),
            advertiser.clone().unwrap_or_else(|| domain.clone()),
            None,
            format!("same landing domain ({domain})"),
            0.9,
        ),
        Product::Advertiser { name } => (
            format!("advertiser:{name}"),
            advertiser.clone().unwrap_or_else(|| name.clone()),
            None,
            "same advertiser, no destination to go by".to_string(),
            0.6,
        ),
    };
    let languages: BTreeSet<&str> = part
        .iter()
        .flat_map(|c| c.languages.iter().map(String::as_str))
        .collect();
    let mut name = base;
    if let Some(platform) = platform {
        name.push_str(&format!(" · {platform}"));
    }
    if let Some(part_key) = suffix.as_deref().filter(|s| !s.is_empty()) {
        name.push_str(&format!(" · {part_key}"));
    }
    if languages.len() == 1 && split_rule != Some("split by language") {
        name.push_str(&format!(" · {}", languages.iter().next().copied().unwrap_or_default()));
    }
    let mut members: Vec<(String, String)> = part
        .iter()
        .map(|c| (c.seat_id.clone(), c.creative_id.clone()))
        .collect();
    members.sort();
    Cluster {
        key: match &suffix {
            Some(s) => format!("{key}#{s}"),
            None => key,
        },
        name,
        rule: match split_rule {
            Some(split) => format!("{rule}; {split}"),
            None => rule,
        },
        confidence,
        members,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creative(
        id: &str,
        advertiser: &str,
        store: Option<&str>,
        app: Option<&str>,
        domain: Option<&str>,
    ) -> CreativeFacts {
        CreativeFacts {
            seat_id: "1".into(),
            creative_id: id.into(),
            advertiser: Some(advertiser.into()),
            format: "HTML".into(),
            languages: vec!["pt".into()],
            app_store: store.map(str::to_string),
            app_id: app.map(str::to_string),
            domain: domain.map(str::to_string),
        }
    }

    #[test]
    fn one_product_one_campaign_and_the_same_app_across_stores() {
        let creatives = vec![
            creative(
                "a1",
                "Puzzle Blocks",
                Some("Google Play"),
                Some("com.puzzleblocks.game"),
                Some("google.com"),
            ),
            creative(
                "a2",
                "Puzzle Blocks",
                Some("Google Play"),
                Some("com.puzzleblocks.game"),
                Some("appsflyer.com"),
            ),
            creative(
                "a3",
                "Puzzle Blocks",
                Some("App Store"),
                Some("1452267890"),
                Some("apple.com"),
            ),
            creative("w1", "FinWallet", None, None, Some("finwallet.co.uk")),
            creative("w2", "FinWallet ", None, None, Some("FINWALLET.co.uk")),
            creative("x1", "Mystery", None, None, None),
        ];
        let clusters = cluster(&creatives);
        let find = |id: &str| {
            clusters
                .iter()
                .find(|c| c.members.iter().any(|m| m.1 == id))
                .expect("clustered")
        };
        assert_eq!(find("a1").key, find("a3").key, "Android and iOS of one app together");
        assert_eq!(find("a1").name, "Puzzle Blocks · Android + iOS · pt");
        assert!((find("a1").confidence - 0.8).abs() < 1e-9);
        assert_eq!(find("w1").key, "web:finwallet.co.uk");
        assert_eq!(find("w1").members.len(), 2);
        assert_eq!(find("x1").rule, "same advertiser, no destination to go by");
        assert_eq!(clusters.iter().map(|c| c.members.len()).sum::<usize>(), 6);
    }

    #[test]
    fn two_apps_of_one_advertiser_are_never_mixed() {
        let creatives = vec![
            creative("a", "Games Inc", Some("Google Play"), Some("com.games.puzzle"), None),
            creative("b", "Games Inc", Some("Google Play"), Some("com.games.racing"), None),
            creative("c", "Games Inc", Some("App Store"), Some("111"), None),
        ];
        let clusters = cluster(&creatives);
        assert_eq!(
            clusters.len(),
            3,
            "two Android apps: which one is the iOS app is unknown"
        );
        assert!(clusters.iter().all(|c| c.members.len() == 1));
        assert!(clusters.iter().any(|c| c.name == "Games Inc · iOS · pt"));
    }

    #[test]
    fn large_groups_split_only_when_the_parts_are_meaningful() {
        let mut creatives: Vec<CreativeFacts> = (0..70)
            .map(|i| CreativeFacts {
                format: if i % 2 == 0 { "HTML" } else { "VIDEO" }.into(),
                ..creative(&format!("c{i}"), "Shop", None, None, Some("shop.example"))
            })
            .collect();
        let split = cluster(&creatives);
        assert_eq!(split.len(), 2);
        assert!(split.iter().all(|c| c.rule.ends_with("split by format")));
        assert!(split
            .iter()
            .any(|c| c.key == "web:shop.example#video" && c.name == "Shop · video · pt"));
        // One odd video among many: not worth a campaign of its own.
        for c in creatives.iter_mut() {
            c.format = "HTML".into();
        }
        creatives[0].format = "VIDEO".into();
        assert_eq!(cluster(&creatives).len(), 1);
    }

    #[test]
    fn keys_are_stable_and_ten_thousand_creatives_cluster() {
        let creatives: Vec<CreativeFacts> = (0..10_000)
            .map(|i| {
                creative(
                    &format!("c{i}"),
                    &format!("Adv {}", i % 17),
                    None,
                    None,
                    Some(&format!("site{}.example", i % 40)),
                )
            })
            .collect();
        let first = cluster(&creatives);
        let again = cluster(&creatives);
        assert_eq!(
            first.iter().map(|c| &c.key).collect::<Vec<_>>(),
            again.iter().map(|c| &c.key).collect::<Vec<_>>()
        );
        assert_eq!(first.iter().map(|c| c.members.len()).sum::<usize>(), 10_000);
    }
}
