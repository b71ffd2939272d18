//! `squint probe`: the prompt's prior, measured before spending a run. Asks the model about
//! blank and noise images with the prompt a run would use and reports the share of each label.
//! The report on stdout, progress and warnings on stderr; the run's exit codes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget};

use super::args::ServerArgs;
use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_SERVER, EXIT_USAGE};
use crate::backend::BackendKind;
use crate::dataset::Layout;
use crate::domain::probe::probe_text;
use crate::domain::sanitize::sanitize;
use crate::setup::{self, RunSpec, SetupError};

/// Flags of `squint probe`.
#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// Prompt template: a TOML file, or a bundled or user template name. Default: the
    /// dataset's own template.toml.
    #[arg(long, value_name = "PATH|NAME", conflicts_with = "modelfile")]
    pub template: Option<String>,
    /// Import an Ollama Modelfile as the template.
    #[arg(long, value_name = "PATH")]
    pub modelfile: Option<PathBuf>,
    /// A dataset: its labels (when the template lists none), its template.toml and its first
    /// image's size. Optional.
    #[arg(long, value_name = "PATH")]
    pub dataset: Option<PathBuf>,
    /// Force the dataset layout.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Server flags.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Model name (overrides a Modelfile's FROM). Ollama default: llava.
    #[arg(long)]
    pub model: Option<String>,
    /// Images of each kind (white, black, grey, noise).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub n: u32,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Attempts per request on connection errors, 5xx, 429 and cut streams.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: Option<u32>,
    /// Ask an OpenAI-compatible server for logprobs (Ollama >= 0.12.11 gets them automatically).
    #[arg(long)]
    pub logprobs: bool,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

impl ProbeArgs {
    /// Fills the flags not given from the config file (the probe's share of the run flags).
    pub(super) fn fill_from(
        &mut self,
        config: super::RunArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) {
        if self.template.is_none() && self.modelfile.is_none() {
            self.template = config.template;
            self.modelfile = config.modelfile;
        }
        self.dataset = self.dataset.take().or(config.dataset);
        self.layout = self.layout.or(config.layout);
        self.server.fill_from(config.server, env);
        self.model = self.model.take().or(config.model);
        self.timeout = self.timeout.or(config.timeout);
        self.retries = self.retries.or(config.retries);
        self.logprobs |= config.logprobs;
    }

    fn spec(&self) -> Result<RunSpec, String> {
        let mut spec = RunSpec {
            dataset: self.dataset.clone(),
            layout: self.layout,
            template: self.template.clone(),
            modelfile: self.modelfile.clone(),
            model: self.model.clone(),
            ..RunSpec::default()
        };
        spec.backend.kind = self.server.backend.unwrap_or(BackendKind::Ollama);
        // Several servers: the probe asks the first that checks out.
        let hosts = setup::HostChoice::of(&self.server.host)?;
        spec.backend.host = hosts.first;
        spec.hosts = hosts.several;
        if let Some(var) = &self.server.api_key_env {
            spec.backend.api_key_env = var.clone();
        }
        if let Some(secs) = self.timeout {
            spec.backend.timeout = Duration::from_secs(secs);
        }
        if let Some(retries) = self.retries {
            spec.backend.retries = retries;
        }
        spec.backend.logprobs = self.logprobs;
        Ok(spec)
    }
}

/// Runs the command and returns the exit code.
pub(super) async fn run(args: ProbeArgs) -> i32 {
    let spec = match args.spec() {
        Ok(spec) => spec,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    let n = args.n as usize;
    let prepare_spec = spec.clone();
    let plan =
        match tokio::task::spawn_blocking(move || setup::prepare_probe(&prepare_spec, n)).await {
            Ok(Ok(plan)) => plan,
            Ok(Err(e)) => return fail(&e),
            Err(e) => {
                err_line(&format!("squint: reading the template failed: {e}"));
                return EXIT_USAGE;
            }
        };
    for warning in &plan.warnings {
        err_line(&format!("warning: {warning}"));
    }
    let setup::ProbeServer {
        backend,
        host,
        info,
        skipped,
    } = match setup::connect_probe(&spec, &plan).await {
        Ok(connected) => connected,
        Err(e) => return fail(&e),
    };
    for why in &skipped {
        err_line(&format!("warning: passed over: {why}"));
    }
    for warning in &info.warnings {
        err_line(&format!("warning: {warning}"));
    }
    let total = plan.total();
    err_line(&format!(
        "probing {} on {host} with template {}: {total} content-free images ({} each of white, black, grey, noise; {}x{})",
        plan.model, plan.template_source, plan.n, plan.size.0, plan.size.1
    ));
    let bar =
        ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr_with_hz(10));
    let probed = setup::run_probe(&plan, &backend, info.logprobs, |tally| {
        bar.set_position(tally.done());
    })
    .await;
    bar.finish_and_clear();
    let tally = match probed {
        Ok(tally) => tally,
        Err(e) => {
            err_line(&format!("squint: probe stopped: {e}"));
            return EXIT_SERVER;
        }
    };
    let report = tally.report();
    if args.json {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default();
        out(&format!("{json}\n"));
    } else {
        out(&sanitize(&probe_text(&report)));
    }
    EXIT_OK
}

fn fail(e: &SetupError) -> i32 {
    err_line(&format!("squint: {e}"));
    e.exit_code()
}
