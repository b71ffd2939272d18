//! `squint import`: turns a results file in the original experiment's format into a finished
//! session over a dataset, so it can be explored in the workbench and reported on. The recorded
//! predictions become the parsed labels (parse step `imported`); rows naming images that are
//! not in the dataset are skipped and listed. Blocking file IO; never talks to a server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{RunSpec, SetupError, template_source};
use crate::backend::BackendKind;
use crate::dataset::{self, DatasetItem, Layout};
use crate::domain::parse::ParseStep;
use crate::domain::result::ItemResult;
use crate::domain::results_csv::{ResultRow, parse_results_csv};
use crate::imaging::read_with_digest;
use crate::paths;
use crate::session::{
    BackendInfo, DatasetInfo, Session, SessionMeta, SessionStatus, TemplateInfo,
    default_session_dir, now_rfc3339,
};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportSpec {
    /// The results file.
    pub results: PathBuf,
    /// The dataset the results are about.
    pub dataset: PathBuf,
    /// Forced dataset layout.
    pub layout: Option<Layout>,
    /// Session folder to create (default: a new folder under the data dir).
    pub out: Option<PathBuf>,
    /// The model that answered, when known.
    pub model: Option<String>,
    /// The prompt template used, when known (path or bundled/user name).
    pub template: Option<String>,
    /// The Ollama Modelfile used, when known.
    pub modelfile: Option<PathBuf>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The new session folder.
    pub dir: PathBuf,
    /// Rows turned into results.
    pub imported: usize,
    /// Rows naming images not in the dataset: (line, image name).
    pub skipped: Vec<(usize, String)>,
    /// Things to know besides the skipped rows: predictions that are no label, truths that
    /// disagree with the dataset's.
    pub warnings: Vec<String>,
}

/// The model name recorded when neither `--model` nor a Modelfile's `FROM` names one.
pub const UNKNOWN_MODEL: &str = "unknown";

/// Reads `spec.results`, matches its rows to the dataset and writes a finished session.
pub fn import_results(spec: &ImportSpec) -> Result<Imported, SetupError> {
    let text = std::fs::read_to_string(&spec.results)
        .map_err(|e| SetupError::Import(format!("cannot read {}: {e}", spec.results.display())))?;
    let rows = parse_results_csv(&text)
        .map_err(|e| SetupError::Import(format!("{}: {e}", spec.results.display())))?;
    let dataset = dataset::scan(&spec.dataset, spec.layout)?;
    if dataset.items.is_empty() {
        return Err(SetupError::EmptyDataset {
            path: spec.dataset.clone(),
        });
    }
    let template = match (&spec.template, &spec.modelfile) {
        (None, None) => None,
        _ => {
            let run = RunSpec {
                template: spec.template.clone(),
                modelfile: spec.modelfile.clone(),
                ..RunSpec::default()
            };
            Some(template_source::resolve(&run, Some(&dataset))?)
        }
    };
    let classes = dataset.classes();
    let labels = match &template {
        Some((t, _)) => t.resolve_labels(&classes)?,
        None => classes,
    };
    let index = ItemIndex::new(&dataset.items);
    let mut matched = Matched::default();
    for row in &rows {
        match index.find(&row.image_name) {
            Some(item) => matched.add(item, &dataset.path(item), row, &labels),
            None => matched.skipped.push((row.line, row.image_name.clone())),
        }
    }
    if matched.results.is_empty() {
        return Err(SetupError::Import(format!(
            "none of the {} rows of {} names an image of {} (first: {}); check --dataset",
            rows.len(),
            spec.results.display(),
            spec.dataset.display(),
            rows.first().map_or("none", |r| r.image_name.as_str())
        )));
    }
    let model = spec
        .model
        .clone()
        .or_else(|| template.as_ref().and_then(|(t, _)| t.model.clone()))
        .unwrap_or_else(|| UNKNOWN_MODEL.to_owned());
    let dir = match &spec.out {
        Some(dir) => dir.clone(),
        None => default_session_dir(&paths::sessions_dir()?, "imported"),
    };
    let warnings = matched.warnings();
    let mut recorded = warnings.clone();
    if !matched.skipped.is_empty() {
        recorded.insert(
            0,
            format!(
                "import: {} row(s) of {} name images not in the dataset and were skipped",
                matched.skipped.len(),
                spec.results.display()
            ),
        );
    }
    let now = now_rfc3339();
    let dataset_path = std::path::absolute(&spec.dataset).unwrap_or(spec.dataset.clone());
    let results_path = std::path::absolute(&spec.results).unwrap_or(spec.results.clone());
    let meta = SessionMeta {
        squint_version: env!("CARGO_PKG_VERSION").to_string(),
        id: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dataset: DatasetInfo {
            path: dataset_path,
            layout: dataset.layout,
            total: matched.results.len(),
            labels,
            limit_per_class: None,
            sample: None,
            seed: 0,
            // An imported file keeps its own line order.
            order: crate::dataset::RunOrder::Dataset,
        },
        template: match &template {
            Some((t, source)) => TemplateInfo {
                name: t.name.clone(),
                source: source.clone(),
                text: t.to_toml(),
                hash: t.fingerprint(),
            },
            None => TemplateInfo {
                name: "imported".to_owned(),
                source: format!("import:{}", results_path.display()),
                text: String::new(),
                hash: String::new(),
            },
        },
        backend: BackendInfo {
            kind: BackendKind::Ollama,
            host: String::new(),
            hosts: Vec::new(),
            model,
            model_digest: None,
            api_key_env: None,
            logprobs: false,
            max_side: None,
            concurrency: 1,
            timeout_s: 0,
            retries: 0,
        },
        options: template
            .as_ref()
            .and_then(|(t, _)| serde_json::to_value(&t.options).ok())
            .unwrap_or_default(),
        warnings: recorded,
        started_at: now.clone(),
        ended_at: Some(now),
        status: SessionStatus::Finished,
        parent: None,
        imported_from: Some(results_path.display().to_string()),
    };
    let session = Session::create(&dir, meta)?;
    let mut journal = session.journal()?;
    for r in &matched.results {
        journal.append(r)?;
    }
    Ok(Imported {
        dir,
        imported: matched.results.len(),
        skipped: matched.skipped,
        warnings,
    })
}

