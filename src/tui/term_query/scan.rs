//! Splits what the terminal sent during the start-up query round into the answers (OSC 11
//! background colour, kitty graphics reply, DA1 attributes, cell size in pixels, the closing
//! status report) and everything else, which is what the user typed meanwhile and must reach
//! the workbench as keys. Pure: bytes in, answers and typed bytes out.

/// What the terminal answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replies {
    /// The background colour (OSC 11), 8 bits per channel.
    pub background: Option<(u8, u8, u8)>,
    /// Kitty graphics answered the probe with OK.
    pub kitty: bool,
    /// Primary device attributes list sixel (4).
    pub sixel: bool,
    /// A cell's size in pixels: (width, height).
    pub cell_size: Option<(u16, u16)>,
}

/// One pass over the bytes received so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The answers found.
    pub replies: Replies,
    /// Bytes that are not an answer, in order: keys typed during the round.
    pub typed: Vec<u8>,
    /// The status report that closes the round (`ESC [ 0 n`) arrived.
    pub done: bool,
}

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// Scans everything received so far. A sequence cut off at the end is left out (it is either
/// an answer still arriving or, after the time-out, the remains of one).
pub(crate) fn scan(bytes: &[u8]) -> Scan {
    let mut out = Scan::default();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != ESC {
            out.typed.push(bytes[i]);
            i += 1;
            continue;
        }
        let Some(&kind) = bytes.get(i + 1) else {
            out.typed.push(ESC); // a lone Esc at the very end is the Esc key
            break;
        };
        let next = match kind {
            b']' => string(bytes, i + 2).map(|(body, end)| {
                osc(body, &mut out.replies);
                end
            }),
            b'_' | b'P' => string(bytes, i + 2).map(|(body, end)| {
                if kind == b'_' {
                    apc(body, &mut out.replies);
                }
                end
            }),
            b'[' => csi(bytes, i + 2).map(|(params, fin, end)| {
                if !control_reply(params, fin, &mut out) {
                    out.typed.extend_from_slice(&bytes[i..end]);
                }
                end
            }),
            _ => {
                // Esc then another key (Alt-x, or SS3 arrows): the user's.
                out.typed.push(ESC);
                Some(i + 1)
            }
        };
        match next {
            Some(end) => i = end,
            None => break, // cut off: see above
        }
    }
    out
}

/// An OSC/APC/DCS string from `start` up to BEL or ST: (body, index after the terminator).
fn string(bytes: &[u8], start: usize) -> Option<(&[u8], usize)> {
    let rest = bytes.get(start..)?;
    rest.iter().enumerate().find_map(|(k, &b)| match b {
        BEL => Some((&rest[..k], start + k + 1)),
        ESC if rest.get(k + 1) == Some(&b'\\') => Some((&rest[..k], start + k + 2)),
        _ => None,
    })
}

/// A CSI sequence from `start` (after `ESC [`): (parameter bytes, final byte, index after).
fn csi(bytes: &[u8], start: usize) -> Option<(&[u8], u8, usize)> {
    let rest = bytes.get(start..)?;
    let k = rest.iter().position(|b| (0x40..=0x7e).contains(b))?;
    if rest[..k].iter().any(|b| !(0x20..=0x3f).contains(b)) {
        // Not a well-formed CSI: hand the bytes on as typed.
        return Some((&[], 0, start));
    }
    Some((&rest[..k], rest[k], start + k + 1))
}

/// Records a CSI answer; false when the sequence is not one (an arrow key, say).
fn control_reply(params: &[u8], fin: u8, out: &mut Scan) -> bool {
    let text = String::from_utf8_lossy(params);
    match fin {
        b'n' if text == "0" => out.done = true,
        b'c' if text.starts_with('?') => {
            out.replies.sixel |= text[1..].split(';').any(|p| p == "4");
        }
        b't' => match text.split(';').collect::<Vec<_>>()[..] {
            ["6", h, w] => {
                if let (Ok(h), Ok(w)) = (h.parse::<u16>(), w.parse::<u16>()) {
                    out.replies.cell_size = (w > 0 && h > 0).then_some((w, h));
                }
            }
            _ => return false,
        },
        _ => return false,
    }
    true
}

