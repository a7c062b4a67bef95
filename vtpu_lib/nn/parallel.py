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
    """The SIWs a sentron runs after its gradient program (one op per SIW; ``pack`` schedules them)."""

    def __init__(self, comp, base: Coord):
        self.comp, self.base, self.siws = comp, base, []

    def _addr(self, label: str, p: int) -> str:
        off = self.comp.layout[label][0] - self.base[0]
        self.siws.append(SIW(s=op("index", f"p{p}", "p0", 0, off)))
        return f"p{p}"

    def emit(self, instr) -> None:
        self.siws.append(SIW(**{ {"D": "d", "S": "s", "C": "c"}[_pipe(instr)]: instr}))

    def gather(self, labels, first: int = 0) -> None:
        for j, lab in enumerate(labels):
            self.emit(op("gather", f"r{first + j}", self._addr(lab, 1 + j % 7)))

    def scatter(self, labels, first: int = 0) -> None:
        for j, lab in enumerate(labels):
            self.emit(op("scatter", self._addr(lab, 1 + j % 7), f"r{first + j}"))

    def send(self, chunk, dest: int) -> None:
        self.gather(chunk)
        self.emit(op("pack", "m0", *(f"r{j}" for j in range(len(chunk)))))
        self.emit(op("send", "m0", dest))

    def recv(self, chunk, src: int, add: bool) -> None:
        """Receive a chunk from ``src``; with ``add`` store ``own + received``, else store it."""
        if add:
            self.gather(chunk)
        self.emit(op("recv", "m1", src))
        for j in range(len(chunk)):
            self.emit(op("unpack", f"r{4 + j}", "m1", j))
            if add:
                self.emit(op("add", f"r{4 + j}", f"r{j}", f"r{4 + j}"))
        self.scatter(chunk, 4)

    def scale(self, chunk, k: int) -> None:
        """``sum / k`` (the oracle's mean) over every value of ``chunk``."""
        self.gather(chunk)
        self.emit(op("mov", "r8", float(k)))
        for j in range(len(chunk)):
            self.emit(op("div", f"r{j}", f"r{j}", "r8"))
        self.scatter(chunk)

    def update(self, params, lr: float) -> None:
        """``p - lr * g`` for every parameter, scattered over the parameter's own cell."""
        self.emit(op("mov", "r15", float(lr)))
        for p in params:
            self.gather([p, f"{p}.grad"])
            self.emit(op("mul", "r1", "r15", "r1"))
            self.emit(op("sub", "r0", "r0", "r1"))
            self.scatter([p])


def _pipe(instr) -> str:
    from ..isa import OPS
    return str(OPS[instr.op].pipe)


def _chunks(values) -> list:
    return [values[j:j + LANES] for j in range(0, len(values), LANES)]


def _tail(i: int, k: int, comp, values, params, lr: float) -> list:
    """Sentron ``i``'s reduce, mean, broadcast and update SIWs."""
    t, chunks = _Tail(comp, sentron_base(i)), _chunks(values)
    stride = 1
    while stride < k:                                    # reduce up the tree
        if i % (2 * stride) == 0:
            for c in chunks:
                t.recv(c, i + stride, add=True)
        elif i % (2 * stride) == stride:
            for c in chunks:
                t.send(c, i - stride)
            break
        stride *= 2
    if i == 0 and k > 1:
        for c in chunks:
            t.scale(c, k)
    stride = k // 2
    while stride >= 1:                                   # broadcast down the tree
        if i % (2 * stride) == stride:
            for c in chunks:
                t.recv(c, i - stride, add=False)
        elif i % (2 * stride) == 0:
            for c in chunks:
                t.send(c, i + stride)
        stride //= 2
    t.update(params, lr)
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
        tail = _tail(i, k, comp, values, labels, float(lr))
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
