#!/usr/bin/env python3
"""Draws Petal's flower pictures (public/flowers/*.svg): one illustration per product.

The SVGs are committed; run this again only to change the artwork:
    python3 scripts/draw-flowers.py
"""
import math
import pathlib
import random

OUT = pathlib.Path(__file__).resolve().parent.parent / "public" / "flowers"


def svg(title, background, body):
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" width="240" height="240" '
        f'role="img" aria-label="{title}">\n<title>{title}</title>\n'
        f'<rect width="240" height="240" rx="24" fill="{background}"/>\n'
        f'<circle cx="120" cy="112" r="92" fill="#ffffff" opacity="0.45"/>\n{body}</svg>\n'
    )


def petals(cx, cy, count, length, width, color, offset=0.0, stroke=None, opacity=1.0):
    parts = []
    for i in range(count):
        angle = offset + 360.0 * i / count
        s = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
        parts.append(
            f'<ellipse cx="{cx}" cy="{cy - length / 2:.1f}" rx="{width / 2:.1f}" ry="{length / 2:.1f}" '
            f'fill="{color}"{s} opacity="{opacity}" transform="rotate({angle:.1f} {cx} {cy})"/>'
        )
    return "\n".join(parts) + "\n"


def stem(x1, y1, x2, y2, color="#4f8a3c", width=3):
    mx, my = (x1 + x2) / 2 + (x2 - x1) * 0.2, (y1 + y2) / 2
    return f'<path d="M{x1} {y1} Q{mx:.1f} {my:.1f} {x2} {y2}" stroke="{color}" stroke-width="{width}" fill="none" stroke-linecap="round"/>\n'


def leaf(x, y, angle, length=26, color="#5c9a45"):
    return (
        f'<path d="M0 0 Q{length / 2} {-length / 3} {length} 0 Q{length / 2} {length / 3} 0 0Z" fill="{color}" '
        f'transform="translate({x} {y}) rotate({angle})"/>\n'
    )


def wrap(color, edge, ribbon):
    return (
        f'<path d="M60 112 L120 222 L180 112 Z" fill="{color}"/>\n'
        f'<path d="M60 112 L120 222 L96 112 Z" fill="{edge}" opacity="0.55"/>\n'
        f'<path d="M104 176 Q120 168 136 176 L132 186 Q120 180 108 186 Z" fill="{ribbon}"/>\n'
        f'<path d="M120 180 L104 206 L112 206 L120 190 L128 206 L136 206 Z" fill="{ribbon}"/>\n'
    )


def rose(cx, cy, r, color, dark):
    return (
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/>\n'
        f'<path d="M{cx - r * 0.6:.1f} {cy:.1f} A{r * 0.6:.1f} {r * 0.6:.1f} 0 1 1 {cx + r * 0.3:.1f} {cy + r * 0.5:.1f}" '
        f'stroke="{dark}" stroke-width="2" fill="none"/>\n'
        f'<path d="M{cx - r * 0.25:.1f} {cy:.1f} A{r * 0.28:.1f} {r * 0.28:.1f} 0 1 1 {cx + r * 0.15:.1f} {cy + r * 0.22:.1f}" '
        f'stroke="{dark}" stroke-width="2" fill="none"/>\n'
    )


def red_rose_bouquet():
    body = leaf(70, 100, -150, 34, "#7fa99b") + leaf(170, 98, -30, 34, "#7fa99b") + leaf(120, 60, -90, 30, "#7fa99b")
    for cx, cy in [(92, 92), (120, 80), (148, 92), (104, 116), (136, 116), (120, 100)]:
        body += rose(cx, cy, 17, "#c8102e", "#7a0a1c")
    body += wrap("#d9b48f", "#b88c62", "#c8102e")
    return svg("빨간 장미 꽃다발 · Red rose bouquet", "#fbe3e6", body)


