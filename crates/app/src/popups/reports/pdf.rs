//! A small report layout on top of `pdf-writer` (typst's PDF writer: pure Rust, no system
//! fonts, no browser): A4 pages with headings, lines of text, key figures, tables that
//! continue on the next page with their header, and a bar chart. Text is set in the PDF's
//! built-in Helvetica, so nothing is embedded and the file stays small; characters outside
//! Windows-1252 print as `?`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// How a table column lines up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its heading, its share of the line's width and its alignment.
pub struct Column<'a> {
    pub heading: &'a str,
    pub width: f32,
    pub align: Align,
}

/// A report being laid out, top to bottom, page by page.
pub struct Document {
    title: String,
    pages: Vec<Content>,
    page: Content,
    y: f32,
}

/// The width of `text` in Helvetica at `size` points: exact for digits and the punctuation
/// numbers use (so right-aligned figures line up), close for letters.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' | '$' | '_' => 556,
            '.' | ',' | ' ' | ':' | ';' | '!' | '/' | 'i' | 'j' | 'l' | 'I' | '\'' => 278,
            '-' | '(' | ')' | 'f' | 't' | 'r' => 333,
            '%' => 889,
            'm' | 'M' => 833,
            'w' | 'W' => 722 + if c == 'W' { 222 } else { 0 },
            'a'..='z' => 556,
            'A'..='Z' => 667,
            _ => 584,
        })
        .sum();
    units as f32 / 1000.0 * size * if bold { 1.05 } else { 1.0 }
}

/// `text` in Windows-1252, the encoding the built-in fonts are set with.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '−' => b'-',
            _ => b'?',
        })
        .collect()
}

/// `text` cut to fit `width` with an ellipsis.
fn fitted(text: &str, size: f32, width: f32) -> String {
    if text_width(text, size, false) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&format!("{out}{c}…"), size, false) > width {
            break;
        }
        out.push(c);
    }
    format!("{out}…")
}

