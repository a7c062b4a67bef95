"""Packing by hand and by the list scheduler, for notebook 08 (packing).

* :func:`hand_program` -- a learner's SIW rows grafted onto a source program (same ``.mem``,
  ``.set``, sentron): the program a by-hand schedule is;
* :func:`measure` -- a transformed program judged against its source: the validator's verdict,
  the measured cycles, any difference in registers and memory, the bound (:class:`Packed`);
* :func:`list_steps` -- the list scheduler written out cycle by cycle (what was ready, with what
  priority, what issued), with a pluggable priority; with the default (heights) it places every
  op where ``vtpu_lib.schedule.list_schedule`` does, which a test checks;
* :func:`schedule_rows` -- a :class:`~vtpu_lib.schedule.Schedule` as a table, a row per cycle;
* :func:`guarantee` -- the worst case of any list schedule, CP + N_D + N_S + N_C (Graham's argument);
* :func:`unroll_point` / :func:`unroll_sweep` -- a kernel's loop unrolled by k
  (``vtpu_lib.schedule.unroll``), packed, run and checked, with its bounds and the r registers it
  needs (:func:`registers_needed`; past 16 the unroller refuses, and the point keeps its words);
* pictures: :func:`draw_graph`, :func:`plot_unroll`, :func:`plot_registers`, and the
  :class:`UnrollExplorer` slider, a thin wrapper over :func:`unroll_point`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..asm import assemble
from ..config import MachineConfig
from ..errors import ScheduleError
from ..isa import PIPE_BIT, REG_FILES, Reg
from ..kernels import Kernel
from ..machine import run
from ..machine.state import flat
from ..program import Loop, Program, SentronCode
from ..schedule import DepGraph, Schedule, code_bounds, pack_code, validate
from ..schedule.compare import differences
from ..schedule.regions import touched
from ..schedule.unroll import accumulators_of, unroll

__all__ = ["Packed", "Step", "UnrollPoint", "hand_program", "measure", "list_steps", "schedule_rows", "guarantee",
           "op_text", "registers_needed", "unroll_point", "unroll_sweep", "draw_graph", "plot_unroll",
           "plot_registers", "UnrollExplorer"]


def hand_program(source: Program, rows: str, file: str = "by_hand.siw") -> Program:
    """``source`` with its (first) sentron's SIWs replaced by ``rows`` (SIW lines, ``D | S | C``):
    the same memory preload, ``.set`` values and identity, so the two can be compared."""
    siws = assemble(rows, file=file).sentrons[0]
    code = dataclasses.replace(source.sentrons[0], siws=siws.siws, lines=siws.lines, loops=())
    return dataclasses.replace(source, sentrons=(code,) + source.sentrons[1:])


@dataclass(frozen=True, slots=True)
class Packed:
    """A transformed program measured against its source (one sentron)."""
    label: str
    valid: bool
    problems: tuple      # the validator's words when it is not valid
    wrong: tuple         # registers and memory cells the run leaves differently from the source's run
    cycles: int          # measured
    source_cycles: int   # the source, measured
    siws: int
    ops: int
    bound_cycles: int    # code_bounds(source).bound_cycles: no schedule of the source is shorter

    @property
    def ops_per_cycle(self) -> float:
        return self.ops / self.cycles if self.cycles else 0.0

    @property
    def pct_of_bound(self) -> float:
        return 100.0 * self.bound_cycles / self.cycles if self.cycles else 0.0

    def __repr__(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        return (f"Packed({self.label}: {verdict}, {self.cycles} cycles (source {self.source_cycles}, bound "
                f"{self.bound_cycles}), {self.siws} SIWs, {self.ops_per_cycle:.2f} ops/cycle)")


def measure(source: Program, output: Program, config: MachineConfig | str = "realistic",
            label: str = "packed") -> Packed:
    """Validate ``output`` against ``source``, run both under ``config`` and compare what they leave."""
    verdict = validate(source, output)
    ran, ref = run(output, config), run(source, config)
    wrong = tuple(differences(ref, ran, ignore=verdict.scratch))
    code = output.sentrons[0]
    return Packed(label, verdict.ok, verdict.problems, wrong, ran.counters().cycles, ref.counters().cycles,
                  len(code.siws), code.op_count(), code_bounds(source.sentrons[0], config).bound_cycles)


def op_text(graph: DepGraph, i: int) -> str:
    return str(graph.ops[i].instr)


@dataclass(frozen=True, slots=True)
class Step:
    """One cycle of a list schedule: the ops ready then (best first, with their priority) and
    the ops issued; an op is *ready* when its predecessors have issued and their delays passed."""
    cycle: int
    ready: tuple     # ((op index, priority), ...) best first
    issued: tuple    # op indices, in the order they were taken

    def text(self, graph: DepGraph) -> str:
        ready = ", ".join(f"{op_text(graph, i)} ({p})" for i, p in self.ready) or "nothing"
        took = ", ".join(f"{graph.ops[i].pipe}: {op_text(graph, i)}" for i in self.issued) or "nothing (wait)"
        return f"cycle {self.cycle:>2}  ready: {ready}\n          issue: {took}"


def list_steps(graph: DepGraph, priority=None) -> tuple[Schedule, list[Step]]:
    """The cycle-by-cycle list scheduler (see ``vtpu_lib.schedule.listsched``), recording each cycle.

    ``priority``: one number per op, higher first (default: ``graph.heights()``); ties go to
    program order. Ops that must share a SIW (``graph.units``) are placed together."""
    prio = list(graph.heights() if priority is None else priority)
    units, unit_of = graph.units, graph.unit_of
    preds = [[] for _ in units]
    for d in graph.deps:
        if unit_of[d.src] != unit_of[d.dst]:
            preds[unit_of[d.dst]].append((unit_of[d.src], d.delay))
    pipes = [sum(PIPE_BIT[graph.ops[i].pipe] for i in m) for m in units]
    key = [(-max(prio[i] for i in m), m[0]) for m in units]
    at: list = [None] * len(units)
    steps, t = [], 0
    while None in at:
        ready_seen, issued, used, progress = {}, [], 0, True
        while progress:                 # an op a delay-0 dependence frees may join this cycle
            progress = False
            ready = [u for u in range(len(units)) if at[u] is None
                     and all(at[p] is not None and at[p] + d <= t for p, d in preds[u])]
            for u in sorted(ready, key=key.__getitem__):
                ready_seen.setdefault(u, None)
                if pipes[u] & used:
                    continue
                used |= pipes[u]
                at[u] = t
                issued.append(u)
                progress = True
        shown = sorted(ready_seen, key=key.__getitem__)
        steps.append(Step(t, tuple((units[u][0], -key[u][0]) for u in shown),
                          tuple(i for u in issued for i in units[u])))
        t += 1
    cycle = [0] * len(graph.ops)
    for u, members in enumerate(units):
        for i in members:
            cycle[i] = at[u]
    return Schedule(graph, tuple(cycle), "list" if priority is None else "list, own priority"), steps


def schedule_rows(schedule: Schedule) -> list[str]:
    """The schedule as a table, one row per cycle from the first issue to the last, with cycles
    in which nothing issues shown as waits (the packed program has no SIW for them)."""
    graph, cells = schedule.graph, {}
    for i, c in enumerate(schedule.cycle):
        cells.setdefault(c, {})[str(graph.ops[i].pipe)] = op_text(graph, i)
    rows = [f"{'cycle':>5} | {'D':<18} | {'S':<18} | C"]
    for c in range(max(cells, default=-1) + 1):
        row = cells.get(c)
        if row is None:
            rows.append(f"{c:>5} | {'(wait)':<18} | {'':<18} |")
        else:
            rows.append(f"{c:>5} | {row.get('D', '-'):<18} | {row.get('S', '-'):<18} | {row.get('C', '-')}")
    return rows


def guarantee(graph: DepGraph) -> int:
    """Cycles no list schedule of ``graph`` can exceed: CP + N_D + N_S + N_C.

    Graham's argument: follow the op that finishes last back through the predecessor that freed
    it last. In every cycle before it issues, that op is either still waiting out a latency on the
    chain (at most CP cycles in all) or ready and refused a slot because its pipe was taken by
    another op (at most N_P such cycles per pipe P, each used once)."""
    return graph.critical_path() + len(graph.ops)


# -- loops: unrolling, measured --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UnrollPoint:
    """A kernel's loop unrolled by ``k``, packed and run (``cycles`` None past the register wall)."""
    k: int
    accumulators: int
    registers: int       # r registers the unrolled code needs (the machine has 16)
    error: str | None    # the unroller's ScheduleError, in its words, when they do not fit
    ops: int
    cycles: int | None   # measured run of the packed, unrolled program
    bound_cycles: int | None
    mix: float | None          # N / max(N_D, N_S, N_C)
    dependence: float | None   # N / critical path of the unrolled code
    correct: bool | None       # the run leaves the kernel's expected outputs, bit for bit
    valid: bool | None         # the validator finds the same expressions as the source computes

    @property
    def fits(self) -> bool:
        return self.error is None

    @property
    def ops_per_cycle(self) -> float | None:
        return self.ops / self.cycles if self.cycles else None

    def text(self) -> str:
        regs = f"{self.registers} r registers"
        if not self.fits:
            return f"k = {self.k}: needs {regs}, more than the 16 there are\n{self.error}"
        return (f"k = {self.k}: {self.ops} ops in {self.cycles} cycles = {self.ops_per_cycle:.2f} ops/cycle "
                f"(bound {self.bound_cycles} cycles; mix {self.mix:.2f}, dependence {self.dependence:.2f}); "
                f"{regs}; results {'right' if self.correct else 'WRONG'}")