def tulip(x, y, color, dark):
    return (
        f'<path d="M{x - 14} {y - 6} Q{x - 16} {y + 18} {x} {y + 20} Q{x + 16} {y + 18} {x + 14} {y - 6} '
        f'L{x + 7} {y + 2} L{x} {y - 10} L{x - 7} {y + 2} Z" fill="{color}"/>\n'
        f'<path d="M{x} {y - 10} L{x - 7} {y + 2} Q{x - 4} {y + 16} {x} {y + 20}" fill="{dark}" opacity="0.35"/>\n'
    )


def pink_tulips():
    body = ""
    heads = [(84, 74), (108, 58), (132, 62), (156, 78), (98, 94), (144, 96)]
    for x, y in heads:
        body += stem(x, y + 18, 120, 196, "#4f8a3c", 4)
    body += leaf(118, 190, -120, 50, "#5c9a45") + leaf(122, 190, -60, 50, "#6aa84f")
    for x, y in heads:
        body += tulip(x, y, "#f48fb1", "#c2185b")
    body += '<rect x="104" y="160" width="32" height="10" rx="4" fill="#ffffff"/>\n'
    return svg("핑크 튤립 다발 · Pink tulips", "#fde7ef", body)


def daisy(cx, cy, r, petal_color, center, count=16):
    return petals(cx, cy, count, r, r * 0.38, petal_color) + f'<circle cx="{cx}" cy="{cy}" r="{r * 0.42:.1f}" fill="{center}"/>\n'


def sunflower_bouquet():
    body = stem(90, 100, 120, 190, "#4f8a3c", 5) + stem(150, 96, 120, 190, "#4f8a3c", 5) + stem(120, 70, 120, 190, "#4f8a3c", 5)
    body += leaf(96, 140, -150, 36) + leaf(144, 136, -30, 36)
    body += daisy(88, 100, 30, "#f9c80e", "#6b3e1f", 20) + daisy(152, 96, 30, "#f9c80e", "#6b3e1f", 20)
    body += daisy(120, 66, 34, "#fbd13a", "#5a3217", 22)
    rnd = random.Random(3)
    for _ in range(24):
        a, d = rnd.uniform(0, 6.28), rnd.uniform(0, 12)
        body += f'<circle cx="{120 + d * math.cos(a):.1f}" cy="{66 + d * math.sin(a):.1f}" r="1.6" fill="#3b200d"/>\n'
    body += wrap("#8fb9a8", "#6a9584", "#f9c80e")
    return svg("해바라기 꽃다발 · Sunflower bouquet", "#fff6d6", body)


def carnation(cx, cy, color, dark):
    out = f'<circle cx="{cx}" cy="{cy}" r="16" fill="{color}"/>\n'
    for i in range(12):
        a = math.radians(30 * i)
        x, y = cx + 14 * math.cos(a), cy + 14 * math.sin(a)
        out += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}" stroke="{dark}" stroke-width="1"/>\n'
    out += f'<circle cx="{cx}" cy="{cy}" r="7" fill="{dark}" opacity="0.5"/>\n'
    return out


def carnation_basket():
    body = '<path d="M64 104 Q120 20 176 104" stroke="#8d5a2b" stroke-width="7" fill="none"/>\n'
    flowers = [(82, 108, "#e53950", "#9b1b30"), (110, 98, "#f48fb1", "#c2185b"), (138, 98, "#e53950", "#9b1b30"),
               (164, 108, "#f48fb1", "#c2185b"), (96, 124, "#f48fb1", "#c2185b"), (124, 120, "#e53950", "#9b1b30"),
               (150, 124, "#f48fb1", "#c2185b")]
    body += leaf(66, 122, -160, 26) + leaf(174, 122, -20, 26)
    for f in flowers:
        body += carnation(*f)
    body += '<path d="M56 126 L184 126 L168 196 Q120 206 72 196 Z" fill="#b5773c"/>\n'
    for y in range(136, 196, 12):
        body += f'<path d="M62 {y} L178 {y}" stroke="#8d5a2b" stroke-width="3" opacity="0.7"/>\n'
    for x in range(76, 176, 14):
        body += f'<path d="M{x} 128 L{x + 2} 198" stroke="#d89a5a" stroke-width="3" opacity="0.6"/>\n'
    body += '<path d="M104 150 Q120 142 136 150 L120 168 Z" fill="#e53950"/>\n'
    return svg("카네이션 꽃바구니 · Carnation basket", "#fde3e3", body)


