//! Creative size canonicalisation.
//!
//! Authorized Buyers reports and creatives spell sizes many ways (`300x250`, `300 X 250`,
//! `320×50`, `298x250`, `0x250`, `Native`, `Video/Overlay`). Everything downstream (waste by
//! size, coverage, filters) needs one canonical label per size, so the rules live here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The family a size belongs to, used for grouping in the UI and in waste reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SizeCategory {
    Banner,
    Rectangle,
    Skyscraper,
    Leaderboard,
    Mobile,
    Interstitial,
    Native,
    Video,
    Adaptive,
    Pixel,
    NonStandard,
}

impl SizeCategory {
    pub const ALL: [SizeCategory; 11] = [
        SizeCategory::Banner,
        SizeCategory::Rectangle,
        SizeCategory::Skyscraper,
        SizeCategory::Leaderboard,
        SizeCategory::Mobile,
        SizeCategory::Interstitial,
        SizeCategory::Native,
        SizeCategory::Video,
        SizeCategory::Adaptive,
        SizeCategory::Pixel,
        SizeCategory::NonStandard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SizeCategory::Banner => "banner",
            SizeCategory::Rectangle => "rectangle",
            SizeCategory::Skyscraper => "skyscraper",
            SizeCategory::Leaderboard => "leaderboard",
            SizeCategory::Mobile => "mobile",
            SizeCategory::Interstitial => "interstitial",
            SizeCategory::Native => "native",
            SizeCategory::Video => "video",
            SizeCategory::Adaptive => "adaptive",
            SizeCategory::Pixel => "pixel",
            SizeCategory::NonStandard => "non_standard",
        }
    }

    pub fn parse(text: &str) -> Option<SizeCategory> {
        SizeCategory::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for SizeCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A size reduced to the label everything groups by, e.g. `300x250`, `video 16:9`,
/// `adaptive`, `native`, `non-standard 123x45`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanonicalSize {
    pub label: String,
    pub category: SizeCategory,
    /// True when the raw size was a near miss snapped to a standard size (`298x250`).
    pub snapped: bool,
}

impl CanonicalSize {
    fn new(label: impl Into<String>, category: SizeCategory) -> Self {
        CanonicalSize {
            label: label.into(),
            category,
            snapped: false,
        }
    }
}

/// The IAB standard display sizes we recognise, with their family.
const STANDARD_SIZES: &[(u32, u32, SizeCategory)] = &[
    (300, 250, SizeCategory::Rectangle),
    (336, 280, SizeCategory::Rectangle),
    (250, 250, SizeCategory::Rectangle),
    (200, 200, SizeCategory::Rectangle),
    (180, 150, SizeCategory::Rectangle),
    (300, 100, SizeCategory::Rectangle),
    (240, 400, SizeCategory::Rectangle),
    (125, 125, SizeCategory::Rectangle),
    (728, 90, SizeCategory::Leaderboard),
    (970, 90, SizeCategory::Leaderboard),
    (970, 250, SizeCategory::Leaderboard),
    (970, 66, SizeCategory::Leaderboard),
    (160, 600, SizeCategory::Skyscraper),
    (120, 600, SizeCategory::Skyscraper),
    (300, 600, SizeCategory::Skyscraper),
    (300, 1050, SizeCategory::Skyscraper),
    (120, 240, SizeCategory::Skyscraper),
    (468, 60, SizeCategory::Banner),
    (234, 60, SizeCategory::Banner),
    (120, 90, SizeCategory::Banner),
    (120, 60, SizeCategory::Banner),
    (88, 31, SizeCategory::Banner),
    (320, 50, SizeCategory::Mobile),
    (300, 50, SizeCategory::Mobile),
    (320, 100, SizeCategory::Mobile),
    (320, 480, SizeCategory::Interstitial),
    (480, 320, SizeCategory::Interstitial),
    (360, 640, SizeCategory::Interstitial),
    (640, 360, SizeCategory::Interstitial),
    (768, 1024, SizeCategory::Interstitial),
    (1024, 768, SizeCategory::Interstitial),
];

/// Video aspect ratios we name, as (width part, height part).
const VIDEO_ASPECTS: &[(u32, u32)] = &[
    (16, 9),
    (9, 16),
    (4, 3),
    (3, 4),
    (1, 1),
    (4, 5),
    (2, 3),
    (3, 2),
    (21, 9),
];

/// How far off a standard size a creative may be and still count as it: two pixels, or 1.5%
/// on larger sides. `298x250` is a 300x250 built by a careless designer; `310x250` is not.
fn tolerance(side: u32) -> u32 {
    (side * 15 / 1000).max(2)
}

