//! The one data table: it scrolls inside its own box (the page never goes sideways), numbers
//! are right-aligned with their raw value kept for sorting and export, a totals row is
//! optional, and app.js adds sorting by any column and a CSV download of what is shown.

use super::escape;
use super::format;

pub(crate) struct Column {
    label: String,
    numeric: bool,
    sortable: bool,
}

impl Column {
    pub(crate) fn text(label: &str) -> Column {
        Column {
            label: label.into(),
            numeric: false,
            sortable: true,
        }
    }

    pub(crate) fn number(label: &str) -> Column {
        Column {
            label: label.into(),
            numeric: true,
            sortable: true,
        }
    }

    /// Buttons or links, nothing to sort by.
    pub(crate) fn actions(label: &str) -> Column {
        Column {
            label: label.into(),
            numeric: false,
            sortable: false,
        }
    }
}

/// One cell: escaped HTML to show, and the plain value sorting and CSV use.
pub(crate) struct Cell {
    html: String,
    value: String,
    class: &'static str,
}

impl Cell {
    pub(crate) fn text(text: impl AsRef<str>) -> Cell {
        let text = text.as_ref();
        Cell {
            html: escape(text),
            value: text.to_string(),
            class: "",
        }
    }

    /// Text that wraps anywhere (URLs, ids).
    pub(crate) fn code(text: impl AsRef<str>) -> Cell {
        Cell {
            class: "url-cell",
            ..Cell::text(text)
        }
    }

    pub(crate) fn link(href: &str, text: impl AsRef<str>) -> Cell {
        let text = text.as_ref();
        Cell {
            html: format!("<a href=\"{}\">{}</a>", escape(href), escape(text)),
            value: text.to_string(),
            class: "",
        }
    }

    /// Markup built by our own code from escaped parts (badges, buttons).
    pub(crate) fn markup(html: String, value: impl Into<String>) -> Cell {
        Cell {
            html,
            value: value.into(),
            class: "",
        }
    }

    pub(crate) fn count(n: i64) -> Cell {
        Cell {
            html: format::count(n),
            value: n.to_string(),
            class: "num",
        }
    }

    pub(crate) fn money(micros: i64) -> Cell {
        Cell {
            html: format::money(micros),
            value: format::money_value(micros),
            class: "num",
        }
    }

    pub(crate) fn money_or_dash(micros: Option<i64>) -> Cell {
        match micros {
            Some(m) => Cell::money(m),
            None => Cell::dash(),
        }
    }

    /// A 0–1 ratio shown as a percentage, sorted by the ratio.
    pub(crate) fn percent(ratio: Option<f64>, decimals: usize) -> Cell {
        match ratio {
            Some(r) => Cell {
                html: format::percent(r, decimals),
                value: format!("{:.6}", r * 100.0),
                class: "num",
            },
            None => Cell::dash(),
        }
    }

    /// A number shown some other way (a CTR with its interval) but sorted by `value`.
    pub(crate) fn number(display: impl AsRef<str>, value: f64) -> Cell {
        Cell {
            html: escape(display.as_ref()),
            value: format!("{value}"),
            class: "num",
        }
    }

    pub(crate) fn dash() -> Cell {
        Cell {
            html: format::NONE.into(),
            value: String::new(),
            class: "num",
        }
    }
}

pub(crate) struct Table {
    id: String,
    label: String,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    totals: Option<Vec<Cell>>,
    export_name: Option<String>,
    row_ids: Vec<String>,
}

impl Table {
    /// `id` names the table in the page (and tests); `label` is what screen readers and
    /// the exported file are called.
    pub(crate) fn new(id: &str, label: &str, columns: Vec<Column>) -> Table {
        Table {
            id: id.into(),
            label: label.into(),
            columns,
            rows: Vec::new(),
            totals: None,
            export_name: None,
            row_ids: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
        self.row_ids.push(String::new());
    }

    /// A row with a `data-row` key (e.g. an offer id) that scripts and tests find it by.
    pub(crate) fn keyed_row(&mut self, key: impl Into<String>, cells: Vec<Cell>) {
        self.rows.push(cells);
        self.row_ids.push(key.into());
    }

    /// The totals row: its first cell is the "Total" label.
    pub(crate) fn totals(&mut self, cells: Vec<Cell>) {
        self.totals = Some(cells);
    }

    /// Offer a CSV download of the table as `file_name`.
    pub(crate) fn exportable(mut self, file_name: &str) -> Table {
        self.export_name = Some(file_name.into());
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(crate) fn render(&self) -> String {
        let mut html = String::new();
        if let Some(name) = &self.export_name {
            html.push_str(&format!(
                "<div class=\"table-tools\"><button type=\"button\" class=\"button button-small\" data-export-table=\"{}\" data-file=\"{}\">Export CSV</button></div>",
                escape(&self.id),
                escape(name)
            ));
        }
        html.push_str(&format!(
            "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"{}\"><table class=\"table\" id=\"{}\" data-sortable><thead><tr>",
            escape(&self.label),
            escape(&self.id)
        ));
        for (i, column) in self.columns.iter().enumerate() {
            if !column.sortable {
                html.push_str(&format!("<th scope=\"col\">{}</th>", escape(&column.label)));
                continue;
            }
            html.push_str(&format!(
                "<th scope=\"col\"{} aria-sort=\"none\"><button type=\"button\" class=\"sort\" data-sort-column=\"{i}\" data-numeric=\"{}\">{}</button></th>",
                if column.numeric { " class=\"num\"" } else { "" },
                column.numeric,
                escape(&column.label)
            ));
        }
        html.push_str("</tr></thead><tbody>");
        for (cells, key) in self.rows.iter().zip(&self.row_ids) {
            if key.is_empty() {
                html.push_str("<tr>");
            } else {
                html.push_str(&format!("<tr data-row=\"{}\">", escape(key)));
            }
            for cell in cells {
                push_cell(&mut html, "td", cell);
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody>");
        if let Some(totals) = &self.totals {
            html.push_str("<tfoot><tr class=\"totals\">");
            for (i, cell) in totals.iter().enumerate() {
                push_cell(&mut html, if i == 0 { "th" } else { "td" }, cell);
            }
            html.push_str("</tr></tfoot>");
        }
        html.push_str("</table></div>");
        html
    }
}

fn push_cell(html: &mut String, tag: &str, cell: &Cell) {
    html.push('<');
    html.push_str(tag);
    if !cell.class.is_empty() {
        html.push_str(&format!(" class=\"{}\"", cell.class));
    }
    html.push_str(&format!(
        " data-value=\"{}\">{}</{tag}>",
        escape(&cell.value),
        cell.html
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_align_right_keep_raw_values_and_text_is_escaped() {
        let mut table = Table::new("t", "Offers", vec![Column::text("Offer"), Column::number("Spend")]);
        table.keyed_row("7", vec![Cell::text("<b>x</b>"), Cell::money(1_234_560_000)]);
        table.totals(vec![Cell::text("Total"), Cell::count(68_881_546)]);
        let html = table.exportable("offers.csv").render();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!html.contains("<b>x"));
        assert!(html.contains("<td class=\"num\" data-value=\"1234.56\">$1,234.56</td>"));
        assert!(html.contains("<tr data-row=\"7\">"));
        assert!(html
            .contains("<th data-value=\"Total\">Total</th><td class=\"num\" data-value=\"68881546\">68,881,546</td>"));
        assert!(html.contains("data-export-table=\"t\""));
        assert!(html.contains("class=\"table-wrap\""));
    }
}