def lily(cx, cy, angle):
    out = f'<g transform="rotate({angle} {cx} {cy})">\n'
    out += petals(cx, cy, 6, 34, 13, "#fdfdf8", 0, "#d6d3c4")
    for i in range(6):
        a = math.radians(60 * i - 90)
        x, y = cx + 13 * math.cos(a), cy + 13 * math.sin(a)
        out += f'<path d="M{cx} {cy} L{x:.1f} {y:.1f}" stroke="#9bbf59" stroke-width="1.5"/>\n'
        out += f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="2.2" ry="3.5" fill="#b5542c"/>\n'
    out += f'<circle cx="{cx}" cy="{cy}" r="4" fill="#e8f0b0"/>\n</g>\n'
    return out


def white_lily_bouquet():
    body = leaf(84, 124, -140, 40) + leaf(156, 124, -40, 40) + leaf(120, 120, -95, 36, "#4f8a3c")
    for cx, cy, a in [(86, 92, -10), (154, 90, 12), (120, 64, 0), (104, 118, 20), (140, 118, -15)]:
        body += lily(cx, cy, a)
    body += wrap("#e9e4f2", "#c9bfdc", "#7b6ca8")
    return svg("흰 백합 꽃다발 · White lily bouquet", "#eef3ea", body)


def hydrangea_head(cx, cy, r, colors, seed):
    rnd = random.Random(seed)
    out = f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colors[0]}" opacity="0.6"/>\n'
    for _ in range(34):
        a, d = rnd.uniform(0, 6.283), r * math.sqrt(rnd.uniform(0, 0.85))
        x, y = cx + d * math.cos(a), cy + d * math.sin(a)
        col = rnd.choice(colors)
        out += petals(round(x, 1), round(y, 1), 4, 9, 7, col, rnd.uniform(0, 90))
        out += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.4" fill="#ffffff"/>\n'
    return out


def blue_hydrangea():
    body = leaf(64, 130, -170, 44, "#3f7d3a") + leaf(176, 130, -10, 44, "#3f7d3a")
    body += hydrangea_head(92, 100, 38, ["#6f8fd8", "#8fa8e8", "#5a78c8", "#a6b8f0"], 1)
    body += hydrangea_head(148, 96, 38, ["#7f7fd8", "#9aa0ee", "#6a6cc8", "#b3b8f2"], 2)
    body += wrap("#ffffff", "#dfe6f5", "#5a78c8")
    return svg("블루 수국 꽃다발 · Blue hydrangea", "#e4ecfb", body)


def babys_breath():
    rnd = random.Random(7)
    body = ""
    tips = []
    for i in range(9):
        x2 = 120 + rnd.uniform(-50, 50)
        y2 = 60 + rnd.uniform(-20, 50)
        body += stem(120, 176, round(x2, 1), round(y2, 1), "#8fae7a", 2)
        tips.append((x2, y2))
    for x, y in tips:
        for _ in range(14):
            a, d = rnd.uniform(0, 6.283), rnd.uniform(0, 20)
            body += f'<circle cx="{x + d * math.cos(a):.1f}" cy="{y + d * math.sin(a):.1f}" r="{rnd.uniform(2, 3.6):.1f}" fill="#ffffff" stroke="#e3e3e3" stroke-width="0.6"/>\n'
    body += wrap("#c7b8e6", "#a895d3", "#ffffff")
    return svg("안개꽃 다발 · Baby's breath", "#e8e2f4", body)