/// Dataset items by relative path, and by bare file name where that is unique.
struct ItemIndex<'a> {
    by_rel: HashMap<&'a str, &'a DatasetItem>,
    by_name: HashMap<String, Option<&'a DatasetItem>>,
}

impl<'a> ItemIndex<'a> {
    fn new(items: &'a [DatasetItem]) -> Self {
        let mut by_name: HashMap<String, Option<&DatasetItem>> = HashMap::new();
        for item in items {
            let name = file_name(&item.rel);
            by_name
                .entry(name.to_owned())
                .and_modify(|slot| *slot = None)
                .or_insert(Some(item));
        }
        ItemIndex {
            by_rel: items.iter().map(|i| (&*i.rel, i)).collect(),
            by_name,
        }
    }

    fn find(&self, image: &str) -> Option<&'a DatasetItem> {
        let image = image.replace('\\', "/");
        self.by_rel
            .get(image.as_str())
            .copied()
            .or_else(|| self.by_name.get(file_name(&image)).copied().flatten())
    }
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The results made so far, and what did not fit.
#[derive(Default)]
struct Matched {
    results: Vec<ItemResult>,
    seen: HashMap<String, usize>,
    skipped: Vec<(usize, String)>,
    not_labels: Vec<String>,
    truth_differs: usize,
}

impl Matched {
    fn add(&mut self, item: &DatasetItem, path: &Path, row: &ResultRow, labels: &[String]) {
        let label = labels
            .iter()
            .find(|l| **l == row.predicted)
            .or_else(|| {
                let mut same = labels
                    .iter()
                    .filter(|l| l.eq_ignore_ascii_case(&row.predicted));
                same.next().filter(|_| same.next().is_none())
            })
            .cloned();
        if label.is_none() && !self.not_labels.contains(&row.predicted) {
            self.not_labels.push(row.predicted.clone());
        }
        if !row.actual.eq_ignore_ascii_case(&item.truth) {
            self.truth_differs += 1;
        }
        let sha256 = read_with_digest(path)
            .map(|(_, digest)| digest)
            .unwrap_or_default();
        let result = ItemResult {
            image: item.rel.to_string(),
            sha256,
            truth: item.truth.to_string(),
            answer: row.answer.clone().unwrap_or_else(|| row.predicted.clone()),
            parse: Some(if label.is_some() {
                ParseStep::Imported
            } else {
                ParseStep::Unparsed
            }),
            label,
            confidence: None,
            latency_ms: 0,
            eval_count: None,
            prompt_eval_count: None,
            eval_duration_ns: None,
            total_duration_ns: None,
            attempts: 0,
            cached: false,
            error: None,
            error_kind: None,
            label_probs: None,
        };
        // A later row for the same image replaces the earlier one, as in a journal.
        match self.seen.get(&result.image) {
            Some(&at) => self.results[at] = result,
            None => {
                self.seen.insert(result.image.clone(), self.results.len());
                self.results.push(result);
            }
        }
    }

    /// Warnings other than the skipped rows (which are listed one by one).
    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.not_labels.is_empty() {
            let shown: Vec<&str> = self.not_labels.iter().take(5).map(String::as_str).collect();
            out.push(format!(
                "import: predictions that are no label of the dataset count as unparsed: {}{}",
                shown.join(", "),
                if self.not_labels.len() > 5 {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        if self.truth_differs > 0 {
            out.push(format!(
                "import: {} row(s) record a true label that differs from the dataset's; the dataset's is used",
                self.truth_differs
            ));
        }
        out
    }
}
