"""Charts as SVG text made on the server: no JavaScript, the same in the PDF and the portal."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reports.score_tone import score_tone
from reports.text import half_up

FONT = "DejaVu Sans, sans-serif"
INK, MUTED, GRID = "#1b1f24", "#57606a", "#d8dee4"
BRAND, REGION, CHAIN = "#1f4e79", "#d4a017", "#8c959f"
GOOD, MID, BAD = "#1a7f37", "#9a6700", "#cf222e"


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, so the report's HTML needs no files and no server."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


TONES = {"good": GOOD, "mid": MID, "bad": BAD, "none": CHAIN}


def score_colour(score: float | None, pass_mark: float | None = None) -> str:
    """The colour of a score's tone (reports/score_tone.py): green, amber, red or grey."""
    return TONES[score_tone(score, pass_mark)]


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    """Wrap shapes in an <svg> with a title for screen readers."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" font-family="{FONT}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, s: str, size: float = 10, fill: str = MUTED,
          anchor: str = "start", weight: str = "normal") -> str:
    """One text label."""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(s)}</text>')


# Advance widths of DejaVu Sans in em, by kind of letter: enough to wrap a label on the server
# without the font file (the PDF draws it with the same family from fontconfig).
_NARROW, _WIDE = set("iljtfr.,:;'!|()[] "), set("mwMWЖШЩЫЮМжшщыюм—")


def text_width(s: str, size: float) -> float:
    """The width of a text in DejaVu Sans at `size`, estimated from its letters (a little over)."""
    em = sum(0.34 if ch in _NARROW else 0.92 if ch in _WIDE else
             0.72 if ch.isupper() else 0.62 for ch in s)
    return em * size


def _fill_lines(label: str, width: float, size: float) -> list[str]:
    """Words put on a line while it fits `width`; a word longer than a line gets its own."""
    lines: list[str] = []
    for word in label.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def wrap(label: str, width: float, size: float, max_lines: int = 3) -> list[str]:
    """A label broken at spaces into lines that fit `width`; never cut short.

    The lines are evened out (the narrowest width that needs no more lines), so a title does not
    leave one word alone on its second line. Past `max_lines` the rest joins the last line,
    which may then run wider than `width`: a long name shown whole beats one cut short.
    """
    lines = _fill_lines(label, width, size)
    narrow = width
    while (len(lines) <= max_lines and narrow > 2 * size
           and len(_fill_lines(label, narrow - size, size)) == len(lines)):
        narrow -= size
    lines = _fill_lines(label, narrow, size)
    if len(lines) > max_lines:
        lines[max_lines - 1:] = [" ".join(lines[max_lines - 1:])]
    return lines or [""]


def _lines(x: float, y: float, lines: list[str], size: float, fill: str, anchor: str,
           leading: float) -> str:
    """A label of several lines, centred vertically on y (the middle of its row)."""
    first = y - leading * (len(lines) - 1) / 2
    return "".join(_text(x, first + leading * n, line, size, fill, anchor)
                   for n, line in enumerate(lines))


def _polyline(points: list[tuple[float, float]], colour: str, width: float,
              dash: str = "") -> str:
    """A line through the points (a run of one point is drawn as a dot)."""
    if len(points) == 1:
        x, y = points[0]
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{width + 1}" fill="{colour}"/>'
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{width}" '
            f'stroke-linejoin="round" stroke-linecap="round"{dashed}/>')


def _runs(values: Sequence[float | None], x_of, y_of) -> list[list[tuple[float, float]]]:
    """Split a series at gaps (months without visits) into runs of points."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x_of(i), y_of(v)))
    return [r for r in runs if r]


def trend_chart(labels: list[str], series: list[tuple[str, list[float | None], str]],
                highlight: tuple[int, int] | None = None, pass_mark: float | None = 80,
                title: str = "", width: int = 640, height: int = 210) -> str:
    """Line chart of scores (0..100) per month; series are (name, values, colour).

    The first series is drawn bold with its values as dots and labels; `highlight` shades the
    months (first, last index) of the report's period; gaps in a series break its line.
    """
    left, right, top, bottom = 34, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels))
    x_of = lambda i: left + step * (i + 0.5)  # noqa: E731
    y_of = lambda v: top + plot_h * (1 - max(0.0, min(100.0, v)) / 100)  # noqa: E731
    body = []
    if highlight:
        a, b = highlight
        body.append(f'<rect x="{left + step * a:.1f}" y="{top}" width="{step * (b - a + 1):.1f}" '
                    f'height="{plot_h}" fill="#eaf1f8"/>')
    for v in range(0, 101, 20):
        y = y_of(v)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 5, y + 3.5, str(v), 9, anchor="end"))
    if pass_mark is not None:
        y = y_of(pass_mark)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GOOD}" stroke-width="0.8" stroke-dasharray="2 3"/>')
    for i, label in enumerate(labels):
        body.append(_text(x_of(i), top + plot_h + 14, label, 9, anchor="middle"))
    for n, (_name, values, colour) in reversed(list(enumerate(series))):
        main = n == 0
        for run in _runs(values, x_of, y_of):
            body.append(_polyline(run, colour, 2.4 if main else 1.4, "" if main else "4 3"))
        if main:
            for i, v in enumerate(values):
                if v is not None:
                    body.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3.2" '
                                f'fill="#fff" stroke="{colour}" stroke-width="2"/>')
                    body.append(_text(x_of(i), y_of(v) - 7, str(half_up(v, 0)), 9, INK, "middle",
                                      "bold"))
    x = left
    for name, _values, colour in series:
        body.append(f'<rect x="{x}" y="{height - 12}" width="14" height="3" fill="{colour}"/>')
        body.append(_text(x + 19, height - 8, name, 9, INK))
        x += 30 + 6.2 * len(name)
    return _svg(width, height, body, title)


