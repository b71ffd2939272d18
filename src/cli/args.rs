//! Flag definitions shared by `squint run` and `squint tui`, and their translation into a
//! `RunSpec` (filling unset flags from a resumed session). No IO beyond reading session.json.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::backend::{BackendConfig, BackendKind};
use crate::dataset::{Layout, RunOrder};
use crate::domain::scope::RerunScope;
use crate::session::Session;
use crate::setup::{HostChoice, HostSlots, RunSpec};
use crate::tui::TuiOptions;
use crate::tui::preview::ImageProtocolChoice;

/// Which server to talk to.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Server protocol: `ollama` (native /api/chat) or `openai` (any OpenAI-compatible
    /// /chat/completions: llama.cpp's llama-server, vLLM, LM Studio, hosted APIs).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Server URL. Ollama default: $OLLAMA_HOST, else http://127.0.0.1:11434. OpenAI-compatible:
    /// the base URL ending in /v1, default $OPENAI_BASE_URL. `run` and `tui` take it several
    /// times to spread one run over several servers, each `URL#N` for N requests at once
    /// (else --concurrency each).
    #[arg(long, value_name = "URL[#N]")]
    pub host: Vec<String>,
    /// Environment variable holding the API key for OpenAI-compatible servers (sent as a bearer
    /// token, never stored) [default: OPENAI_API_KEY].
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
}

/// Dataset, template, backend and run flags shared by `run` and `tui`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Dataset: a folder with one sub-folder per class, a folder of LABEL_name images, or a CSV
    /// (`path,label`) / JSONL manifest.
    #[arg(long, value_name = "PATH")]
    pub dataset: Option<PathBuf>,
    /// Force the dataset layout instead of detecting it.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Prompt template: a TOML file, or the name of a bundled or user template. Default: the
    /// dataset's own template.toml.
    #[arg(long, value_name = "PATH|NAME", conflicts_with = "modelfile")]
    pub template: Option<String>,
    /// Import an Ollama Modelfile as the template (FROM gives the model, SYSTEM the system
    /// prompt, PARAMETER lines the options).
    #[arg(long, value_name = "PATH")]
    pub modelfile: Option<PathBuf>,
    /// Server flags.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Model name (overrides a Modelfile's FROM). Ollama default: llava.
    #[arg(long)]
    pub model: Option<String>,
    /// Requests in flight at once. Ollama answers one request at a time unless the server was
    /// started with OLLAMA_NUM_PARALLEL > 1; more only queue there.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: Option<u32>,
    /// At most N images per class (stratified, deterministic with --seed).
    #[arg(long, value_name = "N")]
    pub limit_per_class: Option<usize>,
    /// A random sample of N images (deterministic with --seed).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Seed for --limit-per-class, --sample and the interleaved order [default: 0].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// The order images are asked in: `interleaved` (a seeded shuffle within each class, then
    /// round-robin across classes weighted by class size, so any prefix of the run is a fair
    /// sample) or `dataset` (file order). A resume keeps the session's order [default:
    /// interleaved].
    #[arg(long, value_enum)]
    pub order: Option<RunOrder>,
    /// Session folder to write (default: a new folder under the data dir, or $SQUINT_DATA_DIR).
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Finish an interrupted session without re-asking finished items. Needs no other flag;
    /// flags given override the session's.
    #[arg(long, value_name = "DIR", conflicts_with = "from")]
    pub resume: Option<PathBuf>,
    /// Re-run an earlier session as a new, linked session: its settings unless flags say
    /// otherwise (typically a new --template or --model); the images --only does not choose
    /// keep its results.
    #[arg(long, value_name = "SESSION")]
    pub from: Option<PathBuf>,
    /// With --from, which images to ask again: all, wrong (a wrong label or unparsed),
    /// unparsed, errors, cell:TRUE:PRED, or sample:N (N per class). Images the parent has no
    /// result for are always asked.
    #[arg(long, value_name = "SCOPE", requires = "from", default_value = "all")]
    pub only: RerunScope,
    /// With --from: that session's label corrections are the truth of this run (copied into
    /// the new session; doubtful images are left out of the metrics and counted).
    #[arg(long, requires = "from")]
    pub with_corrections: bool,
    /// The label corrections of SESSION (e.g. an earlier session on this dataset) are the truth
    /// of this new run, as with --from S --with-corrections but without linking to S.
    #[arg(long, value_name = "SESSION", conflicts_with_all = ["resume", "with_corrections"])]
    pub corrections_from: Option<PathBuf>,
    /// Ask the server even when the answer cache has this exact request.
    #[arg(long)]
    pub no_cache: bool,
    /// Downscale images whose longer side exceeds PX pixels before sending.
    #[arg(long, value_name = "PX")]
    pub max_side: Option<u32>,
    /// Per-request timeout in seconds (the whole streamed answer).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Attempts per image on connection errors, 5xx, 429, cut streams and mid-stream errors.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: Option<u32>,
    /// Ask an OpenAI-compatible server for logprobs (Ollama >= 0.12.11 gets them automatically).
    #[arg(long)]
    pub logprobs: bool,
    /// Longest answer accepted, in bytes of text; reading stops there and the item fails with
    /// "longer than N bytes" [default: 65536].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub max_answer_bytes: Option<u64>,
    /// Stop once the 95% interval on accuracy is narrower than ±W (e.g. 0.03 for ±3 points).
    /// The session is marked stopped early and can be continued with --resume.
    #[arg(long, value_name = "W", value_parser = parse_half_width)]
    pub until_ci: Option<f64>,
    /// With --resume: ask again the items whose last attempt failed (resume alone skips them).
    #[arg(long)]
    pub retry_failed: bool,
}

