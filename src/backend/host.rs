//! Base-URL resolution: `OLLAMA_HOST` exactly as Ollama's `envconfig.Host()` + `ConnectableHost()`
//! read it, and the OpenAI-compatible base URL from `--host` / `OPENAI_BASE_URL`.
//! Pure string work: never reads the environment itself and never touches the network.

use std::net::IpAddr;

use super::error::BackendError;

const DEFAULT_OLLAMA_PORT: &str = "11434";

/// Resolves an `OLLAMA_HOST`-style value (or `--host`) to a connectable base URL, the way the
/// Ollama CLI does: quotes and spaces trimmed, `http` and port 11434 by default, an explicit
/// scheme defaults to its own port, a path prefix is kept, an invalid port falls back to the
/// default, `ollama.com` means `https://ollama.com:443`, and `0.0.0.0` / `::` become loopback.
pub fn resolve_ollama_host(raw: Option<&str>) -> String {
    let s = raw.unwrap_or("").trim().trim_matches(['"', '\'']).trim();
    let mut default_port = DEFAULT_OLLAMA_PORT;
    let (scheme, hostport) = match s.split_once("://") {
        None if s == "ollama.com" => ("https", "ollama.com:443"),
        None => ("http", s),
        Some(("http", rest)) => {
            default_port = "80";
            ("http", rest)
        }
        Some(("https", rest)) => {
            default_port = "443";
            ("https", rest)
        }
        // squint speaks only HTTP: any other scheme (or an empty one, `://host`) is read as
        // `http`, so the result is always a URL a client can connect to.
        Some((_, rest)) => ("http", rest),
    };
    let (hostport, path) = hostport.split_once('/').unwrap_or((hostport, ""));
    let (mut host, mut port) = match split_host_port(hostport) {
        Some((h, p)) => (h.to_owned(), p.to_owned()),
        None => {
            let host = match parse_ip(hostport.trim_matches(['[', ']'])) {
                Some(ip) => go_ip_string(ip),
                None if !hostport.is_empty() => hostport.to_owned(),
                None => "127.0.0.1".to_owned(),
            };
            (host, default_port.to_owned())
        }
    };
    if !valid_port(&port) {
        port = default_port.to_owned();
    }
    // ConnectableHost(): unspecified bind addresses are not connectable.
    if let Some(ip) = parse_ip(&host).filter(IpAddr::is_unspecified) {
        host = if ip.is_ipv4() { "127.0.0.1" } else { "::1" }.to_owned();
    }
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    if path.is_empty() {
        format!("{scheme}://{authority}")
    } else {
        format!("{scheme}://{authority}/{path}")
    }
}

