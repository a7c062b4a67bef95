"""One attention head on the vTPU, one sentron per query row (notebook 10).

Sentron ``i`` computes output row ``i`` of ``softmax(Q K^T / sqrt(d)) V``, in the operation order
of :func:`vtpu_lib.nn.oracle.attention`, so its result is **bit-identical** to the oracle's:

* ``score_j = ((q0*k_j0 + q1*k_j1) + ...) / sqrt(d)``: a ``mul``, then ``fma`` for each further
  feature (``fma`` rounds twice, exactly ``acc + q*k``), then a ``div`` by ``sqrt(d)``. The
  constant ``math.sqrt(d)`` is computed in Python and loaded with ``mov rX, #sqrt(d)`` (an
  immediate). We divide by it rather than multiply by ``1/sqrt(d)``: that is the oracle's order,
  and ``x * (1/sqrt(d))`` differs from ``x / sqrt(d)`` in the last bit for some d and x (they
  agree when d is a power of 4, e.g. d = 4, where sqrt(d) = 2 is exact).
* safe softmax: ``m = max_j score_j`` (a ``max`` chain: exact, so its order is free);
  ``e_j = exp(score_j - m)``; ``z = e_0 + e_1 + ...`` left to right; ``p_j = e_j / z``.
* ``out_c = p_0*v_0c + p_1*v_1c + ...`` left to right (``mul``, then ``fma``), scattered to the
  output cell of (i, c).

K and V reach the sentrons in one of two ways (``share=``):

* ``"memory"``: K and V live in shared phext cells; every sentron gathers all of them (and its own
  Q row). The machine has one PPT, so a page one sentron translated is a hit for the others.
* ``"messages"``: sentron j holds its own q_j, k_j, v_j rows; it gathers k_j and v_j, packs them
  4 lanes per message and ``beacon``s each message to every other sentron (radius 11: any two
  homes are within hamming distance 11), ``ceil(d/4) + ceil(dv/4)`` beacons, ``n - 1`` deliveries
  each. Every ``recv`` names its sender and each sender's messages arrive in order (FIFO per
  sender), so results never depend on timing. A sentron reads its own k_i, v_i from memory.

Layout (scroll = dim 0 varies, so rows spread over the PPT's sets): ``Q[i][c]`` at scroll
``1 + i*d + c`` of section 1, ``K`` in section 2, ``V`` (scroll ``1 + j*dv + c``) in section 3,
the output in section 4. Registers: the n scores/weights in r0.., q in the next d, temporaries
in the rest; hence ``n + d <= 14`` (16 registers). The program is naive (one op per SIW);
:func:`vtpu_lib.schedule.pack` schedules it (``run(packed=True)``).

Alice and Bob: the original's "attention" was three scalars, q*k*v = 3*7*2 = 42, an
*unnormalized* score times the value. Here that is the 1-token case n = d = 1 with q=3, k=7,
v=2: the score q*k/sqrt(1) = 21 is formed, but the softmax of a single score is 1, so the
output is v = 2 exactly; the original's 42 is the score times v before normalization.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..build import ProgramBuilder, op
from ..config import get_config
from ..coord import Coord
from ..errors import VtpuError
from ..program import Program
from .oracle import attention as oracle_attention

__all__ = ["AttentionError", "AttentionProgram", "AttentionResult", "attention_program", "SHARES"]

SHARES = ("memory", "messages")
REGISTERS = 16          # r0-r15
LANES = 4               # a message holds up to 4 float64 values
BEACON_RADIUS = 11      # 11 dims: any two homes are within hamming distance 11
MAX_SCROLL = 2047
SECTION_Q, SECTION_K, SECTION_V, SECTION_OUT = 1, 2, 3, 4


class AttentionError(VtpuError, ValueError):
    """Inputs an attention program cannot be built from (shapes, sizes, values, share mode)."""


def _cell(scroll: int, section: int) -> Coord:
    return Coord((scroll, section) + (1,) * 9)


def _matrices(Q, K, V) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Q, K, V as float64 matrices, checked: Q and K (n, d), V (n, dv), finite, within the machine."""
    arrs = [np.asarray(a, dtype=np.float64) for a in (Q, K, V)]
    for name, a in zip("QKV", arrs):
        if a.ndim != 2 or min(a.shape) < 1:
            raise AttentionError(f"{name} has shape {a.shape}; expected a 2-D (rows >= 1, cols >= 1) matrix",
                                 hint="one row per token, e.g. Q of shape (8, 4)")
        if not np.isfinite(a).all():
            raise AttentionError(f"{name} holds a value that is not finite", hint="use finite inputs")
    (n, d), dv = arrs[0].shape, arrs[2].shape[1]
    if arrs[1].shape != (n, d) or len(arrs[2]) != n:
        raise AttentionError(f"Q {arrs[0].shape}, K {arrs[1].shape}, V {arrs[2].shape} do not fit together",
                             hint="self-attention with one sentron per token: Q and K (n, d), V (n, dv)")
    if n + d > REGISTERS - 2 or n + min(dv, LANES) > REGISTERS - 1:
        raise AttentionError(f"n = {n} tokens with d = {d}, dv = {dv} need more than {REGISTERS} registers",
                             hint="scores, q and 2 temporaries live in r0-r15: keep n + d <= 14")
    if n * max(d, dv) > MAX_SCROLL:
        raise AttentionError(f"n * max(d, dv) = {n * max(d, dv)} cells exceed a scroll dimension ({MAX_SCROLL})",
                             hint="use fewer tokens or a smaller head")
    return arrs[0], arrs[1], arrs[2]


