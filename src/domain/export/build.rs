//! Builds a [`SessionReport`], everything every export format shows, from a session's facts
//! and results. Pure: never reads files or formats text; the renderers read only this.
//!
//! Its `Serialize` form is the `--format json` report (a file-format contract, documented in
//! the README): a superset of `squint run --json`, with a `version` field.

use std::collections::BTreeMap;

use serde::Serialize;

use super::comparison::ComparePart;
use super::error_kind::error_kind_name;
use super::facts::{ReadNotes, RunFacts};
use crate::domain::lint::bias_lint;
use crate::domain::metrics::{ClassScores, Metrics, wilson_interval};
use crate::domain::parse::UNPARSED;
use crate::domain::proposals::Proposals;
use crate::domain::result::ItemResult;
use crate::domain::template::{OutputMode, Template};

/// Version of the JSON report layout; bumped when a field changes meaning or disappears.
pub(crate) const REPORT_VERSION: u32 = 1;
/// How many most-confused pairs a report lists.
pub(crate) const CONFUSED_PAIRS: usize = 10;
/// How many of those pairs show example images.
pub(crate) const EXAMPLE_PAIRS: usize = 6;
/// Example images per pair, most confidently wrong first.
pub(crate) const EXAMPLES_PER_PAIR: usize = 4;

/// Everything a report says about one session.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SessionReport {
    /// [`REPORT_VERSION`].
    pub(crate) version: u32,
    /// The session: where, when, how it ended.
    pub(crate) session: SessionPart,
    /// What was asked of which model.
    pub(crate) run: RunPart,
    /// The dataset classified.
    pub(crate) dataset: DatasetPart,
    /// Item counts.
    pub(crate) counts: ReportCounts,
    /// Correct over answered (unparsed answers count as wrong; failed requests are left out);
    /// `None` before the first answer.
    pub(crate) accuracy: Option<f64>,
    /// 95% Wilson score interval of the accuracy; `None` when nothing was answered.
    pub(crate) accuracy_ci95: Option<[f64; 2]>,
    /// scikit-learn's rows: label -> precision, recall, f1, support.
    pub(crate) per_class: BTreeMap<String, ClassScores>,
    /// Unweighted mean over the rows.
    pub(crate) macro_avg: ClassScores,
    /// Support-weighted mean over the rows.
    pub(crate) weighted_avg: ClassScores,
    /// Rows true, columns predicted, `(unparsed)` last.
    pub(crate) confusion: Confusion,
    /// How answers were parsed and how requests failed.
    pub(crate) parsing: Parsing,
    /// The prompt's bias lint and each class's predicted share against its true share.
    pub(crate) bias: Bias,
    /// The most frequent wrong (truth, prediction) cells, largest first.
    pub(crate) confused_pairs: Vec<ConfusedPair>,
    /// Warnings recorded with the session other than the bias lint's (dataset, server).
    pub(crate) warnings: Vec<String>,
    /// What the reader must know about the coverage of this report (interrupted, torn lines).
    pub(crate) notes: Vec<String>,
    /// `squint compare`'s figures against another session (A, the baseline; this session is
    /// B), when asked for with `--compare`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) compare: Option<ComparePart>,
    /// The label corrections applied (`--with-corrections`), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) corrections: Option<CorrectionsPart>,
    /// The model's proposals for images whose truth is unknown (an unlabeled folder not yet
    /// reviewed): `{labels: {label: {count, mean_confidence}}, parse_steps, total}`, as
    /// `squint run --json` gives them; absent when every image has a truth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) proposals: Option<Proposals>,
    /// The tally the figures come from (for the text renderers).
    #[serde(skip)]
    pub(crate) metrics: Metrics,
}

/// The label corrections a report was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct CorrectionsPart {
    /// Images whose true label a person changed.
    pub(crate) relabelled: usize,
    /// Images marked doubtful, left out of every figure.
    pub(crate) doubtful: usize,
}

