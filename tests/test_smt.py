"""smt: two threads on one core, measured, beside the original's max(cycles) arithmetic."""

import dataclasses
import subprocess
import sys

import pytest

from vtpu_lib import smt
from vtpu_lib.coord import Coord
from vtpu_lib.errors import VtpuInternalError
from vtpu_lib.machine import run

PRESETS = ("seed", "realistic")


@pytest.fixture(scope="module", params=PRESETS)
def rows(request):
    return smt.smt_study(request.param)


def by_kind(rows, kind):
    return [r for r in rows if r.kind == kind]


# -- what the machine measures ---------------------------------------------------------------------

def test_every_complementary_pair_beats_every_identical_pair(rows):
    complementary = [r.smt_speedup for r in by_kind(rows, "complementary")]
    identical = [r.smt_speedup for r in by_kind(rows, "identical")]
    assert len(complementary) == 3 and len(identical) == 3
    assert min(complementary) > max(identical)


def test_measured_speedups_lie_between_one_and_two(rows):
    for r in rows:
        assert 1.0 <= r.smt_speedup <= 2.0, r
        assert 1.0 <= r.two_core_speedup <= 2.0, r


def test_two_cores_are_never_slower_than_two_threads_on_one_core(rows):
    for r in rows:
        assert r.two_core_cycles <= r.smt_cycles, r
        assert r.two_core_cycles == max(r.alone_a_cycles, r.alone_b_cycles), r


def test_identical_pairs_stall_on_a_busy_pipe_and_pipe_free_pairs_do_not(rows):
    for r in by_kind(rows, "identical"):
        assert r.smt_pipe_busy_cycles > 0, r
    for r in rows:
        if r.pair in ("D+C", "S+C"):  # no op of one kernel uses the other's pipe
            assert r.smt_pipe_busy_cycles == 0, r


def test_one_thread_takes_at_least_the_longer_kernel_and_at_most_both(rows):
    for r in rows:
        assert max(r.alone_a_cycles, r.alone_b_cycles) <= r.sequential_cycles <= r.alone_a_cycles + r.alone_b_cycles


def test_identical_d_heavy_pair_gains_nothing_and_pipe_utilization_shows_why(rows):
    dd = next(r for r in rows if r.pair == "D+D")
    assert dd.smt_speedup < 1.05
    assert dd.smt_pipe_utilization[0] > 0.95  # the D pipe is busy nearly every cycle
    for r in rows:
        assert all(0.0 <= u <= 1.0 for u in r.smt_pipe_utilization), r
        ops = r.ops_a + r.ops_b
        assert sum(r.smt_pipe_utilization) * r.smt_cycles == pytest.approx(ops), r


def test_latency_bound_pair_gains_only_when_its_threads_wait():
    seed = next(r for r in smt.smt_study("seed") if r.pair == "L+L")
    realistic = next(r for r in smt.smt_study("realistic", pairs=[("L", "L", "latency-bound")]))
    assert seed.smt_speedup < 1.05    # latency 1: each thread alone fills the D pipe
    assert realistic.smt_speedup > 1.9  # fma latency 4: each thread alone leaves 3 of 4 D slots empty


# -- the original's arithmetic -------------------------------------------------------------------------

def test_original_formula_reproduces_wave_16s_1_89():
    # docs/wave-16/R23W16-COMPLETE.md: forward 46,500 cycles, backward 52,500; one op per cycle
    assert smt.original_speedup(46_500, 52_500) == 99_000 / 52_500
    assert round(smt.original_speedup(46_500, 52_500), 2) == 1.89
    assert smt.original_ops_per_cycle(46_500, 46_500, 52_500, 52_500) == 99_000 / 52_500


def test_original_formula_on_a_hand_computed_example():
    # runs of 30 and 50 cycles, 40 and 60 ops: (30 + 50) / 50 = 1.6; (40 + 60) / 50 = 2.0
    assert smt.original_speedup(30, 50) == 1.6 == smt.original_speedup(50, 30)
    assert smt.original_ops_per_cycle(40, 30, 60, 50) == 2.0
    assert smt.original_speedup(7, 7) == 2.0  # any two equal lengths, whatever their pipes


