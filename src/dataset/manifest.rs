//! Manifest datasets: a CSV with `path` and `label` columns, or JSONL lines
//! `{"path": "...", "label": "..."}`. Paths are relative to the manifest's folder (absolute
//! paths are allowed). Listed files that do not exist are counted and named in warnings; a
//! row that cannot be understood is an error naming the file and line. Never opens images.

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use super::warnings::Warnings;
use super::{DatasetError, DatasetItem, LabelPool, SkipCounts, is_image_name, rel_string};

/// One row of a manifest, before the path is resolved.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    /// 1-based line number in the manifest.
    line: u64,
    /// The path as written.
    path: String,
    /// The label, trimmed; empty when the row has none.
    label: String,
}

/// What a manifest yielded.
#[derive(Debug)]
pub(crate) struct ManifestOutcome {
    /// The manifest's folder, which relative paths start from.
    pub root: PathBuf,
    /// Rows whose file exists, in manifest order.
    pub items: Vec<DatasetItem>,
    /// What was left out.
    pub skipped: SkipCounts,
    /// The first few problems, named.
    pub warnings: Vec<String>,
}

/// Reads and resolves a manifest file.
pub(crate) fn read_manifest(manifest: &Path) -> Result<ManifestOutcome, DatasetError> {
    let text = fs::read_to_string(manifest).map_err(|e| DatasetError::from_io(manifest, e))?;
    // Editors on Windows write a byte-order mark and CRLF line ends: neither is data.
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .replace("\r\n", "\n");
    let is_csv = manifest
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = if is_csv {
        csv_rows(manifest, &text)?
    } else {
        jsonl_rows(manifest, &text)?
    };
    let root = match manifest.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(resolve(manifest, root, rows))
}

/// Parses CSV text with a header naming `path` and `label` (any order, extra columns allowed).
fn csv_rows(manifest: &Path, text: &str) -> Result<Vec<Row>, DatasetError> {
    let row_error = |err: csv::Error| DatasetError::ManifestRow {
        path: manifest.to_path_buf(),
        line: err.position().map_or(0, csv::Position::line),
        message: err.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(row_error)?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(path_col), Some(label_col)) = (column("path"), column("label")) else {
        return Err(DatasetError::ManifestHeader {
            path: manifest.to_path_buf(),
            found: headers.iter().collect::<Vec<_>>().join(","),
        });
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(row_error)?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        rows.push(Row {
            line,
            path: field(path_col),
            label: field(label_col),
        });
    }
    Ok(rows)
}

/// One JSONL line; extra keys are ignored.
#[derive(Deserialize)]
struct JsonRow {
    path: String,
    #[serde(default)]
    label: serde_json::Value,
}

/// Parses JSONL text; blank lines are skipped, labels may be strings or numbers.
fn jsonl_rows(manifest: &Path, text: &str) -> Result<Vec<Row>, DatasetError> {
    let mut rows = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u64 + 1;
        let row_error = |message: String| DatasetError::ManifestRow {
            path: manifest.to_path_buf(),
            line,
            message,
        };
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let parsed: JsonRow = serde_json::from_str(raw)
            .map_err(|e| row_error(format!("expected {{\"path\": ..., \"label\": ...}}: {e}")))?;
        let label = match parsed.label {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => String::new(),
            other => {
                return Err(row_error(format!(
                    "label must be a string or number, not {other}"
                )));
            }
        };
        rows.push(Row {
            line,
            path: parsed.path.trim().to_owned(),
            label,
        });
    }
    Ok(rows)
}

