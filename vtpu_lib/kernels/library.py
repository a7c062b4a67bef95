"""Single-sentron benchmark kernels, written naively: one op per SIW, loops as ``repeat`` blocks
(so they stay loop regions for the scheduler), every address kept in a p register that the loop
body moves with ``index``.

Inputs are seeded small integers (and dyadic scalars such as 1.5 or 0.25), so every sum and
product below is exact in float64 in any order; multi-accumulator reassociation therefore
leaves the same bits. Expected values are computed with ``Fraction`` from the same inputs.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from ..build import ProgramBuilder, op
from .checks import Kernel, cell, make_kernel, whole

MAX_N = 2000        # vectors run along one dimension from scroll 1: 0..2047 leaves room for halos
DYADIC = (0.25, 0.5, 0.75, 1.5, 2.5, -0.5, -1.25)   # scalars with short binary fractions


def inputs(seed: int, n: int, *, lo: int = 1, hi: int = 8) -> list[int]:
    """n seeded nonzero integers in -hi..-lo, lo..hi (nonzero: dropping any op changes a result)."""
    rng = np.random.default_rng(seed)
    mags = rng.integers(lo, hi + 1, size=n)
    signs = rng.choice((-1, 1), size=n)
    return [int(m * s) for m, s in zip(mags, signs)]


def scalars(seed: int, salt: int, n: int, options=DYADIC) -> list[float]:
    """n seeded picks from ``options`` (dyadic: exact in float64, and so are their products with
    small integers); ``salt`` keeps the picks for different parameters of one kernel apart."""
    picks = np.random.default_rng((seed, salt)).integers(len(options), size=n)
    return [float(options[int(i)]) for i in picks]


def scalar(seed: int, salt: int, options=DYADIC) -> float:
    return scalars(seed, salt, 1, options)[0]


def _vector(b: ProgramBuilder, values, section: int) -> list:
    """Preload values[i] at scroll i+1 of ``section``; returns their coordinates."""
    coords = [cell(i + 1, section) for i in range(len(values))]
    for c, v in zip(coords, values):
        b.mem(c, v)
    return coords


def _step(p: str, k: int = 1, dim: int = 0):
    return op("index", p, p, dim, k)


def dot(*, n: int = 64, seed: int = 1) -> Kernel:
    whole("n", n, 1, MAX_N)
    xs, ys = inputs(seed, n), inputs(seed + 1000, n)
    b = ProgramBuilder(f"dot_{n}")
    x, y, out = _vector(b, xs, 1), _vector(b, ys, 2), cell(1, 3)
    b.sentron("dot", id=0).set("p0", x[0]).set("p1", y[0]).set("p2", out).set("r0", 0)
    with b.repeat(n):
        b.siw(op("gather", "r1", "p0"))
        b.siw(op("gather", "r2", "p1"))
        b.siw(_step("p0"))
        b.siw(_step("p1"))
        b.siw(op("fma", "r0", "r1", "r2", "r0"))      # acc += x*y: the loop's recurrence
    b.siw(op("scatter", "p2", "r0"))
    total = sum(F(a) * F(c) for a, c in zip(xs, ys))
    return make_kernel("dot", f"dot product, {n} elements", b.build(), {out: total}, streaming=True,
                       description=f"r0 = sum x[i]*y[i] over two {n}-element vectors along the scroll "
                                   "dimension, scattered to one cell. One fma per element is a recurrence "
                                   "through the accumulator; 4 of its 5 ops per element are S ops.")


def saxpy(*, n: int = 64, seed: int = 2) -> Kernel:
    whole("n", n, 1, MAX_N)
    xs, ys, a = inputs(seed, n), inputs(seed + 1000, n), scalar(seed, 1)
    b = ProgramBuilder(f"saxpy_{n}")
    x, y = _vector(b, xs, 1), _vector(b, ys, 2)
    b.sentron("saxpy", id=0).set("p0", x[0]).set("p1", y[0]).set("r3", a)
    with b.repeat(n):
        b.siw(op("gather", "r1", "p0"))
        b.siw(op("gather", "r2", "p1"))
        b.siw(op("fma", "r4", "r3", "r1", "r2"))      # a*x + y
        b.siw(op("scatter", "p1", "r4"))
        b.siw(_step("p0"))
        b.siw(_step("p1"))
    expected = {c: F(a) * F(xv) + F(yv) for c, xv, yv in zip(y, xs, ys)}
    return make_kernel("saxpy", f"saxpy y = {a}*x + y, {n} elements", b.build(), expected, streaming=True,
                       description=f"y[i] = a*x[i] + y[i] in place over {n} elements, a = {a}. Iterations are "
                                   "independent; each needs 5 S ops (2 gathers, a scatter, 2 index) for one fma.")


def hp_add(*, n: int = 64, seed: int = 3) -> Kernel:
    whole("n", n, 1, MAX_N)
    xs, s = inputs(seed, n), scalar(seed, 2)
    b = ProgramBuilder(f"hp_add_{n}")
    x = _vector(b, xs, 1)
    b.sentron("hp_add", id=0).set("p0", x[0]).set("r2", s)
    with b.repeat(n):
        b.siw(op("gather", "r0", "p0"))
        b.siw(op("add", "r1", "r0", "r2"))
        b.siw(op("scatter", "p0", "r1"))
        b.siw(_step("p0"))   # H&P's pointer increment (DADDUI); on the vTPU it is an S op
    expected = {c: F(v) + F(s) for c, v in zip(x, xs)}
    return make_kernel("hp_add", f"x[i] = x[i] + s, {n} elements", b.build(), expected, streaming=True,
                       description=f"Hennessy & Patterson's loop x[i] = x[i] + s over {n} elements (s = {s}). "
                                   "gather, add, scatter alone have mix bound 3/2 = 1.5; the address step is an "
                                   "S op on the vTPU, so the loop's bound is 4/3.")


def matvec(*, rows: int = 8, cols: int = 8, seed: int = 4) -> Kernel:
    whole("rows", rows, 1, 64)
    whole("cols", cols, 1, 64)
    a, xs = inputs(seed, rows * cols), inputs(seed + 1000, cols)
    b = ProgramBuilder(f"matvec_{rows}x{cols}")
    amat, x = _vector(b, a, 1), _vector(b, xs, 2)     # A row-major along the scroll dimension
    y = [cell(r + 1, 3) for r in range(rows)]
    b.sentron("matvec", id=0).set("p0", amat[0]).set("p1", x[0]).set("p2", y[0])
    with b.repeat(rows):
        b.siw(op("mov", "r0", 0))                     # the row's accumulator
        with b.repeat(cols):
            b.siw(op("gather", "r1", "p0"))
            b.siw(op("gather", "r2", "p1"))
            b.siw(_step("p0"))
            b.siw(_step("p1"))
            b.siw(op("fma", "r0", "r1", "r2", "r0"))
        b.siw(op("scatter", "p2", "r0"))
        b.siw(_step("p2"))
        b.siw(_step("p1", -cols))                     # back to x[0] for the next row
    expected = {y[r]: sum(F(a[r * cols + c]) * F(xs[c]) for c in range(cols)) for r in range(rows)}
    return make_kernel("matvec", f"matrix-vector {rows}x{cols}", b.build(), expected, streaming=False,
                       description=f"y = A x for a {rows}x{cols} matrix stored row-major along the scroll "
                                   "dimension: an outer loop over rows around a dot-product inner loop. A is "
                                   "read once in order, x once per row (so not a single stream).")


def stencil(*, n: int = 64, dim: int = 0, seed: int = 5) -> Kernel:
    whole("n", n, 1, MAX_N)
    whole("dim", dim, 0, 10)
    xs = inputs(seed, n + 2)                          # x[-1] .. x[n]: one halo cell each side
    ca, cb, cc = scalar(seed, 1), scalar(seed, 2), scalar(seed, 3)
    other = 1 if dim == 0 else 0                      # x and y are one apart in another dimension
    # Along dim 0 consecutive cells fall into consecutive PPT sets; along an outer dimension they
    # share one set (its index is the cell read as a number, scroll fastest) and conflict: a study.
    x = [cell().moved(dim, j) for j in range(n + 2)]
    y = [cell().moved(other, 1).moved(dim, i) for i in range(n)]
    b = ProgramBuilder(f"stencil_{n}")
    for c, v in zip(x, xs):
        b.mem(c, v)
    b.sentron("stencil", id=0).set("p0", x[0]).set("p1", y[0])
    b.set("r10", ca).set("r11", cb).set("r12", cc)
    b.siw(op("gather", "r1", "p0"))                   # the window x[i-1], x[i] before the loop
    b.siw(_step("p0", 1, dim))
    b.siw(op("gather", "r2", "p0"))
    b.siw(_step("p0", 1, dim))
    with b.repeat(n):
        b.siw(op("gather", "r3", "p0"))               # x[i+1]: each cell is gathered once, in order
        b.siw(_step("p0", 1, dim))
        b.siw(op("mul", "r4", "r1", "r10"))
        b.siw(op("fma", "r4", "r2", "r11", "r4"))
        b.siw(op("fma", "r4", "r3", "r12", "r4"))
        b.siw(op("scatter", "p1", "r4"))
        b.siw(_step("p1", 1, dim))
        b.siw(op("mov", "r1", "r2"))                  # slide the window
        b.siw(op("mov", "r2", "r3"))
    expected = {y[i]: F(ca) * xs[i] + F(cb) * xs[i + 1] + F(cc) * xs[i + 2] for i in range(n)}
    return make_kernel("stencil", f"3-point stencil along dim {dim}, {n} outputs", b.build(), expected,
                       streaming=True,
                       description=f"y[i] = {ca}*x[i-1] + {cb}*x[i] + {cc}*x[i+1] for {n} outputs along "
                                   f"dimension {dim}. A window of three registers slid by two movs means each x "
                                   "is gathered once, in order.")


__all__ = ["dot", "saxpy", "hp_add", "matvec", "stencil", "inputs", "scalars", "scalar", "MAX_N"]
