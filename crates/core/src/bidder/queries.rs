//! Custom queries: a small language for questions like "campaigns where iOS CPC is 50% above
//! Android's", "creatives with CTR above 2% in tier-3 countries", "which formats do best on
//! weekends". Parsed here into a plan with every error pointing at its position; the store
//! turns the plan into SQL from fixed fragments with the values bound as parameters (never
//! the user's text), and the conditions are checked on the sums.
//!
//! ```text
//! find <entity> [where <condition> {and <condition>}] [sort by <measure> [asc|desc]] [limit <n>]
//! entity    := campaigns | creatives | advertisers | formats | sizes | countries | devices
//! condition := <operand> (> | >= | < | <=) <operand>
//! operand   := [<number> *] <measure> | <number> | <number>%
//! measure   := <metric> [ '[' <filter> {, <filter>} ']' ]
//! metric    := spend | impressions | clicks | ctr | cpc | cpm
//! filter    := device = <mobile|desktop|tablet|ctv> | country = <code> | country in <tier1|tier2|tier3>
//!            | platform = <ios|android|web> | format = <html|video|native> | size = <WxH>
//!            | weekend | weekday | hours <a>-<b>
//! ```
//! Example: `find campaigns where cpc[platform=ios] > 1.5 * cpc[platform=android]`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Campaigns,
    Creatives,
    Advertisers,
    Formats,
    Sizes,
    Countries,
    Devices,
}

impl Entity {
    const NAMES: &'static str = "campaigns, creatives, advertisers, formats, sizes, countries or devices";

