"""SMT, measured: two threads on one core against one thread and against two cores.

Each pair of kernels (A, B) runs five ways on the real machine (:func:`vtpu_lib.machine.run`):
A alone, B alone, **one thread** doing A then B (one sentron whose SIWs are A's then B's;
registers and addresses disjoint), **SMT** (``a`` on core 0 thread 0, ``b`` on core 0 thread 1:
they share the core's D, S and C pipes) and **two cores** (one thread each). The measured SMT
speedup is one-thread cycles / SMT cycles; every run must leave the registers and memory the
alone runs leave (else :class:`~vtpu_lib.errors.VtpuInternalError`).

The original vTPU's 1.89x came from arithmetic, not from running two threads together:
``SmtPair::train_step`` (``src/smt.rs``) ran the two sentrons one after the other, each to
completion, and reported ``total_cycles = max(fwd, bwd)`` and ``effective_ops_per_cycle =
(fwd ops + bwd ops) / total_cycles``; the wave-16 benchmark (``src/bin/w16_smt_using_existing.rs``,
``bench_sequential_vs_smt``) divided ``fwd + bwd`` cycles by that max: 99,000 / 52,500 = 1.89.
That figure, :func:`original_speedup`, depends only on the two lengths -- it is 2.0 for any two
equally long threads, and it never asks whether the two threads want the same pipe.

Why the measurement differs from it:

* **identical mixes contend for the same pipe.** Two D-heavy threads both want the D pipe every
  cycle; one of them waits (a ``pipe-busy`` stall) and the pair takes about as long as one thread
  doing both: speedup ~1.0 where the arithmetic says 2.0. Two S-heavy threads gain only the D
  slots their 1-in-5 D ops leave free: the S pipe is busy every cycle, and they measure 1.25x.
* **complementary mixes overlap**, but only as far as their mixes really differ: the S-heavy
  kernel's 20 % D ops still collide with the D-heavy kernel, so D+S measures 1.65x, bounded by
  the busier pipe (ops on D / cycles <= 1), not by the longer thread; D+C and S+C share no pipe
  and reach the two-core figure (1.98x: the kernels are 239 and 235 SIWs long).
* **two cores are the ceiling**: nothing is shared, so the pair takes max(A alone, B alone).
  SMT can match it, never beat it.
* **latency, not the mix, decides the last row.** One dependent fma chain (L) issues once every
  4 cycles under ``realistic``: two of them share the D pipe without getting in each other's way
  (1.99x), while under ``seed`` (latency 1) the same pair is as bad as D+D (1.01x). SMT pays
  where one thread leaves slots empty -- for lack of work on a pipe or for waiting.

Every kernel is written **one op per SIW** (built with :class:`~vtpu_lib.build.ProgramBuilder`,
not hand-packed). On this machine a SIW occupies every pipe it has an op in, so one op per SIW
makes a kernel's pipe mix exactly the share of its SIWs on each pipe and lets the two threads
interleave op by op; a thread already packed three-wide would leave SMT nothing to fill (packing
is notebook 08's subject). The op order of D, S and C is hand-scheduled so that each alone issues
a SIW every cycle under both presets (four fma chains cover the fma latency of 4; the stream is
skewed so a value is scaled two SIWs after its gather lands): every stall in those runs is SMT's
doing, and the two presets measure the same. Only L stalls alone, by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .build import ProgramBuilder, op
from .config import MachineConfig, get_config
from .errors import VtpuInternalError
from .machine import run
from .program import Program

__all__ = ["Kernel", "KERNELS", "PAIRS", "placements", "original_speedup", "original_ops_per_cycle",
           "SMTRow", "smt_study", "smt_table", "check_results"]

# Each kernel is emitted into one of two slots: its registers and its memory region by slot, so
# that A (slot 0) and B (slot 1) never touch each other's state, even inside one sentron.
R_BASE, P_BASE, M_BASE = (0, 8), (0, 4), (0, 2)
# Scroll where a slot's memory region starts: both regions' pages (< 128 each) land at most 4 to a
# set of the 64 x 4 PPT (set = scroll mod 64), so no run evicts; .mem cells enter the PPT, so gathers hit.
MEM_BASE = (1, 129)
FMA_STEPS = 58        # 4 chains x 58 fma + 7 S ops = 239 SIWs
STREAM_N = 48         # 48 elements x (gather, index, mul, scatter, index) - 1 = 239 SIWs
ROTATE_ROUNDS = 47    # 47 x (pack + 4 unpack) = 235 SIWs; 47 rounds rotate by 3 lanes, not back home
CHAIN_STEPS = 60      # one chain: 61 SIWs; ~4 cycles a SIW under realistic (fma latency 4)


def _coord(slot: int, offset: int) -> str:
    return f"{MEM_BASE[slot] + offset}.1.1"


def _fma_chains(b: ProgramBuilder, slot: int) -> None:
    """D-heavy: four independent chains x = x*a + c, then the four results scattered."""
    r, p = R_BASE[slot], f"p{P_BASE[slot]}"
    acc, a, c = [f"r{r + i}" for i in range(4)], f"r{r + 4}", f"r{r + 5}"
    for i, x in enumerate(acc):
        b.set(x, 1.0 + i + 10 * slot)
    b.set(a, 1.03125).set(c, 0.5).set(p, _coord(slot, 100))
    for _ in range(FMA_STEPS):
        for x in acc:
            b.siw(op("fma", x, x, a, c))
    for i, x in enumerate(acc):
        if i:
            b.siw(op("index", p, p, 0, 1))
        b.siw(op("scatter", p, x))


def _fma_chain(b: ProgramBuilder, slot: int) -> None:
    """Latency-bound D: one dependent chain x = x*a + c (each fma waits for the last), then scattered."""
    r, p = R_BASE[slot], f"p{P_BASE[slot]}"
    x, a, c = f"r{r}", f"r{r + 1}", f"r{r + 2}"
    b.set(x, 1.0 + 10 * slot).set(a, 1.03125).set(c, 0.5).set(p, _coord(slot, 100))
    for _ in range(CHAIN_STEPS):
        b.siw(op("fma", x, x, a, c))
    b.siw(op("scatter", p, x))


def _stream_scale(b: ProgramBuilder, slot: int) -> None:
    """S-heavy: y[i] = 3 x[i] streamed through the PPT (gather, index, mul, scatter, index: 80 % S).
    Skewed by hand: step i gathers x[i], scales x[i-1] and scatters y[i-2], so no op waits."""
    r, p = R_BASE[slot], P_BASE[slot]
    xs, ys, s = (f"r{r}", f"r{r + 1}"), (f"r{r + 2}", f"r{r + 3}"), f"r{r + 4}"
    src, dst = f"p{p}", f"p{p + 1}"
    b.set(s, 3.0).set(src, _coord(slot, 0)).set(dst, _coord(slot, STREAM_N))
    for i in range(STREAM_N):
        b.mem(_coord(slot, i), i + 0.25 + 100 * slot)
    for i in range(STREAM_N + 2):
        if i < STREAM_N:
            b.siw(op("gather", xs[i % 2], src)).siw(op("index", src, src, 0, 1))
        if 1 <= i <= STREAM_N:
            b.siw(op("mul", ys[(i - 1) % 2], xs[(i - 1) % 2], s))
        if i >= 2:
            b.siw(op("scatter", dst, ys[i % 2]))
            if i <= STREAM_N:
                b.siw(op("index", dst, dst, 0, 1))


def _lane_rotate(b: ProgramBuilder, slot: int) -> None:
    """C-heavy: four registers rotated one lane per round through a message (pack + 4 unpacks)."""
    r, m = R_BASE[slot], f"m{M_BASE[slot]}"
    regs = [f"r{r + i}" for i in range(4)]
    for i, x in enumerate(regs):
        b.set(x, 7.0 * (i + 1) + 100 * slot)
    for _ in range(ROTATE_ROUNDS):
        b.siw(op("pack", m, *regs))
        for j, x in enumerate(regs):
            b.siw(op("unpack", x, m, (j + 1) % 4))


@dataclass(frozen=True, slots=True)
class Kernel:
    """A kernel that can be emitted into slot 0 or 1 of a sentron; ``pipe``: the pipe it mostly uses."""
    name: str
    pipe: str
    emit: Callable = field(repr=False, compare=False)


KERNELS = {"D": Kernel("fma-chains", "D", _fma_chains), "S": Kernel("stream-scale", "S", _stream_scale),
           "C": Kernel("lane-rotate", "C", _lane_rotate), "L": Kernel("fma-chain", "D", _fma_chain)}
# (A, B, kind): complementary = different main pipes; identical = the same main pipe, each thread
# alone keeping it busy; latency-bound = the same pipe, but each thread alone mostly waits (realistic).
PAIRS = (("D", "S", "complementary"), ("D", "C", "complementary"), ("S", "C", "complementary"),
         ("D", "D", "identical"), ("S", "S", "identical"), ("C", "C", "identical"), ("L", "L", "latency-bound"))


def placements(a: str, b: str) -> dict[str, Program]:
    """The five programs of pair (A, B): ``alone_a``, ``alone_b``, ``sequential`` (one sentron,
    A's SIWs then B's), ``smt`` (core 0, threads 0 and 1) and ``two_cores`` (cores 0 and 1)."""
    ka, kb = KERNELS[a], KERNELS[b]

    def build(name: str, layout) -> Program:
        pb = ProgramBuilder(f"<smt {a}+{b} {name}>")
        for sentron, core, thread, kernels in layout:
            pb.sentron(sentron, id=core * 2 + thread, core=core, thread=thread)
            for slot, k in kernels:
                k.emit(pb, slot)
        return pb.build()

    return {"alone_a": build("alone_a", [("a", 0, 0, [(0, ka)])]),
            "alone_b": build("alone_b", [("b", 0, 1, [(1, kb)])]),
            "sequential": build("sequential", [("ab", 0, 0, [(0, ka), (1, kb)])]),
            "smt": build("smt", [("a", 0, 0, [(0, ka)]), ("b", 0, 1, [(1, kb)])]),
            "two_cores": build("two_cores", [("a", 0, 0, [(0, ka)]), ("b", 1, 0, [(1, kb)])])}


# -- the original's arithmetic ---------------------------------------------------------------

def original_speedup(cycles_a: int, cycles_b: int) -> float:
    """The original's SMT speedup from two separate runs: (A + B) / max(A, B).

    ``src/bin/w16_smt_using_existing.rs``, ``bench_sequential_vs_smt``: "sequential" cycles are the
    sum of the two runs, "SMT" cycles are ``SmtPair::train_step``'s ``total_cycles`` =
    max(fwd, bwd) (``src/smt.rs``); 99,000 / 52,500 = 1.89. Always in [1, 2], whatever the pipes."""
    return (cycles_a + cycles_b) / max(cycles_a, cycles_b)


def original_ops_per_cycle(ops_a: int, cycles_a: int, ops_b: int, cycles_b: int) -> float:
    """``SmtPair::train_step``'s ``effective_ops_per_cycle`` (``src/smt.rs``): both runs' ops over
    the longer run's cycles (the two runs never share a cycle)."""
    return (ops_a + ops_b) / max(cycles_a, cycles_b)


