"""The numbers the notebooks' prose states, held to what the library measures.

nbval compares what cells print; these tests keep the sentences around them honest when the
machine changes (a failing test here means: re-read and fix the markdown of that notebook).
"""

import vtpu_lib as vt
from vtpu_lib.course import ppt_study as ps
from vtpu_lib import programs

R = vt.REALISTIC


def test_03_mul_is_readable_3_cycles_after_issue_and_fma_takes_4():
    assert R.latency_cycles["mul"] == 3 and R.latency_cycles["fma"] == 4 and R.latency_cycles["add"] == 1


def test_04_hit_costs_2_and_a_miss_14_for_a_neighbour_and_214_for_another_cluster():
    assert ps.gather_timing("3.1.1", warm=True).latency_cycles == 2
    assert ps.gather_timing("3.1.1", warm=False).latency_cycles == 14
    assert ps.gather_timing("1.1.1/1.1.1/1.1.1.1.2", warm=False).latency_cycles == 214


def test_04_the_add_after_a_missing_gather_stalls_13_cycles_for_ppt_miss():
    assert ps.gather_timing("3.1.1", warm=False).stalls == {"ppt-miss": 13}


def test_04_prefetch_three_ahead_removes_late_hits_and_takes_164_of_512_cycles():
    none, d1, d3 = ps.prefetch_study(32, [None, 1, 3])
    assert (none.cycles, none.ppt_miss_stalls) == (512, 384)
    assert d3.cycles == 164 and d3.late == 0 and d1.late > 0


def test_05_and_06_messages_take_2_cycles_plus_1_per_hop_under_realistic():
    assert (R.send_base_cycles, R.send_cycles_per_hop) == (2, 1)


def test_01_honest_figure_is_16_useful_ops_in_10_cycles():
    c = vt.run(programs.load("microvtpu_optimized")).counters()
    assert (c.useful_ops, c.cycles, c.ops) == (16, 10, 19)