class _Sentron:
    """Emits one sentron's code, one op per SIW, with rotating temporaries and address registers."""

    def __init__(self, b: ProgramBuilder, share: str, i: int, n: int, d: int, dv: int):
        self.b, self.share, self.i, self.n, self.d, self.dv = b, share, i, n, d, dv
        self.s = [f"r{j}" for j in range(n)]                 # scores -> e -> p
        self.q = [f"r{n + c}" for c in range(d)]
        self.turn = {"r": 0, "p": 0, "m": 0}
        self.temps = [f"r{r}" for r in range(n + d, REGISTERS)]

    def emit(self, *args) -> None:
        self.b.siw(op(*args))

    def _next(self, pool: str, regs: list[str]) -> str:
        self.turn[pool] += 1
        return regs[(self.turn[pool] - 1) % len(regs)]

    def _addr(self, base: str, offset: int) -> str:
        if offset == 0:
            return base
        p = self._next("p", ["p4", "p5", "p6", "p7"])  # p0-p3 hold bases; fresh pointers break chains
        self.emit("index", p, base, 0, offset)
        return p

    def load(self, rd: str, base: str, offset: int) -> str:
        self.emit("gather", rd, self._addr(base, offset))
        return rd

    def row(self, which: str, j: int, cols: range, temps: list[str]):
        """Registers holding k_j[c] ("k") or v_j[c] ("v") for c in ``cols`` (a <= 4-lane group)."""
        width, base = (self.d, "p1") if which == "k" else (self.dv, "p2")
        if self.share == "memory" or j == self.i:
            own = self.share == "messages"    # p1/p2 point at this sentron's own row
            for c in cols:
                yield self.load(self._next("r", temps), base, c if own else j * width + c)
        else:
            m = self._next("m", ["m0", "m1", "m2", "m3"])
            self.emit("recv", m, f"s{j}")     # named sender, FIFO per sender: timing-independent
            for lane, c in enumerate(cols):
                t = self._next("r", temps)
                self.emit("unpack", t, m, lane)
                yield t


def _groups(width: int) -> list[range]:
    return [range(g, min(g + LANES, width)) for g in range(0, width, LANES)]


def _broadcast(e: _Sentron) -> None:
    """Messages mode: gather own k_i then v_i, 4 lanes per message, beacon each to every other sentron."""
    for base, width in (("p1", e.d), ("p2", e.dv)):
        for cols in _groups(width):
            regs = [e.load(e._next("r", [f"r{r}" for r in range(8)]), base, c) for c in cols]
            m = e._next("m", ["m0", "m1", "m2", "m3"])
            e.emit("pack", m, *regs)
            e.emit("beacon", m, BEACON_RADIUS)