    fn parse(word: &str) -> Option<Entity> {
        Some(match word {
            "campaigns" => Entity::Campaigns,
            "creatives" => Entity::Creatives,
            "advertisers" => Entity::Advertisers,
            "formats" => Entity::Formats,
            "sizes" => Entity::Sizes,
            "countries" => Entity::Countries,
            "devices" => Entity::Devices,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Cpm,
}

impl Metric {
    fn parse(word: &str) -> Option<Metric> {
        Some(match word {
            "spend" => Metric::Spend,
            "impressions" => Metric::Impressions,
            "clicks" => Metric::Clicks,
            "ctr" => Metric::Ctr,
            "cpc" => Metric::Cpc,
            "cpm" => Metric::Cpm,
            _ => return None,
        })
    }

    /// The value from sums (money in dollars, rates as fractions); none when undefined.
    pub fn value(self, spend_micros: i64, impressions: i64, clicks: i64) -> Option<f64> {
        let dollars = spend_micros as f64 / 1e6;
        match self {
            Metric::Spend => Some(dollars),
            Metric::Impressions => Some(impressions as f64),
            Metric::Clicks => Some(clicks as f64),
            Metric::Ctr => (impressions > 0).then(|| clicks as f64 / impressions as f64),
            Metric::Cpc => (clicks > 0).then(|| dollars / clicks as f64),
            Metric::Cpm => (impressions > 0).then(|| dollars * 1000.0 / impressions as f64),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ios,
    Android,
    Web,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Device(String),
    Country(String),
    Tier(u8),
    Platform(Platform),
    Format(String),
    Size(String),
    Weekend,
    Weekday,
    Hours(u8, u8),
}

/// Countries by tier (the usual ad-buying grouping: rich, middle, the rest of the traffic).
pub const TIER1: &[&str] = &[
    "US", "GB", "CA", "AU", "DE", "FR", "JP", "NL", "SE", "NO", "DK", "CH", "IE", "NZ", "AT", "BE", "FI", "SG",
];
pub const TIER2: &[&str] = &[
    "ES", "IT", "PT", "PL", "CZ", "KR", "TW", "HK", "IL", "AE", "SA", "BR", "MX", "AR", "CL", "TR", "RU", "ZA", "MY",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub metric: Metric,
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// scale × measure.
    Measure(f64, Measure),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Comparison {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Comparison::Above => left > right,
            Comparison::AtLeast => left >= right,
            Comparison::Below => left < right,
            Comparison::AtMost => left <= right,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub left: Operand,
    pub comparison: Comparison,
    pub right: Operand,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub entity: Entity,
    pub conditions: Vec<Condition>,
    pub sort: Option<(Measure, bool)>,
    pub limit: usize,
}

impl Query {
    /// Every distinct measure the query needs computed, in first-use order.
    pub fn measures(&self) -> Vec<Measure> {
        let mut out: Vec<Measure> = vec![Measure {
            metric: Metric::Spend,
            filters: Vec::new(),
        }];
        let mut add = |m: &Measure| {
            if !out.contains(m) {
                out.push(m.clone());
            }
        };
        for c in &self.conditions {
            for o in [&c.left, &c.right] {
                if let Operand::Measure(_, m) = o {
                    add(m);
                }
            }
        }
        if let Some((m, _)) = &self.sort {
            add(m);
        }
        out
    }
}

/// What went wrong and where (a character offset into the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(f64),
    Symbol(&'static str),
}

fn tokens(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, ch) = chars[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().map(|c| c.1).collect();
            out.push((at, Token::Word(word.to_ascii_lowercase())));
        } else if ch.is_ascii_digit() || ch == '.' {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.' || chars[i].1 == 'x') {
                i += 1;
            }
            let text: String = chars[start..i].iter().map(|c| c.1).collect();
            if text.contains('x') {
                out.push((at, Token::Word(text)));
            } else {
                let n = text.parse::<f64>().map_err(|_| ParseError {
                    position: at,
                    message: format!("{text:?} is not a number"),
                })?;
                out.push((at, Token::Number(n)));
            }
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().map(|c| c.1).collect();
            let symbol = match two.as_str() {
                ">=" => Some(">="),
                "<=" => Some("<="),
                _ => None,
            };
            if let Some(s) = symbol {
                out.push((at, Token::Symbol(s)));
                i += 2;
                continue;
            }
            let s = match ch {
                '>' => ">",
                '<' => "<",
                '=' => "=",
                '[' => "[",
                ']' => "]",
                ',' => ",",
                '*' => "*",
                '%' => "%",
                '-' => "-",
                _ => {
                    return Err(ParseError {
                        position: at,
                        message: format!("unexpected {ch:?}"),
                    })
                }
            };
            out.push((at, Token::Symbol(s)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.0)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            position: self.position(),
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.1)
    }

    fn word(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.at += 1;
                Ok(w)
            }
            _ => self.error(format!("expected {expected}")),
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self, expected: &str) -> Result<f64, ParseError> {
        match self.peek() {
            Some(Token::Number(n)) => {
                let n = *n;
                self.at += 1;
                Ok(n)
            }
            _ => self.error(format!("expected {expected}")),
        }
    }

    fn filter(&mut self) -> Result<Filter, ParseError> {
        let at = self.position();
        let key = self.word("a filter (device, country, platform, format, size, weekend, weekday, hours)")?;
        let value = |p: &mut Parser, what: &str| -> Result<String, ParseError> {
            if !p.eat_symbol("=") {
                return p.error(format!("expected = after {what}"));
            }
            p.word(&format!("a {what}"))
        };
        Ok(match key.as_str() {
            "weekend" => Filter::Weekend,
            "weekday" => Filter::Weekday,
            "device" => {
                let v = value(self, "device")?;
                if !["mobile", "desktop", "tablet", "ctv"].contains(&v.as_str()) {
                    return Err(ParseError {
                        position: at,
                        message: format!("{v:?} is not a device: use mobile, desktop, tablet or ctv"),
                    });
                }
                Filter::Device(v)
            }
            "country" => {
                if self.eat_word("in") {
                    let tier = self.word("tier1, tier2 or tier3")?;
                    match tier.as_str() {
                        "tier1" => Filter::Tier(1),
                        "tier2" => Filter::Tier(2),
                        "tier3" => Filter::Tier(3),
                        _ => return self.error("expected tier1, tier2 or tier3"),
                    }
                } else {
                    let v = value(self, "country code")?;
                    match crate::shared::country::country_code(&v) {
                        Some(code) => Filter::Country(code),
                        None => {
                            return Err(ParseError {
                                position: at,
                                message: format!("{v:?} is not a country: use a code like BR"),
                            })
                        }
                    }
                }
            }
            "platform" => match value(self, "platform")?.as_str() {
                "ios" => Filter::Platform(Platform::Ios),
                "android" => Filter::Platform(Platform::Android),
                "web" => Filter::Platform(Platform::Web),
                other => {
                    return Err(ParseError {
                        position: at,
                        message: format!("{other:?} is not a platform: use ios, android or web"),
                    })
                }
            },
            "format" => {
                let v = value(self, "format")?;
                if !["html", "video", "native"].contains(&v.as_str()) {
                    return Err(ParseError {
                        position: at,
                        message: format!("{v:?} is not a format: use html, video or native"),
                    });
                }
                Filter::Format(v.to_ascii_uppercase())
            }
            "size" => Filter::Size(value(self, "size like 300x250")?),
            "hours" => {
                let from = self.number("the first hour (0–23)")?;
                if !self.eat_symbol("-") {
                    return self.error("expected - between the hours, like hours 18-23");
                }
                let to = self.number("the last hour (0–23)")?;
                if !(0.0..=23.0).contains(&from)
                    || !(0.0..=23.0).contains(&to)
                    || from > to
                    || from.fract() != 0.0
                    || to.fract() != 0.0
                {
                    return Err(ParseError {
                        position: at,
                        message: "hours run from 0 to 23, first before last".into(),
                    });
                }
                Filter::Hours(from as u8, to as u8)
            }
            other => {
                return Err(ParseError {
                    position: at,
                    message: format!(
                    "{other:?} is not a filter: use device, country, platform, format, size, weekend, weekday or hours"
                ),
                })
            }
        })
    }

    fn measure(&mut self) -> Result<Measure, ParseError> {
        let at = self.position();
        let word = self.word("a metric (spend, impressions, clicks, ctr, cpc, cpm)")?;
        let metric = Metric::parse(&word).ok_or(ParseError {
            position: at,
            message: format!("{word:?} is not a metric: use spend, impressions, clicks, ctr, cpc or cpm"),
        })?;
        let mut filters = Vec::new();
        if self.eat_symbol("[") {
            loop {
                filters.push(self.filter()?);
                if self.eat_symbol("]") {
                    break;
                }
                if !self.eat_symbol(",") {
                    return self.error("expected , or ]");
                }
            }
        }
        Ok(Measure { metric, filters })
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        if let Some(Token::Number(n)) = self.peek() {
            let n = *n;
            self.at += 1;
            if self.eat_symbol("%") {
                return Ok(Operand::Number(n / 100.0));
            }
            if self.eat_symbol("*") {
                return Ok(Operand::Measure(n, self.measure()?));
            }
            return Ok(Operand::Number(n));
        }
        Ok(Operand::Measure(1.0, self.measure()?))
    }

    fn condition(&mut self) -> Result<Condition, ParseError> {
        let left = self.operand()?;
        let comparison = match self.peek() {
            Some(Token::Symbol(">")) => Comparison::Above,
            Some(Token::Symbol(">=")) => Comparison::AtLeast,
            Some(Token::Symbol("<")) => Comparison::Below,
            Some(Token::Symbol("<=")) => Comparison::AtMost,
            _ => return self.error("expected >, >=, < or <="),
        };
        self.at += 1;
        let right = self.operand()?;
        Ok(Condition {
            left,
            comparison,
            right,
        })
    }
}

/// The longest query accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;

pub fn parse(text: &str) -> Result<Query, ParseError> {
    if text.chars().count() > MAX_LENGTH {
        return Err(ParseError {
            position: MAX_LENGTH,
            message: format!("a query has at most {MAX_LENGTH} characters"),
        });
    }
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
        end: text.len(),
    };
    if !p.eat_word("find") {
        return p.error("a query starts with find, like: find campaigns where cpc > 0.5");
    }
    let at = p.position();
    let word = p.word(Entity::NAMES)?;
    let entity = Entity::parse(&word).ok_or(ParseError {
        position: at,
        message: format!("{word:?}: find {}", Entity::NAMES),
    })?;
    let mut conditions = Vec::new();
    if p.eat_word("where") {
        conditions.push(p.condition()?);
        while p.eat_word("and") {
            conditions.push(p.condition()?);
        }
    }
    let mut sort = None;
    if p.eat_word("sort") {
        if !p.eat_word("by") {
            return p.error("expected by after sort");
        }
        let m = p.measure()?;
        let descending = if p.eat_word("asc") {
            false
        } else {
            p.eat_word("desc");
            true
        };
        sort = Some((m, descending));
    }
    let mut limit = 100;
    if p.eat_word("limit") {
        let n = p.number("how many rows")?;
        if !(1.0..=10_000.0).contains(&n) || n.fract() != 0.0 {
            return p.error("a limit is a whole number from 1 to 10,000");
        }
        limit = n as usize;
    }
    if p.peek().is_some() {
        return p.error("expected the end of the query (or where, and, sort by, limit)");
    }
    Ok(Query {
        entity,
        conditions,
        sort,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_questions_parse() {
        let ios = parse("find campaigns where cpc[platform=ios] > 1.5 * cpc[platform=android]").expect("ios");
        assert_eq!(ios.entity, Entity::Campaigns);
        assert_eq!(ios.measures().len(), 3, "spend, and the two CPCs");
        let tier = parse("FIND creatives WHERE ctr[country in tier3] > 2% sort by spend limit 20").expect("tier");
        assert_eq!(tier.conditions[0].right, Operand::Number(0.02));
        assert_eq!(tier.limit, 20);
        let weekend = parse("find formats sort by ctr[weekend] desc").expect("weekend");
        assert_eq!(weekend.sort.as_ref().map(|s| s.1), Some(true));
        let hours = parse("find devices where clicks[hours 18-23, country=BR] >= 100").expect("hours");
        assert_eq!(
            hours.measures()[1].filters,
            vec![Filter::Hours(18, 23), Filter::Country("BR".into())]
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("find campaigns where cpc[device=phone] > 1").expect_err("device");
        assert_eq!(e.position, 25);
        assert!(e.message.contains("\"phone\" is not a device"), "{e}");
        let e = parse("find campaings").expect_err("entity");
        assert_eq!(e.position, 5);
        let e = parse("find campaigns where cpc >").expect_err("end");
        assert_eq!(e.position, 26);
        let e = parse("find campaigns where cpc > 1; drop table creatives").expect_err("symbol");
        assert!(e.message.contains("unexpected ';'"), "{e}");
        assert!(parse("select * from creatives").is_err());
        assert!(parse("find campaigns limit 0").is_err());
    }
}