def test_rows_apply_the_original_formula_to_the_alone_runs(rows):
    for r in rows:
        assert r.original_speedup == (r.alone_a_cycles + r.alone_b_cycles) / max(r.alone_a_cycles, r.alone_b_cycles)
        assert r.original_ops_per_cycle == (r.ops_a + r.ops_b) / max(r.alone_a_cycles, r.alone_b_cycles)
    for r in by_kind(rows, "identical"):
        assert r.original_speedup == 2.0 and r.smt_speedup < 1.3  # what the arithmetic hides


# -- results --------------------------------------------------------------------------------------

def _python_results():
    """What the kernels compute, by plain Python (fma rounds twice, as the machine's does)."""
    def chain(x, steps):
        for _ in range(steps):
            x = x * 1.03125 + 0.5
        return x
    d = [chain(1.0 + i, smt.FMA_STEPS) for i in range(4)]
    s = {Coord.parse(f"{1 + smt.STREAM_N + i}.1.1"): 3.0 * (i + 0.25) for i in range(smt.STREAM_N)}
    k = smt.ROTATE_ROUNDS % 4
    start = [7.0 * (i + 1) for i in range(4)]
    c = start[k:] + start[:k]
    return d, s, c


@pytest.mark.parametrize("config", PRESETS)
def test_kernels_alone_compute_what_python_computes(config):
    d, s, c = _python_results()
    dt = run(smt.placements("D", "D")["alone_a"], config)
    assert [dt.memory[Coord.parse(f"{101 + i}.1.1")] for i in range(4)] == d
    st = run(smt.placements("S", "S")["alone_a"], config)
    assert {k: v for k, v in st.memory.items() if k in s} == s
    ct = run(smt.placements("C", "C")["alone_a"], config)
    assert [ct.info("a").registers[f"r{i}"] for i in range(4)] == c != [7.0 * (i + 1) for i in range(4)]


@pytest.mark.parametrize("config", PRESETS)
@pytest.mark.parametrize("a,b,kind", smt.PAIRS)
def test_results_are_identical_across_placements(config, a, b, kind):
    programs = smt.placements(a, b)
    traces = {where: run(p, config) for where, p in programs.items()}
    smt.check_results(programs, traces)  # raises if any placement differs from the alone runs
    memory = {**traces["alone_a"].memory, **traces["alone_b"].memory}
    for where in ("sequential", "smt", "two_cores"):
        assert traces[where].memory == memory
    for where in ("smt", "two_cores"):
        assert traces[where].info("a").registers == traces["alone_a"].info("a").registers
        assert traces[where].info("b").registers == traces["alone_b"].info("b").registers


def test_a_run_with_other_results_raises_an_internal_error():
    programs = smt.placements("D", "S")
    traces = {where: run(p) for where, p in programs.items()}
    traces["smt"] = run(smt.placements("D", "C")["smt"])  # a placement that computed something else
    with pytest.raises(VtpuInternalError, match="smt run"):
        smt.check_results(programs, traces)


def test_placements_put_the_threads_where_the_study_says():
    p = smt.placements("D", "S")
    assert [(s.name, s.core, s.thread) for s in p["smt"].sentrons] == [("a", 0, 0), ("b", 0, 1)]
    assert [(s.name, s.core, s.thread) for s in p["two_cores"].sentrons] == [("a", 0, 0), ("b", 1, 0)]
    one = p["sequential"].sentrons
    assert len(one) == 1 and one[0].siws == p["alone_a"].sentrons[0].siws + p["alone_b"].sentrons[0].siws
    for code in (s for prog in p.values() for s in prog.sentrons):  # one op per SIW
        assert all(len(siw.ops()) == 1 for siw in code.siws)


# -- reading the rows ---------------------------------------------------------------------------------

def test_rows_read_as_data_and_the_table_has_a_line_per_row(rows):
    r = rows[0]
    assert repr(r).startswith(f"SMTRow({r.config} D+S complementary: alone ")
    assert f"SMT {r.smt_cycles} (pipe-busy {r.smt_pipe_busy_cycles}" in repr(r)
    d = r.as_dict()
    assert d["smt_speedup"] == r.smt_speedup and set(d["smt_pipe_utilization"]) == {"D", "S", "C"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.smt_cycles = 1
    table = smt.smt_table(rows).splitlines()
    assert len(table) == 2 + len(rows) == 2 + len(smt.PAIRS)
    assert table[0].split()[:3] == ["config", "pair", "kind"]
    assert f"{r.smt_speedup:.2f}" in table[2]


def test_smt_module_does_not_import_matplotlib():
    code = "import sys, vtpu_lib.smt; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
