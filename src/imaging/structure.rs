//! Cheap structural checks of image files that are sent as stored (JPEG, PNG, WebP), so a
//! truncated or torn file becomes a failed item with its reason without decoding a pixel: the
//! segment and chunk framing is walked, the compressed data is not. A file that passes may
//! still be refused by the server; that refusal is the item's reason then.
//! Never allocates per pixel and never reads past the slice (every length is bounds-checked).

use image::ImageFormat;

/// Checks the framing of `bytes` in `format`; `Err` says what is wrong, for a failed item.
pub(super) fn check(format: ImageFormat, bytes: &[u8]) -> Result<(), String> {
    match format {
        ImageFormat::Jpeg => jpeg(bytes),
        ImageFormat::Png => png(bytes),
        ImageFormat::WebP => webp(bytes),
        _ => Ok(()),
    }
}

/// A JPEG's header segments are walked by their lengths up to the first scan (SOS); the file
/// must then hold an end-of-image marker after that scan (entropy-coded data never contains
/// `FF D9`, so this finds truncation; data appended after the image, such as a motion
/// photo's video, is allowed).
fn jpeg(bytes: &[u8]) -> Result<(), String> {
    let mut segments = JpegSegments::new(bytes)?;
    let scan = loop {
        match segments.next() {
            Some(Ok(segment)) if segment.marker == 0xDA => break segment.end,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Err("JPEG ends before its image data (no scan)".into()),
        }
    };
    let tail = &bytes[scan..];
    if tail.windows(2).rev().any(|w| w == [0xFF, 0xD9]) {
        Ok(())
    } else {
        Err("truncated JPEG (no end-of-image marker after the image data)".into())
    }
}

/// Width and height of a JPEG as its frame header states them, read without decoding, for
/// the common kinds only: one baseline, extended or progressive Huffman frame (SOF0-SOF2) of
/// 8-bit samples, whose header is whole and states a size. `None` for any other format or
/// frame (lossless, arithmetic-coded, 12-bit, two frames, a short or empty header): the image
/// crate's decoder reads those headers, and refuses what it cannot decode, as before.
pub(super) fn dimensions(format: ImageFormat, bytes: &[u8]) -> Option<(u32, u32)> {
    if format != ImageFormat::Jpeg {
        return None;
    }
    let mut frames = JpegSegments::new(bytes)
        .ok()?
        .map_while(Result::ok)
        .take_while(|segment| segment.marker != 0xDA)
        .filter(JpegSegment::is_frame_header);
    let frame = frames.next()?;
    if frames.next().is_some() || !matches!(frame.marker, 0xC0..=0xC2) {
        return None;
    }
    // After the marker and length: precision (1 byte), height and width (2 bytes each), the
    // number of components, then 3 bytes per component.
    let header = bytes.get(frame.at + 4..frame.end)?;
    let (&precision, &components) = (header.first()?, header.get(5)?);
    let height = u32::from(u16::from_be_bytes([*header.get(1)?, *header.get(2)?]));
    let width = u32::from(u16::from_be_bytes([*header.get(3)?, *header.get(4)?]));
    let whole = header.len() == 6 + 3 * usize::from(components);
    (precision == 8 && components > 0 && whole && width > 0 && height > 0)
        .then_some((width, height))
}

/// One JPEG marker segment: its marker byte, where its `FF` starts and where it ends.
struct JpegSegment {
    marker: u8,
    at: usize,
    end: usize,
}

impl JpegSegment {
    /// A start-of-frame segment (SOF0 to SOF15; C4, C8 and CC are other tables).
    fn is_frame_header(&self) -> bool {
        matches!(self.marker, 0xC0..=0xCF) && !matches!(self.marker, 0xC4 | 0xC8 | 0xCC)
    }
}

/// A JPEG's marker segments after its start-of-image marker, walked by their lengths; an
/// `Err` (then nothing more) when the framing is broken, `None` at an end-of-image marker.
struct JpegSegments<'a> {
    bytes: &'a [u8],
    at: usize,
    done: bool,
}

impl<'a> JpegSegments<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, String> {
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            return Err("not a JPEG (no start-of-image marker)".into());
        }
        Ok(JpegSegments {
            bytes,
            at: 2,
            done: false,
        })
    }

    fn fail(&mut self, reason: String) -> Option<Result<JpegSegment, String>> {
        self.done = true;
        Some(Err(reason))
    }
}

impl Iterator for JpegSegments<'_> {
    type Item = Result<JpegSegment, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (bytes, mut at) = (self.bytes, self.at);
        // Fill bytes (extra 0xFF) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return self.fail(format!(
                "truncated JPEG (broken header segment at byte {at})"
            ));
        };
        let end = match marker {
            0xD9 => {
                self.done = true;
                return None;
            }
            0x01 | 0xD0..=0xD7 => at + 2,
            _ => {
                let Some(len) = be16(bytes, at + 2) else {
                    return self.fail(format!("truncated JPEG (header cut at byte {at})"));
                };
                if len < 2 || at + 2 + len > bytes.len() {
                    return self.fail(format!(
                        "truncated JPEG (header segment at byte {at} runs past the end)"
                    ));
                }
                at + 2 + len
            }
        };
        self.at = end;
        Some(Ok(JpegSegment { marker, at, end }))
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A PNG's chunks are walked by their lengths: IHDR first, at least one IDAT, and IEND
/// reached within the file.
fn png(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err("not a PNG (bad signature)".into());
    }
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    let mut data = false;
    loop {
        let (Some(len), Some(kind)) = (be32(bytes, at), bytes.get(at + 4..at + 8)) else {
            return Err(format!(
                "truncated PNG (no IEND chunk; the file ends at byte {})",
                bytes.len()
            ));
        };
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                format!(
                    "truncated PNG (chunk {} at byte {at} runs past the end)",
                    String::from_utf8_lossy(kind)
                )
            })?;
        if first && kind != b"IHDR" {
            return Err("corrupt PNG (the first chunk is not IHDR)".into());
        }
        first = false;
        match kind {
            b"IDAT" => data = true,
            b"IEND" if data => return Ok(()),
            b"IEND" => return Err("corrupt PNG (no image data before IEND)".into()),
            _ => {}
        }
        at = end;
    }
}

/// A WebP's RIFF header must state a size the file holds.
fn webp(bytes: &[u8]) -> Result<(), String> {
    let stated = bytes
        .get(4..8)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    match stated {
        Some(size)
            if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) =>
        {
            let needed = usize::try_from(size)
                .unwrap_or(usize::MAX)
                .saturating_add(8);
            if needed <= bytes.len() {
                Ok(())
            } else {
                Err(format!(
                    "truncated WebP ({} of {needed} bytes)",
                    bytes.len()
                ))
            }
        }
        _ => Err("not a WebP (bad RIFF header)".into()),
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 2)?;
    Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn be32(bytes: &[u8], at: usize) -> Option<usize> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(b)).ok()
}
