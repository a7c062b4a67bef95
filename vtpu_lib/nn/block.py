"""A transformer block forward for one head on the vTPU, one sentron per token row (issue 12).

Sentron ``i`` computes output row ``i`` from the whole input ``X`` (n tokens, d features):

1. **projections**: ``q_i = x_i Wq`` and, for *every* token j, ``k_j = x_j Wk``, ``v_j = x_j Wv``.
   Each sentron recomputes all of K and V itself (n-fold redundant work, but no messages and no
   shared cells: every sentron is independent, which keeps the program simple). The budget below
   counts these redundant ops as useful -- they are the ops the machine ran.
2. **attention**: ``s_j = (q_i . k_j) / sqrt(d)`` (``sqrt(d)`` a Python constant, a ``div``);
   safe softmax ``m = max_j s_j``, ``e_j = exp(s_j - m)``, ``z = e_0 + e_1 + ...``, ``p_j = e_j / z``;
   ``attn_c = p_0 v_0c + p_1 v_1c + ...``; residual ``h_i = x_i + attn_i``.
3. **MLP**: ``u = relu(b1 + h W1)`` (bias first, like :class:`~vtpu_lib.nn.oracle.MLP`), then
   ``out_i = h_i + (b2 + u W2)``.

Every sum runs left to right from its first term (``a0*w0 + a1*w1 + ...``), products are one
``mul``; :func:`block_numpy` uses the same order with elementwise numpy ops (``exp`` as
``math.exp``, relu as ``where(z > 0, z, 0.0)``), so the machine's output is **bit-identical** to it.

Each sentron's graph is compiled by :func:`~vtpu_lib.nn.compile.compile_graph` (``wrt=()``: no
backward) at its own base (:func:`~vtpu_lib.nn.parallel.sentron_base`), its inputs preloaded
there; the n programs become one :class:`~vtpu_lib.program.Program` (as in
:func:`~vtpu_lib.nn.parallel.data_parallel_step_program`). ``packed=True`` list-schedules each
sentron (``schedule.pack_code``) and proves the result equal with ``schedule.validate``.
Shapes: ``X (n, d)``, ``Wq Wk Wv (d, d)``, ``W1 (d, f)``, ``b1 (f,)``, ``W2 (f, d)``, ``b2 (d,)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from ..errors import VtpuError
from ..program import Program
from .compile import compile_graph
from .oracle import _exp
from .parallel import sentron_base
from .value import Value, topo_order

__all__ = ["BlockError", "BlockResult", "BlockProgram", "block_program", "block_forward_on_vtpu",
           "block_numpy", "MAX_TOKENS", "MAX_DIM"]

MAX_TOKENS, MAX_DIM = 8, 8      # compile time grows as n * n * d * d per sentron: keep it small
PARTS = ("projections", "attention", "mlp")


class BlockError(VtpuError, ValueError):
    """Inputs a transformer block cannot be built from (shapes, sizes, non-finite values)."""


def _check(X, Wq, Wk, Wv, W1, b1, W2, b2) -> tuple:
    arrs = [np.asarray(a, dtype=np.float64) for a in (X, Wq, Wk, Wv, W1, b1, W2, b2)]
    X = arrs[0]
    if X.ndim != 2 or min(X.shape) < 1:
        raise BlockError(f"X has shape {X.shape}; expected (n tokens, d features)", hint="e.g. X of shape (4, 4)")
    (n, d), W1 = X.shape, arrs[4]
    if W1.ndim != 2 or W1.shape[0] != d or W1.shape[1] < 1:
        raise BlockError(f"W1 has shape {W1.shape}; expected ({d}, f) for d = {d}", hint="W1 maps d -> f hidden")
    f = W1.shape[1]
    want = dict(X=(n, d), Wq=(d, d), Wk=(d, d), Wv=(d, d), W1=(d, f), b1=(f,), W2=(f, d), b2=(d,))
    for (name, shape), a in zip(want.items(), arrs):
        if a.shape != shape:
            raise BlockError(f"{name} has shape {a.shape}; expected {shape} (n = {n}, d = {d}, f = {f})",
                             hint="Wq Wk Wv (d, d), W1 (d, f), b1 (f,), W2 (f, d), b2 (d,)")
        if not np.isfinite(a).all():
            raise BlockError(f"{name} holds a value that is not finite", hint="use finite inputs")
    if n > MAX_TOKENS or max(d, f) > MAX_DIM:
        raise BlockError(f"n = {n}, d = {d}, f = {f}: this block is kept to n <= {MAX_TOKENS}, d, f <= {MAX_DIM}",
                         hint="each sentron recomputes K and V: its graph grows as n * d * d")
    return tuple(arrs)


# -- the graph of one sentron --------------------------------------------------------------------

def _dot(xs, ws, start=None) -> Value:
    """``start + x0*w0 + x1*w1 + ...`` left to right (no start: from the first product)."""
    acc = start
    for x, w in zip(xs, ws):
        acc = x * w if acc is None else acc + x * w
    return acc


def _leaves(name: str, a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for idx, x in np.ndenumerate(a):
        out[idx] = Value(float(x), name + "".join(f"_{k}" for k in idx))
    return out


def _ops(outputs, before: set) -> int:
    return sum(1 for v in topo_order(outputs) if v.op and id(v) not in before)


def _row_graph(i: int, arrs) -> tuple:
    """(the d outputs of row ``i``, ops per part) -- the Value graph of sentron ``i``."""
    X, Wq, Wk, Wv, W1, b1, W2, b2 = (_leaves(nm, a) for nm, a in
                                     zip(("x", "wq", "wk", "wv", "w1", "b1", "w2", "b2"), arrs))
    (n, d), f = X.shape, W1.shape[1]
    col = lambda W, c: [W[r, c] for r in range(W.shape[0])]
    q = [_dot(X[i], col(Wq, c)) for c in range(d)]
    K = [[_dot(X[j], col(Wk, c)) for c in range(d)] for j in range(n)]
    V = [[_dot(X[j], col(Wv, c)) for c in range(d)] for j in range(n)]
    proj = q + [v for row in K + V for v in row]
    s = [_dot(q, K[j]) / math.sqrt(d) for j in range(n)]
    m = s[0]
    for x in s[1:]:
        m = m.max(x)
    e = [(x - m).exp() for x in s]
    z = e[0]
    for x in e[1:]:
        z = z + x
    p = [x / z for x in e]
    h = [X[i, c] + _dot(p, [V[j][c] for j in range(n)]) for c in range(d)]
    u = [_dot(h, col(W1, k), b1[k]).relu() for k in range(f)]
    out = [h[c] + _dot(u, col(W2, c), b2[c]) for c in range(d)]
    for c, v in enumerate(out):
        v.label = f"out_{c}"
    seen_p = {id(v) for v in topo_order(proj)}
    seen_a = {id(v) for v in topo_order(h)}
    budget = (_ops(proj, set()), _ops(h, seen_p), _ops(out, seen_a))
    return out, dict(zip(PARTS, budget))


# -- the program ----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BlockProgram:
    """The naive block program (one sentron ``s<i>`` per row), its per-sentron compilations and budget."""
    n: int
    d: int
    f: int
    program: Program = field(repr=False)
    compiled: tuple = field(repr=False)   # per sentron: its Compiled
    budget: MappingProxyType              # graph ops per sentron, by part

    def output_cells(self) -> list:
        return [[c.layout[f"out_{k}"] for k in range(self.d)] for c in self.compiled]

    def packed(self, config="seed") -> Program:
        """Every sentron list-scheduled alone (``schedule.pack_code``; they share no cell), the
        whole validated equal to the naive program."""
        from ..schedule import pack_code, validate
        out = replace(self.program, sentrons=tuple(pack_code(c, config).code() for c in self.program.sentrons))
        validate(self.program, out).raise_if_invalid()
        return out


def block_program(X, Wq, Wk, Wv, W1, b1, W2, b2) -> BlockProgram:
    """Build (and check) the naive program of :func:`block_forward_on_vtpu`."""
    arrs = _check(X, Wq, Wk, Wv, W1, b1, W2, b2)
    (n, d), f = arrs[0].shape, arrs[4].shape[1]
    codes, comps, preload, budget = [], [], (), None
    for i in range(n):
        out, budget = _row_graph(i, arrs)
        comp = compile_graph(out, wrt=(), base=sentron_base(i), name=f"s{i}")
        code = comp.program.sentrons[0]
        codes.append(replace(code, name=f"s{i}", id=i, home=sentron_base(i), lines=(), loops=()))
        preload += comp.program.preload
        comps.append(comp)
    program = Program(tuple(codes), tuple(preload), source=f"<nn:block n={n} d={d} f={f}>").check()
    return BlockProgram(n, d, f, program, tuple(comps), MappingProxyType(budget))


# -- running it -----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BlockResult:
    """One machine run of the block and its comparison with :func:`block_numpy`."""
    n: int
    d: int
    f: int
    config: str
    packed: bool
    output: np.ndarray = field(repr=False)
    max_abs_err_vs_numpy: float
    bit_identical: bool
    cycles: int
    useful_ops: int               # every op that did work: dense (D) + gather/scatter/index (S)
    dense_ops: int                # the D pipe's share: graph ops x n, plus constant movs
    cores: int
    siws_per_sentron: tuple
    op_budget: MappingProxyType   # graph ops of ONE sentron, by part (PARTS); x n = the graph's ops

    @property
    def useful_ops_per_cycle(self) -> float:
        """Per core: useful ops / (cycles x cores)."""
        return self.useful_ops / (self.cycles * self.cores) if self.cycles else 0.0

    def as_dict(self) -> dict:
        return {"n": self.n, "d": self.d, "f": self.f, "config": self.config, "packed": self.packed,
                "output": self.output.tolist(), "max_abs_err_vs_numpy": self.max_abs_err_vs_numpy,
                "bit_identical": self.bit_identical, "cycles": self.cycles, "useful_ops": self.useful_ops,
                "dense_ops": self.dense_ops, "cores": self.cores, "useful_ops_per_cycle": self.useful_ops_per_cycle,
                "siws_per_sentron": list(self.siws_per_sentron), "op_budget": dict(self.op_budget)}

    def __repr__(self) -> str:
        budget = ", ".join(f"{k}={v}" for k, v in self.op_budget.items())
        return (f"BlockResult(n={self.n}, d={self.d}, f={self.f}, config={self.config!r}, packed={self.packed}, "
                f"max_abs_err_vs_numpy={self.max_abs_err_vs_numpy!r}, bit_identical={self.bit_identical}, "
                f"cycles={self.cycles}, useful_ops={self.useful_ops}, dense_ops={self.dense_ops}, cores={self.cores}, "
                f"useful_ops_per_cycle={self.useful_ops_per_cycle:.3f}, siws_per_sentron={self.siws_per_sentron}, "
                f"op_budget_per_sentron=({budget}))")


def block_forward_on_vtpu(X, Wq, Wk, Wv, W1, b1, W2, b2, config="seed", packed: bool = True) -> BlockResult:
    """Run the block on the machine (one sentron per row; module doc) and compare with :func:`block_numpy`."""
    from ..config import get_config
    from ..machine import run
    bp = block_program(X, Wq, Wk, Wv, W1, b1, W2, b2)
    cfg = get_config(config)
    prog = bp.packed(cfg) if packed else bp.program
    trace = run(prog, cfg)
    out = np.array([[trace.memory.get(c, 0.0) for c in row] for row in bp.output_cells()], dtype=np.float64)
    want = block_numpy(X, Wq, Wk, Wv, W1, b1, W2, b2)
    c = trace.counters()
    cores = len({s.id if s.core is None else s.core for s in prog.sentrons})
    return BlockResult(bp.n, bp.d, bp.f, cfg.name, bool(packed), out, float(np.max(np.abs(out - want))),
                       out.tobytes() == want.tobytes(), c.cycles, c.useful_ops, c.useful_by_pipe.get("D", 0), cores,
                       tuple(len(s.siws) for s in prog.sentrons), bp.budget)


def _matmul(A: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``(b +) A[:,0]*W[0] + A[:,1]*W[1] + ...`` left to right, elementwise ops only."""
    acc = None if b is None else np.broadcast_to(b, (len(A), W.shape[1])).copy()
    for k in range(W.shape[0]):
        t = A[:, k:k + 1] * W[k][None, :]
        acc = t if acc is None else acc + t
    return acc


def block_numpy(X, Wq, Wk, Wv, W1, b1, W2, b2) -> np.ndarray:
    """The block in plain numpy, in the machine's operation order (module doc): shape ``(n, d)``."""
    X, Wq, Wk, Wv, W1, b1, W2, b2 = _check(X, Wq, Wk, Wv, W1, b1, W2, b2)
    Q, K, V = _matmul(X, Wq), _matmul(X, Wk), _matmul(X, Wv)
    s = _matmul(Q, K.T) / math.sqrt(X.shape[1])
    m = s[:, 0:1]
    for j in range(1, s.shape[1]):
        m = np.where(s[:, j:j + 1] > m, s[:, j:j + 1], m)   # finite scores: the max chain's value
    e = _exp(s - m)
    z = e[:, 0:1]
    for j in range(1, e.shape[1]):
        z = z + e[:, j:j + 1]
    h = X + _matmul(e / z, V)
    z1 = _matmul(h, W1, b1)
    return h + _matmul(np.where(z1 > 0, z1, 0.0), W2, b2)
