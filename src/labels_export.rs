//! `squint labels`, the IO side: reads a session (and its corrections), and writes its labels
//! as a manifest squint accepts (`path,label,source` CSV or JSONL, paths absolute so the file
//! works from anywhere) or as an ImageFolder tree (one folder per class, hard links where the
//! filesystem allows, copies otherwise, with a `labels.csv` manifest that says which file came
//! from where and which were renamed).
//!
//! Never moves, changes or deletes the originals, never deletes or overwrites anything in the
//! target: a non-empty target is refused unless `force`, and then existing names are kept and
//! new files get unique names. The label rules are `domain::labels`'.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::domain::labels::{LabelRow, LabelSet, LabelSource, TreePlace, label_rows, tree_places};
use crate::session::{Session, SessionError, read_corrections, write_atomic};

/// The formats of `squint labels --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelsFormat {
    /// `path,label,source` CSV.
    Csv,
    /// One `{"path", "label", "source"}` object per line.
    Jsonl,
    /// One folder per class.
    ImageFolder,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct LabelsRequest {
    /// The session folder.
    pub session: PathBuf,
    /// The format.
    pub format: LabelsFormat,
    /// The file (csv, jsonl) or folder (imagefolder) to write.
    pub out: PathBuf,
    /// Apply the session's corrections.
    pub with_corrections: bool,
    /// Export the model's proposals where no truth is known.
    pub include_unreviewed: bool,
    /// Write into a non-empty target (never deleting or overwriting anything there).
    pub force: bool,
}

/// What was exported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelsOutcome {
    /// Images exported.
    pub written: usize,
    /// Of those (ImageFolder), how many were hard-linked; the rest were copied.
    pub linked: usize,
    /// ImageFolder files given a name other than their own, as (image, new path in the tree).
    pub renamed: Vec<(String, String)>,
    /// Corrections applied (images relabelled by a person).
    pub corrected: usize,
    /// Doubtful images left out.
    pub doubtful: usize,
    /// Images with no known truth left out.
    pub unlabelled: usize,
    /// Images whose file could not be read (ImageFolder), left out.
    pub missing: Vec<String>,
    /// The manifest written (the file itself, or `labels.csv` in the tree).
    pub manifest: PathBuf,
}

/// Why nothing (or not everything) was exported.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// The folder is not a readable session.
    #[error("{0}")]
    Session(#[from] SessionError),
    /// The target exists and is not empty.
    #[error(
        "{} already exists and is not empty; choose another -o, or add --force to write into it (nothing there is deleted or overwritten)",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// Writing failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Write {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

fn write_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> LabelsError {
    let path = path.to_path_buf();
    move |source| LabelsError::Write {
        action,
        path,
        source,
    }
}

/// Exports the labels of the session named in `req`.
pub fn export_labels(req: &LabelsRequest) -> Result<LabelsOutcome, LabelsError> {
    let session = Session::open(&req.session)?;
    let results = session.read_results()?.results;
    let corrections = read_corrections(&req.session)?.corrections();
    let set = label_rows(
        &results,
        &corrections,
        req.with_corrections,
        req.include_unreviewed,
    );
    let root = session.meta.dataset.root();
    let mut outcome = LabelsOutcome {
        corrected: set
            .rows
            .iter()
            .filter(|r| r.source == LabelSource::Person)
            .count(),
        doubtful: set.doubtful,
        unlabelled: set.unlabelled,
        ..LabelsOutcome::default()
    };
    match req.format {
        LabelsFormat::Csv | LabelsFormat::Jsonl => {
            refuse_existing_file(&req.out, req.force)?;
            let rows: Vec<ManifestRow> = set
                .rows
                .iter()
                .map(|r| ManifestRow::of(r, root.join(&r.image)))
                .collect();
            write_manifest(&req.out, req.format, &rows)?;
            outcome.written = rows.len();
            outcome.manifest = req.out.clone();
        }
        LabelsFormat::ImageFolder => {
            image_folder(&set, &root, &req.out, req.force, &mut outcome)?;
        }
    }
    Ok(outcome)
}

/// One manifest row: `path` is where the file is, `original` (ImageFolder only) where it came
/// from.
#[derive(Debug, serde::Serialize)]
struct ManifestRow {
    path: String,
    label: String,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<String>,
}

impl ManifestRow {
    fn of(r: &LabelRow, path: PathBuf) -> ManifestRow {
        ManifestRow {
            path: path.display().to_string(),
            label: r.label.clone(),
            source: r.source.name(),
            original: None,
        }
    }
}

fn refuse_existing_file(out: &Path, force: bool) -> Result<(), LabelsError> {
    match fs::metadata(out) {
        Ok(meta) if meta.is_dir() => Err(LabelsError::Write {
            action: "write the manifest to",
            path: out.to_path_buf(),
            source: io::Error::other("it is a folder; give a file name"),
        }),
        Ok(meta) if meta.len() > 0 && !force => Err(LabelsError::NotEmpty(out.to_path_buf())),
        _ => Ok(()),
    }
}

fn write_manifest(
    out: &Path,
    format: LabelsFormat,
    rows: &[ManifestRow],
) -> Result<(), LabelsError> {
    let bytes = match format {
        LabelsFormat::Jsonl => rows
            .iter()
            .map(|r| serde_json::to_string(r).map(|line| line + "\n"))
            .collect::<Result<String, _>>()
            .map_err(|e| write_err("encode", out)(io::Error::other(e)))?
            .into_bytes(),
        LabelsFormat::Csv | LabelsFormat::ImageFolder => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for r in rows {
                writer
                    .serialize(r)
                    .map_err(|e| write_err("encode", out)(io::Error::other(e)))?;
            }
            writer
                .into_inner()
                .map_err(|e| write_err("encode", out)(io::Error::other(e.to_string())))?
        }
    };
    write_atomic(out, &bytes).map_err(|e| write_err("write", out)(io::Error::other(e.to_string())))
}

