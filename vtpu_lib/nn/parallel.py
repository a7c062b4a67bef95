"""Data-parallel SGD over k sentrons: shard gradients, a tree all-reduce by messages, one update.

One training step is one :class:`~vtpu_lib.program.Program` of ``k`` sentrons ``w0 .. w{k-1}``
(``k`` a power of two, at most 8). Sentron ``i``:

1. **compute** -- runs the gradient program of its shard (:func:`~vtpu_lib.nn.data.shards`),
   compiled by :func:`~vtpu_lib.nn.compile.compile_graph` with ``wrt`` = every parameter and no
   update, at its own base ``DEFAULT_BASE`` moved ``i`` sections (dimension 1): every sentron has
   its own copy of inputs, parameters and gradients, and its home is its base (L1 accesses only).
2. **reduce** -- a binary tree in the order of :func:`~vtpu_lib.nn.oracle.allreduce_mean`: at
   stride 1, 2, 4, ... sentron ``i + stride`` packs its partial sums (4 per message, the last
   message fewer) and ``send``-s them to ``i``, which ``recv``-s naming the sender, ``unpack``-s and
   adds them as ``own + received`` (the oracle's ``g_i + g_{i+stride}``), storing the sums over its
   gradient cells. The shard loss rides along as one more value, so the step's loss is the sum of
   the shard losses reduced the same way. The root then ``div``-ides every sum by ``k``.
3. **broadcast** -- the mean gradients go back down the same tree (stride ``k/2, ..., 1``).
4. **update** -- every sentron applies ``p - lr * g`` (``mul`` then ``sub``) and ``scatter``-s the new
   parameters over its own parameter cells.

Order and bits: the shard gradients are the oracle's ``MLP.grads`` on each shard bit for bit, the
tree sum and the ``div`` are :func:`allreduce_mean`'s, the update is ``MLP.sgd_step``'s -- so the
final weights equal ``MLP(sizes, seed).train(X, y, steps, lr, sentrons=k)`` exactly. The loss is
``(tree sum of shard mean losses) / k``: equal to the batch loss up to rounding (not bit-identical:
the oracle sums all squared errors left to right, then divides once).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from ..build import op
from ..coord import Coord
from ..isa import OPS
from ..program import SIW, Program
from .compile import DEFAULT_BASE, compile_graph
from .data import shards
from .oracle import MLP
from .train import TrainError, _check_data, _check_run, mlp_graph

__all__ = ["ParallelError", "ParallelStep", "ParallelResult", "data_parallel_step_program",
           "build_step", "train_data_parallel", "speedup_table"]

MAX_SENTRONS = 8
LANES = 4                 # values per message (m registers hold 4 float64)


class ParallelError(TrainError):
    """A data-parallel run that cannot be set up (sentron count, batch that does not split evenly)."""


def _check_k(k, rows: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_SENTRONS \
            or k & (k - 1):
        raise ParallelError(f"k = {k!r} sentrons: need a power of two from 1 to {MAX_SENTRONS}",
                            hint="k = 1, 2, 4 or 8 (the all-reduce is a binary tree)")
    if rows % k:
        raise ParallelError(f"{rows} rows do not split evenly over {k} sentrons",
                            hint="use a batch size that is a multiple of the sentron count")
    return int(k)


def sentron_base(i: int) -> Coord:
    """Sentron ``i``'s base cell and home: :data:`DEFAULT_BASE` moved ``i`` sections (dimension 1)."""
    return DEFAULT_BASE.moved(1, i)


