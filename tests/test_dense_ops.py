"""Every dense op of the op table, run through the simulator, against an oracle.

Each op is assembled as a one-op program (``OP r4, r1, r2[, r3] | - | -``), its inputs are
put in r1..r3 by the host, and r4 is read after the run. The oracles below are written from
the rules in the op table's docstring (IEEE 754 edge cases: docs/decisions.md), not from the
op table's own functions. Floats compare by their 64 bits, except that any nan equals any nan
where the sign of a nan is not part of the rule.
"""

from __future__ import annotations

import functools
import math
import struct
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vtpu_lib as vt
from vtpu_lib.isa import OPS

try:
    from vtpu_lib.machine import Machine
except ImportError:  # the old core
    from vtpu_lib.sim import Machine

inf, nan = math.inf, math.nan
DENSE = [name for name, spec in OPS.items() if spec.fn is not None]
ARITY = {name: sum(not o.writes for o in OPS[name].operands) for name in DENSE}


def bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def same(got, want) -> bool:
    """Same float64: by bits, but every nan equals every nan."""
    got, want = float(got), float(want)
    if math.isnan(want):
        return math.isnan(got)
    return bits(got) == bits(want)


# -- oracles, from the rules -------------------------------------------------------------------

def _div(a, b):
    with np.errstate(all="ignore"):
        return float(np.float64(a) / np.float64(b))  # numpy's IEEE division: x/0 = ±inf, 0/0 = nan


def _exp(a):
    if math.isnan(a):
        return nan
    try:
        return math.exp(a)
    except OverflowError:  # exactly where math.exp overflows: x > 709.782712893384
        return inf


def _max(a, b):  # IEEE 754-2019 maximum: nan propagates, -0 < +0
    if math.isnan(a) or math.isnan(b):
        return nan
    if a == b == 0.0:
        return -0.0 if math.copysign(1, a) < 0 and math.copysign(1, b) < 0 else 0.0
    return a if a > b else b


def _min(a, b):
    if math.isnan(a) or math.isnan(b):
        return nan
    if a == b == 0.0:
        return 0.0 if math.copysign(1, a) > 0 and math.copysign(1, b) > 0 else -0.0
    return a if a < b else b


def _cmp(a, b):
    if math.isnan(a) or math.isnan(b):
        return nan
    return -1.0 if a < b else (1.0 if a > b else 0.0)


ORACLE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": _div,
    "max": _max,
    "min": _min,
    "fma": lambda a, b, c: (a * b) + c,        # rounded twice, not fused
    "mov": lambda a: a,
    "exp": _exp,
    "neg": lambda a: -a,
    "cmp": _cmp,
    "sel": lambda a, b, c: b if (a != 0.0 or math.isnan(a)) else c,  # nan is a true condition
}


# -- running one op ----------------------------------------------------------------------------

@functools.cache
def one_op_program(op: str):
    srcs = ", ".join(f"r{i + 1}" for i in range(ARITY[op]))
    return vt.assemble(f"{op} r4, {srcs} | - | -", file=f"{op}.siw")


def simulate(op: str, *xs: float) -> float:
    """Run ``op`` once in the simulator with r1, r2, r3 = xs; return r4."""
    m = Machine("seed")
    m.load(one_op_program(op), regs={f"r{i + 1}": x for i, x in enumerate(xs)})
    return m.run().registers["r4"]


def test_every_dense_op_of_the_table_has_an_oracle_and_runs_in_the_d_pipe():
    assert set(DENSE) == set(ORACLE)
    assert {"add", "sub", "mul", "div", "max", "min", "fma", "mov", "exp", "neg", "cmp", "sel"} <= set(DENSE)
    assert all(OPS[name].pipe == vt.Pipe.D for name in DENSE)


# -- the rules, case by case (hand-written expected values) ------------------------------------

