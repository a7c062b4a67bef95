"""vtpu_lib.bounds: the peak, mix and dependence bounds on ops/cycle, computed by hand."""

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.bounds import Bounds, bounds
from vtpu_lib.program import SentronCode


def code(text: str) -> SentronCode:
    return vt.assemble(text, file="b.siw").sentrons[0]


def lines(*siws: str) -> str:
    return "\n".join(siws) + "\n"


# -- the empty program ------------------------------------------------------------------------

def test_empty_program_has_no_ops_and_every_bound_zero():
    b = bounds(SentronCode(), "seed")
    assert (b.ops, b.ops_by_pipe, b.critical_path_cycles) == (0, {"D": 0, "S": 0, "C": 0}, 0)
    assert (b.mix, b.dependence, b.best) == (0.0, 0.0, 0.0)
    assert b.peak == 3.0


def test_nop_siws_are_not_ops():
    b = bounds(code(lines("- | - | -", "- | - | -")))
    assert (b.ops, b.critical_path_cycles, b.best) == (0, 0, 0.0)


# -- critical paths: chains vs trees ------------------------------------------------------------

CHAIN4 = lines(*["mul r1, r1, r2 | - | -"] * 4)                  # each mul reads the last one's r1
INDEPENDENT4 = lines(*[f"mul r{i}, r8, r9 | - | -" for i in range(1, 5)])
# sum of four products: as a chain ((p1 + p2) + p3) + p4, and as a tree (p1 + p2) + (p3 + p4)
PRODUCTS = lines(*[f"mul r{i}, r8, r9 | - | -" for i in range(1, 5)])
SUM_CHAIN = PRODUCTS + lines("add r5, r1, r2 | - | -", "add r6, r5, r3 | - | -", "add r7, r6, r4 | - | -")
SUM_TREE = PRODUCTS + lines("add r5, r1, r2 | - | -", "add r6, r3, r4 | - | -", "add r7, r5, r6 | - | -")


@pytest.mark.parametrize("text, config, path", [
    (CHAIN4, "seed", 4),            # 1 + 1 + 1 + 1
    (CHAIN4, "realistic", 12),      # mul = 3 cycles, four in a row
    (INDEPENDENT4, "seed", 1),
    (INDEPENDENT4, "realistic", 3),  # one mul's latency: they overlap
    (SUM_CHAIN, "seed", 4),         # mul 1, then three adds in a row
    (SUM_CHAIN, "realistic", 6),    # mul 3, then 1 + 1 + 1
    (SUM_TREE, "seed", 3),          # mul 1, then two levels of adds
    (SUM_TREE, "realistic", 5),     # mul 3, then 1 + 1
])
def test_critical_path_of_chains_and_trees(text, config, path):
    assert bounds(code(text), config).critical_path_cycles == path


def test_dependence_bound_is_ops_over_the_critical_path():
    chain, tree = bounds(code(SUM_CHAIN), "realistic"), bounds(code(SUM_TREE), "realistic")
    assert chain.ops == tree.ops == 7
    assert chain.dependence == pytest.approx(7 / 6) and tree.dependence == pytest.approx(7 / 5)
    assert bounds(code(CHAIN4), "realistic").dependence == pytest.approx(4 / 12)


def test_critical_path_is_the_longest_chain_not_the_last_op():
    text = CHAIN4 + lines("add r5, r8, r9 | - | -")  # an independent add after a 12-cycle chain
    assert bounds(code(text), "realistic").critical_path_cycles == 12


@pytest.mark.parametrize("text, path", [
    (lines("fma r1, r2, r3, r4 | - | -", "div r5, r1, r1 | - | -", "exp r6, r5 | - | -"), 4 + 8 + 8),
    (lines("- | gather r1, p0 | -", "add r2, r1, r1 | - | -"), 2 + 1),          # gather (a hit) 2, add 1
    (lines("- | index p1, p0, 0, #1 | -", "- | gather r1, p1 | -"), 1 + 2),     # through a p register
    (lines("- | - | pack m0, r1", "- | - | unpack r2, m0, 0", "mul r3, r2, r2 | - | -"), 1 + 1 + 3),  # via m0
    (lines("mul r1, r2, r2 | - | -", "- | scatter p0, r1 | -"), 3 + 1),          # an op that writes no register
])
def test_critical_path_follows_registers_of_every_file_with_realistic_latencies(text, path):
    assert bounds(code(text), "realistic").critical_path_cycles == path


