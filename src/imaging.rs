//! Reads image files and prepares the bytes sent to a model server.
//! JPEG and PNG (and WebP where the server takes it) go byte for byte as stored; anything else is
//! re-encoded to PNG; `--max-side` downscales. Format and dimensions come from the header; an
//! image sent as stored is never decoded (a cheap structural check of its framing turns a
//! truncated or torn file into a failed item with its reason, and the server's refusal names
//! anything subtler). Only images that must be resized or re-encoded are decoded.
//! Decompression bombs: an image above [`MAX_PIXELS`] is refused from its header before any
//! pixel is decoded; decoding runs under the image crate's [`Limits`] ([`decode_limits`]), so
//! peak memory depends on the pixel limit, never on how cleverly a file is compressed. Never
//! touches the network or the terminal.

mod blank;
mod structure;

use std::io::Cursor;
use std::path::Path;

use bytes::Bytes;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

pub use blank::blank_png;

/// Image bytes ready for a request, with their MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePayload {
    /// The encoded image.
    pub bytes: Bytes,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: &'static str,
}

/// Why an image could not be prepared. Becomes the item's error, never a crash.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The bytes are not an image the decoder understands, or are corrupt.
    #[error("not a readable image ({reason})")]
    Decode {
        /// What the decoder said.
        reason: String,
    },
    /// The image has more pixels than squint decodes (a decompression bomb, or simply huge).
    #[error(
        "image is {width}x{height} pixels, more than the {limit} megapixels squint decodes; shrink it before classifying"
    )]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit in megapixels.
        limit: u64,
    },
    /// Re-encoding failed.
    #[error("cannot re-encode image: {reason}")]
    Encode {
        /// What the encoder said.
        reason: String,
    },
}

/// Most pixels decoded for one image (24 megapixels, e.g. 6000x4000).
pub const MAX_PIXELS: u64 = 24_000_000;
/// Most bytes the decoder may allocate for one image (16-bit RGBA at [`MAX_PIXELS`] fits).
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// Longest side accepted, whatever the other side is.
const MAX_SIDE: u32 = 65_535;

/// The image crate's limits every decode in squint runs under.
pub fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Refuses dimensions above [`MAX_PIXELS`] with a reason naming them.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), ImageError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooLarge {
            width,
            height,
            limit: MAX_PIXELS / 1_000_000,
        });
    }
    Ok(())
}

/// Reads a file and returns its bytes with their hex SHA-256.
pub fn read_with_digest(path: &Path) -> Result<(Vec<u8>, String), ImageError> {
    let bytes = std::fs::read(path).map_err(|e| ImageError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let digest = sha256_hex(&bytes);
    Ok((bytes, digest))
}

/// A tiny plain image (32x32 grey PNG) for checking before a run that a server takes images.
pub fn probe_image() -> ImagePayload {
    let img = image::DynamicImage::new_luma8(32, 32);
    let mut out = Vec::new();
    // Encoding a fixed 32x32 image in memory cannot fail; an empty payload would be refused.
    let _ = img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png);
    ImagePayload {
        bytes: Bytes::from(out),
        mime: "image/png",
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Returns the payload to send: the original bytes when the format is accepted as is and no
/// downscale is needed (checked from the header and the file's framing, never decoded), else
/// the decoded image re-encoded as PNG (downscaled to `max_side`).
pub fn prepare(
    bytes: Vec<u8>,
    max_side: Option<u32>,
    allow_webp: bool,
) -> Result<ImagePayload, ImageError> {
    let reader = || {
        ImageReader::new(Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|e| decode_error(&e))
    };
    let format = reader()?.format().ok_or_else(|| ImageError::Decode {
        reason: "unknown image format".to_string(),
    })?;
    let (width, height) = match structure::dimensions(format, &bytes) {
        Some(dimensions) => dimensions,
        None => reader()?.into_dimensions().map_err(|e| decode_error(&e))?,
    };
    check_dimensions(width, height)?;
    let too_big = max_side.is_some_and(|side| width.max(height) > side);
    let passthrough = match format {
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::Png => Some("image/png"),
        ImageFormat::WebP if allow_webp => Some("image/webp"),
        _ => None,
    };
    if let Some(mime) = passthrough.filter(|_| !too_big) {
        structure::check(format, &bytes).map_err(|reason| ImageError::Decode { reason })?;
        return Ok(ImagePayload {
            bytes: Bytes::from(bytes),
            mime,
        });
    }
    let mut limited = reader()?;
    limited.limits(decode_limits());
    let img = limited.decode().map_err(|e| decode_error(&e))?;
    reencode_png(img, max_side)
}

fn reencode_png(
    mut img: image::DynamicImage,
    max_side: Option<u32>,
) -> Result<ImagePayload, ImageError> {
    if let Some(side) = max_side
        && img.width().max(img.height()) > side
    {
        img = img.resize(side, side, image::imageops::FilterType::Triangle);
    }
    png_payload(&img)
}

/// `img` encoded as a PNG payload.
fn png_payload(img: &image::DynamicImage) -> Result<ImagePayload, ImageError> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|e| ImageError::Encode {
            reason: e.to_string(),
        })?;
    Ok(ImagePayload {
        bytes: Bytes::from(out),
        mime: "image/png",
    })
}

