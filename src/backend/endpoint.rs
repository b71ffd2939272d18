//! The server address split into what is sent and what is shown: user info (`user:pass@`)
//! becomes an `Authorization: Basic` header, a query string (`?token=...`) is kept on every
//! request URL, and everything printed or stored uses the redacted form without either.
//! Pure string work: never reads the environment and never touches the network.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;

/// Credentials and query taken out of a server URL before it is resolved.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Secrets {
    /// Decoded `user` and `password` of `user:pass@host`.
    pub userinfo: Option<(String, String)>,
    /// The query string without the `?`.
    pub query: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("userinfo", &self.userinfo.as_ref().map(|_| "<redacted>"))
            .field("query", &self.query.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Secrets {
    /// The `Basic` credentials for the user info, when there is one.
    pub(super) fn basic_auth(&self) -> Option<String> {
        let (user, pass) = self.userinfo.as_ref()?;
        Some(format!(
            "Basic {}",
            STANDARD.encode(format!("{user}:{pass}"))
        ))
    }

    /// `path` with the query string appended.
    pub(super) fn with_query(&self, url: String) -> String {
        match &self.query {
            Some(q) => format!("{url}?{q}"),
            None => url,
        }
    }

    /// `text` with every occurrence of the query string and the user info replaced by `…`,
    /// for messages built from errors that may quote a full request URL.
    pub(super) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Some(q) = self.query.as_deref().filter(|q| !q.is_empty()) {
            out = out.replace(&format!("?{q}"), "?…");
        }
        if let Some((user, pass)) = &self.userinfo {
            out = out.replace(&format!("{user}:{pass}@"), "…@");
            if pass.len() >= 4 {
                out = out.replace(pass.as_str(), "…");
            }
        }
        out
    }
}

/// Splits `raw` (a `--host`, `OLLAMA_HOST` or `OPENAI_BASE_URL` value) into the address
/// without user info, query or fragment, and the secrets taken out.
pub(crate) fn split_secrets(raw: &str) -> (String, Secrets) {
    let mut secrets = Secrets::default();
    let raw = raw.split_once('#').map_or(raw, |(before, _)| before);
    let raw = match raw.split_once('?') {
        Some((before, query)) => {
            if !query.is_empty() {
                secrets.query = Some(query.to_owned());
            }
            before
        }
        None => raw,
    };
    let authority_start = raw.find("://").map_or(0, |i| i + 3);
    let rest = &raw[authority_start..];
    let authority_len = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return (raw.to_owned(), secrets);
    };
    let (user, pass) = authority[..at]
        .split_once(':')
        .unwrap_or((&authority[..at], ""));
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    secrets.userinfo = Some((decode(user), decode(pass)));
    let stripped = format!(
        "{}{}",
        &raw[..authority_start],
        &raw[authority_start + at + 1..]
    );
    (stripped, secrets)
}

/// `raw` without user info and query, for messages about a host the user typed (the
/// redacted form of any URL squint prints or stores).
pub fn redact_url(raw: &str) -> String {
    split_secrets(raw.trim()).0
}

/// `raw` as a form field shows it without focus: user info and query string stay visible
/// as present but masked (`http://•••@host:1/v1?•••`), so a typed password is never on screen.
pub fn mask_url(raw: &str) -> String {
    const MASK: &str = "•••";
    let (base, secrets) = split_secrets(raw.trim());
    let base = match secrets.userinfo {
        Some(_) => {
            let start = base.find("://").map_or(0, |i| i + 3);
            format!("{}{MASK}@{}", &base[..start], &base[start..])
        }
        None => base,
    };
    match secrets.query {
        Some(_) => format!("{base}?{MASK}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_info_and_query_for_display() {
        let cases = [
            ("http://h:1/v1", "http://h:1/v1"),
            ("http://user:s3cret@h:1/v1", "http://•••@h:1/v1"),
            ("user:pw@1.2.3.4", "•••@1.2.3.4"),
            ("https://h/v1?token=X", "https://h/v1?•••"),
            ("http://u:p@h?k=v#frag", "http://•••@h?•••"),
            ("", ""),
        ];
        for (raw, shown) in cases {
            assert_eq!(mask_url(raw), shown, "{raw}");
        }
    }

    #[test]
    fn splits_user_info_and_query() {
        let cases: &[(&str, &str, Option<(&str, &str)>, Option<&str>)] = &[
            ("http://h:1/v1", "http://h:1/v1", None, None),
            (
                "http://user:pa%40ss@h:1/v1?token=X#frag",
                "http://h:1/v1",
                Some(("user", "pa@ss")),
                Some("token=X"),
            ),
            ("user:pw@1.2.3.4", "1.2.3.4", Some(("user", "pw")), None),
            ("https://tok@h/x", "https://h/x", Some(("tok", "")), None),
            ("h:1/?a=1&b=2", "h:1/", None, Some("a=1&b=2")),
            ("http://h/p@x", "http://h/p@x", None, None),
            ("http://h?", "http://h", None, None),
        ];
        for (raw, base, user, query) in cases {
            let (got, secrets) = split_secrets(raw);
            assert_eq!(got, *base, "{raw}");
            assert_eq!(
                secrets.userinfo,
                user.map(|(u, p)| (u.to_owned(), p.to_owned())),
                "{raw}"
            );
            assert_eq!(secrets.query.as_deref(), *query, "{raw}");
        }
    }

    #[test]
    fn redacts_quoted_urls_and_debug() {
        let (_, secrets) = split_secrets("http://alice:s3cret-pw@h:1/v1?token=T0K3N");
        let text = "error sending request for url (http://h:1/v1/models?token=T0K3N): refused; was alice:s3cret-pw@h";
        let clean = secrets.redact(text);
        assert!(
            !clean.contains("T0K3N") && !clean.contains("s3cret-pw"),
            "{clean}"
        );
        assert!(clean.contains("http://h:1/v1/models?…"), "{clean}");
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("T0K3N"),
            "{debug}"
        );
        assert_eq!(
            secrets.with_query("http://h:1/v1/chat/completions".into()),
            "http://h:1/v1/chat/completions?token=T0K3N"
        );
        assert_eq!(
            secrets.basic_auth().as_deref(),
            Some("Basic YWxpY2U6czNjcmV0LXB3")
        );
        assert_eq!(redact_url(" http://u:p@h:1/v1?k=v "), "http://h:1/v1");
    }
}
