//! `results.jsonl`: the append-only journal of finished items, one `ItemResult` per line.
//!
//! Writing: each line goes out in a single `write_all` of the whole line plus `\n`, straight to
//! the `File` (no buffer kept between calls), so `kill -9` loses at most the items in flight.
//! Reading: a torn last line is ignored, garbage lines are skipped and reported, never fatal.
//! Never rewrites or truncates existing lines.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::domain::result::ItemResult;

use super::SessionError;

/// What `results.jsonl` holds, with any damage found while reading it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultsLog {
    /// One result per image, in order of first appearance; a later line for the same image
    /// replaces the earlier one (re-runs append).
    pub results: Vec<ItemResult>,
    /// True when the last line was incomplete or invalid (a crash mid-write) and was ignored.
    pub torn_tail: bool,
    /// 1-based numbers of invalid lines before the last one, which were skipped.
    pub bad_lines: Vec<usize>,
}

/// Reads a results journal. A missing file is an empty log; damage is reported, not fatal.
pub fn read_results(path: &Path) -> Result<ResultsLog, SessionError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ResultsLog::default()),
        Err(e) => return Err(SessionError::io("read", path, e)),
    };
    Ok(parse_results(&bytes))
}

fn parse_results(bytes: &[u8]) -> ResultsLog {
    let mut log = ResultsLog::default();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // After the last '\n' comes either nothing or an unterminated (torn) line.
    let tail = lines.pop().unwrap_or_default();
    if !tail.trim_ascii().is_empty() {
        log.torn_tail = true;
    }
    let last_complete = lines.iter().rposition(|l| !l.trim_ascii().is_empty());
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        match serde_json::from_slice::<ItemResult>(line) {
            Ok(result) => match index_of.get(&result.image) {
                Some(&at) => log.results[at] = result,
                None => {
                    index_of.insert(result.image.clone(), log.results.len());
                    log.results.push(result);
                }
            },
            Err(_) if !log.torn_tail && Some(i) == last_complete => log.torn_tail = true,
            Err(_) => log.bad_lines.push(i + 1),
        }
    }
    log
}

/// Number of complete, non-blank lines in a journal (0 when missing or unreadable).
pub(crate) fn count_lines(path: &Path) -> usize {
    fs::read(path)
        .map(|b| {
            b.split(|&c| c == b'\n')
                .rev()
                .skip(1) // the part after the last '\n' is not a complete line
                .filter(|l| !l.trim_ascii().is_empty())
                .count()
        })
        .unwrap_or(0)
}

/// An open `results.jsonl`, appending one line per finished item.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Start the next write with '\n' because the file does not end with one.
    needs_newline: bool,
}

impl Journal {
    /// Opens (creating if needed) `path` for appending.
    pub fn open(path: &Path) -> Result<Journal, SessionError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| SessionError::io("open results journal", path, e))?;
        let needs_newline =
            ends_without_newline(&mut file).map_err(|e| SessionError::io("read", path, e))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            needs_newline,
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `r` as one JSON line, in a single write, and flushes it.
    pub fn append(&mut self, r: &ItemResult) -> Result<(), SessionError> {
        let json = serde_json::to_vec(r).map_err(|source| SessionError::Encode {
            what: "a result",
            source,
        })?;
        let mut line = Vec::with_capacity(json.len() + 2);
        if self.needs_newline {
            line.push(b'\n');
        }
        line.extend_from_slice(&json);
        line.push(b'\n');
        let written = self.file.write_all(&line).and_then(|()| self.file.flush());
        // After a failed write the file may end mid-line; repair before the next one.
        self.needs_newline = written.is_err();
        written.map_err(|e| SessionError::io("append to", &self.path, e))
    }
}

