"""Draw the integration's brand images (custom_components/vocu/brand/*.png) with Pillow.

A rounded tile with a sound-wave glyph; run again after changing the colours. Home Assistant
(2026.3+) and HACS read these instead of the brands repository.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "vocu" / "brand"
BACKGROUND = (91, 70, 229, 255)
FOREGROUND = (255, 255, 255, 255)
BARS = (0.35, 0.6, 0.9, 0.6, 0.35)  # relative heights of the wave's bars


def icon(size: int) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BACKGROUND)
    bar = size / (2 * len(BARS) + 1)
    for index, height in enumerate(BARS):
        left = bar * (2 * index + 1)
        half = size * height / 2 * 0.8
        draw.rounded_rectangle(
            (left, size / 2 - half, left + bar, size / 2 + half), radius=bar / 2, fill=FOREGROUND
        )
    return image


def logo(height: int) -> Image.Image:
    """Icon plus a simple blocky "VOCU" word mark, drawn without fonts so it is reproducible."""
    mark = icon(height)
    image = Image.new("RGBA", (height * 3, height), (0, 0, 0, 0))
    image.paste(mark, (0, 0), mark)
    draw = ImageDraw.Draw(image)
    unit = height // 10
    x = height + 2 * unit
    top, bottom = 3 * unit, 7 * unit
    for letter in "VOCU":
        if letter == "V":
            draw.line(
                (x, top, x + 2 * unit, bottom, x + 4 * unit, top), fill=BACKGROUND, width=unit
            )
        elif letter == "O":
            draw.ellipse((x, top, x + 4 * unit, bottom), outline=BACKGROUND, width=unit)
        elif letter == "C":
            draw.arc((x, top, x + 4 * unit, bottom), 45, 315, fill=BACKGROUND, width=unit)
        else:
            draw.arc((x, top, x + 4 * unit, bottom), 0, 180, fill=BACKGROUND, width=unit)
            draw.line(
                (x + unit // 2, top, x + unit // 2, (top + bottom) // 2),
                fill=BACKGROUND,
                width=unit,
            )
            draw.line(
                (x + 4 * unit - unit // 2, top, x + 4 * unit - unit // 2, (top + bottom) // 2),
                fill=BACKGROUND,
                width=unit,
            )
        x += 5 * unit
    return image.crop((0, 0, x, height))


def main() -> None:
    BRAND.mkdir(exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
    logo(256).save(BRAND / "logo.png", optimize=True)


if __name__ == "__main__":
    main()
