"""Charts of the evaluation dashboard, drawn on the server with matplotlib as SVG.

Pure functions: rows in, SVG bytes out. Only ``Figure`` objects are used, never pyplot,
whose global state is not safe under gunicorn's threads. Text stays text in the SVG (screen
readers, search) and the output carries no date, so the same data gives the same bytes.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "tanggap", "font.size": 10,
                            "font.family": "DejaVu Sans"})

GRADE_COLOURS: dict[str | None, str] = {"A": "#1b6e20", "B": "#2f6fb0", "C": "#b36b00", "D": "#b00020"}
NO_GRADE = "#9aa5b1"
GRADE_LINES = ((65.0, "C"), (76.61, "B"), (88.31, "A"))  # lower bounds of the grades on the IKM scale
LINE_COLOURS = ("#0b5394", "#b36b00", "#1b6e20", "#b00020", "#6a3d9a", "#4a4a4a", "#2f6fb0", "#8c564b")
BAR_HEIGHT_IN = 0.42


def number(value: float | None, places: int = 2, lang: str = "id") -> str:
    """``86,11`` in Bahasa Indonesia, ``86.11`` in English, an en dash for no value."""
    if value is None:
        return "–"
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if lang == "id" else text


def _svg(fig: Figure, png: bool = False) -> bytes:
    """The figure as SVG, or as a 150 dpi PNG (for the PDF report)."""
    buffer = io.BytesIO()
    if png:
        fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    else:
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _empty(fig: Figure, ax, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#4a4a4a", transform=ax.transAxes)


def ikm_bars(items: Sequence[tuple[str, float | None, str | None]], *, title: str, empty: str,
             lang: str = "id") -> bytes:
    """Horizontal bars of IKM (25-100), one per (label, ikm, mutu), coloured by grade A-D,
    with the grade boundaries drawn as lines."""
    fig = Figure(figsize=(8, max(1.6, 0.9 + BAR_HEIGHT_IN * len(items))))
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=12)
    if not items:
        _empty(fig, ax, empty)
        return _svg(fig)
    labels = [label for label, _, _ in items]
    values = [ikm or 0 for _, ikm, _ in items]
    colours = [GRADE_COLOURS.get(mutu, NO_GRADE) for _, _, mutu in items]
    positions = list(range(len(items)))[::-1]  # first item on top
    ax.barh(positions, values, color=colours, height=0.65)
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 112)
    ax.set_xlabel("IKM (25–100)")
    for bound, grade in GRADE_LINES:
        ax.axvline(bound, color="#4a4a4a", linewidth=0.8, linestyle=(0, (3, 3)))
        ax.text(bound, positions[0] + 0.55, grade, ha="left", va="bottom", fontsize=8, color="#4a4a4a")
    for pos, (_, ikm, mutu) in zip(positions, items):
        text = number(ikm, lang=lang) + (f" ({mutu})" if mutu else "")
        ax.text((ikm or 0) + 1, pos, text, va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def trend_lines(series: dict[str, list[tuple[str, float | None]]], *, title: str, empty: str,
                lang: str = "id") -> bytes:
    """IKM over periods, one line per unit; periods without respondents are gaps."""
    fig = Figure(figsize=(8, 3.4))
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=12)
    if not series or all(v is None for points in series.values() for _, v in points):
        _empty(fig, ax, empty)
        return _svg(fig)
    periods = [p for p, _ in next(iter(series.values()))]
    x = list(range(len(periods)))
    for i, (label, points) in enumerate(sorted(series.items())):
        ys = [float("nan") if v is None else v for _, v in points]
        ax.plot(x, ys, marker="o", label=label, color=LINE_COLOURS[i % len(LINE_COLOURS)])
    ax.set_xticks(x, periods)
    ax.set_ylim(25, 100)
    ax.set_ylabel("IKM")
    for bound, _ in GRADE_LINES:
        ax.axhline(bound, color="#c9d0d6", linewidth=0.8, linestyle=(0, (3, 3)))
    ax.legend(loc="lower left", fontsize=8, ncols=min(4, len(series)), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def score_bars(items: Sequence[tuple[str, float | None]], *, title: str, empty: str, low: float, high: float,
               axis_label: str, marks: Sequence[float] = (), lang: str = "id", places: int = 2,
               png: bool = False) -> bytes:
    """Horizontal bars of scores on a ``low``-``high`` scale, in the given order (first on
    top): the nine unsur (NRR 1-4, lowest first) or the BerAKHLAK values (mean 1-5, labelled
    with ``places=1``, the decimals peer means are released with)."""
    fig = Figure(figsize=(8, max(1.6, 0.9 + BAR_HEIGHT_IN * len(items))))
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=12)
    shown = [(label, v) for label, v in items if v is not None]
    if not shown:
        _empty(fig, ax, empty)
        return _svg(fig, png)
    positions = list(range(len(shown)))[::-1]
    ax.barh(positions, [v - low for _, v in shown], left=low, color="#0b5394", height=0.65)
    ax.set_yticks(positions, [label for label, _ in shown])
    ax.set_xlim(low, high + (high - low) * 0.12)
    ax.set_xlabel(axis_label)
    for mark in marks:
        ax.axvline(mark, color="#4a4a4a", linewidth=0.8, linestyle=(0, (3, 3)))
    for pos, (_, v) in zip(positions, shown):
        ax.text(v + (high - low) * 0.01, pos, number(v, places, lang=lang), va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, png)
