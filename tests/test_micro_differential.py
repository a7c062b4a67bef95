"""The plain-Python model of notebook 01 (course.micro) against the reference interpreter:
on generated dot products both give the same bits in r0, the same cycles and the same ops,
for every slot order in sequential mode (micro runs slots one after another)."""

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.course import micro

values = st.floats(allow_nan=True, allow_infinity=True, width=64)
pairs4 = st.lists(st.tuples(values, values), min_size=1, max_size=4)
pairs7 = st.lists(st.tuples(values, values), min_size=1, max_size=7)
orders = st.sampled_from(["DSC", "DCS", "SDC", "SCD", "CDS", "CSD"])


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def reference(pairs, version: str, order: str = "DSC") -> tuple[float, int, int]:
    mode = "vliw" if version == "baseline" else "sequential"
    trace = vt.run(vt.assemble(programs.dot_product(pairs, version)), "seed", mode=mode,
                   slot_order="DSC" if mode == "vliw" else order)
    c = trace.counters()
    return trace.registers["r0"], c.cycles, c.ops


def same(got, want) -> bool:
    """Equal bits (so -0.0 != 0.0), except that any nan equals any nan: the text format writes
    'nan' without its payload, which IEEE 754 leaves to the implementation anyway."""
    both_nan = got[0] != got[0] and want[0] != want[0]
    return (both_nan or bits(got[0]) == bits(want[0])) and got[1:] == want[1:]


@settings(max_examples=60, deadline=None)
@given(pairs=pairs4, order=orders)
def test_micro_naive_dot_product_equals_the_reference(pairs, order):
    assert same(micro.naive(pairs, order), reference(pairs, "naive", order))


@settings(max_examples=60, deadline=None)
@given(pairs=pairs4, order=orders)
def test_micro_optimized_dot_product_equals_the_reference_in_every_slot_order(pairs, order):
    assert same(micro.optimized(pairs, order), reference(pairs, "optimized", order))


@settings(max_examples=60, deadline=None)
@given(pairs=pairs7)
def test_micro_baseline_cpu_equals_the_reference_fma_chain(pairs):
    assert same(micro.baseline_cpu(pairs), reference(pairs, "baseline"))


def test_the_slot_order_trap_is_visible_in_both_models():
    pairs = programs.ORIGINAL_PAIRS
    assert micro.optimized(pairs, "DSC")[0] == reference(pairs, "optimized", "DSC")[0] == 140.0
    assert micro.optimized(pairs, "SDC")[0] == reference(pairs, "optimized", "SDC")[0] == 170.0