/// `--until-ci`: a half width strictly between 0 and 0.5.
fn parse_half_width(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(w) if w > 0.0 && w < 0.5 => Ok(w),
        _ => Err(format!(
            "`{text}` is not a half width between 0 and 0.5 (e.g. 0.03 stops at ±3 points)"
        )),
    }
}

/// Flags only `squint run` has.
#[derive(Debug, Clone, Args)]
pub struct RunOnlyArgs {
    /// Decimal places in the report.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub digits: usize,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Stop the run (exit 3) once more than N items failed, or more than P% of the run's
    /// items (e.g. `--max-errors 10`, `--max-errors 5%`); the session can be resumed.
    #[arg(long, value_name = "N|P%", value_parser = super::bounds::parse_error_bound)]
    pub max_errors: Option<super::bounds::ErrorBound>,
    /// Exit 1 when the finished run's accuracy is below ACC (0 to 1, e.g. 0.85).
    #[arg(long, value_name = "ACC", value_parser = super::bounds::parse_accuracy)]
    pub fail_under: Option<f64>,
}

/// Flags of the workbench.
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    /// Run flags.
    #[command(flatten)]
    pub run: RunArgs,
    /// Theme: auto (dark or light, from the terminal's background), dark, light, high-contrast,
    /// colorblind (both follow the background too; add -dark or -light to fix one), a name in
    /// <config dir>/themes, or a path.
    /// [default: auto]
    #[arg(long, value_name = "NAME|PATH", env = "SQUINT_THEME")]
    pub theme: Option<String>,
    /// Image protocol for previews (auto detects once at start) [default: auto].
    #[arg(long, value_enum)]
    pub image_protocol: Option<ImageProtocolChoice>,
    /// Leave the mouse to the terminal (its own text selection) instead of clicks and the
    /// wheel in the workbench. With the mouse on, Shift-drag still selects text in most
    /// terminals.
    #[arg(long)]
    pub no_mouse: bool,
}

impl TuiArgs {
    /// The workbench options, with a resumed session's settings filled in. With no dataset
    /// and no session, the first bundled sample set (when the sources are at hand, as with
    /// `cargo run --release`) is opened, ready to run; Esc leads to the start screen.
    pub fn into_options(mut self) -> Result<TuiOptions, String> {
        if let Ok(dir) = crate::paths::data_dir() {
            let last = crate::setup::LastUsed::load(&dir);
            self.run
                .fill_from_last_used(last, &|name| std::env::var(name).ok());
        }
        let mut spec = self.run.into_spec()?;
        if spec.dataset.is_none() && spec.resume.is_none() {
            spec.dataset = crate::setup::bundled_datasets()
                .into_iter()
                .next()
                .map(|(_, path)| path);
        }
        Ok(TuiOptions {
            spec,
            theme: self.theme,
            image_protocol: self.image_protocol.unwrap_or_default(),
            mouse: !self.no_mouse,
        })
    }

