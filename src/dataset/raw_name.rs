//! File names that are not UTF-8, kept losslessly: every byte that is not part of valid UTF-8
//! becomes `\xNN`, and a literal backslash that would read as such an escape (one followed by
//! `x` or by another backslash) is doubled. Valid UTF-8 names without such backslashes come out
//! unchanged, so keys of existing sessions stay the same; two names never share a key (the
//! form decodes back to the exact bytes, see [`decode`]). Pure: never touches the filesystem.

use std::ffi::OsStr;

/// The lossless text form of a file name or path component.
pub(crate) fn encode(name: &OsStr) -> String {
    encode_bytes(name.as_encoded_bytes())
}

/// The lossless text form of raw bytes (see the module header).
pub fn encode_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(all) => (all, &[][..]),
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // `good` was just validated.
                let good = std::str::from_utf8(good).unwrap_or_default();
                let bad_len = e.error_len().unwrap_or(bad.len());
                (good, &bad[..bad_len])
            }
        };
        push_escaped_text(&mut out, valid);
        for b in invalid {
            out.push_str(&format!("\\x{b:02X}"));
        }
        rest = &rest[valid.len() + invalid.len()..];
    }
    out
}

fn push_escaped_text(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' && matches!(chars.peek(), Some('x' | '\\') | None) {
            out.push('\\');
        }
    }
}

/// The bytes an [`encode_bytes`] form stands for.
pub fn decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            match bytes.get(i + 1) {
                Some(b'\\') => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                Some(b'x') => {
                    let hex = bytes
                        .get(i + 2..i + 4)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        out.push(b);
                        i += 4;
                        continue;
                    }
                }
                None => {
                    // A trailing backslash was doubled by `encode_bytes`; a lone one is literal.
                    out.push(b'\\');
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_names_are_unchanged_and_latin1_names_stay_distinct() {
        let cases: &[(&[u8], &str)] = &[
            (b"cat/001.jpg", "cat/001.jpg"),
            ("café.jpg".as_bytes(), "café.jpg"),
            (b"caf\xe9.jpg", "caf\\xE9.jpg"),
            (b"caf\xe8.jpg", "caf\\xE8.jpg"),
            (b"a\\b.png", "a\\b.png"),
            (b"a\\x41.png", "a\\\\x41.png"),
            (b"end\\", "end\\\\"),
            (b"\xff\xfe", "\\xFF\\xFE"),
        ];
        for (raw, want) in cases {
            let got = encode_bytes(raw);
            assert_eq!(got, *want, "{raw:?}");
            assert_eq!(decode(&got), *raw, "{raw:?} round trip");
        }
    }

    #[test]
    fn encoding_round_trips_every_short_byte_string() {
        let alphabet = [b'a', b'\\', b'x', b'4', b'1', 0xe9, 0xc3, 0xa9, 0xff];
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![Vec::new()];
        while let Some(raw) = stack.pop() {
            let text = encode_bytes(&raw);
            assert_eq!(decode(&text), raw, "{raw:?} -> {text:?}");
            assert!(seen.insert(text), "two byte strings share a key: {raw:?}");
            if raw.len() < 4 {
                for b in alphabet {
                    let mut next = raw.clone();
                    next.push(b);
                    stack.push(next);
                }
            }
        }
    }
}
