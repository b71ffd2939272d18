//! `corrections.jsonl`: the append-only log of label corrections made to a session (see
//! `domain::corrections`). Each line is one `CorrectionEntry`, written in a single `write_all`
//! and flushed; an undo is a line too, so nothing is ever rewritten or deleted. Reading skips
//! a torn or invalid line and counts it. Never touches `results.jsonl` or the user's dataset.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::SessionError;
use crate::domain::corrections::{CorrectionEntry, Corrections};

/// File name of the corrections log in a session folder.
pub const CORRECTIONS_FILE: &str = "corrections.jsonl";

/// What `corrections.jsonl` holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorrectionsLog {
    /// The valid lines, in order.
    pub entries: Vec<CorrectionEntry>,
    /// Lines that could not be read (torn by a crash, or edited by hand), skipped.
    pub skipped_lines: usize,
}

impl CorrectionsLog {
    /// The corrections the log adds up to.
    pub fn corrections(&self) -> Corrections {
        Corrections::from_log(&self.entries)
    }
}

/// Reads the corrections of the session in `dir`; none when the file does not exist.
pub fn read_corrections(dir: &Path) -> Result<CorrectionsLog, SessionError> {
    let path = dir.join(CORRECTIONS_FILE);
    let text = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(CorrectionsLog::default()),
        Err(e) => return Err(SessionError::io("read", &path, e)),
    };
    let mut log = CorrectionsLog::default();
    for line in text.split(|&b| b == b'\n') {
        if line.trim_ascii().is_empty() {
            continue;
        }
        match serde_json::from_slice::<CorrectionEntry>(line) {
            Ok(entry) => log.entries.push(entry),
            Err(_) => log.skipped_lines += 1,
        }
    }
    Ok(log)
}

/// Appends one line to the corrections log of the session in `dir` (created when missing),
/// in one write, flushed. A log left without its final `\n` by a crash gets one first.
pub fn append_correction(dir: &Path, entry: &CorrectionEntry) -> Result<(), SessionError> {
    let path = dir.join(CORRECTIONS_FILE);
    let json = serde_json::to_vec(entry).map_err(|source| SessionError::Encode {
        what: "a correction",
        source,
    })?;
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| SessionError::io("open", &path, e))?;
    let mut line = Vec::with_capacity(json.len() + 2);
    if ends_mid_line(&mut file).map_err(|e| SessionError::io("read", &path, e))? {
        line.push(b'\n');
    }
    line.extend_from_slice(&json);
    line.push(b'\n');
    file.write_all(&line)
        .and_then(|()| file.flush())
        .map_err(|e| SessionError::io("append to", &path, e))
}

fn ends_mid_line(file: &mut fs::File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::corrections::Verdict;

    #[test]
    fn corrections_round_trip_with_undo_and_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_corrections(dir.path()).unwrap(),
            CorrectionsLog::default()
        );
        let fix = CorrectionEntry::correct("a.png", "3", &Verdict::Label("5".into()), "t1".into());
        append_correction(dir.path(), &fix).unwrap();
        let doubt = CorrectionEntry::correct("b.png", "1", &Verdict::Doubtful, "t2".into());
        append_correction(dir.path(), &doubt).unwrap();
        append_correction(dir.path(), &CorrectionEntry::undo_of(&doubt, "t3".into())).unwrap();
        // A crash mid-line: the next append starts a new line; the torn one is skipped.
        let path = dir.path().join(CORRECTIONS_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"image\":\"c.p").unwrap();
        let again = CorrectionEntry::correct("c.png", "2", &Verdict::Doubtful, "t4".into());
        append_correction(dir.path(), &again).unwrap();
        let log = read_corrections(dir.path()).unwrap();
        assert_eq!((log.entries.len(), log.skipped_lines), (4, 1));
        let c = log.corrections();
        assert_eq!(c.verdict("a.png"), Some(Verdict::Label("5".into())));
        assert_eq!(c.verdict("b.png"), None);
        assert_eq!(c.verdict("c.png"), Some(Verdict::Doubtful));
    }
}