/// Where, when and how a session ran.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SessionPart {
    /// The session folder.
    pub(crate) path: String,
    /// The session id.
    pub(crate) id: String,
    /// `finished`, `interrupted` or `running`.
    pub(crate) status: String,
    /// True when every selected item was done.
    pub(crate) complete: bool,
    /// squint version that wrote the session.
    pub(crate) squint_version: String,
    /// Start, RFC 3339 UTC.
    pub(crate) started_at: String,
    /// End, RFC 3339 UTC, when recorded.
    pub(crate) ended_at: Option<String>,
    /// Seconds from start to end.
    pub(crate) elapsed_s: Option<u64>,
    /// The results file an imported session came from.
    pub(crate) imported_from: Option<String>,
}

/// The model, server and prompt of a run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RunPart {
    /// Model name.
    pub(crate) model: String,
    /// Model digest, when known.
    pub(crate) model_digest: Option<String>,
    /// `ollama` or `openai`.
    pub(crate) backend: String,
    /// Server URL without credentials.
    pub(crate) host: String,
    /// Requests in flight.
    pub(crate) concurrency: usize,
    /// The prompt template.
    pub(crate) template: TemplatePart,
    /// Generation options.
    pub(crate) options: serde_json::Value,
    /// `free` or `constrained`; `None` when the template was not recorded.
    pub(crate) output_mode: Option<String>,
}

/// The prompt template of a run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TemplatePart {
    /// Name.
    pub(crate) name: String,
    /// Where it came from.
    pub(crate) source: String,
    /// Its version: the first 12 hex digits of its content hash.
    pub(crate) version: String,
    /// The full TOML text.
    pub(crate) text: String,
}

/// The dataset of a run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DatasetPart {
    /// Folder or manifest.
    pub(crate) path: String,
    /// `folders`, `prefix` or `manifest`.
    pub(crate) layout: String,
    /// Labels in report order.
    pub(crate) labels: Vec<String>,
    /// Items selected for the run.
    pub(crate) selected: usize,
    /// `--limit-per-class`.
    pub(crate) limit_per_class: Option<usize>,
    /// `--sample`.
    pub(crate) sample: Option<usize>,
    /// Sampling seed.
    pub(crate) seed: u64,
}

/// Item counts of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ReportCounts {
    /// Items selected for the run.
    pub(crate) total: u64,
    /// Items done (answered or failed).
    pub(crate) done: u64,
    /// Items the model answered (parsed or not).
    pub(crate) answered: u64,
    /// Answers equal to the truth.
    pub(crate) correct: u64,
    /// Items whose request failed.
    pub(crate) errors: u64,
    /// Answers no label could be read from.
    pub(crate) unparsed: u64,
}

/// The confusion matrix.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Confusion {
    /// Axis labels, `(unparsed)` last.
    pub(crate) labels: Vec<String>,
    /// `matrix[true][predicted]`.
    pub(crate) matrix: Vec<Vec<u64>>,
}

/// Parse statistics.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Parsing {
    /// Answers per parse step (`exact`, `normalized`, ..., `unparsed`, `imported`).
    pub(crate) steps: BTreeMap<String, u64>,
    /// Unparsed answers over answered items (0 when nothing was answered).
    pub(crate) unparsed_rate: f64,
    /// Failed requests.
    pub(crate) errors: u64,
    /// Failed requests per kind: the `error_kind` names of `results.jsonl` (`timeout`,
    /// `unreachable`, `server`, ...), `other` for an old result whose message reads as none.
    pub(crate) errors_by_kind: BTreeMap<String, u64>,
}

/// The bias lint and the share of each class.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Bias {
    /// Example answers found in the prompt.
    pub(crate) warnings: Vec<LintFinding>,
    /// Each matrix column's predicted share against its true share.
    pub(crate) shares: Vec<Share>,
}