def _renamed(body, accs) -> list[Reg]:
    """The registers unrolling gives every copy of ``body`` its own name for: those it writes,
    except accumulators (split instead) and chains (written once, read only by their writer)."""
    writers: dict = {}
    readers: dict = {}
    for siw in body:
        for instr in siw.ops():
            for r in instr.writes():
                writers.setdefault(r, []).append(instr)
            for r in instr.reads():
                readers.setdefault(r, []).append(instr)
    chains = {r for r, ws in writers.items() if len(ws) == 1 and all(x is ws[0] for x in readers.get(r, ()))}
    return [r for r in writers if r not in chains and r not in accs]


def registers_needed(code: SentronCode, loop: Loop, k: int, accumulators: int = 1) -> int:
    """The r registers ``code`` needs once ``loop`` is unrolled by ``k`` (the unroller's rule, see
    ``vtpu_lib.schedule.unroll``): those it touches, plus k - 1 more copies of every r value the
    body defines (accumulators and chains keep their names) and a - 1 more partial sums per accumulator."""
    used = touched(code)
    have = sum(1 for i in range(REG_FILES["r"]) if flat(Reg("r", i)) in used)
    if k == 1 or loop.count // k == 0:
        return have
    body = code.siws[loop.start:loop.start + loop.body]
    accs = accumulators_of(body) if accumulators > 1 else {}
    return have + (k - 1) * sum(r.file == "r" for r in _renamed(body, accs)) + (accumulators - 1) * len(accs)