@dataclass(frozen=True, eq=False)
class ParallelStep:
    """One step's program and where each sentron keeps its values."""
    k: int
    program: Program = None
    compiled: tuple = ()      # per sentron: its Compiled gradient program
    values: tuple = ()        # labels reduced, in message order: every "<param>.grad", then "loss"
    params: tuple = ()        # parameter labels, in oracle order

    @property
    def messages(self) -> int:
        """Messages one step sends: (k - 1) up the tree and (k - 1) down, each of ceil(values/4)."""
        return 2 * (self.k - 1) * -(-len(self.values) // LANES)

    def __repr__(self) -> str:
        return (f"ParallelStep(k={self.k}, values={len(self.values)}, messages={self.messages}, "
                f"program={self.program!r})")


# -- the appended SIWs ------------------------------------------------------------------------------

class _Tail:
    """The SIWs a sentron runs after its gradient program (one op per SIW; ``pack`` schedules them).

    Chunk ``c`` (up to 4 values) works in register bank ``b = 8 * (c % 2)``: ``r[b+4..b+7]`` hold
    its running sums, ``r[b..b+3]`` what was received (then the constants and parameters), message
    registers ``m[2*(c % 2)]`` (out) and ``m[2*(c % 2) + 1]`` (in): alternate chunks share nothing,
    so the packer can overlap them."""

    def __init__(self, comp, base: Coord):
        self.comp, self.base, self.siws, self.next_p = comp, base, [], 0

    def _addr(self, label: str) -> str:
        p = 1 + self.next_p % 7                  # p1-p7 in turn (p0 holds the base)
        self.next_p += 1
        self.emit(op("index", f"p{p}", "p0", 0, self.comp.layout[label][0] - self.base[0]))
        return f"p{p}"

    def emit(self, instr) -> None:
        self.siws.append(SIW(**{str(OPS[instr.op].pipe).lower(): instr}))

    def reduce(self, c: int, chunk, children, parent, k: int) -> None:
        """Own values, plus each child's partial sums (``own + received``); up to the parent, or
        (the root) divided by ``k``."""
        b, m = 8 * (c % 2), 2 * (c % 2)
        g = [f"r{b + 4 + j}" for j in range(len(chunk))]
        for r, lab in zip(g, chunk):
            self.emit(op("gather", r, self._addr(lab)))
        for child in children:
            self.emit(op("recv", f"m{m + 1}", child))
            for j, r in enumerate(g):
                self.emit(op("unpack", f"r{b + j}", f"m{m + 1}", j))
                self.emit(op("add", r, r, f"r{b + j}"))
        if parent is not None:
            self.emit(op("pack", f"m{m}", *g))
            self.emit(op("send", f"m{m}", parent))
        elif k > 1:
            self.emit(op("mov", f"r{b}", float(k)))
            for r in g:
                self.emit(op("div", r, r, f"r{b}"))

    def broadcast(self, c: int, chunk, children, parent, lr: float) -> None:
        """The mean values from the parent (the root has them), on to the children, then
        ``p - lr*g`` as ``fma(-lr, g, p)`` (the same bits) over each parameter's own cell."""
        b, m = 8 * (c % 2), 2 * (c % 2)
        g = [f"r{b + 4 + j}" for j in range(len(chunk))]
        if parent is not None:
            self.emit(op("recv", f"m{m + 1}", parent))
            for j, r in enumerate(g):
                self.emit(op("unpack", r, f"m{m + 1}", j))
        for child in children:
            self.emit(op("pack", f"m{m}", *g))
            self.emit(op("send", f"m{m}", child))
        self.emit(op("mov", f"r{b}", -float(lr)))
        for j, (r, lab) in enumerate(zip(g, chunk)):
            if not lab.endswith(".grad"):        # the loss: the root keeps the mean
                if parent is None:
                    self.emit(op("scatter", self._addr("loss"), r))
                continue
            p, cell = f"r{b + 1 + j % 3}", lab[:-5]
            self.emit(op("gather", p, self._addr(cell)))
            self.emit(op("fma", p, f"r{b}", r, p))
            self.emit(op("scatter", self._addr(cell), p))


def _chunks(values) -> list:
    return [values[j:j + LANES] for j in range(0, len(values), LANES)]


def _tree(i: int, k: int) -> tuple:
    """(children in reduce order, parent): ``i + 1, i + 2, i + 4, ...`` while ``i`` is a multiple of
    twice the stride; the parent is ``i`` minus its lowest set bit (none for the root)."""
    children, s = [], 1
    while s < k and i % (2 * s) == 0:
        children.append(i + s)
        s *= 2
    return children, (i - (i & -i) if i else None)


def _tail(i: int, k: int, comp, values, lr: float) -> list:
    """Sentron ``i``'s reduce, mean, broadcast and update SIWs. The root broadcasts each chunk as
    soon as it is reduced; the others send every chunk up, then wait for the means."""
    t, chunks = _Tail(comp, sentron_base(i)), _chunks(values)
    children, parent = _tree(i, k)
    down = children[::-1]                        # the deepest subtree first
    for c, chunk in enumerate(chunks):
        t.reduce(c, chunk, children, parent, k)
        if parent is None:
            t.broadcast(c, chunk, down, None, lr)
    if parent is not None:
        for c, chunk in enumerate(chunks):
            t.broadcast(c, chunk, down, parent, lr)
    return t.siws


def build_step(sizes, X, y, k: int, params: dict, lr: float) -> ParallelStep:
    """The step program and its parts (see :func:`data_parallel_step_program`)."""
    sizes, X, y = _check_data(sizes, X, y)
    k = _check_k(k, len(X))
    _check_run(1, lr)
    codes, comps, preload, values, labels = [], [], [], (), ()
    for i, part in enumerate(shards(X, y, k)):
        g = mlp_graph(sizes, part.X, part.y, params=params)
        comp = compile_graph(g.loss, wrt=list(g.params), updates=None, base=sentron_base(i), name=f"w{i}")
        labels = tuple(p.label for p in g.params)
        values = tuple(comp.grads[p] for p in labels) + ("loss",)
        code = comp.program.sentrons[0]
        tail = _tail(i, k, comp, values, float(lr))
        codes.append(replace(code, name=f"w{i}", id=i, home=sentron_base(i), siws=code.siws + tuple(tail),
                             lines=(), loops=()))
        preload += comp.program.preload
        comps.append(comp)
    program = Program(tuple(codes), tuple(preload), source=f"<nn:data_parallel k={k}>").check()
    return ParallelStep(k, program, tuple(comps), values, labels)


def data_parallel_step_program(sizes, X, y, k: int, params: dict, lr: float) -> Program:
    """One data-parallel SGD step of the MLP ``sizes`` on ``(X, y)`` over ``k`` sentrons ``w0..``:
    shard gradients, tree all-reduce by messages, mean, broadcast, update (see the module doc).
    ``params``: ``{name: ndarray}`` as :attr:`MLP.params`. The naive program (one op per SIW)."""
    return build_step(sizes, X, y, k, params, lr).program


# -- running it ---------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ParallelResult:
    """A data-parallel training run and its comparison with ``MLP.train(..., sentrons=k)``."""
    sizes: tuple
    k: int
    steps: int
    lr: float
    config: str
    losses: tuple                 # per step: tree sum of shard losses / k, before the update
    params: MappingProxyType      # final parameters (sentron w0's), name -> ndarray
    cycles: tuple                 # machine cycles of each step
    compute_cycles: tuple         # per step: the slowest shard's gradient program run alone
    recv_wait: tuple              # per step: recv-wait stall cycles summed over the sentrons
    messages: tuple               # per step: messages sent
    oracle_losses: tuple
    max_abs_diff_vs_oracle: float  # over every final weight (the losses: loss_diff_vs_oracle)
    loss_diff_vs_oracle: float
    sentrons_agree: bool           # every sentron ends every step with the same parameter bits

    @property
    def recv_wait_share(self) -> float:
        """Recv-wait stall cycles as a share of all sentron-cycles (k x cycles) of the run."""
        return sum(self.recv_wait) / (self.k * sum(self.cycles))

    def __repr__(self) -> str:
        return (f"ParallelResult(sizes={self.sizes}, k={self.k}, steps={self.steps}, lr={self.lr!r}, "
                f"config={self.config!r}, losses=({self.losses[0]:.6g} -> {self.losses[-1]:.6g}), "
                f"cycles_per_step={self.cycles[0]}, compute_cycles={self.compute_cycles[0]}, "
                f"recv_wait_share={self.recv_wait_share:.1%}, messages_per_step={self.messages[0]}, "
                f"max_abs_diff_vs_oracle={self.max_abs_diff_vs_oracle!r}, sentrons_agree={self.sentrons_agree})")


def _packed(program: Program, config) -> Program:
    """Every sentron list-scheduled on its own (``schedule.pack_code``), validated equal to the
    naive program. ``schedule.pack`` keeps this program's source order (its whole-program view
    judges the packed form slower); the sentrons share no memory cell, so packing each alone is
    safe -- and ``validate`` checks the results anyway."""
    from ..schedule import pack_code, validate
    out = replace(program, sentrons=tuple(pack_code(code, config).code() for code in program.sentrons))
    validate(program, out).raise_if_invalid()
    return out


def _run_step(step: ParallelStep, config) -> tuple:
    """Run one step (packed); (per-sentron final params as label -> value, loss, measurements)."""
    from ..isa import StallReason
    from ..machine import run
    trace = run(_packed(step.program, config), config)
    c = trace.counters()
    mem = trace.memory
    finals = [{lab: mem.get(comp.layout[lab], 0.0) for lab in step.params} for comp in step.compiled]
    loss = mem.get(step.compiled[0].layout["loss"], 0.0)
    compute = max(comp.trace(config=config, packed=True).counters().cycles for comp in step.compiled)
    return finals, loss, (c.cycles, compute, c.stalls.get(str(StallReason.RECV_WAIT), 0), c.messages_sent)


def _same_bits(finals) -> bool:
    ref = np.array([finals[0][lab] for lab in finals[0]]).view(np.int64)
    return all(np.array_equal(np.array([f[lab] for lab in finals[0]]).view(np.int64), ref) for f in finals)


def train_data_parallel(sizes, X, y, steps: int, lr: float, k: int, seed: int = 0,
                        config="seed") -> ParallelResult:
    """``steps`` data-parallel SGD steps on ``k`` sentrons from ``MLP(sizes, seed)``'s init, each
    step one machine run of :func:`data_parallel_step_program` (packed), parameters carried from
    sentron ``w0``; checked against ``MLP(sizes, seed).train(X, y, steps, lr, sentrons=k)``."""
    _check_run(steps, lr)
    sizes, X, y = _check_data(sizes, X, y)
    _check_k(k, len(X))
    graph = mlp_graph(sizes, X, y, seed=seed)
    params = {name: a.copy() for name, a in MLP(sizes, seed).params.items()}
    losses, meas, agree = [], [], True
    for _ in range(steps):
        step = build_step(sizes, X, y, k, params, lr)
        finals, loss, m = _run_step(step, config)
        agree = agree and _same_bits(finals)
        losses.append(loss)
        meas.append(m)
        params = graph.arrays(finals[0])
    net = MLP(sizes, seed)
    oracle_losses = net.train(X, y, steps, lr, sentrons=k)
    diff = max(float(np.max(np.abs(params[n] - net.params[n]))) for n in net.params)
    cycles, compute, wait, msgs = (tuple(int(v) for v in col) for col in zip(*meas))
    return ParallelResult(sizes, int(k), int(steps), float(lr), str(getattr(config, "name", config)),
                          tuple(losses), MappingProxyType(params), cycles, compute, wait, msgs,
                          tuple(oracle_losses), diff,
                          float(np.max(np.abs(np.array(losses) - np.array(oracle_losses)))), agree)


def speedup_table(sizes, X, y, ks=(1, 2, 4, 8), config="seed", lr: float = 0.1, seed: int = 0) -> list:
    """One row per ``k``: cycles of one step, speedup over ``k = 1``, the ideal (``k``), the
    slowest shard's compute cycles and the recv-wait share of sentron-cycles."""
    rows, base = [], None
    for k in ks:
        r = train_data_parallel(sizes, X, y, 1, lr, k, seed=seed, config=config)
        base = r.cycles[0] if base is None and k == 1 else base
        rows.append({"k": k, "cycles_per_step": r.cycles[0], "compute_cycles": r.compute_cycles[0],
                     "speedup": (base / r.cycles[0]) if base else None, "ideal": float(k),
                     "recv_wait_share": r.recv_wait_share, "messages": r.messages[0],
                     "max_abs_diff_vs_oracle": r.max_abs_diff_vs_oracle})
    return rows