/// One bias-lint warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LintFinding {
    /// The label given as an example answer.
    pub(crate) label: String,
    /// `system prompt` or `user prompt`.
    pub(crate) part: String,
    /// The sentence it was found in.
    pub(crate) excerpt: String,
    /// The whole warning with its fix.
    pub(crate) message: String,
}

/// One class's predicted share against its true share, over answered items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Share {
    /// The label (or `(unparsed)`).
    pub(crate) label: String,
    /// Answered items whose truth is the label.
    pub(crate) true_count: u64,
    /// `true_count` over answered items.
    pub(crate) true_share: f64,
    /// Answers parsed as the label.
    pub(crate) predicted_count: u64,
    /// `predicted_count` over answered items.
    pub(crate) predicted_share: f64,
}

/// A wrong (truth, prediction) cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ConfusedPair {
    /// The true label.
    pub(crate) truth: String,
    /// The predicted label (or `(unparsed)`).
    pub(crate) predicted: String,
    /// Items in the cell.
    pub(crate) count: u64,
    /// `count` over the answered items of that truth.
    pub(crate) share_of_truth: f64,
    /// The most confidently wrong items of the cell (only for the first [`EXAMPLE_PAIRS`]).
    pub(crate) examples: Vec<Example>,
}

/// One image of a confused cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Example {
    /// Image path relative to the dataset.
    pub(crate) image: String,
    /// The raw answer.
    pub(crate) answer: String,
    /// Confidence of the parsed label, when known.
    pub(crate) confidence: Option<f64>,
}

impl SessionReport {
    /// Builds the report of `results` (one per image) of the session described by `facts`.
    pub(crate) fn build(
        facts: &RunFacts,
        results: &[ItemResult],
        read: &ReadNotes,
    ) -> SessionReport {
        let mut metrics = Metrics::with_classes(&facts.labels);
        let mut counts = ReportCounts {
            total: facts.dataset_total as u64,
            done: results.len() as u64,
            ..ReportCounts::default()
        };
        let mut parsing = Parsing::default();
        let mut proposals = Proposals::default();
        for r in results {
            if r.is_error() {
                counts.errors += 1;
                *parsing
                    .errors_by_kind
                    .entry(error_kind_name(r).to_owned())
                    .or_default() += 1;
                continue;
            }
            if !proposals.record(r) {
                metrics.record(&r.truth, r.label.as_deref());
            }
            if let Some(step) = r.parse {
                *parsing.steps.entry(step.name().to_owned()).or_default() += 1;
            }
        }
        counts.answered = metrics.total();
        counts.correct = metrics.correct();
        counts.unparsed = metrics.unparsed();
        parsing.errors = counts.errors;
        parsing.unparsed_rate = ratio(
            counts.unparsed + proposals.unparsed(),
            counts.answered + proposals.total,
        );

        let template = Template::from_toml(&facts.template_text, &facts.template_name).ok();
        let lint = lint_findings(template.as_ref(), &facts.labels);
        let warnings = facts
            .warnings
            .iter()
            .filter(|w| !lint.iter().any(|l| &l.message == *w))
            .cloned()
            .collect();
        let notes = notes(facts, counts, read, template.is_some());
        SessionReport {
            version: REPORT_VERSION,
            session: SessionPart {
                path: facts.session_dir.clone(),
                id: facts.id.clone(),
                status: facts.status.clone(),
                complete: counts.done >= counts.total,
                squint_version: facts.squint_version.clone(),
                started_at: facts.started_at.clone(),
                ended_at: facts.ended_at.clone(),
                elapsed_s: facts.elapsed_s,
                imported_from: facts.imported_from.clone(),
            },
            run: RunPart {
                model: facts.model.clone(),
                model_digest: facts.model_digest.clone(),
                backend: facts.backend.clone(),
                host: facts.host.clone(),
                concurrency: facts.concurrency,
                template: TemplatePart {
                    name: facts.template_name.clone(),
                    source: facts.template_source.clone(),
                    version: facts.template_hash.chars().take(12).collect(),
                    text: facts.template_text.clone(),
                },
                options: facts.options.clone(),
                output_mode: template.as_ref().map(|t| output_name(t.output).to_owned()),
            },
            dataset: DatasetPart {
                path: facts.dataset_path.clone(),
                layout: facts.dataset_layout.clone(),
                labels: facts.labels.clone(),
                selected: facts.dataset_total,
                limit_per_class: facts.limit_per_class,
                sample: facts.sample,
                seed: facts.seed,
            },
            counts,
            accuracy: (counts.answered > 0).then(|| metrics.accuracy()),
            accuracy_ci95: wilson_interval(counts.correct, counts.answered)
                .map(|i| [i.low, i.high]),
            per_class: metrics
                .report_labels()
                .into_iter()
                .map(|l| {
                    let scores = metrics.scores(&l);
                    (l, scores)
                })
                .collect(),
            macro_avg: metrics.macro_avg(),
            weighted_avg: metrics.weighted_avg(),
            confusion: Confusion {
                labels: metrics.matrix_labels(),
                matrix: metrics.matrix(),
            },
            parsing,
            bias: Bias {
                warnings: lint,
                shares: shares(&metrics),
            },
            confused_pairs: confused_pairs(&metrics, results),
            warnings,
            notes,
            compare: None,
            corrections: None,
            proposals: (proposals.total > 0).then_some(proposals),
            metrics,
        }
    }
}