def unroll_point(kern: Kernel, k: int, config: MachineConfig | str = "realistic", accumulators: int = 1) -> UnrollPoint:
    """``kern``'s first innermost loop unrolled by ``k`` (``vtpu_lib.schedule.unroll``), then
    packed (``pack_code``), run under ``config`` and checked; past the register wall, the
    unroller's ScheduleError is kept as the point's ``error``."""
    code = kern.program.sentrons[0]
    loop = code.innermost_loops()[0]
    need = registers_needed(code, loop, k, accumulators)
    try:
        unrolled = unroll(code, loop, k, config, accumulators=accumulators)
    except ScheduleError as e:
        return UnrollPoint(k, accumulators, need, e.render(),
                           code.op_count(), None, None, None, None, None, None)
    packed = dataclasses.replace(kern.program, sentrons=(pack_code(unrolled, config).code(),)
                                 + kern.program.sentrons[1:])
    bounds = code_bounds(unrolled, config)
    trace = run(packed, config)
    return UnrollPoint(k, accumulators, need, None, bounds.ops, trace.counters().cycles, bounds.bound_cycles,
                       bounds.mix, bounds.ops / bounds.critical_path, kern.check(trace) == [],
                       validate(kern.program, packed).ok)


def unroll_sweep(kern: Kernel, ks=range(1, 7), config: MachineConfig | str = "realistic",
                 accumulators: int = 1) -> list[UnrollPoint]:
    return [unroll_point(kern, k, config, accumulators) for k in ks]


# -- pictures ------------------------------------------------------------------------------

EDGE_STYLES = {"true": "-", "anti": "--", "output": ":", "memory-true": "-.", "memory-anti": "-.",
               "memory-output": "-.", "order": (0, (1, 3))}
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
