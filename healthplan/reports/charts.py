"""Charts (图表) as PNG bytes, drawn with matplotlib in a CJK font; cached within a run.

An indicator chart shows the observed values against the straight-line path (序时进度) from the
baseline to the target, with the target marked; a comparison chart shows the regions' baselines and
targets side by side with the national target as a reference line. Charts drawn from example data
carry 示例数据 in their legend and across the plot.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

from .content import ChartSpec, num
from .fonts import configure_matplotlib

_lock = threading.Lock()  # pyplot's state is global
WIDTH, HEIGHT, DPI = 7.4, 2.7, 100
MARGINS = dict(left=0.075, right=0.70, top=0.87, bottom=0.12)  # the legend sits right of the plot
BLUE, GREY, RED, GREEN = "#1f5fa8", "#8a8a8a", "#c0392b", "#2e7d32"


def _plt():
    configure_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _example_mark(ax) -> None:
    ax.text(0.5, 0.5, "示例数据", transform=ax.transAxes, fontsize=34, color=RED, alpha=0.10, rotation=18,
            ha="center", va="center", zorder=0)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def indicator_chart(spec: ChartSpec) -> bytes:
    """The PNG of one indicator's chart (cached by its content)."""
    return _indicator_chart(spec.key())


@lru_cache(maxsize=1024)
def _indicator_chart(key: str) -> bytes:
    spec = ChartSpec.model_validate_json(key)
    with _lock:
        plt = _plt()
        fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
        fig.subplots_adjust(**MARGINS)
        try:
            _draw_indicator(ax, spec)
            return _png(fig)
        finally:
            plt.close(fig)


def _draw_indicator(ax, spec: ChartSpec) -> None:
    unit = f"（{spec.unit}）" if spec.unit else ""
    ax.set_title(spec.title + unit, fontsize=10, loc="left")
    years = [y for y, _ in spec.observed]
    if spec.baseline_year is not None:
        years.append(spec.baseline_year)
    if spec.target_year is not None:
        years.append(spec.target_year)
    years.append(spec.year)
    lo, hi = min(years), max(years)
    b, by, t, ty = spec.baseline, spec.baseline_year, spec.target_value, spec.target_year
    if b is not None and by is not None and t is not None and ty is not None:
        goal = t if spec.target_high is None else (t + spec.target_high) / 2
        ax.plot([by, ty], [b, goal], linestyle="--", color=GREY, linewidth=1.2, label="序时进度（基期→目标）")
    if t is not None and ty is not None:
        if spec.target_high is not None and spec.target_high != t:
            ax.axhspan(t, spec.target_high, color=GREEN, alpha=0.12, label="目标区间")
            t_mark = (t + spec.target_high) / 2
        else:
            ax.axhline(t, color=GREEN, linewidth=0.8, linestyle=":", alpha=0.8)
            t_mark = t
        ax.plot([ty], [t_mark], marker="*", markersize=13, color=GREEN, linestyle="none",
                label=f"{ty}年目标 {spec.target_label}")
    if b is not None and by is not None:
        ax.plot([by], [b], marker="s", markersize=6, color="#333333", linestyle="none", label=f"{by}年基期 {num(b)}")
        if spec.direction_only:
            ax.axhline(b, color=GREY, linewidth=0.8, linestyle=":")
            ax.text(hi, b, f" 目标：{spec.target_label}", fontsize=8, color=GREEN, va="bottom", ha="right")
    if spec.observed:
        xs = [y for y, _ in spec.observed]
        ys = [v for _, v in spec.observed]
        label = "监测值（示例数据）" if spec.example else "监测值"
        ax.plot(xs, ys, marker="o", markersize=4.5, color=BLUE, linewidth=1.8, label=label)
        ax.annotate(num(ys[-1]), (xs[-1], ys[-1]), textcoords="offset points", xytext=(4, 5), fontsize=8,
                    color=BLUE)
    else:
        ax.text(0.5, 0.5, "暂无监测数据", transform=ax.transAxes, ha="center", va="center", fontsize=12,
                color=GREY)
    ax.axvline(spec.year, color=BLUE, alpha=0.15, linewidth=6)
    ax.set_xlim(lo - 0.4, hi + 0.6)
    ax.set_xticks(list(range(lo, hi + 1)))
    ax.set_xticklabels([str(y) for y in range(lo, hi + 1)], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", alpha=0.25)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    if spec.example:
        _example_mark(ax)


def comparison_chart(title: str, unit: str | None, regions: list[tuple[str, float | None, float | None,
                                                                     float | None]],
                     national: float | None, example: bool, national_label: str | None = None) -> bytes:
    """Baseline, target and latest value per region; the national target as a dashed line."""
    key = repr((title, unit, tuple(regions), national, example, national_label))
    return _comparison_chart(key, title, unit, tuple(regions), national, example, national_label)


@lru_cache(maxsize=256)
def _comparison_chart(_key, title, unit, regions, national, example, national_label=None) -> bytes:
    with _lock:
        plt = _plt()
        fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
        fig.subplots_adjust(**MARGINS)
        try:
            names = [r[0] for r in regions]
            xs = list(range(len(regions)))
            # a dot plot: the scale fits the values (life expectancy 77–83 stays readable)
            for x, (_, base, target, latest) in zip(xs, regions):
                if base is not None and target is not None:
                    ax.annotate("", xy=(x, target), xytext=(x, base),
                                arrowprops=dict(arrowstyle="->", color=GREY, lw=1.2))
            shown = set()

            def mark(x, y, **kw):
                label = kw.pop("label")
                ax.plot([x], [y], linestyle="none", label=None if label in shown else label, **kw)
                shown.add(label)

            for x, (_, base, target, latest) in zip(xs, regions):
                if base is not None:
                    mark(x, base, marker="o", markersize=7, color="#9fb6d6", label="基期值")
                if target is not None:
                    mark(x, target, marker="D", markersize=7, color=BLUE, label="目标值")
                if latest is not None:
                    mark(x + 0.12, latest, marker="o", markersize=6, color="#e67e22",
                         label="最新值（示例数据）" if example else "最新值")
            if national is not None:
                ax.axhline(national, color=RED, linestyle="--", linewidth=1.2,
                           label=f"全国目标（参考）{national_label or num(national)}")
            ax.set_xticks(xs)
            ax.set_xticklabels(names, fontsize=8)
            ax.set_xlim(-0.5, len(regions) - 0.5)
            ax.tick_params(axis="y", labelsize=8)
            ax.set_title(title + (f"（{unit}）" if unit else ""), fontsize=10, loc="left")
            ax.grid(axis="y", alpha=0.25)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
            if example:
                _example_mark(ax)
            return _png(fig)
        finally:
            plt.close(fig)