    /// Fills the flags not given (on the command line or through their environment variable)
    /// from the config file's `config`; see `RunArgs::fill_from`.
    pub(crate) fn fill_from(&mut self, config: TuiArgs, env: &dyn Fn(&str) -> Option<String>) {
        let TuiArgs {
            run,
            theme,
            image_protocol,
            no_mouse,
        } = config;
        self.run.fill_from(run, env);
        fill(&mut self.theme, theme);
        fill(&mut self.image_protocol, image_protocol);
        self.no_mouse |= no_mouse;
    }
}

/// Sets `slot` from the config file when the command line left it unset.
fn fill<T>(slot: &mut Option<T>, config: Option<T>) {
    if slot.is_none() {
        *slot = config;
    }
}

impl ServerArgs {
    /// Fills the server flags not given from the config file. A configured `host` gives way
    /// to the backend's own variable (`OLLAMA_HOST`, `OPENAI_BASE_URL`): file < env < flag.
    pub(crate) fn fill_from(&mut self, config: ServerArgs, env: &dyn Fn(&str) -> Option<String>) {
        let ServerArgs {
            backend,
            host,
            api_key_env,
        } = config;
        fill(&mut self.backend, backend);
        let kind = self.backend.unwrap_or(BackendKind::Ollama);
        if env(kind.host_env_var()).is_none_or(|v| v.trim().is_empty()) && self.host.is_empty() {
            self.host = host;
        }
        fill(&mut self.api_key_env, api_key_env);
    }

    /// The server of a command that asks one (`models`, `probe`): the first `--host`, its
    /// `#N` ignored.
    pub(crate) fn first_host(&self) -> Result<Option<String>, String> {
        self.host
            .first()
            .map(|h| HostSlots::parse(h).map(|h| h.url))
            .transpose()
    }
}

impl RunArgs {
    /// Fills the flags not given from the config file's defaults (file < env < flag). With
    /// `--resume` or `--from` the session's own settings come before the file, so only what a
    /// session does not store (`no-cache`, `max-answer-bytes`) is taken from it.
    pub(crate) fn fill_from(&mut self, config: RunArgs, env: &dyn Fn(&str) -> Option<String>) {
        // Destructured so that a new flag cannot be forgotten here.
        let RunArgs {
            dataset,
            layout,
            template,
            modelfile,
            server,
            model,
            concurrency,
            limit_per_class,
            sample,
            seed,
            out: _,
            resume: _,
            from: _,
            only: _,
            with_corrections: _,
            corrections_from: _,
            no_cache,
            max_side,
            timeout,
            retries,
            logprobs,
            max_answer_bytes,
            order,
            until_ci,
            retry_failed: _,
        } = config;
        self.no_cache |= no_cache;
        fill(&mut self.max_answer_bytes, max_answer_bytes);
        if self.resume.is_some() || self.from.is_some() {
            return;
        }
        fill(&mut self.dataset, dataset);
        fill(&mut self.layout, layout);
        if self.template.is_none() && self.modelfile.is_none() {
            self.template = template;
            self.modelfile = modelfile;
        }
        self.server.fill_from(server, env);
        fill(&mut self.model, model);
        fill(&mut self.concurrency, concurrency);
        fill(&mut self.limit_per_class, limit_per_class);
        fill(&mut self.sample, sample);
        fill(&mut self.seed, seed);
        fill(&mut self.max_side, max_side);
        fill(&mut self.timeout, timeout);
        fill(&mut self.retries, retries);
        fill(&mut self.order, order);
        fill(&mut self.until_ci, until_ci);
        self.logprobs |= logprobs;
    }

    /// Builds the run spec; with `--resume` or `--from`, unset flags take the session's values
    /// (see `RunSpec::from_session`).
    pub(crate) fn into_spec(self) -> Result<RunSpec, String> {
        if self.retry_failed && self.resume.is_none() {
            return Err(
                "--retry-failed needs --resume DIR: it asks again the failed items of that session"
                    .to_owned(),
            );
        }
        let base = match self.resume.as_ref().or(self.from.as_ref()) {
            Some(dir) => {
                let session = Session::open(dir).map_err(|e| e.to_string())?;
                RunSpec::from_session(&session.dir, &session.meta)
            }
            None => RunSpec::default(),
        };
        self.merge(base)
    }

