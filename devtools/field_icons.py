"""Draws the field app's icons (static/field/icons/, docs/field.md) from static/favicon.svg's shapes: a blue rounded
square, a white head and shoulders. Run once when the look changes, and commit the PNGs:

    .venv/bin/python -m devtools.field_icons
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (13, 110, 253, 255)  # #0d6efd, Bootstrap's primary, as the favicon
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parents[1] / "static" / "field" / "icons"
SUPERSAMPLE = 4


def draw(size: int, *, maskable: bool) -> Image.Image:
    """The favicon's 32-unit drawing at `size` pixels. Maskable: the blue fills the square (the launcher cuts its own
    shape) and the figure shrinks into the central safe zone (a circle of 80% of the width)."""
    big = size * SUPERSAMPLE
    unit = big / 32
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BLUE)
        scale, offset = 0.62, big * 0.19
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=6 * unit, fill=BLUE)
        scale, offset = 1.0, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit * scale, offset + y * unit * scale)

    # The head: circle (16, 11) r 5.
    pen.ellipse((*at(11, 6), *at(21, 16)), fill=WHITE)
    # The shoulders: "M7 27c0-5 4-9 9-9s9 4 9 9z", a half ellipse 18 wide and 9 high standing on y = 27.
    pen.pieslice((*at(7, 18), *at(25, 36)), start=180, end=360, fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