/// Turns rows into items: checks the files exist, skips unlabelled rows and duplicates.
fn resolve(manifest: &Path, root: PathBuf, rows: Vec<Row>) -> ManifestOutcome {
    let name = manifest.display();
    let mut skipped = SkipCounts::default();
    let mut warnings = Warnings::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    let mut labels = LabelPool::default();
    for Row { line, path, label } in rows {
        if path.is_empty() {
            skipped.unreadable += 1;
            warnings.push(|| format!("{name} line {line}: empty path"));
            continue;
        }
        let written: PathBuf = Path::new(&path)
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        let full = if written.is_absolute() {
            written.clone()
        } else {
            root.join(&written)
        };
        let rel = match full.strip_prefix(&root) {
            Ok(inside) if written.is_absolute() => rel_string(inside),
            _ => rel_string(&written),
        };
        if !is_image_name(&path) {
            skipped.not_image += 1;
            warnings.push(|| format!("{name} line {line}: {path} is not a known image type"));
            continue;
        }
        if label.is_empty() {
            skipped.no_label += 1;
            warnings.push(|| format!("{name} line {line}: {path} has no label; skipped"));
            continue;
        }
        match fs::metadata(&full) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                skipped.unreadable += 1;
                warnings.push(|| format!("{name} line {line}: {path} is not a file"));
                continue;
            }
            Err(err) => {
                skipped.unreadable += 1;
                warnings.push(|| match err.kind() {
                    ErrorKind::NotFound => format!(
                        "{name} line {line}: {path} does not exist (looked for {})",
                        full.display()
                    ),
                    _ => format!("{name} line {line}: cannot read {path}: {err}"),
                });
                continue;
            }
        }
        if let Some(&first) = seen.get(&rel) {
            warnings.push(|| format!("{name} line {line}: {path} repeats line {first}; skipped"));
            continue;
        }
        items.push(DatasetItem {
            rel: rel.clone().into_boxed_str(),
            truth: labels.get(&label),
        });
        seen.insert(rel, line);
    }
    ManifestOutcome {
        root,
        items,
        skipped,
        warnings: warnings.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, path: &str, label: &str) -> Row {
        Row {
            line,
            path: path.to_owned(),
            label: label.to_owned(),
        }
    }

    #[test]
    fn csv_header_any_order_with_extra_columns() {
        let text = "id,label,path\n1, cat ,a.png\n2,dog,\"b, c.png\"\n";
        let rows = csv_rows(Path::new("m.csv"), text).expect("rows");
        assert_eq!(rows, [row(2, "a.png", "cat"), row(3, "b, c.png", "dog")]);
    }

    #[test]
    fn csv_errors_name_line_or_header() {
        let cases = [
            ("file,label\na.png,cat\n", "has: file,label"),
            ("path,label\na.png,cat\nb.png\n", "line 3"),
        ];
        for (text, want) in cases {
            let err = csv_rows(Path::new("m.csv"), text)
                .expect_err(text)
                .to_string();
            assert!(err.contains("m.csv") && err.contains(want), "{err}");
        }
    }

    #[test]
    fn jsonl_rows_and_errors() {
        let text = "{\"path\": \"a.png\", \"label\": \"cat\", \"x\": 1}\n\n{\"path\":\"b.png\",\"label\":7}\n";
        let rows = jsonl_rows(Path::new("m.jsonl"), text).expect("rows");
        assert_eq!(rows, [row(1, "a.png", "cat"), row(3, "b.png", "7")]);
        let cases = [
            (
                "{\"path\": \"a.png\", \"label\": [1]}\n",
                "line 1: label must be",
            ),
            ("\n{\"label\": \"cat\"}\n", "line 2: expected"),
            ("not json\n", "line 1"),
        ];
        for (text, want) in cases {
            let err = jsonl_rows(Path::new("m.jsonl"), text)
                .expect_err(text)
                .to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn resolve_counts_missing_unlabelled_and_duplicates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("a.png"), b"").expect("write");
        let abs = root.join("a.png").display().to_string();
        let rows = vec![
            row(2, "./a.png", "cat"),
            row(3, "missing.png", "dog"),
            row(4, "a.png", ""),
            row(5, "notes.txt", "cat"),
            row(6, &abs, "cat"),
        ];
        let out = resolve(Path::new("m.csv"), root.clone(), rows);
        assert_eq!(out.items.len(), 1);
        assert_eq!(&*out.items[0].rel, "a.png");
        assert_eq!(out.items[0].path_in(&root), root.join("a.png"));
        assert_eq!(out.skipped.unreadable, 1);
        assert_eq!(out.skipped.no_label, 1);
        assert_eq!(out.skipped.not_image, 1);
        assert_eq!(out.warnings.len(), 4, "{:?}", out.warnings);
        assert!(
            out.warnings[0].contains("line 3: missing.png"),
            "{:?}",
            out.warnings
        );
        assert!(
            out.warnings[1].contains("line 4: a.png has no label"),
            "{:?}",
            out.warnings
        );
        assert!(
            out.warnings[3].contains("repeats line 2"),
            "{:?}",
            out.warnings
        );
    }
}
