//! Tables for human output. JSON is the contract for scripts; columns here may change.

use comfy_table::{ContentArrangement, Table, presets};

/// Renders rows under headers as aligned columns without borders. `width` is the terminal
/// width when stdout is a terminal (long cells wrap), `None` otherwise (never wrap).
pub fn render(headers: &[&str], rows: &[Vec<String>], width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    match width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header(headers.iter().map(|h| h.to_uppercase()));
    for row in rows {
        table.add_row(row);
    }
    table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let text = render(
            &["tenant", "tier"],
            &[
                vec!["acme".into(), "pro".into()],
                vec!["globex-corp".into(), "free".into()],
            ],
            None,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].contains("TENANT") && lines[0].contains("TIER"));
        let column = lines[0].find("TIER").unwrap();
        assert_eq!(lines[1].find("pro"), Some(column));
        assert_eq!(lines[2].find("free"), Some(column));
    }
}