/// True when the file is non-empty and its last byte is not '\n'.
fn ends_without_newline(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::parse::ParseStep;

    /// A result for `image` predicted as `label` (truth "1").
    pub(crate) fn item(image: &str, label: &str) -> ItemResult {
        ItemResult {
            image: image.into(),
            sha256: "00".repeat(32),
            truth: "1".into(),
            answer: format!("It is {label}.\nSure."),
            label: Some(label.into()),
            parse: Some(ParseStep::WholeWord),
            confidence: None,
            latency_ms: 12,
            eval_count: Some(3),
            prompt_eval_count: None,
            eval_duration_ns: None,
            total_duration_ns: None,
            attempts: 1,
            cached: false,
            error: None,
        }
    }

    fn line(r: &ItemResult) -> String {
        format!("{}\n", serde_json::to_string(r).unwrap())
    }

    #[test]
    fn reads_damaged_files() {
        let (a, b, c) = (item("a.png", "1"), item("b.png", "2"), item("c.png", "3"));
        let half = &line(&c)[..20];
        // (content, images read, torn_tail, bad_lines)
        let cases: Vec<(String, Vec<&str>, bool, Vec<usize>)> = vec![
            (String::new(), vec![], false, vec![]),
            (line(&a) + &line(&b), vec!["a.png", "b.png"], false, vec![]),
            (line(&a) + half, vec!["a.png"], true, vec![]),
            (line(&a) + half + "\n", vec!["a.png"], true, vec![]),
            (
                line(&a) + "{not json\n" + &line(&b),
                vec!["a.png", "b.png"],
                false,
                vec![2],
            ),
            (
                line(&a) + "\n\n" + &line(&b) + "\n",
                vec!["a.png", "b.png"],
                false,
                vec![],
            ),
            (
                "\u{0}\u{1}garbage\n".to_string() + &line(&a) + half,
                vec!["a.png"],
                true,
                vec![1],
            ),
            // A valid line that lost its '\n' is still a torn tail.
            (line(&a) + line(&b).trim_end(), vec!["a.png"], true, vec![]),
        ];
        for (content, images, torn, bad) in cases {
            let log = parse_results(content.as_bytes());
            let got: Vec<&str> = log.results.iter().map(|r| r.image.as_str()).collect();
            assert_eq!(got, images, "{content:?}");
            assert_eq!(log.torn_tail, torn, "{content:?}");
            assert_eq!(log.bad_lines, bad, "{content:?}");
        }
    }

    #[test]
    fn later_line_for_same_image_wins_in_first_position() {
        let content =
            line(&item("a.png", "1")) + &line(&item("b.png", "2")) + &line(&item("a.png", "7"));
        let log = parse_results(content.as_bytes());
        let got: Vec<_> = log
            .results
            .iter()
            .map(|r| (r.image.as_str(), r.label.as_deref()))
            .collect();
        assert_eq!(got, [("a.png", Some("7")), ("b.png", Some("2"))]);
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let log = read_results(&dir.path().join("results.jsonl")).unwrap();
        assert_eq!(log, ResultsLog::default());
    }

    #[test]
    fn append_round_trips_and_repairs_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal.append(&item("a.png", "1")).unwrap();
        drop(journal);
        // Simulate a crash mid-line.
        fs::write(
            &path,
            fs::read_to_string(&path).unwrap() + "{\"image\":\"b.p",
        )
        .unwrap();
        assert!(read_results(&path).unwrap().torn_tail);

        let mut journal = Journal::open(&path).unwrap();
        journal.append(&item("c.png", "3")).unwrap();
        journal.append(&item("d.png", "4")).unwrap();
        let log = read_results(&path).unwrap();
        let got: Vec<_> = log.results.iter().map(|r| r.image.as_str()).collect();
        assert_eq!(got, ["a.png", "c.png", "d.png"]);
        assert!(!log.torn_tail);
        assert_eq!(log.bad_lines, [2]);
        assert_eq!(count_lines(&path), 4);
        assert_eq!(log.results[1], item("c.png", "3"));
    }

    #[test]
    fn append_to_clean_file_adds_no_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        for name in ["a.png", "b.png"] {
            Journal::open(&path)
                .unwrap()
                .append(&item(name, "1"))
                .unwrap();
        }
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(!text.contains("\n\n") && text.ends_with('\n'));
    }

    #[test]
    fn count_lines_ignores_tail_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let cases = [("", 0), ("x\n", 1), ("x\n\ny\n", 2), ("x\ny", 1), ("x", 0)];
        for (content, want) in cases {
            fs::write(&path, content).unwrap();
            assert_eq!(count_lines(&path), want, "{content:?}");
        }
        assert_eq!(count_lines(&dir.path().join("missing")), 0);
    }
}
