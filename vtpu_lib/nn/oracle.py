"""The independent oracle: a plain numpy MLP and attention head with hand-derived gradients.

No autograd here: the backward pass is written out by hand from the chain rule, so it shares
no code (and no mistakes) with the ``Value`` graph that compiles to SIWs. A vTPU run is checked
against it step by step (notebook 11).

Operation order (what a compiled program must follow for bit-identical results)
------------------------------------------------------------------------------
float64 addition is not associative, so every sum below is accumulated **left to right** in
the index order given, ``((t0 + t1) + t2) + ...``, one rounding per ``+``. Products are a
single rounded ``*`` (``a*b + c`` rounds twice: the vTPU's ``fma`` does exactly this, so it
may be used). Numpy appears only as elementwise ops (each an IEEE-rounded scalar op applied
to many elements at once), never ``@``/``dot``/``sum``, whose order and fusing are BLAS's.

A layer has ``W`` of shape ``(fan_in, fan_out)`` and ``b`` of shape ``(fan_out,)``; ``a`` is its
input (``X`` for the first layer), ``N`` rows.

* forward: ``z[n,j] = (((b[j] + a[n,0]*W[0,j]) + a[n,1]*W[1,j]) + ...)`` -- the bias first,
  then inputs k = 0, 1, ... (micrograd's ``sum(w*x, b)``); hidden layers
  ``relu(z) = z if z > 0 else +0.0`` (the vTPU's ``max(z, 0.0)``); the last layer is linear.
* loss (mean squared error): ``d = pred - y``; ``s = d0*d0 + d1*d1 + ...`` over the
  elements in row-major order (sample n, then output j), squares as ``d*d`` (a ``mul``, not
  ``pow``); ``loss = s / (N * M)`` (a ``div``; M outputs per row).
* backward: ``dpred = (2.0 * d) / (N * M)`` (any placement of the exact factor 2 gives the
  same bits); through a relu ``dz = da if z > 0 else 0.0`` (gradient 0 at the kink z = 0);
  ``dW[k,j] = a[0,k]*dz[0,j] + a[1,k]*dz[1,j] + ...`` over samples n = 0, 1, ...;
  ``db[j] = dz[0,j] + dz[1,j] + ...``; ``da[n,k] = W[k,0]*dz[n,0] + W[k,1]*dz[n,1] + ...``
  over outputs j = 0, 1, ... Sums start from their first term; starting from ``0.0`` gives
  the same value (``0.0 + t == t``) except that ``-0.0`` becomes ``+0.0``.
* SGD: ``p = p - lr * g`` (a mul then a sub; ``fma(-lr, g, p)`` gives the same bits).
* data parallel (:func:`allreduce_mean`): shard gradients are summed by a binary tree --
  at stride 1, 2, 4, ... sentron ``i`` adds ``i + stride`` into itself (``g_i + g_{i+stride}``),
  for ``i`` a multiple of ``2*stride`` -- then divided by the number of shards.
* attention: see :func:`attention_weights` and :func:`attention`.

``exp`` is ``math.exp`` applied elementwise (the vTPU's ``exp``): numpy's own SIMD ``exp``
differs from it in the last bit for a few per cent of inputs.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import VtpuError
from .data import QUANTUM, shards


class OracleError(VtpuError, ValueError):
    """Inputs the oracle cannot take (sizes, shapes, missing gradients)."""


def _exp(a: np.ndarray) -> np.ndarray:
    """``math.exp`` elementwise: the vTPU's ``exp``, bit for bit."""
    return np.frompyfunc(math.exp, 1, 1)(np.asarray(a, dtype=np.float64)).astype(np.float64)