fn osc(body: &[u8], replies: &mut Replies) {
    if let Some(colour) = body.strip_prefix(b"11;") {
        replies.background = parse_background(colour);
    }
}

fn apc(body: &[u8], replies: &mut Replies) {
    if let Some(reply) = body.strip_prefix(b"Gi=31;") {
        replies.kitty |= reply.starts_with(b"OK");
    }
}

/// Parses the colour of an OSC 11 answer (`rgb:RRRR/GGGG/BBBB` with 1 to 4 hex digits per
/// channel, `rgba:...`, `#RRGGBB`) to 8 bits per channel.
pub fn parse_background(colour: &[u8]) -> Option<(u8, u8, u8)> {
    let c = xterm_color::Color::parse(colour).ok()?;
    let eight = |v: u16| u8::try_from(v >> 8).unwrap_or(u8::MAX);
    Some((eight(c.red), eight(c.green), eight(c.blue)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn background(answer: &str) -> Option<(u8, u8, u8)> {
        let s = scan(answer.as_bytes());
        assert!(s.typed.is_empty(), "{answer:?}: {:?}", s.typed);
        s.replies.background
    }

    #[test]
    fn osc11_answers_as_real_terminals_send_them() {
        // xterm, VTE, kitty, foot, WezTerm, iTerm2: 16 bits per channel, BEL or ST.
        assert_eq!(
            background("\x1b]11;rgb:ffff/ffff/ffff\x1b\\"),
            Some((255, 255, 255))
        );
        assert_eq!(
            background("\x1b]11;rgb:ffff/ffff/ffff\x07"),
            Some((255, 255, 255))
        );
        assert_eq!(
            background("\x1b]11;rgb:2e2e/3434/4040\x07"),
            Some((0x2e, 0x34, 0x40))
        );
        // 8 bits per channel (some terminals, tmux answering for the pane).
        assert_eq!(background("\x1b]11;rgb:00/00/00\x1b\\"), Some((0, 0, 0)));
        assert_eq!(
            background("\x1b]11;rgb:ff/ff/ff\x07"),
            Some((255, 255, 255))
        );
        assert_eq!(
            background("\x1b]11;rgb:fd/f6/e3\x07"),
            Some((0xfd, 0xf6, 0xe3))
        );
        // rxvt-unicode with transparency.
        assert_eq!(
            background("\x1b]11;rgba:0000/0000/0000/c000\x07"),
            Some((0, 0, 0))
        );
        // Junk is no answer.
        assert_eq!(background("\x1b]11;nonsense\x07"), None);
        assert_eq!(background("\x1b]10;rgb:ffff/ffff/ffff\x07"), None);
    }

    #[test]
    fn no_answer_is_no_background_and_not_done() {
        let s = scan(b"");
        assert_eq!(s, Scan::default());
        // Only the status report: answered, but no colour.
        let s = scan(b"\x1b[0n");
        assert!(s.done);
        assert_eq!(s.replies.background, None);
    }

    #[test]
    fn a_full_round_with_keys_typed_in_between() {
        let bytes = b"q\x1b]11;rgb:ffff/ffff/ffff\x07\x1b_Gi=31;OK\x1b\\?\x1b[?62;4;22c\x1b[A\x1b[6;20;10t\x1b[0nj";
        let s = scan(bytes);
        assert!(s.done);
        assert_eq!(
            s.replies,
            Replies {
                background: Some((255, 255, 255)),
                kitty: true,
                sixel: true,
                cell_size: Some((10, 20)),
            }
        );
        assert_eq!(s.typed, b"q?\x1b[Aj".to_vec());
    }

    #[test]
    fn refusals_and_partial_answers() {
        let s = scan(b"\x1b_Gi=31;ENOTSUPPORTED:x\x1b\\\x1b[?62;22c\x1b[0n");
        assert_eq!(s.replies, Replies::default());
        assert!(s.done);
        // An answer still arriving is neither typed nor counted.
        let s = scan(b"x\x1b]11;rgb:ff");
        assert_eq!((s.typed, s.done), (b"x".to_vec(), false));
        // Esc on its own, Alt-x, and an SS3 arrow are the user's.
        assert_eq!(scan(b"\x1bOA\x1bx\x1b").typed, b"\x1bOA\x1bx\x1b".to_vec());
    }
}