impl Document {
    pub fn new(title: &str) -> Self {
        Document {
            title: title.to_string(),
            pages: Vec::new(),
            page: Content::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    /// Width between the margins.
    pub fn width(&self) -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    /// Starts a new page when less than `height` is left on this one.
    fn room_for(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            let full = std::mem::replace(&mut self.page, Content::new());
            self.pages.push(full);
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn write(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        self.page
            .begin_text()
            .set_font(if bold { BOLD } else { REGULAR }, size)
            .next_line(x, y)
            .show(Str(&win_ansi(text)))
            .end_text();
    }

    /// A heading, kept on the page with room for a few lines after it.
    pub fn heading(&mut self, text: &str, size: f32) {
        self.room_for(size * 2.2 + 60.0);
        self.y -= size * 1.4;
        self.page.set_fill_rgb(0.07, 0.09, 0.15);
        self.write(MARGIN, self.y, text, size, true);
        self.y -= size * 0.6;
    }

    /// A line of small text (wrapped at word boundaries to the page's width).
    pub fn text(&mut self, text: &str, size: f32, grey: bool) {
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, false) > self.width() && !line.is_empty() {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
        for l in lines {
            self.room_for(size * 1.5);
            self.y -= size * 1.45;
            let shade = if grey { 0.4 } else { 0.1 };
            self.page.set_fill_rgb(shade, shade, shade);
            self.write(MARGIN, self.y, &l, size, false);
        }
    }

    /// Key figures side by side: label above, value below.
    pub fn figures(&mut self, figures: &[(&str, String)]) {
        if figures.is_empty() {
            return;
        }
        self.room_for(44.0);
        let slot = self.width() / figures.len() as f32;
        self.y -= 16.0;
        for (i, (label, value)) in figures.iter().enumerate() {
            let x = MARGIN + slot * i as f32;
            self.page.set_fill_rgb(0.4, 0.4, 0.4);
            self.write(x, self.y, &fitted(label, 8.0, slot - 6.0), 8.0, false);
            self.page.set_fill_rgb(0.07, 0.09, 0.15);
            self.write(x, self.y - 16.0, &fitted(value, 13.0, slot - 6.0), 13.0, true);
        }
        self.y -= 28.0;
    }

    /// A table; its header repeats on each page it runs onto.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        const SIZE: f32 = 8.5;
        const ROW: f32 = 14.0;
        let total: f32 = columns.iter().map(|c| c.width).sum::<f32>().max(1.0);
        let widths: Vec<f32> = columns.iter().map(|c| c.width / total * self.width()).collect();
        let header = |doc: &mut Document| {
            doc.room_for(ROW * 2.0);
            doc.y -= ROW;
            doc.page.set_fill_rgb(0.93, 0.94, 0.96);
            let width = doc.width();
            doc.page.rect(MARGIN, doc.y - 4.0, width, ROW).fill_nonzero();
            doc.page.set_fill_rgb(0.2, 0.2, 0.25);
            doc.cells(
                columns,
                &widths,
                &columns.iter().map(|c| c.heading.to_string()).collect::<Vec<_>>(),
                SIZE,
                true,
            );
        };
        header(self);
        for (n, row) in rows.iter().enumerate() {
            if self.y - ROW < MARGIN + 20.0 {
                self.room_for(ROW * 2.0);
                header(self);
            }
            self.y -= ROW;
            if n % 2 == 1 {
                self.page.set_fill_rgb(0.98, 0.98, 0.99);
                let width = self.width();
                self.page.rect(MARGIN, self.y - 4.0, width, ROW).fill_nonzero();
            }
            self.page.set_fill_rgb(0.1, 0.1, 0.1);
            self.cells(columns, &widths, row, SIZE, false);
        }
        self.y -= 6.0;
    }

    fn cells(&mut self, columns: &[Column<'_>], widths: &[f32], values: &[String], size: f32, bold: bool) {
        let mut x = MARGIN;
        for ((column, width), value) in columns.iter().zip(widths).zip(values) {
            let text = fitted(value, size, width - 6.0);
            let at = match column.align {
                Align::Left => x + 3.0,
                Align::Right => x + width - 3.0 - text_width(&text, size, bold),
            };
            let y = self.y;
            self.write(at, y, &text, size, bold);
            x += width;
        }
    }

    /// Vertical bars with a label under each (every `label_every`-th shown) and the
    /// largest value written at the top of the axis.
    pub fn bar_chart(&mut self, caption: &str, bars: &[(String, f64)], top_label: &str, label_every: usize) {
        const HEIGHT: f32 = 150.0;
        if bars.is_empty() {
            return;
        }
        self.room_for(HEIGHT + 54.0);
        self.y -= 14.0;
        self.page.set_fill_rgb(0.3, 0.3, 0.3);
        self.write(MARGIN, self.y, caption, 9.0, true);
        // The caption, then the axis top label beneath it, then the bars.
        let bottom = self.y - 24.0 - HEIGHT;
        let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
        let right = MARGIN + self.width();
        self.page.set_stroke_rgb(0.8, 0.8, 0.82).set_line_width(0.5);
        self.page
            .move_to(MARGIN, bottom)
            .line_to(right, bottom)
            .move_to(MARGIN, bottom + HEIGHT)
            .line_to(right, bottom + HEIGHT)
            .stroke();
        self.page.set_fill_rgb(0.45, 0.45, 0.45);
        self.write(MARGIN + 2.0, bottom + HEIGHT + 3.0, top_label, 7.0, false);
        let slot = self.width() / bars.len() as f32;
        for (i, (label, value)) in bars.iter().enumerate() {
            let height = if max > 0.0 {
                (value / max) as f32 * (HEIGHT - 14.0)
            } else {
                0.0
            };
            let x = MARGIN + slot * i as f32;
            self.page.set_fill_rgb(0.34, 0.52, 0.87);
            self.page
                .rect(x + slot * 0.15, bottom, (slot * 0.7).max(0.5), height.max(0.0))
                .fill_nonzero();
            if i % label_every.max(1) == 0 {
                self.page.set_fill_rgb(0.35, 0.35, 0.35);
                let text = fitted(label, 6.5, slot * label_every.max(1) as f32 - 2.0);
                self.write(x + slot * 0.15, bottom - 9.0, &text, 6.5, false);
            }
        }
        self.y = bottom - 18.0;
    }

    /// The finished file: pages numbered "title · page n of m" in the footer.
    pub fn finish(mut self) -> Vec<u8> {
        let last = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(last);
        let count = self.pages.len();
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 6;
        let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("rtbcat"));
        let title = self.title.clone();
        for (i, mut content) in self.pages.into_iter().enumerate() {
            let footer = format!("{title} · page {} of {count}", i + 1);
            content
                .set_fill_rgb(0.5, 0.5, 0.5)
                .begin_text()
                .set_font(REGULAR, 7.0)
                .next_line(MARGIN, MARGIN - 16.0)
                .show(Str(&win_ansi(&footer)))
                .end_text();
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree)
                .contents(content_id);
            page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_set_in_windows_1252() {
        assert_eq!(win_ansi("RPM – €2.50"), b"RPM \x96 \x802.50".to_vec());
        assert_eq!(win_ansi("café"), b"caf\xe9".to_vec());
        assert_eq!(win_ansi("東京"), b"??".to_vec());
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        let cut = fitted(&"word ".repeat(40), 8.0, 100.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 8.0, false) <= 100.0);
        assert_eq!(fitted("short", 8.0, 100.0), "short");
    }

    #[test]
    fn a_long_table_runs_onto_more_pages() {
        let mut doc = Document::new("Test");
        doc.heading("Numbers", 16.0);
        let rows: Vec<Vec<String>> = (0..200).map(|i| vec![format!("row {i}"), i.to_string()]).collect();
        doc.table(
            &[
                Column {
                    heading: "Row",
                    width: 3.0,
                    align: Align::Left,
                },
                Column {
                    heading: "Value",
                    width: 1.0,
                    align: Align::Right,
                },
            ],
            &rows,
        );
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        // A real PDF reader opens it: 49–50 rows fit a page (so 200 take five), and each page repeats the
        // table's header.
        let parsed = lopdf::Document::load_mem(&bytes).expect("a valid PDF");
        let pages = parsed.get_pages();
        assert_eq!(pages.len(), 5);
        for number in pages.keys() {
            let text = parsed.extract_text(&[*number]).expect("text");
            assert!(text.contains("Row"), "page {number}: {text}");
            assert!(text.contains(&format!("page {number} of 5")), "page {number}: {text}");
        }
        let first = parsed.extract_text(&[1]).expect("text");
        assert!(first.contains("Numbers") && first.contains("row 0"), "{first}");
    }
}
