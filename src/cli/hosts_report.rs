//! The servers part of `squint run`'s report when a run went over several servers: each
//! server's slots, answers, share, rate and errors, as text and as the JSON `hosts` array.
//! Formats only; never prints, and says nothing for a run over one server.

use serde_json::{Value, json};

use crate::engine::HostShare;

/// The table under the text report; empty for a run over one server.
pub(super) fn hosts_text(hosts: &[HostShare]) -> String {
    if hosts.len() < 2 {
        return String::new();
    }
    let width = hosts.iter().map(|h| h.url.len()).max().unwrap_or(0).max(6);
    let mut text = format!(
        "\n{:<width$}  slots  answered   share  answers/s  errors\n",
        "server"
    );
    for host in hosts {
        text.push_str(&format!(
            "{:<width$}  {:>5}  {:>8}  {:>5.1}%  {:>9.2}  {:>6}{}\n",
            host.url,
            host.slots,
            host.answered,
            host.share_of(hosts) * 100.0,
            host.per_second,
            host.errors,
            if host.in_rotation {
                ""
            } else {
                "  (out of rotation)"
            },
        ));
    }
    text
}

/// The JSON report's `hosts` array; `None` for a run over one server.
pub(super) fn hosts_json(hosts: &[HostShare]) -> Option<Value> {
    (hosts.len() >= 2).then(|| {
        hosts
            .iter()
            .map(|h| {
                json!({
                    "url": h.url,
                    "slots": h.slots,
                    "answered": h.answered,
                    "share": h.share_of(hosts),
                    "answers_per_s": h.per_second,
                    "errors": h.errors,
                    "in_rotation": h.in_rotation,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(url: &str, answered: u64, errors: u64, up: bool) -> HostShare {
        HostShare {
            url: url.into(),
            slots: 2,
            answered,
            errors,
            in_rotation: up,
            per_second: answered as f64 / 10.0,
        }
    }

    #[test]
    fn one_server_says_nothing_and_several_get_a_row_each() {
        let one = [share("http://a:1", 5, 0, true)];
        assert_eq!(hosts_text(&one), "");
        assert_eq!(hosts_json(&one), None);
        let two = [
            share("http://a:1", 30, 0, true),
            share("http://b:2", 10, 3, false),
        ];
        let text = hosts_text(&two);
        assert!(
            text.contains("http://a:1      2        30   75.0%       3.00       0\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "http://b:2      2        10   25.0%       1.00       3  (out of rotation)\n"
            ),
            "{text}"
        );
        let json = hosts_json(&two).unwrap_or_default();
        assert_eq!(json[1]["url"], "http://b:2");
        assert_eq!(json[1]["answered"], 10);
        assert_eq!(json[1]["errors"], 3);
        assert_eq!(json[0]["share"], 0.75);
    }
}
