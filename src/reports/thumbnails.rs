//! Example-image thumbnails for the HTML report: read, decoded, downscaled (longer side at most
//! [`THUMBNAIL_SIDE`]) and PNG-encoded as data URIs. An image that cannot be read (moved or
//! deleted since the run) is left out and counted, never an error.

use std::io::Cursor;
use std::path::{Component, Path};

use base64::Engine as _;
use image::{ImageFormat, ImageReader};

use crate::domain::export::{SessionReport, Thumbnails};

/// Longest side of a thumbnail, in pixels (smaller images are kept as they are).
pub(crate) const THUMBNAIL_SIDE: u32 = 160;

/// Thumbnails of every example image of `report`, paths taken relative to `dataset_root`.
pub(crate) fn read_thumbnails(report: &SessionReport, dataset_root: &Path) -> Thumbnails {
    let mut thumbs = Thumbnails::default();
    let images = report
        .confused_pairs
        .iter()
        .flat_map(|p| &p.examples)
        .map(|e| e.image.as_str());
    for image in images {
        if thumbs.by_image.contains_key(image) {
            continue;
        }
        match thumbnail(dataset_root, image) {
            Some(uri) => {
                thumbs.by_image.insert(image.to_owned(), uri);
            }
            None => thumbs.missing += 1,
        }
    }
    thumbs
}

/// A `data:image/png;base64,...` URI of the image at `root/rel`, or `None` when it cannot be
/// read or decoded. Paths leaving the dataset (absolute, `..`) are not read.
fn thumbnail(root: &Path, rel: &str) -> Option<String> {
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let path = root.join(rel);
    let decoded = ImageReader::open(&path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .decode()
        .map_err(|e| tracing::debug!("thumbnail of {}: {e}", path.display()))
        .ok()?;
    let small = if decoded.width().max(decoded.height()) > THUMBNAIL_SIDE {
        decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        decoded
    };
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .ok()?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, w: u32, h: u32) {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap();
        img.save(path).unwrap();
    }

    #[test]
    fn downscales_large_keeps_small_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("a/big.png"), 640, 320);
        write_png(&dir.path().join("a/small.png"), 28, 28);
        std::fs::write(dir.path().join("a/broken.png"), b"not a png").unwrap();
        let decode = |uri: &str| {
            let b64 = uri.strip_prefix("data:image/png;base64,").unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            image::load_from_memory(&bytes).unwrap()
        };
        let big = decode(&thumbnail(dir.path(), "a/big.png").unwrap());
        assert_eq!((big.width(), big.height()), (160, 80));
        let small = decode(&thumbnail(dir.path(), "a/small.png").unwrap());
        assert_eq!((small.width(), small.height()), (28, 28));
        assert_eq!(thumbnail(dir.path(), "a/broken.png"), None);
        assert_eq!(thumbnail(dir.path(), "a/gone.png"), None);
        assert_eq!(thumbnail(&dir.path().join("a"), "../a/big.png"), None);
    }
}