def section_bars(rows: list[tuple[str, float | None, float | None, float | None]],
                 names: tuple[str, str, str], title: str = "", width: int = 640,
                 pass_mark: float = 80, number=lambda v: f"{v:.1f}") -> str:
    """Horizontal bars per section: the store's score (bold) with region and chain ticks.

    `number` writes a score in the report's language (a decimal comma in Polish and Russian).
    A section title longer than its column wraps onto a second (or third) line, and every row
    grows to fit the longest: no title is cut.
    """
    label_w, right, top, size, leading = 210, 44, 8, 9.5, 10.5
    labels = [wrap(label, label_w - 14, size) for label, *_ in rows]
    row_h = 26 + leading * (max((len(lines) for lines in labels), default=1) - 1) * 0.6
    plot_w = width - label_w - right
    height = top + row_h * len(rows) + 26
    x_of = lambda v: label_w + plot_w * max(0.0, min(100.0, v)) / 100  # noqa: E731
    body = []
    for v in range(0, 101, 25):
        x = x_of(v)
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + row_h * len(rows)}" '
                    f'stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(x, top + row_h * len(rows) + 11, str(v), 8.5, anchor="middle"))
    for i, ((_label, store, region, chain), lines) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * row_h
        mid = y + row_h / 2  # the bar, its ticks, its value and its title share this middle
        body.append(_lines(label_w - 8, mid + 3.5, lines, size, INK, "end", leading))
        body.append(f'<rect x="{label_w}" y="{mid - 7:.1f}" width="{plot_w}" height="14" '
                    f'fill="#f3f5f7"/>')
        if store is not None:
            body.append(f'<rect x="{label_w}" y="{mid - 7:.1f}" '
                        f'width="{x_of(store) - label_w:.1f}" height="14" '
                        f'fill="{score_colour(store, pass_mark)}"/>')
            body.append(_text(width - right + 6, mid + 4, number(store), size, INK,
                              weight="bold"))
        for value, colour in ((region, REGION), (chain, INK)):
            if value is not None:
                x = x_of(value)
                body.append(f'<rect x="{x - 1.2:.1f}" y="{mid - 11:.1f}" width="2.4" '
                            f'height="22" fill="{colour}"/>')
    legend_y = top + row_h * len(rows) + 22
    # The store's bars take the colour of their score band, so its key shows all three.
    for i, colour in enumerate((GOOD, MID, BAD)):
        body.append(f'<rect x="{label_w + 5 * i}" y="{legend_y - 7}" width="5" height="8" '
                    f'fill="{colour}"/>')
    body.append(_text(label_w + 19, legend_y, names[0], 8.5, INK))
    body.append(f'<rect x="{label_w + 120}" y="{legend_y - 9}" width="2.4" height="11" '
                f'fill="{REGION}"/>')
    body.append(_text(label_w + 127, legend_y, names[1], 8.5, INK))
    body.append(f'<rect x="{label_w + 250}" y="{legend_y - 9}" width="2.4" height="11" '
                f'fill="{INK}"/>')
    body.append(_text(label_w + 257, legend_y, names[2], 8.5, INK))
    return _svg(width, height + 6, body, title)


def sparkline(values: list[float | None], title: str = "", width: int = 96,
              height: int = 28) -> str:
    """A small line of the last scores for the portal's store list; empty with no data."""
    points = [v for v in values if v is not None]
    if not points:
        return ""
    step = (width - 6) / max(1, len(points) - 1)
    coords = [(3 + i * step, 3 + (height - 6) * (1 - v / 100)) for i, v in enumerate(points)]
    last_x, last_y = coords[-1]
    body = [_polyline(coords, BRAND, 1.6),
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.6" fill="{BRAND}"/>']
    return _svg(width, height, body, title)
