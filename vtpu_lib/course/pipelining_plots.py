"""The pictures and the prefetch-distance slider of notebook 09 (data in, Axes out).

Colours are the Okabe-Ito palette of :mod:`vtpu_lib.viz` (pipes blue D, orange S, green C). Titles
are the caller's: the notebook states its finding there. :class:`PrefetchExplorer` is a thin
widget: :meth:`PrefetchExplorer.compute` is :func:`~vtpu_lib.course.pipelining.prefetch_point`
for every PPT size, and moving the slider only redraws.
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import clear_output, display
from matplotlib.patches import Patch, Rectangle

from ..viz import LINE_COLOURS, NOP_COLOUR, PIPE_COLOURS
from . import pipelining as pl

__all__ = ["reservation_table", "overlap_diagram", "t_of_n_plot", "prefetch_plot", "PrefetchExplorer",
           "random_gather_plot", "smt_plot", "bench_plot"]

BLUE, ORANGE, GREEN, PINK, BLACK, VERMILLION, SKY = LINE_COLOURS


def _text_colour(pipe: str) -> str:
    return "white" if pipe == "D" else "black"


def reservation_table(ms, ax=None, title: str = ""):
    """The modulo reservation table: rows = cycles 0..II-1 of the kernel, columns D/S/C; each
    cell holds its op and the stage (how many II ago its iteration started)."""
    table = ms.reservation_table()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.7 * ms.ii + 1.2))
    for row, cells in enumerate(table):
        for col, pipe in enumerate("DSC"):
            y = ms.ii - 1 - row
            cell = cells.get(pipe)
            ax.add_patch(Rectangle((col, y), 1, 1, facecolor=PIPE_COLOURS[pipe] if cell else NOP_COLOUR,
                                   edgecolor="white", linewidth=2))
            if cell:
                _, text, stage = cell
                ax.text(col + 0.5, y + 0.5, f"{text}\nstage {stage}: iteration i - {stage}" if stage else
                        f"{text}\nstage 0: iteration i", ha="center", va="center", fontsize=8,
                        color=_text_colour(pipe))
    ax.set_xlim(0, 3)
    ax.set_ylim(0, ms.ii)
    ax.set_xticks([0.5, 1.5, 2.5], ["D pipe", "S pipe", "C pipe"])
    ax.set_yticks([ms.ii - 0.5 - r for r in range(ms.ii)], [f"cycle {r}" for r in range(ms.ii)])
    ax.set_ylabel(f"kernel cycle (mod II = {ms.ii})")
    ax.tick_params(length=0)
    ax.legend(handles=[Patch(facecolor=NOP_COLOUR, label="free slot")], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def overlap_diagram(ms, iterations: int, ax=None, title: str = ""):
    """Each iteration's ops at their issue cycles (k * II + t_j): prologue, kernel and epilogue
    are where fewer than SC iterations, SC, and fewer again are in flight."""
    rows = pl.overlap(ms, iterations)
    end = max(c for *_, c, _ in rows) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14, 0.45 * end + 2.5), 0.45 * iterations + 1.3))
    full_from, full_to = (ms.stages - 1) * ms.ii, iterations * ms.ii
    if full_to > full_from:
        ax.axvspan(full_from, full_to, color=SKY, alpha=0.18, lw=0)
    for x0, x1, word in ((0, full_from, "prologue"), (full_from, full_to, "kernel (repeats)"), (full_to, end, "epilogue")):
        if x1 > x0:
            ax.text((x0 + x1) / 2, iterations + 0.15, word, ha="center", va="bottom", fontsize=8, color="dimgrey")
    for k, text, pipe, cycle, stage in rows:
        y = iterations - 1 - k
        ax.add_patch(Rectangle((cycle, y + 0.08), 1, 0.84, facecolor=PIPE_COLOURS[pipe], edgecolor="white"))
        ax.text(cycle + 0.5, y + 0.5, text.split()[0], ha="center", va="center", fontsize=6.5,
                color=_text_colour(pipe), rotation=90 if len(text.split()[0]) > 4 else 0)
    ax.set_xlim(0, end)
    ax.set_ylim(0, iterations + 0.7)
    ax.set_yticks([iterations - 0.5 - k for k in range(iterations)], [f"iteration {k}" for k in range(iterations)])
    ax.set_xticks(range(0, end + 1, ms.ii))
    ax.set_xlabel("cycle the op issues")
    handles = [Patch(facecolor=PIPE_COLOURS[p], label=f"{p} op") for p in "DSC"
               if any(r[2] == p for r in rows)]
    handles.append(Patch(facecolor=SKY, alpha=0.18, label=f"steady state: {ms.stages} iterations in flight"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def t_of_n_plot(series: dict, axes=None, title: str = ""):
    """Per kernel (``label -> list[TPoint]``), left: cycles per iteration against n -- measured
    pipelined runs (dots) on the formula (n + SC - 1) * II / n (dashed), which falls to II, and the
    naive runs (crosses); right: measured minus formula, in cycles."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    left, right = axes
    width = 0.8 / max(1, len(series))
    for i, (label, pts) in enumerate(series.items()):
        colour = (BLUE, VERMILLION, GREEN)[i % 3]
        ns = [p.n for p in pts]
        ii, sc = pts[0].ii, pts[0].stages
        left.plot(ns, [p.textbook / p.n for p in pts], ls="--", color=colour, lw=1.2,
                  label=f"{label}: (n + {sc} - 1) x {ii} / n")
        left.plot(ns, [p.measured / p.n for p in pts], "o", color=colour, label=f"{label}: pipelined, measured")
        left.plot(ns, [p.naive / p.n for p in pts], "x", color=colour, ms=7, label=f"{label}: naive, measured")
        left.axhline(ii, color=colour, lw=0.8, ls=":")
        left.annotate(f"II = {ii}", (ns[-1], ii), textcoords="offset points", xytext=(4, -10), fontsize=8,
                      color=colour)
        right.bar([j + (i - (len(series) - 1) / 2) * width for j in range(len(ns))],
                  [p.measured - p.textbook for p in pts], width, color=colour, label=label)
        right.set_xticks(range(len(ns)), [str(n) for n in ns])
    left.set_xscale("log", base=2)
    left.set_xticks(ns, [str(n) for n in ns])
    left.set_ylim(0, None)
    left.set_xlabel("loop iterations n")
    left.set_ylabel("cycles per iteration")
    left.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    right.axhline(0, color="grey", lw=1)
    right.set_xlabel("loop iterations n")
    right.set_ylabel("measured - formula (cycles)")
    right.legend(fontsize=8, frameon=False, loc="center right")
    if title:
        left.figure.suptitle(title)
    return axes


