"""Training the oracle's MLP on the vTPU: one compiled SGD step, run ``steps`` times (notebook 11).

:func:`mlp_graph` builds :class:`~vtpu_lib.nn.oracle.MLP`'s forward and mean-squared-error loss
as a :class:`~vtpu_lib.nn.value.Value` graph in the oracle's documented operation order, so the
compiled program's losses, gradients and updates can equal the numpy oracle's bit for bit:

* forward ``z[n,j] = ((b[j] + x[n,0]*W[0,j]) + x[n,1]*W[1,j]) + ...``, hidden ``max(z, 0.0)``;
* loss ``s / (N*M)`` with ``s`` the squares ``d*d`` (``d = pred - y``) summed left to right in
  row-major order. Each partial sum is built as ``t_i + s_{i-1}`` -- the same bits as
  ``s_{i-1} + t_i`` (IEEE ``add`` commutes), but it makes the topological order visit the
  *last* sample first, so the autograd, which accumulates in reverse topological order, sums
  ``dW``, ``db`` over samples n = 0, 1, ... and ``da`` over outputs j = 0, 1, ... -- the
  oracle's order.

The one place the autograd's arithmetic differs from the oracle's: it computes
``dpred = (1/(N*M))*d + (1/(N*M))*d`` where the oracle computes ``(2*d) / (N*M)``. These are
the same bits when ``N*M`` is a power of two (``1/(N*M)`` is then exact), so losses and weights
are **bit-identical for batches of 2^k elements** (XOR with n = 4, 8, 16) and agree to a few
ulps otherwise.

:func:`train_on_vtpu` compiles one step (forward, backward, ``p <- p - lr*grad``) **once** and
runs it ``steps`` times, each in a fresh machine: the updated parameters are read from one run's
final memory and written into the next run's parameter cells with ``Compiled.trace(values=...)``
(host writes before the run), so every step is the same program and a step's cycle count is
its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..errors import VtpuError
from .compile import Compiled, compile_graph
from .oracle import MLP
from .value import Value

__all__ = ["TrainError", "MLPGraph", "TrainResult", "mlp_graph", "compile_step", "train_on_vtpu", "predict_on_vtpu"]


class TrainError(VtpuError, ValueError):
    """Training inputs that do not fit together (shapes, sizes, steps, learning rate)."""


def _label(name: str, idx) -> str:
    return f"{name}[{','.join(map(str, idx))}]"


@dataclass(frozen=True, eq=False)
class MLPGraph:
    """The loss of an MLP as a Value graph; parameters are leaves labelled ``w0[k,j]``, ``b0[j]``."""
    sizes: tuple
    loss: Value
    params: tuple                 # every parameter leaf, in oracle order (w0, b0, w1, ...), row-major
    shapes: MappingProxyType      # "w0" -> (fan_in, fan_out), "b0" -> (fan_out,), ...

    def labels(self, name: str) -> list:
        return [_label(name, idx) for idx in np.ndindex(*self.shapes[name])]

    def values(self, params: dict) -> dict:
        """label -> number for arrays shaped like the oracle's ``params`` (for ``Compiled.run``)."""
        return {lab: float(v) for name in self.shapes
                for lab, v in zip(self.labels(name), np.asarray(params[name], dtype=np.float64).ravel())}

    def arrays(self, results: dict) -> dict:
        """The oracle's ``{name: ndarray}`` from a run's results (label -> number)."""
        return {name: np.array([results[lab] for lab in self.labels(name)], dtype=np.float64)
                .reshape(shape) for name, shape in self.shapes.items()}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k} {v}" for k, v in self.shapes.items())
        return f"MLPGraph(sizes={self.sizes}, loss={self.loss.data!r}, params: {shapes}; {len(self.params)} leaves)"