/// Resolves the OpenAI-compatible base URL: `--host`, else `OPENAI_BASE_URL`, else an error.
/// Trailing slashes are removed so paths can be appended.
pub fn resolve_openai_base(flag: Option<&str>, env: Option<&str>) -> Result<String, BackendError> {
    let raw = [flag, env]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .ok_or_else(|| BackendError::Config {
            message: "no base URL: pass --host or set OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1 for llama-server)"
                .to_owned(),
        })?;
    let url = reqwest::Url::parse(raw).map_err(|e| BackendError::Config {
        message: format!(
            "invalid base URL '{raw}' ({e}); pass --host like http://127.0.0.1:8080/v1"
        ),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(BackendError::Config {
            message: format!(
                "base URL '{raw}' must start with http:// or https:// and name a host"
            ),
        });
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Go's `net.SplitHostPort`: `None` where Go returns an error.
fn split_host_port(hostport: &str) -> Option<(&str, &str)> {
    let i = hostport.rfind(':')?;
    let (host, j, k) = if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        if end + 1 != i {
            return None;
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..i];
        if host.contains(':') {
            return None;
        }
        (host, 0, 0)
    };
    if hostport[j..].contains('[') || hostport[k..].contains(']') {
        return None;
    }
    Some((host, &hostport[i + 1..]))
}

/// Go's `strconv.ParseInt(port, 10, 32)` plus the 0..=65535 range check.
fn valid_port(port: &str) -> bool {
    port.parse::<i64>().is_ok_and(|n| (0..=65535).contains(&n))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// Go prints IPv4-mapped IPv6 addresses in dotted form.
fn go_ip_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ollama_host_table() {
        let cases: &[(Option<&str>, &str)] = &[
            (None, "http://127.0.0.1:11434"),
            (Some(""), "http://127.0.0.1:11434"),
            (Some("   "), "http://127.0.0.1:11434"),
            (Some("1.2.3.4"), "http://1.2.3.4:11434"),
            (Some("1.2.3.4:1234"), "http://1.2.3.4:1234"),
            (Some("example.com"), "http://example.com:11434"),
            (Some("example.com:1234"), "http://example.com:1234"),
            (Some("http://1.2.3.4"), "http://1.2.3.4:80"),
            (Some("http://1.2.3.4:1234"), "http://1.2.3.4:1234"),
            (Some("https://1.2.3.4"), "https://1.2.3.4:443"),
            (
                Some("https://example.com/ollama"),
                "https://example.com:443/ollama",
            ),
            (Some("[::1]"), "http://[::1]:11434"),
            (Some("::1"), "http://[::1]:11434"),
            (Some("[::1]:1337"), "http://[::1]:1337"),
            (Some(":66000"), "http://:11434"),
            (Some(":1234"), "http://:1234"),
            (Some("ollama.com"), "https://ollama.com:443"),
            (Some("://"), "http://127.0.0.1:11434"),
            (Some("ftp://1.2.3.4"), "http://1.2.3.4:11434"),
            (Some("\"1.2.3.4\""), "http://1.2.3.4:11434"),
            (Some(" '1.2.3.4' "), "http://1.2.3.4:11434"),
            // ConnectableHost(): bind-all addresses become loopback.
            (Some("0.0.0.0"), "http://127.0.0.1:11434"),
            (Some("0.0.0.0:8080"), "http://127.0.0.1:8080"),
            (Some("::"), "http://[::1]:11434"),
            (Some("[::]:11434"), "http://[::1]:11434"),
        ];
        for (raw, want) in cases {
            assert_eq!(resolve_ollama_host(*raw), *want, "OLLAMA_HOST={raw:?}");
        }
    }

    #[test]
    fn split_host_port_matches_go() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("a:1", Some(("a", "1"))),
            ("[::1]:2", Some(("::1", "2"))),
            (":3", Some(("", "3"))),
            ("a", None),
            ("::1", None),
            ("[::1]", None),
            ("[::1]x:2", None),
            ("a]:1", None),
        ];
        for (input, want) in cases {
            assert_eq!(split_host_port(input), *want, "{input}");
        }
    }

    #[test]
    fn openai_base_resolution() {
        let ok = [
            (
                Some("http://127.0.0.1:8080/v1/"),
                None,
                "http://127.0.0.1:8080/v1",
            ),
            (
                None,
                Some("https://api.openai.com/v1"),
                "https://api.openai.com/v1",
            ),
            (
                Some("http://flag/v1"),
                Some("http://env/v1"),
                "http://flag/v1",
            ),
            (Some(" "), Some("http://env/v1"), "http://env/v1"),
        ];
        for (flag, env, want) in ok {
            assert_eq!(resolve_openai_base(flag, env).ok().as_deref(), Some(want));
        }
        for (flag, env) in [
            (None, None),
            (Some("localhost:8080"), None),
            (Some("ftp://x/v1"), None),
        ] {
            let err = resolve_openai_base(flag, env).err();
            assert!(
                matches!(err, Some(BackendError::Config { .. })),
                "{flag:?} {env:?} -> {err:?}"
            );
        }
        let msg = resolve_openai_base(None, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("--host") && msg.contains("OPENAI_BASE_URL"),
            "{msg}"
        );
    }
}
