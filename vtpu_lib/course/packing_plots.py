"""Pictures for notebook 08 (packing): the dependence graph, ops/cycle against the bounds as the
unroll factor grows, the r registers each factor needs, and the unroll slider -- thin wrappers
over the pure functions of :mod:`vtpu_lib.course.packing`.
"""

from __future__ import annotations

from ..isa import REG_FILES
from ..schedule import DepGraph
from ..config import MachineConfig
from ..kernels import Kernel
from .packing import UnrollPoint, unroll_point, unroll_sweep


# -- pictures ------------------------------------------------------------------------------

EDGE_STYLES = {"true": "-", "anti": "--", "output": ":", "memory-true": "-.", "memory-anti": "-.",
               "memory-output": "-.", "order": (0, (1, 3)), "prefetch": (0, (5, 2))}
PIPE_ROWS = {"D": 2.0, "S": 1.0, "C": 0.0}


def draw_graph(graph: DepGraph, ax=None, title: str = "", critical: bool = True):
    """The dependence graph: each op a box in its pipe's row at the earliest cycle it could issue
    (unlimited pipes), each dependence an arrow labelled with its delay; the critical chain in black."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..viz import PIPE_COLOURS

    t = graph.earliest()
    if ax is None:   # about an inch a cycle, so that an op's text fits between two cycles
        _, ax = plt.subplots(figsize=(1.25 * (max(t, default=0) + 1) + 2.5, 3.4))
    slots: dict = {}
    pos = {}
    for op in graph.ops:
        key = (t[op.index], str(op.pipe))
        n = slots.get(key, 0)
        slots[key] = n + 1
        pos[op.index] = (t[op.index], PIPE_ROWS[str(op.pipe)] * 1.6 - 0.45 * n)
    chain = {op.index for op in graph.critical_chain()} if critical else set()
    kinds = []
    for d in graph.deps:
        (x0, y0), (x1, y1) = pos[d.src], pos[d.dst]
        hot = d.src in chain and d.dst in chain and t[d.src] + d.delay == t[d.dst]
        ax.annotate("", (x1 - 0.4, y1), (x0 + 0.4, y0), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color="black" if hot else "#999999", lw=2.0 if hot else 1.0,
                                    linestyle=EDGE_STYLES.get(d.kind, "-"), shrinkA=0, shrinkB=0))
        ax.text(x1 - 0.4 - 0.25 * (x1 - x0 - 0.8), y1 - 0.25 * (y1 - y0), str(d.delay), fontsize=7, ha="center",
                va="center", color="black", zorder=2, bbox=dict(boxstyle="circle,pad=0.1", fc="white", ec="none"))
        kinds += [d.kind] if d.kind not in kinds else []
    for op in graph.ops:
        x, y = pos[op.index]
        ax.text(x, y, str(op.instr), ha="center", va="center", fontsize=7.5, color="white", zorder=3,
                bbox=dict(boxstyle="round,pad=0.3", fc=PIPE_COLOURS[str(op.pipe)],
                          ec="black" if op.index in chain else "none", lw=1.5))
    span = max(t, default=0)
    ax.set_xlim(-0.7, span + 0.7)
    ax.set_ylim(min(y for _, y in pos.values()) - 0.5, max(y for _, y in pos.values()) + 0.5)
    ax.set_xticks(range(span + 1))
    ax.set_yticks([PIPE_ROWS[p] * 1.6 for p in "DSC" if any(str(o.pipe) == p for o in graph.ops)],
                  [f"{p} pipe" for p in "DSC" if any(str(o.pipe) == p for o in graph.ops)])
    ax.set_xlabel("earliest issue cycle with unlimited pipes "
                  "(arrows: dependences, labelled with their delay in cycles)")
    handles = [Patch(fc=PIPE_COLOURS[p], label=f"{p} op") for p in "DSC" if any(str(o.pipe) == p for o in graph.ops)]
    handles += [Line2D([], [], color="#999999", ls=EDGE_STYLES[k], label=f"{k} dependence") for k in kinds]
    if chain:
        handles.append(Line2D([], [], color="black", lw=2.0, label="critical path"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_unroll(points, ax=None, title: str = "", current: int | None = None, peak: float = 3.0):
    """Measured ops/cycle of the packed, unrolled kernel against k, with the bounds: peak, mix and
    dependence (N / critical path of the unrolled code, which renaming shortens); past the register
    wall nothing is measured and the region is shaded."""
    import matplotlib.pyplot as plt

    from ..viz import BOUND_STYLES, PIPE_COLOURS

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    fit = [p for p in points if p.fits]
    ks = [p.k for p in fit]
    ax.axhline(peak, ls="--", color="grey", lw=1, label=f"peak {peak:g}")
    for name, values in (("mix bound", [p.mix for p in fit]), ("dependence bound", [p.dependence for p in fit])):
        colour, style = BOUND_STYLES[name]
        ax.plot(ks, [min(v, peak) for v in values], ls=style, color=colour, lw=1.8, label=name)
    ax.plot(ks, [p.ops_per_cycle for p in fit], "o-", color=PIPE_COLOURS["D"], lw=2, label="packed, measured")
    for p in fit:
        ax.annotate(f"{p.ops_per_cycle:.2f}", (p.k, p.ops_per_cycle), textcoords="offset points", xytext=(0, -13),
                    ha="center", fontsize=8, color=PIPE_COLOURS["D"])
    wall = [p.k for p in points if not p.fits]
    if wall:
        ax.axvspan(min(wall) - 0.5, max(p.k for p in points) + 0.5, color="#e6e6e6", zorder=0)
        ax.text(min(wall) - 0.4, 0.15, "more than 16 r registers:\nthe unroller refuses", fontsize=8, va="bottom")
    if current is not None and current in ks:
        p = fit[ks.index(current)]
        ax.plot([p.k], [p.ops_per_cycle], "o", ms=13, mfc="none", mec="black", mew=1.5, label=f"k = {current}")
    ax.set_xticks([p.k for p in points])
    ax.set_xlim(min(p.k for p in points) - 0.5, max(p.k for p in points) + 0.5)
    ax.set_ylim(0, peak * 1.15)
    ax.set_xlabel("unroll factor k (copies of the loop body)")
    ax.set_ylabel("ops per cycle")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_registers(points, ax=None, title: str = "", current: int | None = None, limit: int = REG_FILES["r"]):
    """r registers the unrolled code needs against k, with the machine's 16."""
    import matplotlib.pyplot as plt

    from ..viz import PIPE_COLOURS

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4))
    colours = [PIPE_COLOURS["D"] if p.fits else "#999999" for p in points]
    bars = ax.bar([p.k for p in points], [p.registers for p in points], color=colours,
                  edgecolor=["black" if p.k == current else "none" for p in points], linewidth=1.5)
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.axhline(limit, color="#D55E00", lw=2, label=f"the {limit} r registers")
    ax.set_xticks([p.k for p in points])
    ax.set_xlabel("unroll factor k")
    ax.set_ylabel("r registers needed")
    ax.set_ylim(0, max([p.registers for p in points] + [limit]) * 1.15)
    from matplotlib.patches import Patch
    handles = [Patch(fc=PIPE_COLOURS["D"], label="fits")] + \
        ([Patch(fc="#999999", label="does not fit")] if any(not p.fits for p in points) else []) + \
        [ax.get_legend_handles_labels()[0][0]]
    ax.legend(handles=handles, fontsize=8, loc="upper left", frameon=False)
    if title:
        ax.set_title(title)
    return ax