def _as_matrix(a, cols: int, what: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != cols:
        raise OracleError(f"{what} has shape {a.shape}; expected (rows, {cols})",
                          hint="pass a 2-D array, one row per sample (y as a column: y[:, None])")
    return a


class MLP:
    """A fully connected net: relu hidden layers, a linear output, mean-squared-error loss.

    ``sizes`` = (inputs, hidden..., outputs), e.g. ``(2, 8, 1)``. Parameters ``w0, b0, w1, ...``
    live in :attr:`params` (``w`` of shape ``(fan_in, fan_out)``). The same seed gives the same
    initial weights: uniform in ``+-sqrt(3 / fan_in)`` rounded to multiples of 1/64 (dyadic,
    exact in float64 and in a phext file), biases 0.
    """

    def __init__(self, sizes, seed: int = 0):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise OracleError(f"sizes = {sizes}: need (inputs, [hidden...], outputs), each >= 1",
                              hint="e.g. MLP((2, 8, 1), seed=0)")
        self.sizes, self.seed = sizes, seed
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            bound = math.sqrt(3.0 / fan_in)
            w = rng.uniform(-bound, bound, size=(fan_in, fan_out))
            self.params[f"w{layer}"] = np.round(w / QUANTUM) * QUANTUM
            self.params[f"b{layer}"] = np.zeros(fan_out)
        self.last_grads: dict[str, np.ndarray] | None = None

    @classmethod
    def from_params(cls, params: dict[str, np.ndarray]) -> "MLP":
        """An MLP holding copies of ``params`` (e.g. loaded by :mod:`vtpu_lib.nn.weights`);
        its ``seed`` is None (the weights did not come from an init)."""
        layers = sum(1 for name in params if name.startswith("w"))
        try:
            ws = [np.array(params[f"w{i}"], dtype=np.float64) for i in range(layers)]
            bs = [np.array(params[f"b{i}"], dtype=np.float64) for i in range(layers)]
        except KeyError as e:
            raise OracleError(f"params lack {e.args[0]!r} (have {sorted(params)})",
                              hint="an MLP's params are w0, b0, w1, b1, ...") from None
        if not ws or any(w.ndim != 2 for w in ws):
            raise OracleError(f"params {sorted(params)} hold no 2-D weight matrices w0, w1, ...")
        sizes = tuple([w.shape[0] for w in ws] + [ws[-1].shape[1]])
        for i, (w, b) in enumerate(zip(ws, bs)):
            if w.shape != (sizes[i], sizes[i + 1]) or b.shape != (sizes[i + 1],):
                raise OracleError(f"layer {i}: w{i} {w.shape} and b{i} {b.shape} do not chain "
                                  f"into sizes {sizes}")
        net = cls.__new__(cls)
        net.sizes, net.seed, net.last_grads = sizes, None, None
        net.params = {name: arr for i in range(layers) for name, arr in
                      ((f"w{i}", ws[i]), (f"b{i}", bs[i]))}
        return net

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in self.params.items())
        count = sum(v.size for v in self.params.values())
        return f"MLP(sizes={self.sizes}, seed={self.seed}, params: {shapes}; {count} numbers)"

    # -- forward ----------------------------------------------------------------------------
    def _activations(self, X) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Inputs ``a_l`` of every layer and pre-activations ``z_l`` (the last z is the output)."""
        a = _as_matrix(X, self.sizes[0], "X")
        inputs, zs = [], []
        for layer in range(self.layers):
            w, b = self.params[f"w{layer}"], self.params[f"b{layer}"]
            z = np.broadcast_to(b, (len(a), len(b))).copy()
            for k in range(w.shape[0]):  # bias first, then inputs left to right
                z = z + a[:, k:k + 1] * w[k][None, :]
            inputs.append(a)
            zs.append(z)
            a = np.where(z > 0, z, 0.0) if layer < self.layers - 1 else z
        return inputs, zs

    def forward(self, X) -> np.ndarray:
        """Predictions, shape ``(rows, outputs)``."""
        return self._activations(X)[1][-1]

    def loss(self, X, y) -> float:
        """Mean squared error over every element of ``forward(X) - y``."""
        pred = self.forward(X)
        return _mse(pred, _as_matrix(y, self.sizes[-1], "y"))

    # -- backward (by hand) -------------------------------------------------------------------
    def grads(self, X, y) -> dict[str, np.ndarray]:
        """d loss / d parameter for every parameter (also kept as :attr:`last_grads`, with the
        loss at these parameters as :attr:`last_loss`)."""
        inputs, zs = self._activations(X)
        y = _as_matrix(y, self.sizes[-1], "y")
        if len(y) != len(zs[-1]):
            raise OracleError(f"X has {len(zs[-1])} rows but y has {len(y)}")
        d = zs[-1] - y
        self.last_loss = _mse(zs[-1], y)
        dz = (2.0 * d) / float(d.size)
        out: dict[str, np.ndarray] = {}
        for layer in range(self.layers - 1, -1, -1):
            a, w = inputs[layer], self.params[f"w{layer}"]
            if layer < self.layers - 1:  # through the relu of this layer's output
                dz = np.where(zs[layer] > 0, dz, 0.0)
            out[f"w{layer}"] = _sum_rows(a[:, :, None] * dz[:, None, :])  # over samples n
            out[f"b{layer}"] = _sum_rows(dz)
            if layer > 0:  # da[n,k] = sum over j of W[k,j] * dz[n,j]
                dz_prev = w[None, :, 0] * dz[:, 0:1]
                for j in range(1, w.shape[1]):
                    dz_prev = dz_prev + w[None, :, j] * dz[:, j:j + 1]
                dz = dz_prev
        self.last_grads = {k: out[k] for k in self.params}  # in parameter order
        return self.last_grads

    def sgd_step(self, lr: float, grads: dict[str, np.ndarray] | None = None) -> None:
        """``p = p - lr * g`` for every parameter, with ``grads`` or the last :meth:`grads`."""
        grads = self.last_grads if grads is None else grads
        if grads is None:
            raise OracleError("no gradients to step with", hint="call grads(X, y) first")
        for name in self.params:
            self.params[name] = self.params[name] - lr * grads[name]

    def train(self, X, y, steps: int, lr: float, sentrons: int = 1) -> list[float]:
        """Full-batch gradient descent for ``steps`` steps; the loss *before* each step's update.

        ``sentrons > 1``: data parallel -- the batch is cut by :func:`~vtpu_lib.nn.data.shards`
        (equal shards: rows must divide evenly), each shard's gradient (of its own mean loss)
        is taken, :func:`allreduce_mean` combines them, and one update applies. The loss
        reported is the whole batch's, computed as for ``sentrons=1``."""
        parts = shards(X, y, sentrons) if sentrons > 1 else None
        if parts and len({len(p.X) for p in parts}) > 1:
            raise OracleError(f"{len(X)} rows do not split evenly over {sentrons} sentrons",
                              hint="use a batch size that is a multiple of the sentron count")
        losses = []
        for _ in range(steps):
            if parts is None:
                self.grads(X, y)
                losses.append(self.last_loss)
                self.sgd_step(lr)
            else:
                losses.append(self.loss(X, y))
                self.sgd_step(lr, allreduce_mean([dict(self.grads(*p)) for p in parts]))
        return losses