def peony(cx, cy, r, color, light):
    out = ""
    for k, (rr, col) in enumerate([(1.0, color), (0.78, light), (0.56, color), (0.34, light)]):
        out += petals(cx, cy, 9 - k, r * rr, r * rr * 0.9, col, 20 * k, opacity=0.95)
    out += f'<circle cx="{cx}" cy="{cy}" r="{r * 0.16:.1f}" fill="#f7d36b"/>\n'
    return out


def peony_bouquet():
    body = leaf(66, 118, -160, 40, "#3f7d3a") + leaf(174, 118, -20, 40, "#3f7d3a") + leaf(120, 142, -90, 30, "#3f7d3a")
    for cx, cy, r in [(88, 98, 30), (152, 98, 30), (120, 72, 32), (120, 120, 26)]:
        body += peony(cx, cy, r, "#f29bb5", "#fbd0dc")
    body += wrap("#f6efe6", "#dccfbf", "#f29bb5")
    return svg("작약 꽃다발 · Peony bouquet", "#fbe9ef", body)


def orchid_flower(cx, cy):
    return (
        petals(cx, cy, 3, 22, 16, "#fbeef6", 0, "#e3b7d0")
        + petals(cx, cy, 2, 24, 22, "#ffffff", 90, "#e3b7d0")
        + f'<ellipse cx="{cx}" cy="{cy + 8}" rx="6" ry="8" fill="#c2185b"/>\n'
        + f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="#f7d36b"/>\n'
    )


def phalaenopsis_orchid():
    body = '<path d="M120 176 Q112 90 168 58" stroke="#4f6f3a" stroke-width="3" fill="none"/>\n'
    body += '<path d="M118 176 Q100 110 70 80" stroke="#4f6f3a" stroke-width="3" fill="none"/>\n'
    for cx, cy in [(166, 62), (150, 80), (132, 100), (72, 84), (88, 104)]:
        body += orchid_flower(cx, cy)
    body += leaf(120, 176, -160, 46, "#2f6b35") + leaf(120, 176, -20, 46, "#3a7d40")
    body += '<path d="M84 176 L156 176 L148 216 L92 216 Z" fill="#f4f1ea" stroke="#c8c0b0" stroke-width="2"/>\n'
    body += '<rect x="80" y="170" width="80" height="10" rx="4" fill="#e8e2d4"/>\n'
    return svg("호접란 화분 · Phalaenopsis orchid", "#f3e8f2", body)


def dried_lavender():
    body = ""
    rnd = random.Random(11)
    for i in range(11):
        x2 = 70 + i * 10 + rnd.uniform(-3, 3)
        y2 = 46 + abs(i - 5) * 6
        body += stem(120, 200, round(x2, 1), round(y2 + 30, 1), "#7b8f5a", 2)
        for k in range(7):
            body += f'<ellipse cx="{x2 + rnd.uniform(-2, 2):.1f}" cy="{y2 + k * 5:.1f}" rx="3.2" ry="4" fill="{rnd.choice(["#8e6fc1", "#7a5bb0", "#a58ad4"])}"/>\n'
    body += '<path d="M104 150 Q120 158 136 150 L136 160 Q120 168 104 160 Z" fill="#c9a46a"/>\n'
    body += '<path d="M120 158 Q100 176 96 190 M120 158 Q140 176 146 188" stroke="#c9a46a" stroke-width="3" fill="none"/>\n'
    return svg("라벤더 드라이플라워 · Dried lavender", "#eee8f6", body)


def freesia_bloom(x, y, angle):
    return (
        f'<g transform="rotate({angle} {x} {y})">'
        f'<path d="M{x} {y} Q{x + 6} {y - 14} {x + 16} {y - 14} Q{x + 12} {y - 2} {x} {y}Z" fill="#f9d423"/>'
        f'<path d="M{x + 16} {y - 14} q6 -6 10 0 q-4 6 -10 0Z" fill="#fbe36a"/></g>\n'
    )


