//! Pure domain logic: answer parsing, metrics, reports, templates, linting, sanitising.
//! Nothing here does IO, spawns tasks or knows about terminals or HTTP.

pub mod calibration;
pub mod compare;
pub mod corrections;
pub mod export;
pub mod label_probs;
pub mod labels;
pub(crate) mod lint;
pub mod metrics;
pub(crate) mod modelfile;
pub mod parse;
pub mod probe;
pub mod prompt_check;
pub mod proposals;
pub mod report;
pub mod result;
pub(crate) mod results_csv;
pub mod sanitize;
pub mod scope;
pub mod tally;
pub mod template;
pub(crate) mod toml_line;
