"""Notebook 07 (measuring): where the lost slots go, the bounds, and the original's arithmetic.

* :func:`kernel_runs` -- every kernel of :mod:`vtpu_lib.kernels`, naive and packed
  (:func:`vtpu_lib.schedule.pack`), run and charged slot by slot (:func:`slot_account`), with its
  bounds per core-cycle (:func:`bound_lines`: peak 3, mix, dependence);
* :func:`original_rows` -- programs counted the way the original's scheduler counted them
  (:func:`original_scheduler_count`: 3 ops and 1 cycle for every SIW it was given) beside our counts;
* :func:`smt_rows` -- the SMT pairs of :mod:`vtpu_lib.smt`: the original's arithmetic beside the run;
* :func:`slot_bars`, :func:`smt_bars` -- the pictures, bounds drawn on every ops/cycle axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..accounting import REASONS, SlotAccount, slot_account
from ..build import ProgramBuilder, op
from ..kernels import all_kernels
from ..machine import run
from ..program import Program
from ..schedule import pack, program_bounds
from ..smt import PAIRS, original_ops_per_cycle, original_speedup, placements, smt_study
from ..viz import NOP_COLOUR, PIPE_COLOURS, STALL_COLOURS, STALL_HATCH

PEAK = 3.0
BOUND_STYLE = {"mix bound": ("#D55E00", "--"), "dependence bound": ("#000000", "-.")}  # Okabe-Ito vermillion, black
# a bar's segments, bottom to top: (label, colour, hatch) -- ops first, so their top is ops/cycle per core
SEGMENTS = ([(f"{p} op", PIPE_COLOURS[p], None) for p in "DSC"] + [("empty", NOP_COLOUR, None)]
            + [(r, STALL_COLOURS[r], STALL_HATCH.get(r)) for r in REASONS]
            + [("drain", "white", ".."), ("idle", "white", "\\\\\\")])
EXAMPLE = """\
.mem 1.1.1 3
.set p0 1.1.1
.set p1 9.1.1          # never written: the PPT has no page for it yet
.set r5 2
- | gather r1, p0 | -  # a hit: 2 cycles
- | gather r2, p1 | -  # a miss: 2 + 12 (page walk) cycles
mul r3, r1, r5 | - | - # waits for r1
add r4, r3, r2 | - | - # waits for r3 (the mul), then r2 (the miss)
fma r6, r4, r5, r1 | scatter p0, r4 | -
"""


def bound_lines(program: Program, config="seed") -> dict:
    """The bounds on ops per core-cycle of ``program``: ``mix bound`` = ops / (cores x the busiest
    pipe of any core), ``dependence bound`` = ops / (cores x the critical path through messages).
    For one sentron: N / max(N_D, N_S, N_C) and N / critical path. The peak is 3."""
    b = program_bounds(program, config)
    n = b.ops / b.cores
    return {"mix bound": n / b.core_resource if b.core_resource else 0.0,
            "dependence bound": n / b.system_critical_path if b.system_critical_path else 0.0}


@dataclass(frozen=True, slots=True)
class KernelRun:
    """One kernel in one version under one preset: its slot account and its bounds."""
    kernel: str
    version: str          # 'naive' or 'packed'
    config: str
    account: SlotAccount
    bounds: dict          # 'mix bound', 'dependence bound': ops per core-cycle
    correct: bool         # the run left exactly the kernel's expected results

    @property
    def ops_per_core_cycle(self) -> float:
        a = self.account
        return a.op_count / (a.cycles * a.cores) if a.cycles else 0.0

    def __repr__(self) -> str:
        bounds = ", ".join(f"{k} {v:.2f}" for k, v in self.bounds.items())
        return (f"KernelRun({self.kernel} {self.version} {self.config}: {self.ops_per_core_cycle:.2f} ops per "
                f"core-cycle = 3 x {self.account.packing_efficiency:.2f} x {self.account.stall_efficiency:.2f}; "
                f"{bounds}{'' if self.correct else '; WRONG RESULTS'})")


def kernel_runs(config="realistic", kernels=None) -> list[KernelRun]:
    """Every kernel (or those given), naive then packed, run under ``config`` and accounted."""
    out = []
    for k in kernels or all_kernels():
        for version, program in (("naive", k.program), ("packed", pack(k.program, config))):
            trace = run(program, config)
            out.append(KernelRun(k.name, version, str(config), slot_account(trace),
                                 bound_lines(k.program, config), k.check(trace) == []))
    return out


def shares(account: SlotAccount) -> dict:
    """Slots per core-cycle by bar segment (the ops' shares add up to ops per core-cycle)."""
    per = account.cycles * account.cores or 1
    c = account.categories()
    values = {**{f"{p} op": c[f"{p} op"] for p in "DSC"}, "empty": account.empty_slots,
              **{r: c[r] for r in REASONS}, "drain": c["drain"], "idle": c["idle"]}
    return {k: v / per for k, v in values.items()}


def _bound_ticks(ax, x: float, width: float, bounds: dict, drawn: set) -> None:
    """Each bound as a tick across the bar at ``x``; one above the peak is not drawn (the peak
    line is then the tighter bound)."""
    for name, value in bounds.items():
        if value > PEAK:
            continue
        colour, style = BOUND_STYLE[name]
        ax.hlines(value, x - width / 2, x + width / 2, colors=colour, linestyles=style, lw=2.0,
                  path_effects=[pe.Stroke(linewidth=4.0, foreground="white"), pe.Normal()])
        drawn.add(name)


def _bound_handles(drawn: set) -> list:
    handles = [Line2D([], [], color=BOUND_STYLE[n][0], ls=BOUND_STYLE[n][1], lw=2, label=n) for n in BOUND_STYLE
               if n in drawn]
    return handles + [Line2D([], [], color="grey", ls="--", lw=1, label="peak: 3 ops/cycle")]


def slot_bars(runs: list[KernelRun], ax=None, title: str = ""):
    """One stacked bar per run (runs in pairs: naive, packed): its 3 slots per core-cycle by where
    they went, ops at the bottom so that their top is ops per core-cycle (printed in the bar); the
    bounds as ticks across it, the peak as a line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(13, 4.4))
    xs = np.arange(len(runs)) + np.repeat(np.arange((len(runs) + 1) // 2) * 0.6, 2)[:len(runs)]
    used, drawn = set(), set()
    for x, r in zip(xs, runs):
        bottom = 0.0
        for label, colour, hatch in SEGMENTS:
            h = shares(r.account)[label]
            if h:
                ax.bar(x, h, 0.8, bottom=bottom, color=colour, hatch=hatch, linewidth=0.5,
                       edgecolor="grey" if colour == "white" else "white")
                used.add(label)
                bottom += h
        ax.text(x, r.ops_per_core_cycle - 0.03, f"{r.ops_per_core_cycle:.2f}", ha="center", va="top", fontsize=7,
                color="white", path_effects=[pe.Stroke(linewidth=2.0, foreground="black"), pe.Normal()])
        _bound_ticks(ax, x, 0.8, r.bounds, drawn)
    ax.axhline(PEAK, ls="--", color="grey", lw=1)
    ax.set_xticks(xs, [r.version for r in runs], fontsize=7)
    for x, r in zip(xs[::2], runs[::2]):
        ax.annotate(r.kernel, (x + 0.5, 0), xycoords=("data", "axes fraction"), xytext=(0, -22),
                    textcoords="offset points", ha="center", va="top", fontsize=8)
    ax.set_xlim(xs[0] - 0.6, xs[-1] + 0.6)
    ax.set_ylim(0, PEAK * 1.05)
    ax.set_ylabel("slots per core-cycle\n(the ops' top = ops/cycle)")
    ax.set_xlabel("kernel and version", labelpad=20)
    handles = legend_patches([label for label, _, _ in SEGMENTS if label in used]) + _bound_handles(drawn)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    return ax


def _legend_label(label: str) -> str:
    if label == "empty":
        return "empty: no op for that pipe"
    if label in REASONS:
        return f"stall: {label}"
    return {"drain": "drain: results landing", "idle": "idle: core not running"}.get(label, label)


# -- counting like the original -------------------------------------------------------------------

def original_scheduler_count(program: Program) -> tuple[int, int]:
    """(ops, cycles) as the original's ``Scheduler`` recorded them (``src/scheduler.rs``): 3 ops
    and 1 cycle for every SIW it executed, whatever its slots held -- its own test checked that
    one SIW of three NOPs gives 3.0 ops/cycle. Every program measures 3.0."""
    siws = sum(len(code.siws) for code in program.sentrons)
    return 3 * siws, siws


def nop_stream(n: int = 100) -> Program:
    b = ProgramBuilder(f"nop_stream_{n}")
    b.sentron("nops", id=0)
    for _ in range(n):
        b.siw()
    return b.build()


def synthetic_stream(n: int = 300, shares=(0.33, 0.33, 0.34), seed: int = 0) -> Program:
    """``n`` SIWs of one op each, its pipe drawn with ``shares`` (D, S, C) from a seeded generator:
    the shape of the original's benchmark streams (``src/bin/siw-gen.rs`` put exactly one op in
    each SIW). The ops are independent: D adds, S gathers of a cell present in the PPT, C packs."""
    b = ProgramBuilder(f"synthetic_{n}")
    b.mem("1.1.1", 1.5)
    b.sentron("synthetic", id=0).set("p0", "1.1.1").set("r6", 2.0).set("r7", 0.25)
    pipes = np.random.default_rng(seed).choice(3, size=n, p=shares)
    for i, pipe in enumerate(pipes):
        b.siw((op("add", f"r{i % 6}", "r6", "r7"), op("gather", f"r{8 + i % 4}", "p0"),
               op("pack", f"m{i % 4}", "r6"))[pipe])
    return b.build()


@dataclass(frozen=True, slots=True)
class CountRow:
    label: str
    siws: int
    ops: int
    original: float       # the original scheduler's ops/cycle: always 3.0
    ops_per_cycle: float
    useful_ops_per_cycle: float
    bounds: dict


def original_rows(config="seed") -> list[CountRow]:
    """NOP stream, synthetic stream (naive and packed), notebook 01's packed dot product and the
    dot kernel (naive and packed): the original scheduler's count beside ours."""
    from .. import programs
    from ..kernels import kernel
    stream, dot = synthetic_stream(), kernel("dot").program
    cases = [("NOP stream", nop_stream()), ("synthetic stream, 1 op/SIW", stream),
             ("synthetic stream, packed", pack(stream, config)),
             ("01's optimized dot product", programs.load("microvtpu_optimized")),
             ("dot kernel, naive", dot), ("dot kernel, packed", pack(dot, config))]
    rows = []
    for label, program in cases:
        c = run(program, config).counters()
        ops, cycles = original_scheduler_count(program)
        rows.append(CountRow(label, c.siws, c.ops, ops / cycles, c.ops_per_cycle, c.useful_ops_per_cycle,
                             bound_lines(program, config) if c.ops else {"mix bound": 0.0, "dependence bound": 0.0}))
    return rows