# -- the measurement --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SMTRow:
    """One pair under one preset: cycles of every placement, SMT's pipe-busy stalls and per-pipe
    utilization of the shared core (D, S, C), and the speedups (properties)."""
    config: str
    pair: str                 # "D+S": the kernels' pipes
    kind: str                 # "complementary", "identical" or "latency-bound" (see PAIRS)
    ops_a: int
    ops_b: int
    alone_a_cycles: int
    alone_b_cycles: int
    sequential_cycles: int    # one thread: A then B
    smt_cycles: int           # two threads, one core
    smt_pipe_busy_cycles: int
    smt_pipe_utilization: tuple[float, float, float]
    two_core_cycles: int

    @property
    def smt_speedup(self) -> float:
        return self.sequential_cycles / self.smt_cycles

    @property
    def two_core_speedup(self) -> float:
        return self.sequential_cycles / self.two_core_cycles

    @property
    def original_speedup(self) -> float:
        return original_speedup(self.alone_a_cycles, self.alone_b_cycles)

    @property
    def original_ops_per_cycle(self) -> float:
        return original_ops_per_cycle(self.ops_a, self.alone_a_cycles, self.ops_b, self.alone_b_cycles)

    def as_dict(self) -> dict:
        d = {name: getattr(self, name) for name in self.__dataclass_fields__}
        d["smt_pipe_utilization"] = dict(zip("DSC", self.smt_pipe_utilization))
        for name in ("smt_speedup", "two_core_speedup", "original_speedup", "original_ops_per_cycle"):
            d[name] = getattr(self, name)
        return d

    def __repr__(self) -> str:
        util = "/".join(f"{u:.2f}" for u in self.smt_pipe_utilization)
        return (f"SMTRow({self.config} {self.pair} {self.kind}: alone {self.alone_a_cycles}+{self.alone_b_cycles}, "
                f"one thread {self.sequential_cycles}, SMT {self.smt_cycles} (pipe-busy {self.smt_pipe_busy_cycles}, "
                f"D/S/C {util}), two cores {self.two_core_cycles}; speedup SMT {self.smt_speedup:.2f}x, "
                f"two cores {self.two_core_speedup:.2f}x, original's {self.original_speedup:.2f}x)")