def _check_data(sizes, X, y) -> tuple:
    try:
        sizes = tuple(int(s) for s in sizes)
    except (TypeError, ValueError):
        raise TrainError(f"sizes = {sizes!r} is not a tuple of whole numbers", hint="e.g. (2, 4, 1)") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise TrainError(f"sizes = {sizes}: need (inputs, [hidden...], outputs), each >= 1", hint="e.g. (2, 4, 1)")
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != sizes[0] or len(X) < 1:
        raise TrainError(f"X has shape {X.shape}; sizes {sizes} need (rows, {sizes[0]})",
                         hint="one row per sample, one column per input")
    if y.ndim != 2 or y.shape != (len(X), sizes[-1]):
        raise TrainError(f"y has shape {y.shape}; X {X.shape} and sizes {sizes} need ({len(X)}, {sizes[-1]})",
                         hint="one target row per sample (a column: y[:, None])")
    return sizes, X, y


def mlp_graph(sizes, X, y, params: dict | None = None, seed: int = 0) -> MLPGraph:
    """The oracle's MLP forward and MSE loss on ``(X, y)`` as Values, in its operation order.

    ``params``: ``{name: ndarray}`` as :attr:`MLP.params` (default: ``MLP(sizes, seed)``'s init).
    X and y are labelled input leaves ``x[n,k]``, ``y[n,j]``; the loss is labelled ``loss``."""
    sizes, X, y = _check_data(sizes, X, y)
    a, leaves, shapes = _forward(sizes, X, params, seed)
    s = None
    for n, row in enumerate(a):          # row-major: sample n, then output j
        for j, pred in enumerate(row):
            d = pred - Value(float(y[n, j]), _label("y", (n, j)))
            s = d * d if s is None else (d * d) + s   # == s + d*d; visits later samples first
    loss = s / float(y.size)
    loss.label = "loss"
    return MLPGraph(sizes, loss, tuple(leaves), shapes)


def _forward(sizes, X, params, seed: int):
    """The MLP's outputs as Values, row by row: (outputs, parameter leaves, shapes)."""
    init = MLP(sizes, seed).params
    params = init if params is None else params
    shapes, leaves, layers = {}, [], []
    for name, ref in init.items():
        arr = np.asarray(params.get(name, ()) if isinstance(params, dict) else (), dtype=np.float64)
        if arr.shape != ref.shape:
            raise TrainError(f"parameter {name!r} has shape {arr.shape}; sizes {sizes} need {ref.shape}",
                             hint="pass params shaped like MLP(sizes).params: w0, b0, w1, ...")
        shapes[name] = ref.shape
        vals = [Value.param(float(arr[idx]), _label(name, idx)) for idx in np.ndindex(*ref.shape)]
        leaves += vals
        layers.append(np.array(vals, dtype=object).reshape(ref.shape))
    a = [[Value(float(X[n, k]), _label("x", (n, k))) for k in range(sizes[0])] for n in range(len(X))]
    for layer in range(len(sizes) - 1):
        w, b = layers[2 * layer], layers[2 * layer + 1]
        z = [[_dot(b[j], row, w[:, j]) for j in range(w.shape[1])] for row in a]
        a = z if layer == len(sizes) - 2 else [[v.relu() for v in row] for row in z]
    return a, leaves, MappingProxyType(shapes)


def predict_on_vtpu(sizes, params: dict, X, config="seed", packed: bool = True) -> np.ndarray:
    """The MLP's predictions for ``X`` computed on the machine (forward only): an ``(N, out)`` array.
    With the oracle's operation order they equal ``MLP.from_params(params).forward(X)`` bit for bit."""
    X = np.asarray(X, dtype=np.float64)
    sizes, X, _ = _check_data(sizes, X, np.zeros((len(X), int(sizes[-1]))))
    a, _, _ = _forward(sizes, X, params, 0)
    outputs = []
    for n, row in enumerate(a):
        for j, v in enumerate(row):
            v.label = _label("pred", (n, j))
            outputs.append(v)
    compiled = compile_graph(outputs, wrt=())
    out = compiled.run(None, config, packed=packed)
    return np.array([[out[_label("pred", (n, j))] for j in range(len(a[0]))] for n in range(len(a))])