def count_table(rows: list[CountRow]) -> str:
    head = f"{'program':<28}{'SIWs':>6}{'ops':>6}{'original':>10}{'ops/cycle':>11}{'useful':>8}{'mix':>7}{'dep.':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.label:<28}{r.siws:>6}{r.ops:>6}{r.original:>10.2f}{r.ops_per_cycle:>11.2f}"
                     f"{r.useful_ops_per_cycle:>8.2f}{r.bounds['mix bound']:>7.2f}{r.bounds['dependence bound']:>7.2f}")
    return "\n".join(lines)


# -- SMT: the arithmetic beside the run ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SMTCount:
    pair: str
    kind: str
    original_speedup: float         # (A + B) / max(A, B) from two separate runs
    measured_speedup: float         # one thread doing A then B / the two as SMT threads
    original_ops_per_cycle: float   # (ops A + ops B) / max(A, B)
    account: SlotAccount            # the SMT run, machine-wide (one core)
    bounds: dict

    @property
    def ops_per_cycle(self) -> float:
        return self.account.ops_per_cycle


def smt_rows(config="realistic", pairs=PAIRS) -> list[SMTCount]:
    out = []
    for row in smt_study(config, pairs):
        a, b = row.pair.split("+")
        program = placements(a, b)["smt"]
        account = slot_account(run(program, config))
        out.append(SMTCount(row.pair, row.kind, original_speedup(row.alone_a_cycles, row.alone_b_cycles),
                            row.smt_speedup, original_ops_per_cycle(row.ops_a, row.alone_a_cycles, row.ops_b,
                                                                    row.alone_b_cycles),
                            account, bound_lines(program, config)))
    return out