TINY = 5e-324                    # the smallest subnormal
ONE_P27 = 1 + 2.0 ** -27         # (1 + 2**-27)**2 = 1 + 2**-26 + 2**-54: the 2**-54 is rounded away
CASES = [
    # div: IEEE, signs of zero decide the infinity
    ("div", (1.0, 0.0), inf), ("div", (1.0, -0.0), -inf), ("div", (-1.0, 0.0), -inf),
    ("div", (-1.0, -0.0), inf), ("div", (0.0, 0.0), nan), ("div", (nan, 0.0), nan),
    ("div", (inf, 0.0), inf), ("div", (-inf, -0.0), inf), ("div", (inf, inf), nan),
    ("div", (-1.0, inf), -0.0), ("div", (TINY, 2.0), 0.0), ("div", (6.0, 4.0), 1.5), ("div", (4.0, 6.0), 2 / 3),
    # exp: math.exp; inf exactly where it overflows; nan for nan
    ("exp", (nan,), nan), ("exp", (710.0,), inf), ("exp", (709.7827128933841,), inf),
    ("exp", (709.782712893384,), math.exp(709.782712893384)), ("exp", (709.781,), math.exp(709.781)),
    ("exp", (-inf,), 0.0), ("exp", (inf,), inf), ("exp", (-0.0,), 1.0), ("exp", (1.0,), math.e),
    # max / min: nan propagates from either side; -0 < +0 in either operand order
    ("max", (-0.0, 0.0), 0.0), ("max", (0.0, -0.0), 0.0), ("max", (-0.0, -0.0), -0.0),
    ("min", (-0.0, 0.0), -0.0), ("min", (0.0, -0.0), -0.0), ("min", (0.0, 0.0), 0.0),
    ("max", (nan, 1.0), nan), ("max", (1.0, nan), nan), ("max", (-inf, nan), nan),
    ("min", (nan, 1.0), nan), ("min", (1.0, nan), nan), ("min", (inf, nan), nan),
    ("max", (3.0, -7.0), 3.0), ("max", (-7.0, 3.0), 3.0), ("min", (3.0, -7.0), -7.0), ("min", (-inf, inf), -inf),
    # cmp: -1 / 0 / 1, nan when unordered
    ("cmp", (1.0, 2.0), -1.0), ("cmp", (2.0, 1.0), 1.0), ("cmp", (2.0, 2.0), 0.0), ("cmp", (-0.0, 0.0), 0.0),
    ("cmp", (inf, inf), 0.0), ("cmp", (-inf, inf), -1.0), ("cmp", (nan, 1.0), nan), ("cmp", (1.0, nan), nan),
    ("cmp", (nan, nan), nan),
    # fma: a*b rounded, then + c rounded (two roundings), as the original computed it
    ("fma", (ONE_P27, ONE_P27, -(1 + 2.0 ** -26)), 0.0),      # fused: 2**-54
    ("fma", (0.1, 10.0, -1.0), 0.0),                          # fused: 5.55e-17
    ("fma", (1e308, 10.0, -inf), nan),                        # a*b overflows to inf first; fused: -inf
    ("fma", (2.0, 3.0, 4.0), 10.0),
    # sel: rb if ra != 0 (nan counts as true), else rc
    ("sel", (1.0, 2.0, 3.0), 2.0), ("sel", (0.0, 2.0, 3.0), 3.0), ("sel", (-0.0, 2.0, 3.0), 3.0),
    ("sel", (nan, 2.0, 3.0), 2.0), ("sel", (TINY, 2.0, 3.0), 2.0), ("sel", (-inf, 2.0, 3.0), 2.0),
    ("sel", (1.0, -0.0, 3.0), -0.0), ("sel", (0.0, 2.0, nan), nan),
    # neg flips the sign, also of zero; mov copies
    ("neg", (0.0,), -0.0), ("neg", (-0.0,), 0.0), ("neg", (inf,), -inf), ("neg", (TINY,), -TINY), ("neg", (2.5,), -2.5),
    ("mov", (-0.0,), -0.0), ("mov", (nan,), nan), ("mov", (-TINY,), -TINY), ("mov", (-inf,), -inf),
    # add / sub / mul: operand order and signed zeros
    ("sub", (3.0, 5.0), -2.0), ("sub", (-0.0, 0.0), -0.0), ("sub", (0.0, 0.0), 0.0), ("sub", (inf, inf), nan),
    ("add", (-0.0, -0.0), -0.0), ("add", (-0.0, 0.0), 0.0), ("add", (inf, -inf), nan),
    ("add", (1.7976931348623157e308, 1.7976931348623157e308), inf), ("add", (0.1, 0.2), 0.30000000000000004),
    ("mul", (-0.0, 5.0), -0.0), ("mul", (0.0, inf), nan), ("mul", (-2.0, 3.0), -6.0), ("mul", (1e-200, 1e-200), 0.0),
]