def _touched(program: Program) -> set[str]:
    """Registers a single-sentron program sets or writes."""
    code = program.sentrons[0]
    return {str(r) for r, _ in code.init} | {str(w) for siw in code.siws for i in siw.ops() for w in i.writes()}


def check_results(programs: dict[str, Program], traces: dict) -> None:
    """Every placement must leave A-alone's and B-alone's registers and memory; else VtpuInternalError."""
    mem_a, mem_b = traces["alone_a"].memory, traces["alone_b"].memory
    regs_a, regs_b = traces["alone_a"].info("a").registers, traces["alone_b"].info("b").registers
    only_b = _touched(programs["alone_b"])
    if set(mem_a) & set(mem_b) or _touched(programs["alone_a"]) & only_b:
        raise VtpuInternalError("the two kernels of an SMT pair share registers or memory cells")
    memory = {**mem_a, **mem_b}
    one = {**regs_a, **{name: regs_b[name] for name in only_b}}
    for where in ("sequential", "smt", "two_cores"):
        t = traces[where]
        got = [t.info("ab").registers] if where == "sequential" else [t.info("a").registers, t.info("b").registers]
        want = [one] if where == "sequential" else [regs_a, regs_b]
        if t.memory != memory or got != want:
            bad = "memory" if t.memory != memory else "registers"
            raise VtpuInternalError(f"SMT study: the {where} run of {programs[where].source} left other {bad} "
                                    "than the kernels leave alone")