/// Which kind of creative a size belongs to; video and native sizes follow other rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeContext {
    Display,
    Video,
    Native,
}

/// Canonicalise a width × height. `None` or zero on one side means the creative adapts
/// to its slot (Google's fluid `0xN`).
pub fn canonicalize(context: SizeContext, width: Option<u32>, height: Option<u32>) -> CanonicalSize {
    match context {
        SizeContext::Native => CanonicalSize::new("native", SizeCategory::Native),
        SizeContext::Video => match (width, height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => video_size(w, h),
            _ => CanonicalSize::new("video", SizeCategory::Video),
        },
        SizeContext::Display => match (width, height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => display_size(w, h),
            (None, None) => CanonicalSize::new("unknown", SizeCategory::NonStandard),
            _ => CanonicalSize::new("adaptive", SizeCategory::Adaptive),
        },
    }
}

fn display_size(width: u32, height: u32) -> CanonicalSize {
    if width == 1 && height == 1 {
        return CanonicalSize::new("1x1", SizeCategory::Pixel);
    }
    let nearest = STANDARD_SIZES
        .iter()
        .filter(|(w, h, _)| width.abs_diff(*w) <= tolerance(*w) && height.abs_diff(*h) <= tolerance(*h))
        .min_by_key(|(w, h, _)| width.abs_diff(*w) + height.abs_diff(*h));
    match nearest {
        Some(&(w, h, category)) => CanonicalSize {
            label: format!("{w}x{h}"),
            category,
            snapped: (w, h) != (width, height),
        },
        None => CanonicalSize::new(format!("non-standard {width}x{height}"), SizeCategory::NonStandard),
    }
}

fn video_size(width: u32, height: u32) -> CanonicalSize {
    let ratio = f64::from(width) / f64::from(height);
    let named = VIDEO_ASPECTS.iter().find(|(a, b)| {
        let target = f64::from(*a) / f64::from(*b);
        (ratio - target).abs() / target <= 0.02
    });
    match named {
        Some((a, b)) => CanonicalSize::new(format!("video {a}:{b}"), SizeCategory::Video),
        None => CanonicalSize::new(format!("video {width}x{height}"), SizeCategory::Video),
    }
}

/// Why a size spelled in a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read size {text:?}: expected WIDTHxHEIGHT (e.g. 300x250), Native, Video or Interstitial")]
pub struct SizeParseError {
    pub text: String,
}

/// Read a size as reports spell it: `300x250`, `300 X 250`, `320×50`, `300*250`,
/// `Native`, `Video/Overlay`, `Interstitial`, `Fluid`.
pub fn parse_size_text(text: &str) -> Result<CanonicalSize, SizeParseError> {
    let trimmed = text.trim();
    let lower = trimmed.to_lowercase();
    let err = || SizeParseError { text: text.to_string() };
    match lower.as_str() {
        "native" => return Ok(canonicalize(SizeContext::Native, None, None)),
        "video" | "video/overlay" | "overlay" | "in-stream video" | "instream video" => {
            return Ok(canonicalize(SizeContext::Video, None, None))
        }
        "interstitial" | "fullscreen" | "full screen" => {
            return Ok(CanonicalSize::new("interstitial", SizeCategory::Interstitial))
        }
        "fluid" | "adaptive" => return Ok(CanonicalSize::new("adaptive", SizeCategory::Adaptive)),
        _ => {}
    }
    let (width, height) = split_dimensions(&lower).ok_or_else(err)?;
    Ok(canonicalize(SizeContext::Display, Some(width), Some(height)))
}