def smt_bars(rows: list[SMTCount], ax=None, title: str = ""):
    """Per pair: the original's ops/cycle (hatched) and the SMT run's (solid), the run's bounds as
    ticks across both, the peak as a line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    w, drawn = 0.38, set()
    for i, r in enumerate(rows):
        for x, v in ((i - w / 2, r.original_ops_per_cycle), (i + w / 2, r.ops_per_cycle)):
            original = x < i
            ax.bar(x, v, w, color="white" if original else PIPE_COLOURS["D"], hatch="//" if original else None,
                   edgecolor=PIPE_COLOURS["S"] if original else "white")
            ax.text(x, v - 0.04, f"{v:.2f}", ha="center", va="top", fontsize=7,
                    color="black" if original else "white")
        _bound_ticks(ax, i, 2 * w + 0.1, r.bounds, drawn)
    ax.axhline(PEAK, ls="--", color="grey", lw=1)
    ax.set_xticks(range(len(rows)), [f"{r.pair}\n{r.kind}" for r in rows], fontsize=7)
    ax.set_ylim(0, PEAK * 1.1)
    ax.set_ylabel("ops per cycle (one core)")
    ax.set_xlabel("pair of threads (their main pipes)")
    handles = [Patch(facecolor="white", edgecolor=PIPE_COLOURS["S"], hatch="//",
                     label="the original's arithmetic:\n(ops A + ops B) / max(cycles A, B)"),
               Patch(facecolor=PIPE_COLOURS["D"], label="measured: two threads, one core")] + _bound_handles(drawn)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    return ax


def legend_patches(labels) -> list:
    """Legend patches for bar segments by label (for a shared legend)."""
    style = {label: (colour, hatch) for label, colour, hatch in SEGMENTS}
    return [Patch(facecolor=style[k][0], hatch=style[k][1], edgecolor="grey", label=_legend_label(k)) for k in labels]


__all__ = ["EXAMPLE", "PEAK", "bound_lines", "KernelRun", "kernel_runs", "shares", "slot_bars",
           "original_scheduler_count", "nop_stream", "synthetic_stream", "CountRow", "original_rows", "count_table",
           "SMTCount", "smt_rows", "smt_bars", "legend_patches"]
