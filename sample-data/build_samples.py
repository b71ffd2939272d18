#!/usr/bin/env python3
"""Rebuild squint's bundled sample datasets (digits, chess, shapes).

How to run (from the repository root; CI never runs this, the output is committed):

    pip install scikit-learn pillow
    python3 sample-data/build_samples.py

Needs the DejaVu fonts (Debian: `apt-get install fonts-dejavu-core`) for the chess set.
Everything is deterministic (fixed seed): running it twice gives the same images. It deletes
and rewrites the image folders of the three sets; template.toml files and README.md are
hand-written and left alone. See sample-data/README.md for provenance and licences.
"""

import csv
import math
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sklearn.datasets import load_digits

SEED = 20240611
HERE = Path(__file__).resolve().parent

# --- digits: UCI handwritten digits as shipped by scikit-learn (CC BY 4.0) -----------------
DIGITS_PER_CLASS = 20
DIGITS_SIZE = 64  # final canvas: the 8x8 source upscaled 6x (bicubic) to 48x48 ...
DIGITS_MARGIN = 8  # ... and centred with an 8-pixel black margin, as MNIST leaves one


def build_digits(rng: random.Random) -> None:
    """Writes digits/<label>/<source index>.png, white digit on black (like MNIST)."""
    out = HERE / "digits"
    for child in out.iterdir() if out.exists() else []:
        if child.is_dir():
            shutil.rmtree(child)
    data = load_digits()
    for label in range(10):
        indices = [i for i, t in enumerate(data.target) if t == label]
        chosen = sorted(rng.sample(indices, DIGITS_PER_CLASS))
        folder = out / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        for index in chosen:
            # 17 grey levels 0..16, 16 = ink: scale to 0..255 so ink is white.
            pixels = bytes(round(v * 255 / 16) for v in data.images[index].flatten())
            small = Image.frombytes("L", (8, 8), pixels)
            inner = DIGITS_SIZE - 2 * DIGITS_MARGIN
            big = Image.new("L", (DIGITS_SIZE, DIGITS_SIZE), 0)
            big.paste(small.resize((inner, inner), Image.Resampling.BICUBIC), (DIGITS_MARGIN,) * 2)
            big.save(folder / f"{index:04d}.png", optimize=True)


# --- chess: Unicode chess glyphs rendered from DejaVu fonts (Bitstream Vera licence) ------
CHESS_PER_CLASS = 14
CHESS_SIZE = 96
PIECES = ["King", "Queen", "Rook", "Bishop", "Knight", "Pawn"]  # U+2654.. / U+265A.. order
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansCondensed-Bold.ttf",
]


def contrasting_colours(rng: random.Random) -> tuple:
    """A (background, foreground) pair with clear contrast, light-on-dark or dark-on-light."""
    light = tuple(rng.randint(190, 255) for _ in range(3))
    dark = tuple(rng.randint(0, 70) for _ in range(3))
    return (light, dark) if rng.random() < 0.6 else (dark, light)


def render_piece(rng: random.Random, glyph: str) -> Image.Image:
    """One glyph with random font, size, offset, rotation and colours."""
    background, foreground = contrasting_colours(rng)
    font = ImageFont.truetype(str(FONT_DIR / rng.choice(FONTS)), rng.randint(52, 72))
    layer = Image.new("L", (CHESS_SIZE, CHESS_SIZE), 0)
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), glyph, font=font)
    x = (CHESS_SIZE - (right - left)) / 2 - left + rng.randint(-6, 6)
    y = (CHESS_SIZE - (bottom - top)) / 2 - top + rng.randint(-6, 6)
    draw.text((x, y), glyph, font=font, fill=255)
    layer = layer.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BICUBIC)
    image = Image.new("RGB", (CHESS_SIZE, CHESS_SIZE), background)
    image.paste(Image.new("RGB", image.size, foreground), (0, 0), layer)
    return image


def build_chess(rng: random.Random) -> None:
    """Writes chess/<Piece>_<nnnn>.png, half white-set glyphs and half black-set glyphs."""
    out = HERE / "chess"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    for offset, piece in enumerate(PIECES):
        for n in range(1, CHESS_PER_CLASS + 1):
            black_set = n % 2 == 0
            glyph = chr((0x265A if black_set else 0x2654) + offset)
            render_piece(rng, glyph).save(out / f"{piece}_{n:04d}.png", optimize=True)


# --- shapes: simple geometric shapes drawn with Pillow (CC0), manifest layout -------------
SHAPES_PER_CLASS = 10
SHAPES_SIZE = 64
SHAPES = ["circle", "square", "triangle", "star"]
COLOURS = {"red": (200, 40, 40), "green": (40, 150, 60), "blue": (40, 70, 200), "black": (20, 20, 20)}


def star_points(cx: float, cy: float, r: float) -> list:
    """The ten corners of a five-pointed star."""
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw_shape(rng: random.Random, shape: str, colour: tuple) -> Image.Image:
    """One filled shape of random size and position on a white background."""
    image = Image.new("RGB", (SHAPES_SIZE, SHAPES_SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    r = rng.randint(14, 24)
    cx = rng.randint(r + 3, SHAPES_SIZE - r - 3)
    cy = rng.randint(r + 3, SHAPES_SIZE - r - 3)
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=colour)
    else:
        draw.polygon(star_points(cx, cy, r), fill=colour)
    return image


def build_shapes(rng: random.Random) -> None:
    """Writes shapes/images/<nnnn>.png (shuffled, names carry no label) and manifest.csv."""
    out = HERE / "shapes"
    if (out / "images").exists():
        shutil.rmtree(out / "images")
    (out / "images").mkdir(parents=True)
    jobs = [(shape, n) for shape in SHAPES for n in range(SHAPES_PER_CLASS)]
    rng.shuffle(jobs)
    rows = []
    for number, (shape, _) in enumerate(jobs, start=1):
        colour_name = rng.choice(sorted(COLOURS))
        rel = f"images/{number:04d}.png"
        draw_shape(rng, shape, COLOURS[colour_name]).save(out / rel, optimize=True)
        rows.append({"path": rel, "label": shape, "colour": colour_name})
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "label", "colour"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    build_digits(random.Random(SEED))
    build_chess(random.Random(SEED + 1))
    build_shapes(random.Random(SEED + 2))
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"sample-data rebuilt: {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