/// Split `300x250` / `300 x 250` / `320×50` / `300*250` into numbers.
pub fn split_dimensions(text: &str) -> Option<(u32, u32)> {
    let separator = text.find(['x', 'X', '×', '*'])?;
    let sep_len = text[separator..].chars().next()?.len_utf8();
    let width = text[..separator].trim().parse().ok()?;
    let height = text[separator + sep_len..].trim().parse().ok()?;
    Some((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn display(w: u32, h: u32) -> CanonicalSize {
        canonicalize(SizeContext::Display, Some(w), Some(h))
    }

    #[test]
    fn display_sizes_table() {
        let cases: &[(u32, u32, &str, SizeCategory, bool)] = &[
            (300, 250, "300x250", SizeCategory::Rectangle, false),
            (298, 250, "300x250", SizeCategory::Rectangle, true),
            (301, 249, "300x250", SizeCategory::Rectangle, true),
            (728, 90, "728x90", SizeCategory::Leaderboard, false),
            (730, 90, "728x90", SizeCategory::Leaderboard, true),
            (160, 600, "160x600", SizeCategory::Skyscraper, false),
            (300, 600, "300x600", SizeCategory::Skyscraper, false),
            (320, 50, "320x50", SizeCategory::Mobile, false),
            (300, 50, "300x50", SizeCategory::Mobile, false),
            (468, 60, "468x60", SizeCategory::Banner, false),
            (320, 480, "320x480", SizeCategory::Interstitial, false),
            (1024, 768, "1024x768", SizeCategory::Interstitial, false),
            (1, 1, "1x1", SizeCategory::Pixel, false),
            (310, 250, "non-standard 310x250", SizeCategory::NonStandard, false),
            (123, 45, "non-standard 123x45", SizeCategory::NonStandard, false),
        ];
        for &(w, h, label, category, snapped) in cases {
            let size = display(w, h);
            assert_eq!(size.label, label, "{w}x{h}");
            assert_eq!(size.category, category, "{w}x{h}");
            assert_eq!(size.snapped, snapped, "{w}x{h}");
        }
    }

    #[test]
    fn fluid_and_missing_dimensions() {
        assert_eq!(canonicalize(SizeContext::Display, Some(0), Some(250)).label, "adaptive");
        assert_eq!(canonicalize(SizeContext::Display, Some(320), Some(0)).label, "adaptive");
        assert_eq!(
            canonicalize(SizeContext::Display, Some(0), None).category,
            SizeCategory::Adaptive
        );
        assert_eq!(canonicalize(SizeContext::Display, None, None).label, "unknown");
    }

    #[test]
    fn native_ignores_dimensions() {
        let size = canonicalize(SizeContext::Native, Some(1200), Some(627));
        assert_eq!((size.label.as_str(), size.category), ("native", SizeCategory::Native));
    }

    #[test]
    fn video_aspect_ratios_table() {
        let cases: &[(u32, u32, &str)] = &[
            (1920, 1080, "video 16:9"),
            (1280, 720, "video 16:9"),
            (640, 360, "video 16:9"),
            (1080, 1920, "video 9:16"),
            (640, 480, "video 4:3"),
            (480, 640, "video 3:4"),
            (1080, 1080, "video 1:1"),
            (1080, 1350, "video 4:5"),
            (2560, 1080, "video 21:9"),
            (1000, 300, "video 1000x300"),
        ];
        for &(w, h, label) in cases {
            assert_eq!(
                canonicalize(SizeContext::Video, Some(w), Some(h)).label,
                label,
                "{w}x{h}"
            );
        }
        assert_eq!(canonicalize(SizeContext::Video, None, None).label, "video");
    }

    #[test]
    fn report_spellings_table() {
        let cases: &[(&str, &str)] = &[
            ("300x250", "300x250"),
            ("300 X 250", "300x250"),
            ("300 x 250", "300x250"),
            ("320×50", "320x50"),
            ("320 × 50", "320x50"),
            ("300*250", "300x250"),
            ("298x250", "300x250"),
            (" 728X90 ", "728x90"),
            ("Native", "native"),
            ("NATIVE", "native"),
            ("Video/Overlay", "video"),
            ("Interstitial", "interstitial"),
            ("Fluid", "adaptive"),
            ("0x250", "adaptive"),
            ("1x1", "1x1"),
            ("333x333", "non-standard 333x333"),
        ];
        for &(text, label) in cases {
            assert_eq!(
                parse_size_text(text).map(|s| s.label),
                Ok(label.to_string()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn unreadable_sizes_are_errors() {
        for text in ["", "big", "300x", "x250", "300-250", "-300x250", "300x250x1"] {
            assert!(parse_size_text(text).is_err(), "{text:?} should not parse");
        }
    }

    proptest! {
        #[test]
        fn every_size_gets_a_label(w in 0u32..5000, h in 0u32..5000) {
            let size = display(w, h);
            prop_assert!(!size.label.is_empty());
        }

        #[test]
        fn spelled_sizes_agree_with_numeric(w in 1u32..3000, h in 1u32..3000) {
            let spelled = parse_size_text(&format!("{w} X {h}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(spelled, display(w, h));
        }

        #[test]
        fn snapping_stays_within_tolerance(w in 1u32..1100, h in 1u32..1100) {
            let size = display(w, h);
            if size.snapped {
                let (sw, sh) = split_dimensions(&size.label).ok_or_else(|| TestCaseError::fail("label"))?;
                prop_assert!(w.abs_diff(sw) <= tolerance(sw) && h.abs_diff(sh) <= tolerance(sh));
            }
        }

        #[test]
        fn parser_never_panics(text in "\\PC*") {
            let _ = parse_size_text(&text);
        }
    }
}