def smt_study(config: MachineConfig | str = "seed", pairs=PAIRS) -> list[SMTRow]:
    """Run every pair in every placement under ``config``; one checked :class:`SMTRow` per pair."""
    config = get_config(config)
    rows = []
    for a, b, kind in pairs:
        programs = placements(a, b)
        traces = {where: run(p, config) for where, p in programs.items()}
        check_results(programs, traces)
        c = {where: t.counters() for where, t in traces.items()}
        smt = c["smt"]
        util = smt.pipe_utilization
        rows.append(SMTRow(
            config=config.name, pair=f"{a}+{b}",
            kind=kind,
            ops_a=c["alone_a"].ops, ops_b=c["alone_b"].ops,
            alone_a_cycles=c["alone_a"].cycles, alone_b_cycles=c["alone_b"].cycles,
            sequential_cycles=c["sequential"].cycles, smt_cycles=smt.cycles,
            smt_pipe_busy_cycles=smt.stalls["pipe-busy"],
            smt_pipe_utilization=(util["D"], util["S"], util["C"]),
            two_core_cycles=c["two_cores"].cycles))
    return rows


def smt_table(rows: list[SMTRow]) -> str:
    """A plain-text table of :func:`smt_study` rows (cycles; speedups over one thread)."""
    head = ("config", "pair", "kind", "A alone", "B alone", "1 thread", "SMT", "pipe-busy", "SMT D/S/C util",
            "2 cores", "SMT x", "2-core x", "original x")
    body = [(r.config, r.pair, r.kind, str(r.alone_a_cycles), str(r.alone_b_cycles), str(r.sequential_cycles),
             str(r.smt_cycles), str(r.smt_pipe_busy_cycles), "/".join(f"{u:.2f}" for u in r.smt_pipe_utilization),
             str(r.two_core_cycles), f"{r.smt_speedup:.2f}", f"{r.two_core_speedup:.2f}",
             f"{r.original_speedup:.2f}") for r in rows]
    widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]
    line = lambda cells: "  ".join(c.rjust(w) if i >= 3 else c.ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, body)])
