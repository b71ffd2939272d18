//! Finds the prompt template a run uses: `--modelfile`, `--template PATH|NAME`, a resumed
//! session's remembered text, or the dataset's own `template.toml`. Reads files; never renders.

use std::path::Path;

use super::{RunSpec, SetupError, bundled};
use crate::dataset::Dataset;
use crate::domain::modelfile::parse_modelfile;
use crate::domain::template::Template;

/// The template file a dataset folder may carry beside its images.
pub(super) const DATASET_TEMPLATE: &str = "template.toml";

/// Resolves the template and says where it came from. Without a dataset (the probe), only the
/// flags and a remembered text can name it.
pub(super) fn resolve(
    spec: &RunSpec,
    dataset: Option<&Dataset>,
) -> Result<(Template, String), SetupError> {
    if let Some(path) = &spec.modelfile {
        let text = read(path)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "modelfile".into());
        let modelfile = parse_modelfile(&text, &path.display().to_string())?;
        return Ok((
            modelfile.to_template(&stem)?,
            format!("modelfile:{}", path.display()),
        ));
    }
    if let Some(name) = &spec.template {
        return by_name_or_path(name);
    }
    if let Some((source, text)) = &spec.template_text {
        if text.trim().is_empty() {
            // An imported results file (`squint import`) records answers, not the prompt.
            let origin = source.strip_prefix("session:").unwrap_or(source);
            return Err(SetupError::TemplateNotFound(format!(
                "the session records no prompt template ({origin}): it can be viewed and reported; to ask the model again pass --template PATH|NAME or --modelfile PATH"
            )));
        }
        return Ok((Template::from_toml(text, source)?, source.clone()));
    }
    let beside = dataset.map(|d| {
        d.manifest
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(&d.root)
            .join(DATASET_TEMPLATE)
    });
    if let Some(beside) = beside.filter(|b| b.is_file()) {
        let text = read(&beside)?;
        return Ok((
            Template::from_toml(&text, &beside.display().to_string())?,
            beside.display().to_string(),
        ));
    }
    Err(SetupError::TemplateNotFound(format!(
        "no prompt template: pass --template PATH|NAME or --modelfile PATH, or put a {DATASET_TEMPLATE} beside the dataset (bundled templates: {})",
        bundled::template_names().join(", ")
    )))
}

fn by_name_or_path(name: &str) -> Result<(Template, String), SetupError> {
    let path = Path::new(name);
    if path.is_file() {
        let text = read(path)?;
        return Ok((
            Template::from_toml(&text, name)?,
            path.display().to_string(),
        ));
    }
    if let Some((user_name, user_path)) = bundled::user_templates()
        .into_iter()
        .find(|(n, _)| n == name)
    {
        let text = read(&user_path)?;
        return Ok((
            Template::from_toml(&text, &user_path.display().to_string())?,
            format!("user:{user_name}"),
        ));
    }
    if let Some((bundled_name, text)) = bundled::bundled_templates()
        .into_iter()
        .find(|(n, _)| n == name)
    {
        return Ok((
            Template::from_toml(text, &format!("bundled:{bundled_name}"))?,
            format!("bundled:{bundled_name}"),
        ));
    }
    Err(SetupError::TemplateNotFound(format!(
        "--template {name}: no such file, and no bundled or user template of that name (bundled: {}; user templates live in <config dir>/templates/NAME.toml)",
        bundled::template_names().join(", ")
    )))
}

fn read(path: &Path) -> Result<String, SetupError> {
    std::fs::read_to_string(path)
        .map_err(|e| SetupError::TemplateNotFound(format!("cannot read {}: {e}", path.display())))
}