    /// Fills what neither a flag nor the config file set from the workbench's last run: its
    /// dataset (while it exists), backend, and, on that same backend, its host (unless the
    /// backend's variable names one) and model (unless a Modelfile names one).
    pub(crate) fn fill_from_last_used(
        &mut self,
        last: crate::setup::LastUsed,
        env: &dyn Fn(&str) -> Option<String>,
    ) {
        if self.resume.is_some() || self.from.is_some() {
            return;
        }
        fill(&mut self.dataset, last.dataset.filter(|d| d.exists()));
        fill(&mut self.server.backend, last.backend);
        if self.server.backend != last.backend {
            return; // the host and model belong to another server
        }
        let kind = self.server.backend.unwrap_or(BackendKind::Ollama);
        if env(kind.host_env_var()).is_none_or(|v| v.trim().is_empty())
            && self.server.host.is_empty()
        {
            self.server.host.extend(last.host);
        }
        if self.modelfile.is_none() {
            fill(&mut self.model, last.model);
        }
    }

    /// The flags given, over `base` (a stored session's settings, or the defaults).
    fn merge(self, base: RunSpec) -> Result<RunSpec, String> {
        let keep_template = self.template.is_none() && self.modelfile.is_none();
        let hosts = HostChoice::of(&self.server.host)?;
        let several = !hosts.several.is_empty();
        Ok(RunSpec {
            dataset: self.dataset.or(base.dataset),
            layout: self.layout.or(base.layout),
            template_text: base.template_text.filter(|_| keep_template),
            template: self.template,
            modelfile: self.modelfile,
            backend: BackendConfig {
                kind: self.server.backend.unwrap_or(base.backend.kind),
                host: hosts.first.or(base.backend.host),
                api_key_env: self.server.api_key_env.unwrap_or(base.backend.api_key_env),
                timeout: self
                    .timeout
                    .map_or(base.backend.timeout, Duration::from_secs),
                connect_timeout: base.backend.connect_timeout,
                retries: self.retries.unwrap_or(base.backend.retries),
                logprobs: self.logprobs || base.backend.logprobs,
                max_answer_bytes: self
                    .max_answer_bytes
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(base.backend.max_answer_bytes),
            },
            model: self.model.or(base.model),
            concurrency: hosts
                .slots
                .unwrap_or_else(|| self.concurrency.map_or(base.concurrency, |c| c as usize)),
            // Any --host replaces the servers a resumed session had.
            hosts: if several || !self.server.host.is_empty() {
                hosts.several
            } else {
                base.hosts
            },
            limit_per_class: self.limit_per_class.or(base.limit_per_class),
            sample: self.sample.or(base.sample),
            seed: self.seed.unwrap_or(base.seed),
            order: self.order.unwrap_or(base.order),
            no_cache: self.no_cache,
            max_side: self.max_side.or(base.max_side),
            out: self.out,
            resume: self.resume,
            corrections_from: self
                .corrections_from
                .or_else(|| self.from.clone().filter(|_| self.with_corrections)),
            from: self.from,
            only: self.only,
            until_ci: self.until_ci,
            retry_failed: self.retry_failed,
            headless: base.headless,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        tui: TuiArgs,
    }

    fn flags(args: &[&str]) -> TuiArgs {
        Flags::try_parse_from(std::iter::once("squint").chain(args.iter().copied()))
            .map(|f| f.tui)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn config(text: &str) -> TuiArgs {
        crate::cli::config_file::parse(text, std::path::Path::new("config.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    const FILE: &str =
        "host = \"http://file:1\"\nmodel = \"file-model\"\nconcurrency = 4\ntheme = \"light\"\n";

    #[test]
    fn file_then_env_then_flag() {
        let no_env = |_: &str| None;
        let mut args = flags(&[]);
        args.fill_from(config(FILE), &no_env);
        assert_eq!(
            args.run.server.host.first().map(String::as_str),
            Some("http://file:1")
        );
        assert_eq!(args.run.model.as_deref(), Some("file-model"));
        assert_eq!(args.run.concurrency, Some(4));
        assert_eq!(args.theme.as_deref(), Some("light"));

        // OLLAMA_HOST beats the file's host (the backend resolves it when no host is set).
        let ollama_env = |name: &str| (name == "OLLAMA_HOST").then(|| "http://env:2".to_owned());
        let mut args = flags(&[]);
        args.fill_from(config(FILE), &ollama_env);
        assert!(args.run.server.host.is_empty());
        // ... but only for its own backend.
        let mut args = flags(&["--backend", "openai"]);
        args.fill_from(config(FILE), &ollama_env);
        assert_eq!(
            args.run.server.host.first().map(String::as_str),
            Some("http://file:1")
        );

        // Flags beat both.
        let mut args = flags(&[
            "--host",
            "http://flag:3",
            "--concurrency",
            "2",
            "--theme",
            "dark",
        ]);
        args.fill_from(config(FILE), &ollama_env);
        assert_eq!(
            args.run.server.host.first().map(String::as_str),
            Some("http://flag:3")
        );
        assert_eq!(args.run.concurrency, Some(2));
        assert_eq!(args.theme.as_deref(), Some("dark"));
    }

    #[test]
    fn a_template_flag_replaces_the_files_modelfile() {
        let mut args = flags(&["--template", "digits"]);
        args.fill_from(config("modelfile = \"Modelfile\"\n"), &|_| None);
        assert_eq!(args.run.template.as_deref(), Some("digits"));
        assert_eq!(args.run.modelfile, None);
    }

    #[test]
    fn a_session_comes_before_the_file() {
        let mut args = flags(&["--resume", "some/session"]);
        args.fill_from(config(FILE), &|_| None);
        assert_eq!(args.run.model, None, "the session's model is used");
        assert_eq!(args.run.concurrency, None);
        let mut args = flags(&["--resume", "some/session"]);
        args.fill_from(config("no-cache = true\nmax-answer-bytes = 100\n"), &|_| {
            None
        });
        assert!(args.run.no_cache);
        assert_eq!(args.run.max_answer_bytes, Some(100));
    }

    #[test]
    fn the_last_run_fills_only_what_nothing_else_set() {
        let dir = tempfile::tempdir().expect("temp dir");
        let last = crate::setup::LastUsed {
            backend: Some(BackendKind::Openai),
            host: Some("http://last:8080/v1".into()),
            model: Some("last-vlm".into()),
            dataset: Some(dir.path().to_path_buf()),
        };
        let mut args = flags(&[]);
        args.run.fill_from_last_used(last.clone(), &|_| None);
        assert_eq!(args.run.server.backend, Some(BackendKind::Openai));
        assert_eq!(
            args.run.server.host.first().map(String::as_str),
            Some("http://last:8080/v1")
        );
        assert_eq!(args.run.model.as_deref(), Some("last-vlm"));
        assert_eq!(args.run.dataset.as_deref(), Some(dir.path()));
        // Another backend asked for: the last host and model belong to a different server.
        let mut args = flags(&["--backend", "ollama"]);
        args.run.fill_from_last_used(last.clone(), &|_| None);
        assert_eq!((args.run.server.host, args.run.model), (Vec::new(), None));
        // A dataset that is gone is not offered; the model flag wins.
        let gone = crate::setup::LastUsed {
            dataset: Some(dir.path().join("gone")),
            ..last
        };
        let mut args = flags(&["--model", "flag-model"]);
        args.run.fill_from_last_used(gone, &|_| None);
        assert_eq!(args.run.dataset, None);
        assert_eq!(args.run.model.as_deref(), Some("flag-model"));
    }

    #[test]
    fn several_hosts_make_a_multi_server_spec_and_one_host_may_set_its_slots() {
        let one = flags(&["--host", "http://a:1#3", "--concurrency", "2"])
            .run
            .into_spec();
        let one = one.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.backend.host.as_deref(), Some("http://a:1"));
        assert_eq!((one.concurrency, one.hosts.len()), (3, 0));
        let several = flags(&[
            "--host",
            "http://a:1#3",
            "--host",
            "http://b:2",
            "--concurrency",
            "2",
        ])
        .run
        .into_spec()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(several.backend.host.as_deref(), Some("http://a:1"));
        assert_eq!(several.concurrency, 2, "the default of a host without #N");
        assert_eq!(
            several.hosts,
            [
                HostSlots {
                    url: "http://a:1".into(),
                    slots: Some(3)
                },
                HostSlots {
                    url: "http://b:2".into(),
                    slots: None
                },
            ]
        );
        let bad = flags(&["--host", "http://a:1#0"]).run.into_spec();
        assert!(bad.is_err_and(|e| e.contains("slot count")));
    }
}