fn decode_error(e: &dyn std::fmt::Display) -> ImageError {
    ImageError::Decode {
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, side: u32) -> Vec<u8> {
        let img = image::DynamicImage::new_rgb8(side, side);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), format)
            .expect("encode test image");
        out
    }

    #[test]
    fn jpeg_and_png_pass_through_byte_for_byte() {
        for (format, mime) in [
            (ImageFormat::Jpeg, "image/jpeg"),
            (ImageFormat::Png, "image/png"),
        ] {
            let bytes = encoded(format, 28);
            let payload = prepare(bytes.clone(), None, false).expect("prepare");
            assert_eq!(payload.mime, mime);
            assert_eq!(payload.bytes.as_ref(), bytes.as_slice());
        }
    }

    /// The frame header of the first 8-bit JPEG frame: where it starts in `jpeg`.
    fn frame_at(jpeg: &[u8]) -> usize {
        (0..jpeg.len() - 1)
            .find(|&i| jpeg[i] == 0xFF && matches!(jpeg[i + 1], 0xC0..=0xC2))
            .expect("a frame header")
    }

    fn jpeg_of(width: u32, height: u32, colour: bool) -> Vec<u8> {
        let img = if colour {
            image::DynamicImage::new_rgb8(width, height)
        } else {
            image::DynamicImage::new_luma8(width, height)
        };
        let mut bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Jpeg)
            .expect("encode test image");
        bytes
    }

    #[test]
    fn jpeg_header_dimensions_agree_with_the_image_crate() {
        for colour in [true, false] {
            for (width, height) in [(1, 1), (28, 28), (640, 3), (3, 480), (300, 257)] {
                let bytes = jpeg_of(width, height, colour);
                let from_crate = ImageReader::new(Cursor::new(&bytes))
                    .with_guessed_format()
                    .and_then(|r| r.into_dimensions().map_err(std::io::Error::other))
                    .expect("image crate reads it");
                assert_eq!(
                    structure::dimensions(ImageFormat::Jpeg, &bytes),
                    Some(from_crate),
                    "{width}x{height}"
                );
            }
        }
        // Application segments (EXIF, a comment) before the frame header are walked past.
        let jpeg = jpeg_of(9, 7, true);
        let mut with_segments = jpeg[..2].to_vec();
        with_segments.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, b'E', b'x', b'i', b'f']);
        with_segments.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x04, b'h', b'i']);
        with_segments.extend_from_slice(&jpeg[2..]);
        assert_eq!(
            structure::dimensions(ImageFormat::Jpeg, &with_segments),
            Some((9, 7))
        );
        // PNGs are left to the image crate.
        assert_eq!(
            structure::dimensions(ImageFormat::Png, &encoded(ImageFormat::Png, 4)),
            None
        );
    }

    #[test]
    fn unusual_or_broken_jpeg_frames_are_left_to_the_decoder_which_refuses_them() {
        let jpeg = jpeg_of(28, 28, true);
        let at = frame_at(&jpeg);
        let edits: Vec<(&str, Box<dyn Fn(&mut Vec<u8>)>)> = vec![
            ("12-bit samples", Box::new(move |b| b[at + 4] = 12)),
            (
                "arithmetic coding (SOF9)",
                Box::new(move |b| b[at + 1] = 0xC9),
            ),
            ("lossless (SOF3)", Box::new(move |b| b[at + 1] = 0xC3)),
            (
                "zero width",
                Box::new(move |b| (b[at + 7], b[at + 8]) = (0, 0)),
            ),
            (
                "zero height",
                Box::new(move |b| (b[at + 5], b[at + 6]) = (0, 0)),
            ),
            (
                "a component count the header does not hold",
                Box::new(move |b| b[at + 9] = 4),
            ),
        ];
        for (what, edit) in edits {
            let mut bytes = jpeg.clone();
            edit(&mut bytes);
            assert_eq!(
                structure::dimensions(ImageFormat::Jpeg, &bytes),
                None,
                "{what}"
            );
            assert!(
                prepare(bytes, None, false).is_err(),
                "{what} must fail as an image"
            );
        }
        // A frame header too short to hold a size.
        let mut short = jpeg[..at].to_vec();
        short.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x04, 0x08, 0x00]);
        short.extend_from_slice(&jpeg[at..]);
        assert_eq!(
            structure::dimensions(ImageFormat::Jpeg, &short),
            None,
            "short frame"
        );
        // A header that does not say leaves it to the image crate.
        assert_eq!(
            structure::dimensions(ImageFormat::Jpeg, b"\xFF\xD8\xFF"),
            None
        );
    }

    #[test]
    fn other_formats_are_reencoded_to_png() {
        let bmp = encoded(ImageFormat::Bmp, 8);
        let payload = prepare(bmp, None, false).expect("prepare");
        assert_eq!(payload.mime, "image/png");
        assert!(payload.bytes.starts_with(b"\x89PNG"));
    }

    #[test]
    fn webp_passes_only_when_allowed() {
        let webp = encoded(ImageFormat::WebP, 8);
        assert_eq!(
            prepare(webp.clone(), None, true).expect("webp").mime,
            "image/webp"
        );
        assert_eq!(prepare(webp, None, false).expect("png").mime, "image/png");
    }

    #[test]
    fn max_side_downscales() {
        let big = encoded(ImageFormat::Png, 100);
        let payload = prepare(big, Some(32), false).expect("prepare");
        let img = image::load_from_memory(&payload.bytes).expect("decode");
        assert_eq!((img.width(), img.height()), (32, 32));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // 20000x20000 black-and-white pixels: tens of kB as PNG, 400 MB decoded.
        let width = 20_000u32;
        let mut png = Vec::new();
        {
            let mut encoder = png_writer(&mut png, width, width);
            let row = vec![0u8; width as usize / 8];
            let mut stream = encoder.stream_writer().expect("stream");
            for _ in 0..width {
                std::io::Write::write_all(&mut stream, &row).expect("row");
            }
            stream.finish().expect("finish");
            encoder.finish().expect("png end");
        }
        assert!(png.len() < 200_000, "{} bytes", png.len());
        let err = prepare(png, Some(64), false).expect_err("refused");
        assert!(
            matches!(
                err,
                ImageError::TooLarge {
                    width: 20_000,
                    height: 20_000,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("20000x20000"), "{err}");
    }

    fn png_writer(out: &mut Vec<u8>, width: u32, height: u32) -> png::Writer<&mut Vec<u8>> {
        let mut encoder = png::Encoder::new(out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.write_header().expect("png header")
    }

    #[test]
    fn truncated_files_sent_as_stored_fail_their_structural_check() {
        for (format, needle) in [
            (ImageFormat::Jpeg, "truncated JPEG"),
            (ImageFormat::Png, "PNG"),
        ] {
            let whole = encoded(format, 64);
            for cut in [
                whole.len() - 1,
                whole.len() - 2,
                whole.len() * 3 / 4,
                whole.len() / 2,
            ] {
                let Err(err) = prepare(whole[..cut].to_vec(), None, false) else {
                    panic!("{format:?} cut to {cut} of {} bytes passed", whole.len());
                };
                assert!(matches!(err, ImageError::Decode { .. }), "{err}");
                assert!(
                    err.to_string().contains(needle)
                        || err.to_string().contains("not a readable image"),
                    "{err}"
                );
            }
        }
        let webp = encoded(ImageFormat::WebP, 16);
        let err = prepare(webp[..webp.len() - 4].to_vec(), None, true).expect_err("cut webp");
        assert!(err.to_string().contains("WebP"), "{err}");
    }

    #[test]
    fn a_jpeg_with_data_after_its_end_marker_still_passes() {
        // Motion photos and some cameras append data after the JPEG's end-of-image marker.
        let mut jpeg = encoded(ImageFormat::Jpeg, 32);
        jpeg.extend_from_slice(&[0u8; 100]);
        jpeg.extend_from_slice(b"ftypmp42 trailing video");
        let payload = prepare(jpeg.clone(), None, false).expect("prepare");
        assert_eq!(payload.bytes.as_ref(), jpeg.as_slice());
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(matches!(
            prepare(b"not an image".to_vec(), None, false),
            Err(ImageError::Decode { .. })
        ));
        let mut truncated = encoded(ImageFormat::Png, 8);
        truncated.truncate(10);
        assert!(prepare(truncated, None, false).is_err());
    }
}
