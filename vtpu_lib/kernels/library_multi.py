"""Multi-sentron benchmark kernels: a tree reduction, the attention pair, and the two kernels
whose pipe mix is balanced (a halo-exchanging stencil ring and a producer/consumer pipeline).

Every ``recv`` names its sender (never ``any``) and each receiver's queue is FIFO per sender,
so results never depend on timing. Inputs are seeded small integers and dyadic fractions:
every value the machine forms is exact in float64, in any order (see ``checks``).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction as F

from ..build import ProgramBuilder, op
from ..errors import VtpuInternalError
from ..isa import OPS
from ..program import SIW, Program
from ..programs import load
from .checks import Kernel, cell, make_kernel, whole
from .library import inputs, scalars

KAPPA = (0.125, 0.25, 0.375, 0.5)   # diffusion coefficients: dyadic, so kappa*t stays exact


def _step(p: str, k: int = 1):
    return op("index", p, p, 0, k)


def tree_reduce(*, sentrons: int = 8, chunk: int = 8, seed: int = 6) -> Kernel:
    whole("sentrons", sentrons, 1, 64)
    whole("chunk", chunk, 1, 2047 // sentrons)
    vs = inputs(seed, sentrons * chunk)
    b = ProgramBuilder(f"tree_reduce_{sentrons}x{chunk}")
    v = [cell(i + 1, 1) for i in range(len(vs))]
    for c, x in zip(v, vs):
        b.mem(c, x)
    out = cell(1, 2)
    for k in range(sentrons):
        b.sentron(f"s{k}", id=k, home=v[k * chunk]).set("p0", v[k * chunk]).set("r0", 0)
        with b.repeat(chunk):                           # this sentron's chunk, in order
            b.siw(op("gather", "r1", "p0"))
            b.siw(_step("p0"))
            b.siw(op("add", "r0", "r0", "r1"))
        step = 1
        while step < sentrons:                          # binary tree towards s0
            if k % (2 * step) == step:
                b.siw(op("pack", "m0", "r0"))
                b.siw(op("send", "m0", f"s{k - step}"))
                break
            if k + step < sentrons:
                b.siw(op("recv", "r1", f"s{k + step}"))  # from a named partner, never 'any'
                b.siw(op("add", "r0", "r0", "r1"))
            step *= 2
        if k == 0:
            b.set("p1", out)
            b.siw(op("scatter", "p1", "r0"))
    return make_kernel("tree_reduce", f"tree reduction, {sentrons} sentrons x {chunk}", b.build(),
                       {out: sum(map(F, vs))}, streaming=True,
                       description=f"{sentrons} sentrons each sum a {chunk}-element chunk, then combine the partial "
                                   "sums in a binary tree of pack/send/recv/add towards s0, which scatters the total. "
                                   "Every recv names its partner, so the sum never depends on timing.")


def one_op_per_siw(program: Program) -> Program:
    """A program with every SIW split into one-op SIWs, D then S then C (each keeps its source
    line). Refuses a SIW where one slot reads what another writes: under vliw that read sees the
    old value, which a split in slot order would not preserve."""
    sentrons = []
    for code in program.sentrons:
        siws, lines = [], []
        for siw, line in zip(code.siws, code.lines):
            ops = siw.ops()
            if any(set(a.reads()) & set(b.writes()) for a in ops for b in ops if a is not b):
                raise VtpuInternalError(f"{program.source}: {code.name}: cannot split {siw}: a slot reads "
                                        "another slot's result")
            siws += [SIW(**{OPS[o.op].pipe.lower(): o}) for o in ops] or [siw]
            lines += [line] * max(1, len(ops))
        sentrons.append(dataclasses.replace(code, siws=tuple(siws), lines=lines, loops=()))
    return dataclasses.replace(program, sentrons=tuple(sentrons)).check()


def attention_pair() -> Kernel:
    program = one_op_per_siw(load("attention_pair"))   # the shipped file packs 2 SIWs: the naive form
    mem = dict(program.preload)
    q, k, v = (F(mem[cell(i)]) for i in (1, 2, 3))
    alice = q * k * v                                   # the model doc's 42
    return make_kernel("attention_pair", "attention pair (Alice and Bob)", program,
                       {cell(4): alice, cell(5): alice + alice}, streaming=False,
                       description="Alice gathers q, k, v, scatters q*k*v = 42 and sends it to Bob, who adds "
                                   "it to itself (84). The original vTPU's first two sentrons, with a real message.")


def halo_stencil(*, sentrons: int = 4, width: int = 16, seed: int = 7) -> Kernel:
    whole("sentrons", sentrons, 2, 64)
    whole("width", width, 1, 2047 // sentrons)
    xs = [inputs(seed + k, width) for k in range(sentrons)]
    kap = [scalars(seed, k, width, KAPPA) for k in range(sentrons)]
    b = ProgramBuilder(f"halo_stencil_{sentrons}x{width}")
    # Rows one after another along the scroll dimension (x in section 1, kappa in section 2): the
    # PPT's set index is the scroll (mod sets), so rows laid side by side in other dimensions would
    # all fall into the same few sets and evict each other.
    x = [[cell(k * width + i + 1, 1) for i in range(width)] for k in range(sentrons)]
    kc = [[cell(k * width + i + 1, 2) for i in range(width)] for k in range(sentrons)]
    res = [cell(k + 1, 3) for k in range(sentrons)]
    for k in range(sentrons):
        for i in range(width):
            b.mem(x[k][i], xs[k][i]).mem(kc[k][i], kap[k][i])
    for k in range(sentrons):
        left, right = f"s{(k - 1) % sentrons}", f"s{(k + 1) % sentrons}"
        b.sentron(f"s{k}", id=k, home=x[k][0])
        b.set("p0", x[k][0]).set("p1", kc[k][0]).set("p2", res[k]).set("r0", 0).set("r13", -2)
        with b.repeat(width):
            b.siw(op("gather", "r1", "p0"))            # my cell x
            b.siw(op("gather", "r2", "p1"))            # its coefficient kappa
            b.siw(op("pack", "m0", "r1"))
            b.siw(op("send", "m0", left))              # my x is both neighbours' halo
            b.siw(op("send", "m0", right))
            b.siw(op("recv", "r3", left))              # their x: my halo
            b.siw(op("recv", "r4", right))
            b.siw(op("add", "r5", "r3", "r4"))
            b.siw(op("fma", "r6", "r1", "r13", "r5"))  # t = l + r - 2x (the discrete Laplacian)
            b.siw(op("fma", "r7", "r2", "r6", "r1"))   # x + kappa*t
            b.siw(op("scatter", "p0", "r7"))           # in place: neighbours got the old x by message
            b.siw(op("fma", "r0", "r6", "r6", "r0"))   # residual: sum of t^2
            b.siw(_step("p0"))
            b.siw(_step("p1"))
        b.siw(op("scatter", "p2", "r0"))
    return make_kernel("halo_stencil", f"halo-exchange stencil ring, {sentrons} sentrons x {width}", b.build(),
                       _halo_expected(xs, kap, x, res), streaming=True,
                       description=f"One diffusion step on a {sentrons}x{width} grid split by rows over a ring of "
                                   "sentrons; the stencil runs across rows, so every cell's neighbours arrive as halo "
                                   "messages (pack, two sends, two recvs) while the sentron gathers, updates and "
                                   "scatters its own row. Per cell 4 D, 5 S and 5 C ops (mix 2.8), and each sentron "
                                   "scatters its residual, the sum of t^2.")


def _halo_expected(xs, kap, x, res) -> dict:
    """x + kappa*t in every cell, t = up + down - 2x (rows wrap around the ring), and sum t^2 per row."""
    rows, expected = len(xs), {}
    for k in range(rows):
        up, down, t2 = xs[(k - 1) % rows], xs[(k + 1) % rows], F(0)
        for i, (xv, kv) in enumerate(zip(xs[k], kap[k])):
            t = F(up[i] + down[i] - 2 * xv)
            expected[x[k][i]] = xv + F(kv) * t
            t2 += t * t
        expected[res[k]] = t2
    return expected


def pipeline(*, n: int = 64, seed: int = 8) -> Kernel:
    whole("n", n, 1, 2000)
    xs, ys = inputs(seed, n), inputs(seed + 1000, n)
    a, bb, c = scalars(seed, 1, 3, (1, 2, 3, -1, -2))   # the polynomial's coefficients: small integers
    b = ProgramBuilder(f"pipeline_{n}")
    x, y = [cell(i + 1, 1) for i in range(n)], [cell(i + 1, 2) for i in range(n)]
    for cx, cy, vx, vy in zip(x, y, xs, ys):
        b.mem(cx, vx).mem(cy, vy)
    b.sentron("producer", id=0, home=cell(1, 1)).set("p0", x[0]).set("r10", a).set("r11", bb)
    with b.repeat(n):
        b.siw(op("gather", "r1", "p0"))
        b.siw(_step("p0"))
        b.siw(op("mul", "r2", "r1", "r1"))             # u = x^2
        b.siw(op("fma", "r3", "r10", "r1", "r11"))     # v = a*x + b
        b.siw(op("pack", "m0", "r2", "r3"))
        b.siw(op("send", "m0", "consumer"))
    b.sentron("consumer", id=1, home=cell(1, 2)).set("p0", y[0]).set("r10", c)
    with b.repeat(n):
        b.siw(op("recv", "m1", "producer"))
        b.siw(op("unpack", "r1", "m1", 0))
        b.siw(op("unpack", "r2", "m1", 1))
        b.siw(op("gather", "r3", "p0"))
        b.siw(op("fma", "r4", "r10", "r1", "r2"))      # p(x) = c*x^2 + a*x + b
        b.siw(op("mul", "r5", "r4", "r3"))             # y * p(x)
        b.siw(op("scatter", "p0", "r5"))
        b.siw(_step("p0"))
    expected = {cy: (F(c) * vx * vx + F(a) * vx + F(bb)) * vy for cy, vx, vy in zip(y, xs, ys)}
    return make_kernel("pipeline", f"producer/consumer pipeline, {n} elements", b.build(), expected,
                       streaming=True,
                       description=f"y[i] = y[i] * ({c:g} x[i]^2 + {a:g} x[i] + {bb:g}) over {n} elements in two "
                                   "stages: a producer gathers x and sends x^2 and a*x + b in one message, a consumer "
                                   "unpacks them, finishes the polynomial and scales y in place. Per element 2 D, 2 S, "
                                   "2 C ops on the producer (mix 3) and 2 D, 3 S, 3 C on the consumer (mix 2.67).")


__all__ = ["tree_reduce", "attention_pair", "halo_stencil", "pipeline", "one_op_per_siw"]