def _mse(pred: np.ndarray, y: np.ndarray) -> float:
    d = (pred - y).ravel()  # row-major: sample, then output
    s = d[0] * d[0]
    for t in d[1:]:
        s = s + t * t
    return float(s / float(d.size))


def _sum_rows(a: np.ndarray) -> np.ndarray:
    """``a[0] + a[1] + ...`` along the first axis, left to right."""
    s = a[0].copy()
    for row in a[1:]:
        s = s + row
    return s


def allreduce_mean(grads_list: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Mean of per-shard gradients, summed by a binary tree (the all-reduce's order): at stride
    1, 2, 4, ... slot ``i`` (a multiple of ``2*stride``) takes ``g_i + g_{i+stride}``; the root's
    sum is then divided by the shard count."""
    if not grads_list:
        raise OracleError("no gradients to reduce")
    acc = [dict(g) for g in grads_list]
    stride = 1
    while stride < len(acc):
        for i in range(0, len(acc) - stride, 2 * stride):
            acc[i] = {k: acc[i][k] + acc[i + stride][k] for k in acc[i]}
        stride *= 2
    return {k: v / float(len(acc)) for k, v in acc[0].items()}


# -- attention (one head) -----------------------------------------------------------------------
def attention_weights(Q, K) -> np.ndarray:
    """Softmax rows of ``Q K^T / sqrt(d)``, shape ``(queries, keys)``.

    Order: ``score[i,j] = (q[i,0]*k[j,0] + q[i,1]*k[j,1] + ...) / sqrt(d)`` (left to right
    over the d features; ``sqrt(d)`` is ``math.sqrt(d)``, a constant, and a ``div``);
    ``m[i] = max_j score[i,j]`` (order-free: max is exact); ``e = exp(score - m)``
    (``math.exp``); ``z[i] = e[i,0] + e[i,1] + ...`` left to right; ``p = e / z``.
    """
    Q = np.asarray(Q, dtype=np.float64)
    K = _as_matrix(K, Q.shape[1] if Q.ndim == 2 else -1, "K")
    Q = _as_matrix(Q, K.shape[1], "Q")
    scores = Q[:, 0:1] * K[None, :, 0]
    for k in range(1, Q.shape[1]):
        scores = scores + Q[:, k:k + 1] * K[None, :, k]
    scores = scores / math.sqrt(Q.shape[1])
    e = _exp(scores - scores.max(axis=1, keepdims=True))
    z = _sum_rows(e.T)[:, None]  # over keys j, left to right
    return e / z


def attention(Q, K, V) -> np.ndarray:
    """One attention head: ``out[i,:] = p[i,0]*V[0,:] + p[i,1]*V[1,:] + ...`` (left to right
    over keys j) with ``p = attention_weights(Q, K)``. ``Q`` is ``(queries, d)``, ``K``
    ``(keys, d)``, ``V`` ``(keys, dv)``; the result is ``(queries, dv)``."""
    p = attention_weights(Q, K)
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2 or len(V) != p.shape[1]:
        raise OracleError(f"V has shape {V.shape}; expected ({p.shape[1]}, dv): one row per key")
    out = p[:, 0:1] * V[None, 0, :]
    for j in range(1, len(V)):
        out = out + p[:, j:j + 1] * V[None, j, :]
    return out


__all__ = ["OracleError", "MLP", "allreduce_mean", "attention_weights", "attention"]
