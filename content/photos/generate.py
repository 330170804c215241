"""Generate the sample photos and the sample emblem (no photo is copied from anywhere).

Each "photo" is a procedural scene - sky, hills, trees, lights, film grain -
drawn with Pillow from a fixed seed, so the files are reproducible:

    .venv/bin/python content/photos/generate.py

writes content/photos/*.jpg and templates/cards/*/images/logo.png.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SIZE = (1600, 1200)      # the scenes' drawing coordinates
# the photos' pixels: 4:3 like a camera's, and tall enough (1350) to cover the weekend
# guide's 1080x1350 cover without being enlarged (no "photo smaller than its layer" warning)
OUTPUT = (1800, 1350)


def sky(top: str, bottom: str, size: tuple[int, int] = SIZE) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def ridge(img: Image.Image, rng: random.Random, base: float, amp: float, color: str,
          waves: int = 3, blur: float = 0) -> None:
    w, h = img.size
    phase = [rng.uniform(0, math.tau) for _ in range(waves)]
    pts = [(x, h * base - sum(amp / (k + 1) * math.sin(x / w * math.tau * (k + 1) * 0.9 + phase[k])
                              for k in range(waves))) for x in range(0, w + 20, 20)]
    layer = Image.new("L", img.size, 0)
    ImageDraw.Draw(layer).polygon([(0, h), *pts, (w, h)], fill=255)
    if blur:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    img.paste(color, (0, 0, w, h), layer)


def glow(img: Image.Image, rng: random.Random, count: int, colors: list[str], area: tuple,
         radius: tuple[int, int], blur: float) -> None:
    """Soft out-of-focus lights (bokeh)."""
    layer = Image.new("RGB", img.size, "black")
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = area
    for _ in range(count):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        r = rng.uniform(*radius)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(colors))
    img.paste(ImageChops.screen(img, layer.filter(ImageFilter.GaussianBlur(blur))))


def grain(img: Image.Image, amount: int = 18) -> Image.Image:
    noise = Image.effect_noise(img.size, amount).convert("RGB")
    return Image.blend(img, ImageChops.overlay(img, noise), 0.25)


def willow(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, ground: float, height: float,
           leaf: str, trunk: str) -> None:
    """천안삼거리 is known for its weeping willows (능수버들)."""
    top = ground - height
    draw.line((x, ground, x + rng.uniform(-20, 20), top + height * 0.25), fill=trunk, width=16)
    for _ in range(70):
        sx = x + rng.uniform(-height * 0.45, height * 0.45)
        sy = top + rng.uniform(0, height * 0.3)
        length = rng.uniform(height * 0.35, height * 0.7)
        bend = rng.uniform(-30, 30)
        draw.line([(sx, sy), (sx + bend * 0.5, sy + length * 0.5), (sx + bend, sy + length)],
                  fill=leaf, width=rng.randint(3, 6), joint="curve")


def samgeori_park(rng: random.Random) -> Image.Image:
    img = sky("#7fb8e6", "#e8f3f7")
    ridge(img, rng, 0.55, 40, "#8fb5a0", blur=2)
    ridge(img, rng, 0.62, 25, "#5f9a6e")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 700, 1600, 1200), fill="#6aa85a")
    draw.ellipse((250, 760, 1350, 1000), fill="#7fb7d6")  # the pond
    draw.ellipse((330, 790, 1270, 960), fill="#9ccbe0")
    for x in (120, 420, 1180, 1450):
        willow(draw, rng, x, 820 + rng.uniform(-20, 20), rng.uniform(380, 480), "#4d8a3c", "#5b4a3a")
    draw.rectangle((0, 1080, 1600, 1200), fill="#c9b48f")  # the path
    return img


def independence_hall(rng: random.Random) -> Image.Image:
    img = sky("#f3a25f", "#fde3c0")
    ridge(img, rng, 0.58, 60, "#a66a5a", blur=3)
    ridge(img, rng, 0.7, 35, "#6d4a48")
    draw = ImageDraw.Draw(img)
    # a tall monument shaped like two hands in prayer / wings, drawn abstractly
    draw.polygon([(760, 840), (700, 230), (790, 160), (800, 840)], fill="#3d2c33")
    draw.polygon([(840, 840), (900, 230), (810, 160), (800, 840)], fill="#4a3640")
    draw.rectangle((0, 840, 1600, 1200), fill="#d8c7a8")
    for i in range(0, 1600, 80):  # paving lines of the plaza
        draw.line((800, 840, i * 3 - 1600, 1200), fill="#c7b493", width=3)
    glow(img, rng, 12, ["#ffd59a"], (0, 0, 1600, 500), (30, 80), 40)
    return img


def arario_square(rng: random.Random) -> Image.Image:
    img = sky("#10153a", "#3a2a5e")
    draw = ImageDraw.Draw(img)
    x = 0
    while x < 1600:  # buildings
        w, h = rng.randint(120, 260), rng.randint(300, 700)
        draw.rectangle((x, 900 - h, x + w, 900), fill=rng.choice(["#1d2148", "#252a57", "#181c3f"]))
        for wy in range(900 - h + 30, 880, 44):
            for wx in range(x + 18, x + w - 20, 36):
                if rng.random() < 0.45:
                    draw.rectangle((wx, wy, wx + 16, wy + 22), fill="#f7d774")
        x += w + rng.randint(4, 20)
    draw.rectangle((0, 900, 1600, 1200), fill="#2b2440")
    glow(img, rng, 90, ["#ff8fb1", "#ffd36e", "#7fd8ff", "#b69bff"], (0, 700, 1600, 1200),
         (14, 44), 10)
    return img


def stadium(rng: random.Random) -> Image.Image:
    img = sky("#1f3f7a", "#f08a5d")
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 760), (1600, 760), (1600, 520), (1200, 470), (400, 470), (0, 520)],
                 fill="#2c3550")
    for row in range(8):  # the stands, dotted with the crowd
        y = 500 + row * 32
        for x in range(0, 1600, 14):
            if rng.random() < 0.7:
                draw.point((x + rng.randint(0, 8), y + rng.randint(0, 10)),
                           fill=rng.choice(["#e94b5a", "#ffffff", "#f6c343", "#4aa3ff"]))
    draw.polygon([(0, 1200), (1600, 1200), (1600, 760), (0, 760)], fill="#3f9b4f")
    for i in range(8):  # mowing stripes
        draw.rectangle((i * 200, 760, i * 200 + 100, 1200), fill="#48a859")
    draw.line((0, 980, 1600, 980), fill="#e8f5e9", width=6)
    draw.ellipse((650, 880, 950, 1080), outline="#e8f5e9", width=6)
    for lx in (180, 1420):  # floodlights
        draw.rectangle((lx - 6, 180, lx + 6, 520), fill="#20263a")
        draw.rectangle((lx - 70, 150, lx + 70, 200), fill="#fdf6d8")
    glow(img, rng, 2, ["#fff4c2"], (150, 150, 1450, 200), (120, 160), 60)
    return img


def sinbu_street(rng: random.Random) -> Image.Image:
    img = sky("#2a1b3d", "#6b3b4f")
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 0), (520, 380), (520, 1200), (0, 1200)], fill="#3b2a35")
    draw.polygon([(1600, 0), (1080, 380), (1080, 1200), (1600, 1200)], fill="#3b2a35")
    draw.polygon([(520, 1200), (1080, 1200), (860, 700), (740, 700)], fill="#5a4450")
    for k in range(6):  # strings of lanterns across the street
        y = 160 + k * 90
        pts = [(x, y + 60 * math.sin(x / 1600 * math.pi)) for x in range(0, 1601, 40)]
        draw.line(pts, fill="#2a1e26", width=2)
        for x, py in pts[::2]:
            draw.ellipse((x - 12, py, x + 12, py + 30), fill=rng.choice(["#ffb347", "#ff6f61",
                                                                          "#ffd36e"]))
    glow(img, rng, 60, ["#ffb347", "#ff6f61", "#ffe08a"], (0, 100, 1600, 700), (10, 30), 14)
    for i in range(14):  # shop signs
        side = i % 2
        x = rng.randint(60, 420) if side == 0 else rng.randint(1100, 1480)
        y = rng.randint(420, 900)
        draw.rectangle((x, y, x + 90, y + 40), fill=rng.choice(["#ff4f81", "#43c6ac", "#f8d66d"]))
    return img


def taejosan(rng: random.Random) -> Image.Image:
    img = sky("#a8d8ea", "#fcefd4")
    glow(img, rng, 1, ["#fff2b3"], (1100, 200, 1100, 200), (110, 110), 30)
    ridge(img, rng, 0.42, 80, "#9bb7a6", blur=4)
    ridge(img, rng, 0.55, 70, "#6f9a7c", blur=1)
    ridge(img, rng, 0.7, 50, "#44704f")
    draw = ImageDraw.Draw(img)
    for _ in range(140):  # pine trees
        x, y = rng.uniform(0, 1600), rng.uniform(820, 1200)
        s = (y - 700) / 5
        draw.polygon([(x, y - s * 1.6), (x - s * 0.45, y), (x + s * 0.45, y)], fill="#2d5a3a")
    draw.line([(700, 1200), (760, 1040), (720, 930), (800, 840)], fill="#d9c39a", width=26,
              joint="curve")  # the trail
    return img


def city_hall(rng: random.Random) -> Image.Image:
    img = sky("#5aa9e6", "#d6ecfa")
    glow(img, rng, 6, ["#ffffff"], (0, 80, 1600, 400), (60, 140), 50)
    draw = ImageDraw.Draw(img)
    draw.rectangle((380, 380, 1220, 900), fill="#d9dde3")
    for y in range(420, 880, 46):
        for x in range(410, 1190, 52):
            draw.rectangle((x, y, x + 34, y + 28), fill="#7c9cc0")
    draw.rectangle((700, 760, 900, 900), fill="#5c6f86")
    draw.polygon([(360, 380), (1240, 380), (1180, 330), (420, 330)], fill="#b8bec8")
    draw.rectangle((0, 900, 1600, 1200), fill="#9aa3ad")
    for x in (140, 280, 1320, 1460):
        draw.ellipse((x - 90, 640, x + 90, 900), fill="#4f8f4a")
    for i in range(40):  # people in the plaza
        x, y = rng.uniform(100, 1500), rng.uniform(960, 1150)
        draw.ellipse((x - 8, y - 40, x + 8, y - 24), fill="#2f2f3a")
        draw.rectangle((x - 9, y - 24, x + 9, y + 6), fill=rng.choice(["#e86a5c", "#3d7dd8",
                                                                        "#f2c14e", "#444"]))
    return img


def festival(rng: random.Random) -> Image.Image:
    img = sky("#140c2c", "#4c1d5e")
    glow(img, rng, 5, ["#ff3d7f", "#3dc7ff", "#ffe14d"], (200, 0, 1400, 300), (150, 260), 80)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 760, 1600, 1200), fill="#1c1230")
    draw.rectangle((250, 700, 1350, 780), fill="#2d1f45")  # the stage
    for i in range(9):  # dancers
        x = 330 + i * 120 + rng.uniform(-15, 15)
        arm = rng.uniform(-40, 40)
        draw.ellipse((x - 14, 560, x + 14, 590), fill="#0b0716")
        draw.line((x, 590, x, 660), fill="#0b0716", width=18)
        draw.line((x, 605, x - 45, 560 + arm), fill="#0b0716", width=9)
        draw.line((x, 605, x + 45, 560 - arm), fill="#0b0716", width=9)
        draw.line((x, 660, x - 20, 700), fill="#0b0716", width=10)
        draw.line((x, 660, x + 22, 700), fill="#0b0716", width=10)
    for _ in range(260):  # the crowd's heads
        x, y = rng.uniform(0, 1600), rng.uniform(880, 1220)
        draw.ellipse((x - 26, y - 30, x + 26, y + 30), fill="#0d0818")
    glow(img, rng, 70, ["#ff3d7f", "#ffe14d", "#9b7bff"], (0, 780, 1600, 1000), (6, 16), 6)
    return img


SCENES = {
    "samgeori-park": samgeori_park, "independence-hall": independence_hall,
    "arario-square": arario_square, "stadium": stadium, "sinbu-street": sinbu_street,
    "taejosan": taejosan, "city-hall": city_hall, "festival": festival,
}


def emblem(path: Path) -> None:
    """A made-up city emblem: three roads meeting in a circle, and the city's name."""
    from outreach.render.fonts import FontBook

    w, h, s = 360, 96, 4
    img = Image.new("RGBA", (w * s, h * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    r = 44 * s
    cx, cy = 48 * s, 48 * s
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline="white", width=7 * s)
    for angle in (90, 210, 330):
        a = math.radians(angle)
        draw.line((cx, cy, cx + math.cos(a) * r, cy - math.sin(a) * r), fill="white", width=7 * s)
    draw.ellipse((cx - 9 * s, cy - 9 * s, cx + 9 * s, cy + 9 * s), fill="white")
    font: ImageFont.FreeTypeFont = FontBook().get("Noto Sans CJK KR", 800, 58 * s)
    draw.text((112 * s, cy), "천안시", font=font, fill="white", anchor="lm")
    img = img.resize((w, h), Image.Resampling.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)


def main() -> None:
    for name, scene in SCENES.items():
        rng = random.Random(name)
        drawn = scene(rng).resize(OUTPUT, Image.Resampling.LANCZOS)
        grain(drawn.filter(ImageFilter.GaussianBlur(0.8))).save(
            HERE / f"{name}.jpg", quality=85, optimize=True, progressive=True)
    for template in ("weekend-guide", "now-in-city"):
        emblem(REPO / "templates" / "cards" / template / "images" / "logo.png")
    print(f"wrote {len(SCENES)} photos to {HERE} and the emblem to templates/cards/*/images/")


if __name__ == "__main__":
    main()