impl SessionReport {
    /// Answers a label was read from or not: the scored ones and the truth-unknown proposals.
    pub(crate) fn answers(&self) -> u64 {
        self.counts.answered + self.proposals.as_ref().map_or(0, |p| p.total)
    }

    /// Answers no label could be read from, scored or proposed.
    pub(crate) fn unparsed_answers(&self) -> u64 {
        self.counts.unparsed + self.proposals.as_ref().map_or(0, Proposals::unparsed)
    }

    /// The model's proposals when no image has a truth (nothing can be scored).
    pub(crate) fn only_proposals(&self) -> Option<&Proposals> {
        self.proposals
            .as_ref()
            .filter(|_| self.counts.answered == 0)
    }

    /// Marks the report as made with label corrections (`relabelled` images relabelled by a
    /// person, `doubtful` ones left out) and says so in its notes; `skipped_lines` unreadable
    /// lines of `corrections.jsonl` are said too.
    pub(crate) fn set_corrections(
        &mut self,
        relabelled: usize,
        doubtful: usize,
        skipped_lines: usize,
    ) {
        self.corrections = Some(CorrectionsPart {
            relabelled,
            doubtful,
        });
        self.notes.push(format!(
            "With label corrections: {relabelled} image(s) relabelled by a person, {doubtful} doubtful image(s) left out of every figure."
        ));
        if skipped_lines > 0 {
            self.notes.push(format!(
                "{skipped_lines} unreadable line(s) of corrections.jsonl were skipped."
            ));
        }
    }
}

fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn output_name(mode: OutputMode) -> &'static str {
    match mode {
        OutputMode::Free => "free",
        OutputMode::Constrained => "constrained",
    }
}

fn lint_findings(template: Option<&Template>, labels: &[String]) -> Vec<LintFinding> {
    let Some(rendered) = template.and_then(|t| t.render(labels).ok()) else {
        return Vec::new();
    };
    bias_lint(&rendered, labels)
        .into_iter()
        .map(|w| LintFinding {
            message: w.message(),
            label: w.label,
            part: w.part.name().to_owned(),
            excerpt: w.excerpt,
        })
        .collect()
}

