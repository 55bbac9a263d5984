//! Plain-text tables for terminal output: left-aligned text, right-aligned numbers.

/// A table of rows under a header; columns listed in `numeric` are right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    numeric: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str], numeric: &[usize]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            numeric: numeric.to_vec(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::new();
            for (i, cell) in cells.iter().enumerate().take(cols) {
                let pad = widths[i] - cell.chars().count();
                if self.numeric.contains(&i) {
                    parts.push(format!("{}{cell}", " ".repeat(pad)));
                } else if i + 1 == cols {
                    parts.push(cell.clone());
                } else {
                    parts.push(format!("{cell}{}", " ".repeat(pad)));
                }
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        for row in &self.rows {
            line(row, &mut out);
        }
        out
    }
}

/// Money in minor units as people read it (`crate::money`: `1,234.56`), for a cell or line
/// whose heading or text names the currency.
pub fn money(cents: i64) -> String {
    crate::money::grouped(cents)
}

/// A share 0..1 as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned() {
        let mut t = Table::new(&["name", "n"], &[1]);
        t.row(vec!["a".into(), "100".into()]);
        t.row(vec!["long".into(), "5".into()]);
        assert_eq!(t.render(), "name    n\na     100\nlong    5\n");
        assert_eq!(money(-1205), "-12.05");
        assert_eq!(percent(0.1234), "12.3%");
    }
}
