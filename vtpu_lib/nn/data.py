"""Small seeded data sets for the capstone (notebook 11), made by the library itself.

Every set is a :class:`Dataset`: a pair ``(X, y)`` of float64 arrays that unpacks like a tuple,
``X`` of shape ``(n, features)`` and ``y`` of shape ``(n, 1)`` (one target per row, a column so
that it lines up with a model's output). Every value is rounded to a multiple of
:data:`QUANTUM` (1/64): such dyadic numbers are exact in float64, and so are sums and
products of a few of them, which keeps a vTPU run and the numpy oracle free of rounding
differences in the data themselves. The same ``seed`` always gives the same arrays (numpy's
``default_rng``); no global random state is touched.

* :func:`two_moons` -- two interleaved half circles, a classic non-linear classification set.
* :func:`xor` -- four clusters at the corners of a square, labelled like XOR.
* :func:`regression_1d` -- a smooth curve of one input, for regression.
* :func:`shards` -- a batch cut into ``k`` contiguous pieces, one per sentron (data parallel).
"""

from __future__ import annotations

import numpy as np

from ..errors import VtpuError

QUANTUM = 1.0 / 64  # every value is a multiple of this: dyadic, exact in float64


class DataError(VtpuError, ValueError):
    """A data set that cannot be made as asked (a size or shard count out of range)."""


class Dataset(tuple):
    """``(X, y)`` with a name and the arguments that made it; unpacks as ``X, y = data``."""

    def __new__(cls, X: np.ndarray, y: np.ndarray, name: str, **made_with):
        self = super().__new__(cls, (X, y))
        self.name, self.made_with = name, made_with
        return self

    @property
    def X(self) -> np.ndarray:
        return self[0]

    @property
    def y(self) -> np.ndarray:
        return self[1]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.made_with.items())
        labels = sorted(set(self.y.ravel().tolist()))
        ys = f"labels {labels}" if len(labels) <= 4 else f"y in [{labels[0]}, {labels[-1]}]"
        return f"Dataset({self.name}({args}): X {self.X.shape}, y {self.y.shape}, {ys})"


def _check_n(n: int, minimum: int = 1) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < minimum:
        raise DataError(f"n = {n!r}: a data set needs a whole number of at least {minimum} points",
                        hint=f"e.g. n={max(minimum, 16)}")


def _dyadic(a: np.ndarray) -> np.ndarray:
    """Round to the nearest multiple of QUANTUM (ties to even), as float64."""
    return np.round(np.asarray(a, dtype=np.float64) / QUANTUM) * QUANTUM


def two_moons(n: int = 64, seed: int = 0, noise: float = 0.1) -> Dataset:
    """Two interleaved half circles: the upper moon (label -1) is ``(cos t, sin t)``, the
    lower one (label +1) ``(1 - cos t, 0.5 - sin t)`` for ``t`` in ``[0, pi]``, plus Gaussian
    noise of standard deviation ``noise``. Half the points (rounded down) are in the upper
    moon; rows alternate between the moons. Labels are -1.0 / +1.0 (targets for a squared-error
    loss)."""
    _check_n(n, 2)
    if not noise >= 0.0:
        raise DataError(f"noise = {noise!r} must be 0 or more", hint="noise=0.1 is the usual choice")
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.arange(n) % 2 == 0
    x0 = np.where(upper, np.cos(t), 1.0 - np.cos(t))
    x1 = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x0, x1], axis=1) + rng.normal(0.0, noise, size=(n, 2))
    y = np.where(upper, -1.0, 1.0)[:, None]
    return Dataset(_dyadic(X), y, "two_moons", n=n, seed=seed, noise=noise)


def xor(n: int = 16, seed: int = 0) -> Dataset:
    """Four clusters around the corners ``(+-0.5, +-0.5)`` of a square (jitter uniform in
    +-0.125), labelled +1.0 where the two coordinates have the same sign and -1.0 where they
    differ (XOR of the signs). Rows go round the four corners in turn, so any 4 consecutive
    rows hold one point of each."""
    _check_n(n, 1)
    rng = np.random.default_rng(seed)
    corners = np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])[np.arange(n) % 4]
    X = corners + rng.uniform(-0.125, 0.125, size=(n, 2))
    y = np.where(corners[:, 0] * corners[:, 1] > 0, 1.0, -1.0)[:, None]
    return Dataset(_dyadic(X), y, "xor", n=n, seed=seed)


def regression_1d(n: int = 32, seed: int = 0, noise: float = 0.0) -> Dataset:
    """``y = sin(pi x) / 2`` at ``n`` inputs ``x`` drawn uniformly from ``[-1, 1]`` and sorted
    (plus Gaussian noise of standard deviation ``noise`` on ``y``), both rounded to 1/64."""
    _check_n(n, 1)
    if not noise >= 0.0:
        raise DataError(f"noise = {noise!r} must be 0 or more", hint="noise=0.0 gives the clean curve")
    rng = np.random.default_rng(seed)
    x = _dyadic(np.sort(rng.uniform(-1.0, 1.0, size=n)))
    y = np.sin(np.pi * x) / 2 + rng.normal(0.0, noise, size=n)
    return Dataset(x[:, None], _dyadic(y)[:, None], "regression_1d", n=n, seed=seed, noise=noise)


def shards(X: np.ndarray, y: np.ndarray, k: int) -> list[Dataset]:
    """Cut a batch into ``k`` contiguous shards, one per sentron, in row order: the first
    ``n % k`` shards get one row more (``numpy.array_split``). Shard ``i`` holds rows
    ``start_i .. start_i + len_i - 1``; joined back in order they give the batch. With
    ``n % k == 0`` the shards are equal, so the mean of the shards' mean-loss gradients is the
    batch's (what a data-parallel all-reduce computes)."""
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise DataError(f"X has {n} rows but y has {len(y)}", hint="pass the X and y of one data set")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= n:
        raise DataError(f"k = {k!r} shards for a batch of {n} rows: need 1 <= k <= {n}",
                        hint="every sentron needs at least one row")
    cuts = np.cumsum([0] + [n // k + (i < n % k) for i in range(k)])
    return [Dataset(X[a:b], y[a:b], "shard", i=i, k=k, rows=(int(a), int(b) - 1))
            for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]))]


__all__ = ["QUANTUM", "DataError", "Dataset", "two_moons", "xor", "regression_1d", "shards"]
