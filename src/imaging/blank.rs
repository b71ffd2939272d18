//! Content-free images for the prompt-prior probe, made in memory: blank white, blank black,
//! mid-grey and uniform noise (seeded, so a probe is repeatable). Never reads or writes files.

use image::{DynamicImage, Rgb, RgbImage};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ImageError, ImagePayload};
use crate::domain::probe::Blank;

/// A `width` x `height` PNG of this kind; `seed` picks the noise (ignored by the others).
pub fn blank_png(
    kind: Blank,
    width: u32,
    height: u32,
    seed: u64,
) -> Result<ImagePayload, ImageError> {
    let img = match kind {
        Blank::White => RgbImage::from_pixel(width, height, Rgb([255, 255, 255])),
        Blank::Black => RgbImage::from_pixel(width, height, Rgb([0, 0, 0])),
        Blank::Grey => RgbImage::from_pixel(width, height, Rgb([128, 128, 128])),
        Blank::Noise => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            RgbImage::from_fn(width, height, |_, _| Rgb(rng.random::<[u8; 3]>()))
        }
    };
    super::png_payload(&DynamicImage::ImageRgb8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(p: &ImagePayload) -> RgbImage {
        image::load_from_memory(&p.bytes).unwrap().to_rgb8()
    }

    #[test]
    fn solid_kinds_are_one_colour() {
        for (kind, value) in [(Blank::White, 255), (Blank::Black, 0), (Blank::Grey, 128)] {
            let img = decode(&blank_png(kind, 12, 7, 0).unwrap());
            assert_eq!(img.dimensions(), (12, 7));
            assert!(img.pixels().all(|p| p.0 == [value; 3]), "{kind:?}");
        }
    }

    #[test]
    fn noise_differs_by_seed_and_repeats_with_it() {
        let a = blank_png(Blank::Noise, 16, 16, 1).unwrap();
        let b = blank_png(Blank::Noise, 16, 16, 2).unwrap();
        assert_ne!(a.bytes, b.bytes);
        assert_eq!(a.bytes, blank_png(Blank::Noise, 16, 16, 1).unwrap().bytes);
        let img = decode(&a);
        let distinct: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 200, "uniform noise: {}", distinct.len());
        assert_eq!(a.mime, "image/png");
    }
}
