"""Server-drawn SVG charts (matplotlib, Agg-free SVG canvas): no JavaScript needed to see them.

Text stays text in the SVG (svg.fonttype "none"), so the browser draws the Chinese labels
with its own fonts; the font list only serves matplotlib's layout.
"""
from __future__ import annotations

import io
import threading
import warnings


FONTS = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "DejaVu Sans"]
# matplotlib is not thread-safe, and warnings.catch_warnings swaps process-wide state: one chart at a time.
_RENDER_LOCK = threading.Lock()
COLOURS = {"done": "#1b5e20", "on_track": "#0b4fa3", "behind": "#b3261e", "not_required": "#9e9e9e"}


def standing_bars(labels: list[str], series: dict[str, list[float]], legend: dict[str, str], title: str) -> bytes:
    """Horizontal stacked bars: the share of people done / on track / behind per unit (0-100)."""
    from matplotlib import rc_context  # deferred: matplotlib (and numpy) cost ~0.2 s and 25 MiB; only charts need it
    from matplotlib.backends.backend_svg import FigureCanvasSVG  # deferred: see rc_context above
    from matplotlib.figure import Figure  # deferred: see rc_context above

    height = 1.6 + 0.45 * max(1, len(labels))
    # text.parse_math off: labels are unit names, and a name with "$...$" is text, not TeX (matplotlib
    # would parse it as mathtext and fail on what it cannot typeset).
    with _RENDER_LOCK, rc_context({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": FONTS,
                                   "svg.hashsalt": "records", "text.parse_math": False}), warnings.catch_warnings():
        # Missing CJK glyphs only affect matplotlib's text measurement, not the SVG text itself.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        warnings.filterwarnings("ignore", message=r"findfont")
        figure = Figure(figsize=(8, height), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        left = [0.0] * len(labels)
        positions = list(range(len(labels)))
        for key, values in series.items():
            axes.barh(positions, values, left=left, color=COLOURS.get(key), label=legend[key])
            left = [a + b for a, b in zip(left, values)]
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("%")
        axes.set_title(title)
        # Below the bars, in one row: inside the axes it covered the end of the bars it explains.
        figure.legend(loc="outside lower center", ncol=len(series), fontsize="small", frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