def freesia_bouquet():
    body = ""
    for (sx, sy, ex, ey) in [(120, 190, 70, 70), (120, 190, 110, 50), (120, 190, 160, 60), (120, 190, 176, 96), (120, 190, 84, 100)]:
        body += f'<path d="M{sx} {sy} Q{(sx + ex) / 2} {ey + 30} {ex} {ey}" stroke="#5c9a45" stroke-width="3" fill="none"/>\n'
        for k in range(4):
            t = 0.55 + 0.15 * k
            x = sx + (ex - sx) * t
            y = sy + (ey - sy) * t - 20 * math.sin(math.pi * t)
            body += freesia_bloom(round(x, 1), round(y, 1), -30 + k * 12)
    body += leaf(100, 150, -130, 40) + leaf(140, 150, -50, 40)
    body += wrap("#fffbe8", "#efe3b0", "#f9a825")
    return svg("프리지아 꽃다발 · Freesia bouquet", "#fff7d9", body)


def gerbera_bouquet():
    body = leaf(66, 120, -160, 36) + leaf(174, 120, -20, 36)
    for cx, cy, col in [(84, 96, "#ff8a3d"), (120, 70, "#f9c80e"), (156, 96, "#f06292"), (102, 124, "#f06292"), (138, 124, "#ff8a3d")]:
        body += petals(cx, cy, 24, 26, 7, col) + f'<circle cx="{cx}" cy="{cy}" r="8" fill="#4a3420"/>\n'
        body += f'<circle cx="{cx}" cy="{cy}" r="10" fill="none" stroke="#e0b04a" stroke-width="2"/>\n'
    body += wrap("#dfeef7", "#b9d3e3", "#ff8a3d")
    return svg("거베라 꽃다발 · Gerbera bouquet", "#fff0e0", body)


def celebration_wreath():
    body = '<path d="M120 70 L120 214 M96 214 L120 180 L144 214" stroke="#8d5a2b" stroke-width="5" fill="none"/>\n'
    for cy, r in [(52, 26), (100, 34), (156, 40)]:
        body += f'<circle cx="120" cy="{cy}" r="{r}" fill="#3f7d3a"/>\n'
        n = int(r / 3)
        for i in range(n):
            a = 2 * math.pi * i / n
            col = ["#f7f7f7", "#f48fb1", "#f9c80e", "#e53950"][i % 4]
            body += f'<circle cx="{120 + (r - 6) * math.cos(a):.1f}" cy="{cy + (r - 6) * math.sin(a):.1f}" r="6" fill="{col}"/>\n'
        body += f'<circle cx="120" cy="{cy}" r="{r * 0.45:.1f}" fill="#fdf3f5"/>\n'
    body += '<path d="M108 140 L96 214 L106 212 Z" fill="#e53950"/>\n<path d="M132 140 L144 214 L134 212 Z" fill="#e53950"/>\n'
    body += '<text x="120" y="104" font-size="12" text-anchor="middle" fill="#9b1b30" font-family="sans-serif">祝</text>\n'
    return svg("3단 축하 화환 · Three-tier celebration wreath", "#f1f5e9", body)


PICTURES = {
    "red-rose-bouquet": red_rose_bouquet,
    "pink-tulips": pink_tulips,
    "sunflower-bouquet": sunflower_bouquet,
    "carnation-basket": carnation_basket,
    "white-lily-bouquet": white_lily_bouquet,
    "blue-hydrangea": blue_hydrangea,
    "babys-breath": babys_breath,
    "peony-bouquet": peony_bouquet,
    "phalaenopsis-orchid": phalaenopsis_orchid,
    "dried-lavender": dried_lavender,
    "freesia-bouquet": freesia_bouquet,
    "gerbera-bouquet": gerbera_bouquet,
    "celebration-wreath": celebration_wreath,
}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for slug, draw in PICTURES.items():
        (OUT / f"{slug}.svg").write_text(draw(), encoding="utf-8")
        print(f"public/flowers/{slug}.svg")