/// The manifest inside an ImageFolder tree.
pub const TREE_MANIFEST: &str = "labels.csv";

fn image_folder(
    set: &LabelSet,
    root: &Path,
    out: &Path,
    force: bool,
    outcome: &mut LabelsOutcome,
) -> Result<(), LabelsError> {
    let taken = existing_names(out, force)?;
    let places = tree_places(&set.rows, &taken);
    let mut rows = Vec::with_capacity(set.rows.len());
    for (row, place) in set.rows.iter().zip(&places) {
        let from = root.join(&row.image);
        let TreePlace {
            folder,
            file,
            renamed,
        } = place;
        let dir = out.join(folder);
        fs::create_dir_all(&dir).map_err(write_err("create folder", &dir))?;
        let to = dir.join(file);
        match place_file(&from, &to) {
            Ok(linked) => outcome.linked += usize::from(linked),
            Err(_) if !from.is_file() => {
                outcome.missing.push(row.image.clone());
                continue;
            }
            Err(e) => return Err(write_err("copy into", &to)(e)),
        }
        if *renamed {
            outcome
                .renamed
                .push((row.image.clone(), format!("{folder}/{file}")));
        }
        rows.push(ManifestRow {
            path: format!("{folder}/{file}"),
            label: row.label.clone(),
            source: row.source.name(),
            original: Some(from.display().to_string()),
        });
    }
    outcome.written = rows.len();
    let mut manifest = out.join(TREE_MANIFEST);
    if taken.contains(&(String::new(), TREE_MANIFEST.to_owned())) {
        manifest = out.join(format!("labels-{}.csv", std::process::id()));
    }
    write_manifest(&manifest, LabelsFormat::Csv, &rows)?;
    outcome.manifest = manifest;
    Ok(())
}

/// Hard-links `from` to `to`, or copies it where links are impossible (another filesystem);
/// never replaces an existing `to`. True when linked.
fn place_file(from: &Path, to: &Path) -> io::Result<bool> {
    if to.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "already there",
        ));
    }
    match fs::hard_link(from, to) {
        Ok(()) => Ok(true),
        Err(_) if from.is_file() => {
            // `create_new` so a file appearing meanwhile is never overwritten.
            let mut src = fs::File::open(from)?;
            let mut dst = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(to)?;
            io::copy(&mut src, &mut dst)?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The (class folder, file name) pairs already in `out` (top-level files under `""`); refuses a
/// non-empty `out` without `force`.
fn existing_names(out: &Path, force: bool) -> Result<HashSet<(String, String)>, LabelsError> {
    let mut taken = HashSet::new();
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(taken),
        Err(e) => return Err(write_err("read", out)(e)),
    };
    for entry in entries.filter_map(Result::ok) {
        if !force {
            return Err(LabelsError::NotEmpty(out.to_path_buf()));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            let inner = fs::read_dir(entry.path()).map_err(write_err("read", &entry.path()))?;
            for file in inner.filter_map(Result::ok) {
                taken.insert((
                    name.clone(),
                    file.file_name().to_string_lossy().into_owned(),
                ));
            }
        } else {
            taken.insert((String::new(), name));
        }
    }
    Ok(taken)
}