def test_critical_path_uses_the_configs_latencies():
    config = vt.get_config("realistic").replace(mul=5)
    assert bounds(code(lines(*["mul r1, r1, r2 | - | -"] * 2)), config).critical_path_cycles == 10


# -- the mix bound and the best ---------------------------------------------------------------

def test_mix_bound_is_ops_over_the_busiest_pipe():
    b = bounds(code(lines("add r1, r8, r9 | gather r2, p0 | pack m0, r8",
                          "add r3, r8, r9 | -             | -",
                          "add r4, r8, r9 | -             | -",
                          "add r5, r8, r9 | index p1, p0, 0, #1 | -")))
    assert b.ops_by_pipe == {"D": 4, "S": 2, "C": 1}
    assert (b.ops, b.mix) == (7, 7 / 4)


@pytest.mark.parametrize("text, config, which, best", [
    (CHAIN4, "realistic", "dependence", 4 / 12),                          # mix 1, dependence 1/3
    (lines("add r1, r8, r9 | - | -", "add r2, r8, r9 | - | -", "- | index p1, p0, 0, #1 | -"),
     "seed", "mix", 3 / 2),                                               # dependence 3/1 = 3
    (lines(*["add r1, r8, r9 | index p1, p0, 0, #1 | pack m0, r8"] * 3),
     "seed", "peak", 3.0),                                                # mix 3, dependence 9/1 = 9
])
def test_best_is_the_smallest_of_peak_mix_and_dependence(text, config, which, best):
    b = bounds(code(text), config)
    assert b.best == pytest.approx(best)
    assert getattr(b, which) == pytest.approx(best)
    assert b.best == min(3.0, b.mix, b.dependence)


def test_bounds_record_is_plain_data_computed_from_its_fields():
    b = Bounds(ops=6, ops_by_pipe={"D": 3, "S": 2, "C": 1}, critical_path_cycles=4)
    assert (b.mix, b.dependence, b.best) == (2.0, 1.5, 1.5)


# -- the microvtpu dot product: bounds beside what a run achieves -------------------------------

@pytest.mark.parametrize("config, path, best, measured", [
    # seed: every add of r0 waits one cycle for its mul: r0 is ready at 3, 4, 5, 6
    ("seed", 6, 19 / 8, 19 / 10),           # mix 19/8 = 2.375 < dependence 19/6
    # realistic: a mul at gather 2 + 3 = 5, then the adds of r0 at 6, 7, 8, 9
    ("realistic", 9, 19 / 9, 19 / 22),      # dependence 19/9 < mix 2.375
])
def test_optimized_dot_product_bounds_and_what_it_achieves(config, path, best, measured):
    program = programs.load("microvtpu_optimized")
    b = bounds(program.sentrons[0], config)
    assert (b.ops, b.ops_by_pipe, b.critical_path_cycles) == (19, {"D": 8, "S": 8, "C": 3}, path)
    assert b.best == pytest.approx(best)
    achieved = vt.run(program, config).counters().ops_per_cycle
    assert achieved == pytest.approx(measured) and achieved <= b.best


@pytest.mark.parametrize("mode", ["vliw", "sequential"])
def test_no_run_beats_the_bound_when_a_slot_reads_an_earlier_slots_destination(mode):
    text = ".set r2 2\nmul r1, r2, r2 | - | pack m0, r1\n"
    b = bounds(code(text), "realistic")       # pack reads the old r1 (vliw) or gets it at once: 3 cycles
    achieved = vt.run(vt.assemble(text), "realistic", mode=mode).counters().ops_per_cycle
    assert achieved <= b.best + 1e-9          # the run takes 3 cycles: 2/3 (bounds once said 2/4)
