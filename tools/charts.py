"""PNG charts with matplotlib's Agg canvas: bars, trend lines, the funnel, the score distribution.

Charts use `Figure` directly (no pyplot global state), so they are safe in API worker threads.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

INK, ACCENT, MUTED = "#1f2937", "#2563eb", "#93c5fd"


def _figure(title: str, size: tuple[float, float] = (7.5, 3.6)) -> tuple[Figure, object]:
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title, loc="left", fontsize=11, color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bar_chart(values: dict[str, float | None], title: str, *, percent: bool = False) -> bytes:
    """Horizontal bars, largest first (None counts as 0); rates shown as percentages."""
    items = sorted(((k, float(v or 0)) for k, v in values.items()), key=lambda kv: kv[1])[-15:]
    fig, ax = _figure(title, (7.5, max(2.4, 0.35 * len(items) + 1)))
    labels = [k for k, _ in items]
    numbers = [v * 100 if percent else v for _, v in items]
    bars = ax.barh(labels, numbers, color=ACCENT)
    ax.bar_label(bars, fmt="%.1f%%" if percent else "%.0f", padding=3, fontsize=8)
    ax.tick_params(labelsize=8)
    return _png(fig)


def trend_chart(series: dict[str, dict[str, float]], title: str) -> bytes:
    """One line per named series over the same ordered buckets ("2026-11-02": 12, ...)."""
    fig, ax = _figure(title)
    colors = (ACCENT, "#f97316", "#10b981", "#a855f7")
    for i, (name, points) in enumerate(series.items()):
        keys = list(points)
        ax.plot(
            keys,
            [points[k] or 0 for k in keys],
            marker="o",
            ms=3,
            label=name,
            color=colors[i % len(colors)],
        )
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.tick_params(axis="y", labelsize=8)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def funnel_chart(stages: dict[str, float | None], title: str = "Funnel") -> bytes:
    """Centered bars narrowing down the stages, each with its count and share of the first."""
    items = [(k, float(v or 0)) for k, v in stages.items()]
    fig, ax = _figure(title, (7.5, 0.5 * len(items) + 1.2))
    top = items[0][1] if items and items[0][1] else 1.0
    for row, (name, value) in enumerate(reversed(items)):
        ax.barh(row, value, left=(top - value) / 2, color=ACCENT)
        ax.text(
            top / 2,
            row,
            f"{name}: {value:.0f} ({value / top:.0%})",
            ha="center",
            va="center",
            fontsize=8,
            color=INK,
        )
    ax.set_yticks([])
    ax.set_xticks([])
    ax.spines["left"].set_visible(False)
    ax.spines["bottom"].set_visible(False)
    return _png(fig)


def score_chart(bands: dict[str, float | None], title: str = "Score distribution") -> bytes:
    """Vertical bars per score band; bands holding MQL scores (71+) in the accent colour."""
    fig, ax = _figure(title)
    labels = list(bands)
    highs = [int(label.split("-")[1]) for label in labels]
    colors = [ACCENT if high >= 71 else MUTED for high in highs]
    ax.bar(labels, [float(v or 0) for v in bands.values()], color=colors)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.set_xlabel("score band (dark: bands with MQL scores, 71+)", fontsize=8)
    return _png(fig)


def chart_for(kind: str | None, numbers: dict[str, float | None], title: str) -> bytes | None:
    """The chart an answer suggests (bars, trend, funnel, scores), or None when it has none."""
    if not kind or not numbers:
        return None
    shown = {k: v for k, v in numbers.items() if not k.endswith("_previous") and k != "change"}
    if kind == "bars":  # a comparison shows both periods side by side
        shown = {k: v for k, v in numbers.items() if k != "change"}
    if kind == "trend":
        return trend_chart({title: shown}, title)
    if kind == "funnel":
        return funnel_chart(shown, title)
    if kind == "scores":
        return score_chart(shown, title)
    rates = [v for v in shown.values() if v is not None]
    percent = bool(rates) and all(0 <= v <= 1 for v in rates) and any(0 < v < 1 for v in rates)
    return bar_chart(shown, title, percent=percent)
