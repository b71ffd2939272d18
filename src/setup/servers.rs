//! The model servers of a run: `--host URL` once (the classic single server) or several times,
//! each `URL#N` for its own slot count. Connects to every one, checks the model on each and
//! refuses servers that report different model digests: the answer cache and the results must
//! not depend on which server answered. Of several servers, one that does not answer at start
//! (down, timing out, a 5xx) does not stop the run: it starts out of rotation and joins once it
//! answers; a server that answers wrongly (no such model, no images, refused) still does.
//! Never prints, never stores a URL's credentials.

use futures_util::future::join_all;

use super::{Prepared, RunSpec, SetupError};
use crate::backend::{Backend, BackendConfig, ModelInfo};
use crate::engine::Server;

/// One `--host` value: the URL and, from `URL#N`, its slot count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSlots {
    /// The server's URL as given.
    pub url: String,
    /// Its requests in flight at once (`#N`); `None` means `--concurrency`.
    pub slots: Option<usize>,
}

impl HostSlots {
    /// Reads `URL` or `URL#N` (N from 1 to 256).
    pub fn parse(raw: &str) -> Result<HostSlots, String> {
        let raw = raw.trim();
        let Some((url, count)) = raw.rsplit_once('#') else {
            return Ok(HostSlots {
                url: raw.to_owned(),
                slots: None,
            });
        };
        match count.parse::<usize>() {
            Ok(n) if (1..=256).contains(&n) && !url.is_empty() => Ok(HostSlots {
                url: url.to_owned(),
                slots: Some(n),
            }),
            _ => Err(format!(
                "--host {raw}: the part after # is the server's slot count, a number from 1 to 256 (e.g. --host http://gpu1:11434#4)"
            )),
        }
    }
}

/// The servers `--host` names: none (the environment's), one (`URL#N` sets its
/// concurrency), or several (each with its slots).
pub struct HostChoice {
    /// The first server's URL (the only one's, or none).
    pub first: Option<String>,
    /// The only server's `#N`.
    pub slots: Option<usize>,
    /// Every server, when there are several.
    pub several: Vec<HostSlots>,
}

impl HostChoice {
    /// Reads the `--host` values in order.
    pub fn of(hosts: &[String]) -> Result<HostChoice, String> {
        let parsed = hosts
            .iter()
            .map(|h| HostSlots::parse(h))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match parsed.as_slice() {
            [] => HostChoice {
                first: None,
                slots: None,
                several: Vec::new(),
            },
            [one] => HostChoice {
                first: Some(one.url.clone()),
                slots: one.slots,
                several: Vec::new(),
            },
            [first, ..] => HostChoice {
                first: Some(first.url.clone()),
                slots: None,
                several: parsed.clone(),
            },
        })
    }
}

/// Checks every server and the model on it (reachable, present, takes images, one digest);
/// returns them with their slots and the first server's model details.
pub async fn connect(
    spec: &RunSpec,
    prepared: &Prepared,
) -> Result<(Vec<Server>, ModelInfo), SetupError> {
    if spec.hosts.len() < 2 {
        let backend = Backend::new(spec.backend.clone())?;
        let info = backend.preflight(&prepared.model).await?;
        let slots = spec.concurrency.max(1);
        return Ok((
            vec![Server {
                backend,
                slots,
                up: true,
            }],
            info,
        ));
    }
    let mut backends = Vec::new();
    for host in &spec.hosts {
        let config = BackendConfig {
            host: Some(host.url.clone()),
            ..spec.backend.clone()
        };
        let slots = host.slots.unwrap_or(spec.concurrency).max(1);
        backends.push((Backend::new(config)?, slots));
    }
    let checks = backends
        .iter()
        .map(|(backend, _)| backend.preflight(&prepared.model));
    let mut answered = Vec::new();
    let mut down = Vec::new();
    for (i, checked) in join_all(checks).await.into_iter().enumerate() {
        match checked {
            Ok(info) => answered.push((i, info)),
            Err(e) if e.is_server_failure() => down.push((i, e)),
            Err(e) => return Err(e.into()),
        }
    }
    if answered.is_empty() && !down.is_empty() {
        // Every server is down: the first one's error, as with a single server.
        return Err(down.swap_remove(0).1.into());
    }
    let up: Vec<(&(Backend, usize), &ModelInfo)> = answered
        .iter()
        .map(|(i, info)| (&backends[*i], info))
        .collect();
    same_model(&prepared.model, &up)?;
    let Some((_, mut info)) = answered.first().cloned() else {
        return Err(SetupError::Servers("no server given".to_owned()));
    };
    // The run's digest, which a server rejoining later must hold: the first one reported
    // (the first server's listing may have failed).
    info.digest = answered.iter().find_map(|(_, i)| i.digest.clone());
    for (i, e) in &down {
        info.warnings.push(format!(
            "{} does not answer; the run starts on the other servers, and it joins once it answers ({e})",
            backends[*i].0.host()
        ));
    }
    let servers = backends
        .into_iter()
        .enumerate()
        .map(|(i, (backend, slots))| Server {
            backend,
            slots,
            up: answered.iter().any(|(a, _)| *a == i),
        })
        .collect();
    Ok((servers, info))
}

/// Refuses servers whose model digests differ (Ollama lists one per model; OpenAI-compatible
/// servers list ids only, which `preflight` already found on each).
fn same_model(model: &str, servers: &[(&(Backend, usize), &ModelInfo)]) -> Result<(), SetupError> {
    let digests: Vec<(&str, &str)> = servers
        .iter()
        .filter_map(|((backend, _), info)| Some((backend.host(), info.digest.as_deref()?)))
        .collect();
    let Some((_, first)) = digests.first() else {
        return Ok(());
    };
    if digests.iter().all(|(_, digest)| digest == first) {
        return Ok(());
    }
    let listed = digests
        .iter()
        .map(|(host, digest)| format!("{host}: {}", short(digest)))
        .collect::<Vec<_>>()
        .join(", ");
    Err(SetupError::Servers(format!(
        "the servers hold different versions of model '{model}' ({listed}); answers and the cache must not depend on which server answered: pull the same version on each (`ollama pull {model}`) or drop the odd --host"
    )))
}

/// The first 12 hex digits of a digest, as `ollama list` shows them.
fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_may_carry_its_slot_count() {
        assert_eq!(
            HostSlots::parse("http://gpu1:11434#4"),
            Ok(HostSlots {
                url: "http://gpu1:11434".into(),
                slots: Some(4)
            })
        );
        assert_eq!(
            HostSlots::parse(" http://gpu1:11434 "),
            Ok(HostSlots {
                url: "http://gpu1:11434".into(),
                slots: None
            })
        );
        for bad in ["http://gpu1#0", "http://gpu1#x", "http://gpu1#300", "#4"] {
            let error = HostSlots::parse(bad).err().unwrap_or_default();
            assert!(error.contains("slot count"), "{bad}: {error}");
        }
    }
}
