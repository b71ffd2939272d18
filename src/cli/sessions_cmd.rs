//! `squint sessions [--json]`: the sessions in the data dir, newest first, with their figures
//! (the same the workbench's recent-sessions list shows).

use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_USAGE};
use crate::domain::sanitize::one_line;
use crate::session::{SUMMARY_COLUMNS, list_sessions};

/// Runs the command (blocking file IO) and returns the exit code.
pub(super) fn run(json: bool) -> i32 {
    let root = match crate::paths::sessions_dir() {
        Ok(root) => root,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    let sessions = list_sessions(&root);
    if json {
        out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&sessions).unwrap_or_default()
        ));
        return EXIT_OK;
    }
    if sessions.is_empty() {
        err_line(&format!(
            "no sessions in {} yet; start one with `squint run` or `squint import`",
            root.display()
        ));
        return EXIT_OK;
    }
    // Names come from files and flags: sanitised like any untrusted text.
    let header = SUMMARY_COLUMNS.map(str::to_owned);
    let rows: Vec<Vec<String>> =
        std::iter::once(header.into_iter().chain(["session".to_owned()]).collect())
            .chain(sessions.iter().map(|s| {
                s.columns()
                    .into_iter()
                    .chain([s.dir.display().to_string()])
                    .map(|c| one_line(&c))
                    .collect()
            }))
            .collect();
    out(&align(&rows));
    EXIT_OK
}

/// Left-aligned columns two spaces apart (the last one unpadded).
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let last = row.len().saturating_sub(1);
        for (c, cell) in row.iter().enumerate() {
            if c == last {
                text.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count();
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        text.push('\n');
    }
    text
}