@pytest.mark.parametrize("op, args, expected", CASES, ids=[f"{op}{args}" for op, args, _ in CASES])
def test_dense_op_follows_its_ieee_rule_in_the_simulator(op, args, expected):
    got = simulate(op, *args)
    assert same(got, expected), f"{op}{args} = {got!r}, expected {expected!r}"


def test_exp_is_finite_up_to_the_largest_argument_math_exp_accepts():
    assert math.isfinite(simulate("exp", 709.782712893384)) and simulate("exp", 709.782712893384) > 1.79e308
    assert simulate("exp", math.nextafter(709.782712893384, inf)) == inf


def test_neg_flips_the_sign_bit_of_nan_too():
    for x in (nan, -nan, struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000001))[0]):
        assert bits(simulate("neg", x)) == bits(x) ^ (1 << 63)


def test_mov_copies_the_bits_of_a_nan():
    payload = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000123))[0]
    assert bits(simulate("mov", payload)) == bits(payload)


@pytest.mark.parametrize("text, expected", [("#-0.0", -0.0), ("#nan", nan), ("#-inf", -inf), ("#5e-324", TINY),
                                            ("#-2.5", -2.5), ("#3", 3.0)])
def test_mov_of_an_immediate_writes_it_exactly(text, expected):
    trace = vt.run(vt.assemble(f"mov r4, {text} | - | -"))
    assert same(trace.registers["r4"], expected)


# -- every input, by hypothesis ------------------------------------------------------------------

SPECIAL = [0.0, -0.0, inf, -inf, nan, -nan, TINY, -TINY, 2.2250738585072014e-308, 1.7976931348623157e308,
           -1.7976931348623157e308, 1.0, -1.0, 0.5, 709.782712893384, 709.7827128933841, -745.1332191019412]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True))


@pytest.mark.parametrize("op", DENSE)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_simulated_dense_op_equals_its_oracle(op, data):
    xs = data.draw(st.tuples(*[FLOATS] * ARITY[op]), label="inputs")
    got, want = simulate(op, *xs), ORACLE[op](*xs)
    assert same(got, want), f"{op}{xs} = {got!r}, oracle {want!r}"
    if op in ("neg", "mov", "sel"):  # no arithmetic: the bits themselves move (nan payloads too)
        assert bits(got) == bits(want)


# -- the table's functions on numpy arrays -------------------------------------------------------

def _accepts_arrays(name: str) -> bool:
    try:
        with np.errstate(all="ignore"):
            out = OPS[name].fn(*[np.array([1.0, 2.0])] * ARITY[name])
    except Exception:
        return False
    return isinstance(out, np.ndarray) and out.shape == (2,)


ARRAY_OPS = [pytest.param(n, marks=() if _accepts_arrays(n) else
                          pytest.mark.skip(reason=f"OPS[{n!r}].fn does not accept numpy arrays yet")) for n in DENSE]


@pytest.mark.parametrize("op", ARRAY_OPS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_dense_fn_on_float64_arrays_equals_the_scalar_fn_elementwise(op, data):
    n = data.draw(st.integers(1, 12), label="length")
    cols = [data.draw(st.lists(FLOATS, min_size=n, max_size=n), label=f"source {i}") for i in range(ARITY[op])]
    fn = OPS[op].fn
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = fn(*[np.array(c, dtype=np.float64) for c in cols])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (n,)
    for i, row in enumerate(zip(*cols)):
        scalar = fn(*row)
        assert type(scalar) is float, f"{op}{row}: the scalar fn returned {type(scalar).__name__}"
        # bitwise identical, except that nan signs may differ: the scalar path itself gives +nan
        # for 0/0 and the hardware's -nan for inf/inf (no op can observe a nan's sign but neg)
        assert same(out[i], scalar), f"{op}{row}: array {out[i]!r}, scalar {scalar!r}"


@pytest.mark.parametrize("op", ARRAY_OPS)
def test_dense_fn_on_arrays_warns_about_nothing(op):
    # A fast engine applies fn to whole register columns; inf - inf, 0 * inf or exp(710) must give
    # their IEEE results silently, as the scalar fns do (pytest turns warnings into errors).
    cols = [np.array(c) for c in ([inf, 0.0, 710.0, nan, -inf, inf, 1e308], [inf, inf, 0.0, 1.0, 1e308, -inf, 10.0],
                                  [-inf, 0.0, 1e308, 2.0, inf, 1.0, -inf])][:ARITY[op]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OPS[op].fn(*cols)