def prefetch_plot(sweeps: dict, distance=None, formula=None, axes=None, title: str = ""):
    """Hit rate (left) and ppt-miss stall cycles (right) against the prefetch distance, one curve
    per PPT (``label -> list[PrefetchPoint]``); ``distance``: the slider's, marked on every curve;
    ``formula``: the pass's ceil(miss / II), a dotted line."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    for i, (label, pts) in enumerate(sweeps.items()):
        colour = (BLUE, VERMILLION)[i % 2]
        pts = [p for p in pts if p.distance is not None]
        ds = [p.distance for p in pts]
        for ax, ys in zip(axes, ([100 * p.hit_rate for p in pts], [p.ppt_miss_stall_cycles for p in pts])):
            ax.plot(ds, ys, marker="o", ms=3.5, color=colour, label=label)
            if distance is not None and distance in ds:
                ax.plot(distance, ys[ds.index(distance)], "o", ms=11, mfc="none", mec=BLACK, mew=1.6)
    for ax, ylabel in zip(axes, ("PPT hit rate (% of gathers and scatters)", "ppt-miss stall cycles")):
        if formula is not None:
            ax.axvline(formula, ls=":", color=BLACK, lw=1.2, label=f"ceil(miss / II) = {formula}")
        if distance is not None:
            ax.plot([], [], "o", ms=9, mfc="none", mec=BLACK, mew=1.6, label=f"slider: distance {distance}")
        ax.set_xlabel("prefetch distance (elements ahead of the gather)")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8, frameon=False)
    axes[0].set_ylim(-3, 103)
    if title:
        axes[0].figure.suptitle(title)
    return axes


class PrefetchExplorer:
    """A distance slider over the prefetch study: the curves for every PPT size are measured once;
    moving the slider runs the pass at that distance (:meth:`compute`) and redraws."""

    def __init__(self, distance: int = 3, distances=range(0, 25), sizes=pl.PPT_SIZES, progress=None):
        self.sizes, self.distances = tuple(sizes), list(distances)
        self.sweeps = {self.label(s): pl.prefetch_sweep(self.distances, s, progress=progress) for s in self.sizes}
        self.formula = pl.formula_distance(self.sizes[0]).distance
        self.slider = W.IntSlider(value=distance, min=self.distances[0], max=self.distances[-1],
                                  description="distance", continuous_update=False)
        self.output = W.Output()
        self.slider.observe(lambda change: self.run(change["new"]), names="value")
        self.widget = W.VBox([self.slider, self.output])

    @staticmethod
    def label(size) -> str:
        sets, ways = size
        return f"PPT {sets} x {ways} = {sets * ways} pages"

    def compute(self, distance: int) -> dict:
        """What the slider computes at ``distance``: one PrefetchPoint per PPT size (touches no widget)."""
        return {self.label(s): pl.prefetch_point(distance, s) for s in self.sizes}

    def run(self, distance: int | None = None) -> dict:
        """What moving the slider does: measure at ``distance`` and redraw."""
        distance = self.slider.value if distance is None else distance
        points = self.compute(distance)
        with self.output:
            clear_output(wait=True)
            for label, p in points.items():
                print(f"{label}: {p.cycles} cycles, {p.ppt_miss_stall_cycles} ppt-miss stall cycles, "
                      f"hit rate {100 * p.hit_rate:.1f} %, {p.late_hits} late")
            prefetch_plot(self.sweeps, distance, self.formula, title=f"Prefetching {distance} elements ahead")
            plt.tight_layout()
            plt.show()
        return points

    def _ipython_display_(self):
        display(self.widget)
        self.run()


def random_gather_plot(rows, ax=None, title: str = ""):
    """Random gathers' measured hit rate against the footprint, beside min(1, C / F)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.4))
    fs = [r["footprint"] for r in rows]
    capacity = rows[0]["capacity"]
    ax.plot(fs, [100 * r["model"] for r in rows], ls="--", color=VERMILLION, label="min(1, C / F): LRU, uniform")
    ax.plot(fs, [100 * r["hit_rate"] for r in rows], "o-", color=BLUE, label="measured")
    ax.axvline(capacity, ls=":", color=BLACK, lw=1.2, label=f"capacity C = {capacity} pages")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("footprint F (pages the gathers pick from at random)")
    ax.set_ylabel("PPT hit rate (%)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def smt_plot(rows, ax=None, title: str = ""):
    """Per pair: the measured SMT speedup, the two-core speedup (the ceiling) and the original's
    arithmetic (A + B) / max(A, B), with the 1.89x it reported."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10.5, 3.6))
    w = 0.27
    xs = range(len(rows))
    series = [("SMT: 2 threads on 1 core, measured", [r.smt_speedup for r in rows], BLUE),
              ("2 cores, measured", [r.two_core_speedup for r in rows], GREEN),
              ("the original's arithmetic (A + B) / max(A, B)", [r.original_speedup for r in rows], ORANGE)]
    for i, (label, ys, colour) in enumerate(series):
        bars = ax.bar([x + (i - 1) * w for x in xs], ys, w, color=colour, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.axhline(1.89, ls="--", color=BLACK, lw=1, label="the original's reported 1.89x")
    ax.set_xticks(list(xs), [f"{r.pair}\n{r.kind}" for r in rows], fontsize=8)
    ax.set_ylabel("speedup over one thread (x)")
    ax.set_xlabel("kernel pair (the pipes each mostly uses)")
    ax.set_ylim(0, 2.75)
    ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
    if title:
        ax.set_title(title)
    return ax


def bench_plot(rows, ax=None, title: str = "", goal: float = 95.0):
    """Every kernel's optimized run as a % of its bound, one bar per preset, the naive run as a tick."""
    kernels = list(dict.fromkeys(r.kernel for r in rows))
    configs = list(dict.fromkeys(r.config for r in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.27 * len(kernels) * len(configs) + 1.3))
    h = 0.8 / len(configs)
    for i, cfg in enumerate(configs):
        mine = {r.kernel: r for r in rows if r.config == cfg}
        ys = [k + (i - (len(configs) - 1) / 2) * h for k in range(len(kernels))]
        bars = ax.barh(ys, [mine[k].pct_of_bound for k in kernels], h, color=(BLUE, ORANGE)[i % 2],
                       label=f"{cfg}: optimized")
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
        naive = [100.0 * mine[k].bound_cycles / mine[k].naive_cycles for k in kernels]
        ax.plot(naive, ys, "|", color=BLACK, ms=9, mew=2, label="naive" if i == 0 else None)
    ax.axvline(100, color=BLACK, lw=1.2, label="the bound (100 %)")
    ax.axvline(goal, color=PINK, ls="--", lw=1.2, label=f"goal: {goal:g} % of the bound")
    ax.set_yticks(range(len(kernels)), kernels)
    ax.invert_yaxis()
    ax.set_xlim(0, 108)
    ax.set_xlabel("% of the bound (100 x bound cycles / measured cycles)")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    return ax