fn notes(
    facts: &RunFacts,
    counts: ReportCounts,
    read: &ReadNotes,
    has_template: bool,
) -> Vec<String> {
    let mut notes = Vec::new();
    let (done, total) = (counts.done, counts.total);
    match facts.status.as_str() {
        "interrupted" => notes.push(format!(
            "The run was interrupted: this report covers the {done} of {total} selected images that were done."
        )),
        "stopped_early" => notes.push(format!(
            "The run stopped early (--until-ci) once the accuracy was known well enough: this report covers the {done} of {total} selected images that were done."
        )),
        "running" => notes.push(format!(
            "The run has not recorded its end (it is still running, or it stopped without saying so): this report covers the {done} of {total} selected images done so far."
        )),
        _ if done < total => notes.push(format!(
            "This report covers {done} of {total} selected images."
        )),
        _ => {}
    }
    if read.torn_tail {
        notes.push(
            "The last line of results.jsonl was torn (the run stopped mid-write) and was skipped."
                .to_owned(),
        );
    }
    if !read.bad_lines.is_empty() {
        let lines: Vec<String> = read.bad_lines.iter().map(ToString::to_string).collect();
        notes.push(format!(
            "{} invalid line(s) of results.jsonl were skipped (line {}).",
            lines.len(),
            lines.join(", ")
        ));
    }
    if let Some(file) = &facts.imported_from {
        notes.push(format!(
            "Imported from {file}: the recorded answers are the labels (parse step `imported`)."
        ));
    }
    if facts.template_text.trim().is_empty() {
        notes.push(
            "No prompt template was recorded: no prompt, output mode or bias lint.".to_owned(),
        );
    } else if !has_template {
        notes.push("The recorded template does not parse: no output mode or bias lint.".to_owned());
    }
    if counts.errors > 0 {
        notes.push(format!(
            "{} failed request(s) are not predictions: they are left out of the metrics and counted under parsing.",
            counts.errors
        ));
    }
    notes
}

/// Each matrix column's predicted share against its true share, over answered items.
fn shares(m: &Metrics) -> Vec<Share> {
    let answered = m.total();
    m.matrix_labels()
        .into_iter()
        .map(|label| {
            let true_count = m.true_count(&label);
            let predicted_count = m.predicted_count(&label);
            Share {
                true_share: ratio(true_count, answered),
                predicted_share: ratio(predicted_count, answered),
                label,
                true_count,
                predicted_count,
            }
        })
        .collect()
}

/// Off-diagonal cells by count (then truth, then prediction), the first ones with examples.
fn confused_pairs(m: &Metrics, results: &[ItemResult]) -> Vec<ConfusedPair> {
    let labels = m.matrix_labels();
    let matrix = m.matrix();
    let mut cells: Vec<(usize, usize, u64)> = matrix
        .iter()
        .enumerate()
        .flat_map(|(t, row)| {
            row.iter()
                .enumerate()
                .filter(move |&(p, &n)| p != t && n > 0)
                .map(move |(p, &n)| (t, p, n))
        })
        .collect();
    cells.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    cells
        .into_iter()
        .take(CONFUSED_PAIRS)
        .enumerate()
        .map(|(rank, (t, p, count))| {
            let (truth, predicted) = (&labels[t], &labels[p]);
            ConfusedPair {
                truth: truth.clone(),
                predicted: predicted.clone(),
                count,
                share_of_truth: ratio(count, m.true_count(truth)),
                examples: if rank < EXAMPLE_PAIRS {
                    examples(results, truth, predicted)
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// The most confidently wrong answered items with this truth and prediction.
fn examples(results: &[ItemResult], truth: &str, predicted: &str) -> Vec<Example> {
    let mut cell: Vec<&ItemResult> = results
        .iter()
        .filter(|r| {
            r.error.is_none()
                && r.truth == truth
                && r.label.as_deref().unwrap_or(UNPARSED) == predicted
        })
        .collect();
    cell.sort_by(|a, b| {
        let conf = |r: &ItemResult| r.confidence.unwrap_or(f64::NEG_INFINITY);
        conf(b)
            .total_cmp(&conf(a))
            .then_with(|| a.image.cmp(&b.image))
    });
    cell.into_iter()
        .take(EXAMPLES_PER_PAIR)
        .map(|r| Example {
            image: r.image.clone(),
            answer: r.answer.clone(),
            confidence: r.confidence,
        })
        .collect()
}