class UnrollExplorer:
    """An unroll-factor slider over one kernel: each move re-runs unroll + packer + machine for
    that k (:func:`unroll_point`, which ``explorer.compute(k)`` calls) and redraws ops/cycle and
    registers against k, the chosen k ringed."""

    def __init__(self, kern: Kernel, config: MachineConfig | str = "realistic", ks=range(1, 7), k: int = 1):
        import ipywidgets as W

        self.kernel, self.config, self.ks = kern, config, list(ks)
        self.points = unroll_sweep(kern, self.ks, config)
        self.slider = W.IntSlider(value=k, min=min(self.ks), max=max(self.ks), step=1, description="k",
                                  continuous_update=False)
        self.output = W.Output()
        self.slider.observe(lambda change: self.run(), names="value")
        self.widget = W.VBox([self.slider, self.output])

    def compute(self, k: int | None = None) -> UnrollPoint:
        return unroll_point(self.kernel, self.slider.value if k is None else k, self.config)

    def run(self) -> UnrollPoint:
        import matplotlib.pyplot as plt
        from IPython.display import clear_output

        point = self.compute()
        with self.output:
            clear_output(wait=True)
            fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 2]})
            plot_unroll(self.points, ax=a, current=point.k, title=f"{self.kernel.name}, k = {point.k}: " + (
                f"{point.ops_per_cycle:.2f} ops/cycle, {100 * point.bound_cycles / point.cycles:.0f}% of its bound"
                if point.fits else "does not fit in the registers"))
            plot_registers(self.points, ax=b, current=point.k,
                           title=f"k = {point.k} needs {point.registers} r registers")
            plt.tight_layout()
            plt.show()
            print(point.text())
        return point

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
        self.run()