def _scores(e: _Sentron) -> None:
    for c, q in enumerate(e.q):
        e.load(q, "p0", c)
    for j, s in enumerate(e.s):
        for cols in _groups(e.d):
            for c, k in zip(cols, e.row("k", j, cols, e.temps)):
                e.emit(*(("mul", s, e.q[c], k) if c == 0 else ("fma", s, e.q[c], k, s)))
    sqrt_d = e.temps[0]
    e.emit("mov", sqrt_d, math.sqrt(e.d))  # the constant, computed in Python, as an immediate
    for s in e.s:
        e.emit("div", s, s, sqrt_d)


def _softmax(e: _Sentron) -> None:
    """p_j = exp(s_j - max s) / sum, in place; z = e_0 + e_1 + ... left to right."""
    s, m, z = e.s, e.temps[0], e.temps[1]
    e.emit("max", m, s[0], s[1] if len(s) > 1 else s[0])
    for x in s[2:]:
        e.emit("max", m, m, x)
    for x in s:
        e.emit("sub", x, x, m)
        e.emit("exp", x, x)
    if len(s) == 1:
        z = s[0]                                         # p = e / e = 1
    else:
        e.emit("add", z, s[0], s[1])
        for x in s[2:]:
            e.emit("add", z, z, x)
    for x in s:
        e.emit("div", x, x, z)


def _output(e: _Sentron) -> None:
    free = [f"r{r}" for r in range(e.n, REGISTERS)]      # q is dead now
    for cols in _groups(e.dv):
        accs, temps = free[:len(cols)], free[len(cols):]
        for j, p in enumerate(e.s):
            for acc, v in zip(accs, e.row("v", j, cols, temps)):
                e.emit(*(("mul", acc, p, v) if j == 0 else ("fma", acc, p, v, acc)))
        for acc, c in zip(accs, cols):
            e.emit("scatter", e._addr("p3", c), acc)


def _sentron(b: ProgramBuilder, share: str, i: int, n: int, d: int, dv: int) -> None:
    own = share == "messages"
    b.sentron(f"s{i}", id=i, home=_cell(1 + i * d, SECTION_Q))
    b.set("p0", _cell(1 + i * d, SECTION_Q)).set("p3", _cell(1 + i * dv, SECTION_OUT))
    b.set("p1", _cell(1 + (i * d if own else 0), SECTION_K))
    b.set("p2", _cell(1 + (i * dv if own else 0), SECTION_V))
    e = _Sentron(b, share, i, n, d, dv)
    if own and n > 1:
        _broadcast(e)
    _scores(e)
    _softmax(e)
    _output(e)


def attention_program(Q, K, V, *, share: str = "memory", base: str = "attention") -> "AttentionProgram":
    """The program computing one attention head, one sentron (``s0``..) per query row.

    ``Q``, ``K``: (n, d); ``V``: (n, dv); ``share``: "memory" or "messages" (module doc);
    ``base``: the program's source name. Raises :class:`AttentionError` for bad inputs."""
    if share not in SHARES:
        raise AttentionError(f"share = {share!r} is not one of {SHARES}", hint="share='memory' or 'messages'")
    Q, K, V = _matrices(Q, K, V)
    (n, d), dv = Q.shape, V.shape[1]
    b = ProgramBuilder(f"{base}_{share}_{n}x{d}")
    for section, M in ((SECTION_Q, Q), (SECTION_K, K), (SECTION_V, V)):
        for (r, c), x in np.ndenumerate(M):
            b.mem(_cell(1 + r * M.shape[1] + c, section), float(x))
    for i in range(n):
        _sentron(b, share, i, n, d, dv)
    out = tuple(tuple(_cell(1 + i * dv + c, SECTION_OUT) for c in range(dv)) for i in range(n))
    as_rows = lambda M: tuple(tuple(float(x) for x in row) for row in M)
    return AttentionProgram(b.build(), share, n, d, dv, out, (as_rows(Q), as_rows(K), as_rows(V)))


