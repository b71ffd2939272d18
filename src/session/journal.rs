//! `results.jsonl`: the append-only journal of finished items, one `ItemResult` per line.
//!
//! Writing: whole lines (one result, or a batch of them) go out in one write (repeated only for
//! what the OS did not take), straight to the `File` (no buffer kept between calls), so
//! `kill -9` loses at most the items not yet written.
//! Reading: a torn last line is ignored, garbage lines are skipped and reported, never fatal.
//! Opening for appending cuts a torn last line (one without its final `\n`, left by `kill -9`
//! or a full disk) off first, so it never ends up in the middle of the file, and reports how
//! many bytes went. Never rewrites or truncates complete lines.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::domain::result::ItemResult;

use super::SessionError;
use super::lock::SessionLock;

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

/// Reads journal bytes (see [`read_results`]): never fails, whatever the bytes are.
pub fn parse_results(bytes: &[u8]) -> ResultsLog {
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

/// An open `results.jsonl`, appending one line per finished item.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Start the next write with '\n' because the file does not end with one (after a failed
    /// write).
    needs_newline: bool,
    /// Bytes of a torn last line cut off when the journal was opened.
    torn_bytes: u64,
    /// The session's lock, held as long as this journal is open.
    _lock: Option<SessionLock>,
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
        let torn_bytes =
            cut_torn_tail(&mut file).map_err(|e| SessionError::io("repair", path, e))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            needs_newline: false,
            torn_bytes,
            _lock: None,
        })
    }

    /// This journal, keeping `lock` until it is dropped.
    pub(crate) fn holding(mut self, lock: SessionLock) -> Journal {
        self._lock = Some(lock);
        self
    }

    /// Bytes of a torn last line (an item lost mid-write) cut off when the journal was opened;
    /// that item is asked again.
    pub fn torn_bytes(&self) -> u64 {
        self.torn_bytes
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `r` as one JSON line, in a single write, and flushes it.
    pub fn append(&mut self, r: &ItemResult) -> Result<(), SessionError> {
        self.append_all(std::iter::once(r))
            .map_err(|failed| failed.error)
    }

    /// Appends each result as one JSON line, all of them in a single write. A write that
    /// fails part way (the disk full) says how many results went to the file whole; the rest
    /// may leave a torn line, and the next write starts on a fresh line.
    pub fn append_all<'a>(
        &mut self,
        results: impl IntoIterator<Item = &'a ItemResult>,
    ) -> Result<(), PartlyWritten> {
        let mut lines = Vec::with_capacity(512);
        if self.needs_newline {
            lines.push(b'\n');
        }
        // Where each result's line ends in `lines`.
        let mut ends = Vec::new();
        for r in results {
            serde_json::to_writer(&mut lines, r).map_err(|source| PartlyWritten {
                written: 0,
                error: SessionError::Encode {
                    what: "a result",
                    source,
                },
            })?;
            lines.push(b'\n');
            ends.push(lines.len());
        }
        let mut done = 0;
        let written = loop {
            if done == lines.len() {
                break self.file.flush();
            }
            match self.file.write(&lines[done..]) {
                Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        // After a failed write the file may end mid-line; repair before the next one.
        self.needs_newline = written.is_err();
        written.map_err(|e| PartlyWritten {
            written: ends.iter().take_while(|&&end| end <= done).count(),
            error: SessionError::io("append to", &self.path, e),
        })
    }
}

/// A batch of results that did not all reach the journal.
#[derive(Debug)]
pub struct PartlyWritten {
    /// How many of the batch's results (its first ones) are in the file whole.
    pub written: usize,
    /// Why the rest are not.
    pub error: SessionError,
}

/// Cuts everything after the last '\n' (a torn last line) and returns how many bytes went.
/// Reads backwards in blocks, so a long journal is not read whole.
fn cut_torn_tail(file: &mut File) -> io::Result<u64> {
    const BLOCK: u64 = 64 * 1024;
    let len = file.metadata()?.len();
    let mut end = len;
    let mut buf = vec![0u8; BLOCK as usize];
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep < len {
                file.set_len(keep)?;
            }
            return Ok(len - keep);
        }
        end = start;
    }
    if len > 0 {
        file.set_len(0)?;
    }
    Ok(len)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::parse::ParseStep;

    /// A result for `image` predicted as `label` (truth "1").
    pub(crate) fn item(image: &str, label: &str) -> ItemResult {
        ItemResult {
            sha256: "00".repeat(32),
            answer: format!("It is {label}.\nSure."),
            label: Some(label.into()),
            parse: Some(ParseStep::WholeWord),
            latency_ms: 12,
            eval_count: Some(3),
            ..ItemResult::blank(image, "1")
        }
    }

    /// Complete, non-blank lines of a journal (the part after the last `\n` is not one).
    fn count_lines(path: &Path) -> usize {
        fs::read(path)
            .map(|b| {
                b.split(|&c| c == b'\n')
                    .rev()
                    .skip(1)
                    .filter(|l| !l.trim_ascii().is_empty())
                    .count()
            })
            .unwrap_or(0)
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
        assert_eq!(journal.torn_bytes(), 13);
        journal.append(&item("c.png", "3")).unwrap();
        journal.append(&item("d.png", "4")).unwrap();
        let log = read_results(&path).unwrap();
        let got: Vec<_> = log.results.iter().map(|r| r.image.as_str()).collect();
        assert_eq!(got, ["a.png", "c.png", "d.png"]);
        assert!(!log.torn_tail);
        // The torn line is gone, not left in the middle.
        assert!(log.bad_lines.is_empty(), "{:?}", log.bad_lines);
        assert_eq!(count_lines(&path), 3);
        assert_eq!(log.results[1], item("c.png", "3"));
        drop(journal);
        // A journal that is nothing but a torn line, and a clean one.
        fs::write(&path, "{\"image\"").unwrap();
        assert_eq!(Journal::open(&path).unwrap().torn_bytes(), 8);
        assert_eq!(fs::read(&path).unwrap(), b"");
        fs::write(&path, line(&item("a.png", "1"))).unwrap();
        assert_eq!(Journal::open(&path).unwrap().torn_bytes(), 0);
        assert_eq!(count_lines(&path), 1);
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
}