def _dot(bias: Value, inputs, weights) -> Value:
    """``((bias + a0*w0) + a1*w1) + ...``: the bias first, then the inputs left to right."""
    z = bias
    for a, w in zip(inputs, weights):
        z = z + a * w
    return z


# -- the training loop --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TrainResult:
    """A training run on the vTPU and its comparison with the numpy oracle (one entry per step)."""
    sizes: tuple
    steps: int
    lr: float
    config: str
    packed: bool
    losses: tuple                 # the loss *before* each step's update (as MLP.train reports)
    params: MappingProxyType      # final parameters, name -> ndarray shaped like the oracle's
    cycles: tuple                 # machine cycles of each step
    useful_ops_per_cycle: tuple   # from each step's trace counters
    oracle_losses: tuple
    max_abs_diff_vs_oracle: float  # over every loss and every final weight
    bit_identical: bool            # every loss and every final weight has the oracle's bits

    @property
    def loss_fraction(self) -> float:
        """The last loss as a fraction of the first."""
        return self.losses[-1] / self.losses[0] if self.losses[0] else 0.0

    def __repr__(self) -> str:
        return (f"TrainResult(sizes={self.sizes}, steps={self.steps}, lr={self.lr!r}, config={self.config!r}, "
                f"packed={self.packed}, losses=({self.losses[0]:.6g} -> {self.losses[-1]:.6g}; "
                f"{self.loss_fraction:.1%} of start), cycles_per_step={self.cycles[0]}, "
                f"useful_ops_per_cycle={self.useful_ops_per_cycle[0]:.3f}, "
                f"max_abs_diff_vs_oracle={self.max_abs_diff_vs_oracle!r}, bit_identical={self.bit_identical})")


def _check_run(steps, lr) -> None:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise TrainError(f"steps = {steps!r}: need a whole number >= 1", hint="e.g. steps=20")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise TrainError(f"lr = {lr!r}: need a positive number", hint="e.g. lr=0.1")


def compile_step(graph: MLPGraph, lr: float) -> Compiled:
    """One SGD step of ``graph``: forward, backward, ``p <- p - lr*grad`` for every parameter."""
    return compile_graph(graph.loss, updates=True, lr=float(lr), name="train_step")


def train_on_vtpu(sizes, X, y, steps: int, lr: float, seed: int = 0, config="seed",
                  packed: bool = True, progress=None) -> TrainResult:
    """Full-batch SGD on the machine from ``MLP(sizes, seed)``'s init, checked against
    ``MLP(sizes, seed).train(X, y, steps, lr)``. ``progress`` wraps the step range (e.g. tqdm)."""
    _check_run(steps, lr)
    graph = mlp_graph(sizes, X, y, seed=seed)
    step = compile_step(graph, lr)
    values = graph.values(MLP(graph.sizes, seed).params)
    losses, cycles, upc = [], [], []
    for _ in (progress(range(steps)) if progress is not None else range(steps)):
        trace = step.trace(values, config, packed=packed)
        out = step.results(trace)
        c = trace.counters()
        losses.append(out["loss"])
        cycles.append(c.cycles)
        upc.append(c.useful_ops_per_cycle)
        values = {p.label: out[p.label] for p in graph.params}   # carried to the next step
    final = graph.arrays(values)
    net = MLP(graph.sizes, seed)
    oracle_losses = net.train(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), steps, lr)
    mine = np.concatenate([losses] + [final[k].ravel() for k in net.params])
    ref = np.concatenate([oracle_losses] + [net.params[k].ravel() for k in net.params])
    cfg_name = getattr(config, "name", config)
    return TrainResult(graph.sizes, int(steps), float(lr), str(cfg_name), bool(packed), tuple(losses),
                       MappingProxyType(final), tuple(cycles), tuple(upc), tuple(oracle_losses),
                       float(np.max(np.abs(mine - ref))), bool(np.array_equal(mine.view(np.int64),
                                                                             ref.view(np.int64))))