@dataclass(frozen=True, slots=True)
class AttentionResult:
    """One run of an :class:`AttentionProgram`: the output and what the machine measured."""
    share: str
    config: str
    packed: bool
    output: np.ndarray = field(compare=False)
    max_abs_err_vs_numpy: float
    bit_identical: bool            # every output equals the oracle's float64 bit for bit
    cycles: int
    messages: int                  # deliveries (a beacon to n-1 sentrons counts n-1)
    ppt_hit_rate: float            # the sentrons' own gathers and scatters (the host's preload excluded)
    useful_ops: int
    cores: int
    bound_cycles: int              # program_bounds(..., dataflow=True, cold=True) of the naive program
    limited_by: str

    @property
    def useful_ops_per_cycle(self) -> float:
        """Per core: useful ops / (cycles x cores)."""
        return self.useful_ops / (self.cycles * self.cores) if self.cycles else 0.0

    @property
    def pct_of_bound(self) -> float:
        return 100.0 * self.bound_cycles / self.cycles if self.cycles else 100.0

    def as_dict(self) -> dict:
        return {"share": self.share, "config": self.config, "packed": self.packed,
                "output": self.output.tolist(), "max_abs_err_vs_numpy": self.max_abs_err_vs_numpy,
                "bit_identical": self.bit_identical, "cycles": self.cycles, "messages": self.messages,
                "ppt_hit_rate": self.ppt_hit_rate, "useful_ops": self.useful_ops, "cores": self.cores,
                "useful_ops_per_cycle": self.useful_ops_per_cycle, "bound_cycles": self.bound_cycles,
                "pct_of_bound": self.pct_of_bound, "limited_by": self.limited_by}

    def __repr__(self) -> str:
        return (f"AttentionResult({self.share}, {self.config}{', packed' if self.packed else ''}: "
                f"output {self.output.shape}, max |err| vs numpy {self.max_abs_err_vs_numpy:.3g}"
                f"{' (bit-identical)' if self.bit_identical else ''}, {self.cycles} cycles, "
                f"{self.messages} messages, PPT {100 * self.ppt_hit_rate:.1f} %, "
                f"{self.useful_ops_per_cycle:.3f} useful ops/cycle/core, {self.pct_of_bound:.1f} % of bound "
                f"{self.bound_cycles})")


@dataclass(frozen=True, slots=True)
class AttentionProgram:
    """An attention head as a program: ``output[i][c]`` is the cell of out[i, c]; ``inputs`` = (Q, K, V)."""
    program: Program = field(repr=False)
    share: str
    n: int
    d: int
    dv: int
    output: tuple = field(repr=False)
    inputs: tuple = field(repr=False)

    @property
    def expected_messages(self) -> int:
        """Deliveries in messages mode: each sentron beacons ceil(d/4) + ceil(dv/4) messages to n-1 others."""
        if self.share != "messages":
            return 0
        return self.n * (self.n - 1) * (len(_groups(self.d)) + len(_groups(self.dv)))

    def oracle(self) -> np.ndarray:
        return oracle_attention(*(np.array(m) for m in self.inputs))

    def packed(self, config="seed") -> Program:
        """The list-scheduled program, proved equal to the naive one by ``validate``."""
        from ..schedule import pack, validate
        packed = pack(self.program, get_config(config))
        validate(self.program, packed).raise_if_invalid()
        return packed

    def run(self, config="seed", *, packed: bool = False) -> AttentionResult:
        """Run from a cold PPT (``kernels.bench.run_cold``), naive or packed, and measure it."""
        from ..kernels.bench import run_cold
        from ..schedule import program_bounds
        cfg = get_config(config)
        trace = run_cold(self.packed(cfg) if packed else self.program, cfg)
        out = np.array([[trace.memory.get(c, 0.0) for c in row] for row in self.output], dtype=np.float64)
        want = self.oracle()
        bounds = program_bounds(self.program, cfg, dataflow=True, cold=True)
        c = trace.counters()
        hits = sum(trace.counters(s.name).ppt.hits for s in trace.sentrons)
        accesses = sum(trace.counters(s.name).ppt.accesses for s in trace.sentrons)
        return AttentionResult(self.share, cfg.name, packed, out, float(np.max(np.abs(out - want))),
                               out.tobytes() == want.tobytes(), c.cycles, c.messages_sent,
                               hits / accesses if accesses else 1.0, c.useful_ops, bounds.cores,
                               bounds.bound_cycles, bounds.limited_by)

    def __repr__(self) -> str:
        siws = sum(len(s.siws) for s in self.program.sentrons)
        return (f"AttentionProgram({self.share}: n={self.n} tokens, d={self.d}, dv={self.dv}; "
                f"{len(self.program.sentrons)} sentrons, {siws} SIWs, {len(self.program.preload)} cells preloaded"
                f"{f', {self.expected_messages} messages' if self.share == 'messages' else ''})")
