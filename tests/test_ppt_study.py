"""ppt_study: the experiments of notebook 04 return the numbers their models predict."""

import random
import subprocess
import sys

import pytest

import vtpu_lib as vt
from vtpu_lib.coord import Coord
from vtpu_lib.course import ppt_study as ps
from vtpu_lib.errors import ConfigError


# -- the original's 54.5 % ------------------------------------------------------------------------

def test_alice_bob_original_lists_11_translations_6_hits_and_5_compulsory_first_touches():
    trans = ps.alice_bob_original()
    assert [(t.who, t.kind, t.coord.short(), t.outcome) for t in trans] == [
        ("host", "host-write", "1.1.1", "compulsory"), ("host", "host-write", "2.1.1", "compulsory"),
        ("host", "host-write", "3.1.1", "compulsory"), ("host", "host-write", "4.1.1", "compulsory"),
        ("alice", "gather", "1.1.1", "hit"), ("alice", "gather", "2.1.1", "hit"),
        ("alice", "gather", "3.1.1", "hit"), ("alice", "scatter", "4.1.1", "hit"),
        ("host", "host-read", "4.1.1", "hit"),
        ("bob", "scatter", "5.1.1", "compulsory"),
        ("host", "host-read", "5.1.1", "hit"),
    ]
    assert [t.n for t in trans] == list(range(1, 12))
    s = ps.reuse_summary(trans)
    assert (s.accesses, s.distinct, s.hits, s.compulsory, s.capacity, s.conflict) == (11, 5, 6, 5, 0, 0)
    assert round(100 * s.hit_rate, 1) == 54.5
    assert s.hit_rate == s.cold_start_rate == 6 / 11


def test_alice_bob_still_computes_84_through_the_host_copy():
    trace = ps.alice_bob_trace()
    assert trace.memory[Coord.parse("5.1.1")] == 84.0
    assert trace.info("bob").registers["r0"] == 42.0


@pytest.mark.parametrize("repeats, accesses, hit_rate", [
    (1, 11, 6 / 11), (2, 15, 10 / 15), (10, 47, 42 / 47), (25, 107, 102 / 107), (100, 407, 402 / 407)])
def test_repeating_alice_raises_the_hit_rate_only_through_reuse(repeats, accesses, hit_rate):
    s = ps.reuse_summary(ps.translations(ps.alice_bob_trace(repeats)))
    assert (s.accesses, s.distinct, s.compulsory) == (accesses, 5, 5)   # 4 new translations per repeat
    assert s.hit_rate == pytest.approx(hit_rate) == pytest.approx(s.cold_start_rate)


def test_alice_bob_trace_refuses_zero_repeats():
    with pytest.raises(ConfigError, match="repeats = 0"):
        ps.alice_bob_trace(0)


def test_translations_without_host_keep_only_sentron_accesses():
    trans = ps.translations(ps.alice_bob_trace(), include_host=False)
    assert [(t.who, t.kind) for t in trans] == [("alice", "gather")] * 3 + [("alice", "scatter"), ("bob", "scatter")]


# -- gather programs and the 3C split ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(ps.THREE_C_PATTERNS))
def test_each_three_c_pattern_produces_the_classes_it_was_built_for(name):
    scrolls, sets, ways, expected = ps.THREE_C_PATTERNS[name]
    assert tuple(ps.classify(ps.scrolls(*scrolls), sets=sets, ways=ways)) == expected


def test_exercise_pattern_in_two_sets_of_two_ways_has_every_class():
    got = ps.classify(ps.scrolls(1, 3, 5, 1, 3, 5, 2, 4, 2, 4, 1, 2), sets=2, ways=2)
    assert got == ["compulsory"] * 3 + ["conflict"] * 3 + ["compulsory"] * 2 + ["hit", "hit", "capacity", "hit"]


def test_gather_program_with_few_coordinates_uses_one_p_register_each():
    text = ps.gather_program(ps.scrolls(1, 3, 1))
    assert ".set p0 1.1.1" in text and ".set p1 3.1.1" in text and "index" not in text
    t = ps.run_cold(text, {Coord.parse("1.1.1"): 2.0, Coord.parse("3.1.1"): 5.0})
    assert t.registers["r0"] == 9.0                      # 2 + 5 + 2: every gather is consumed


def test_gather_program_walks_many_coordinates_with_index_across_dimensions():
    coords = ps.scrolls(*range(1, 10)) + [Coord.parse("4.2.1/3.1.1")]
    text = ps.gather_program(coords)
    assert "index p0, p0, scroll, #1" in text and "index p0, p0, book, #2" in text
    cells = {c: float(i + 1) for i, c in enumerate(coords)}
    t = ps.run_cold(text, cells)
    assert t.registers["r0"] == sum(cells.values())
    assert [c for _, _, c, _ in t.ppt_series()] == coords


def test_gather_program_under_realistic_stalls_its_adds_on_misses_only():
    c = ps.run_cold(ps.gather_program(ps.scrolls(1, 1)), None, "realistic").counters()
    assert (c.ppt.compulsory, c.ppt.hits) == (1, 1)
    assert c.stalls["ppt-miss"] > 0


def test_direct_ppt_classifies_exactly_like_gathers_on_the_machine():
    rng = random.Random(7)
    coords = [ps.scrolls(rng.randrange(1, 13))[0] for _ in range(60)]
    for sets, ways in [(1, 4), (2, 2), (4, 1)]:
        on_machine = ps.classify(coords, sets=sets, ways=ways)
        direct = ps.simulate_ppt(coords, sets=sets, ways=ways)
        assert (direct.hits, direct.compulsory, direct.capacity, direct.conflict) == tuple(
            on_machine.count(k) for k in ("hit", "compulsory", "capacity", "conflict"))


def test_simulate_ppt_does_not_count_the_warmup():
    t = ps.simulate_ppt(ps.scrolls(1, 2, 1, 2), sets=1, ways=2, warmup=2)
    assert (t.accesses, t.hits, t.compulsory) == (2, 2, 0)


# -- capacity sweeps ---------------------------------------------------------------------------

def test_random_accesses_track_c_over_f_in_a_fully_associative_ppt():
    points = ps.hit_rate_vs_capacity(64, [8, 16, 32, 48, 64, 128], 4000, seed=1)
    assert [p.model for p in points] == [0.125, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert all(abs(p.hit_rate - p.model) < 0.03 for p in points)
    assert all(p.conflict == 0 and p.sets == 1 for p in points)   # one set: no conflicts
    assert points[-2].hit_rate == 1.0                           # C = F: everything fits


def test_set_associative_ppt_loses_to_conflicts_where_fully_associative_would_fit():
    fa = ps.hit_rate_vs_capacity(64, [64], 4000, seed=1)[0]
    sa = ps.hit_rate_vs_capacity(64, [64], 4000, seed=1, ways=4)[0]
    assert (sa.sets, sa.ways) == (16, 4)
    assert fa.hit_rate == 1.0 and sa.hit_rate < 0.9 and sa.conflict > 0 and sa.capacity == 0


def test_capacity_that_is_not_a_multiple_of_the_ways_is_refused():
    with pytest.raises(ConfigError, match="not a multiple of 4 ways"):
        ps.hit_rate_vs_capacity(16, [6], 100, seed=0, ways=4)


def test_cyclic_sweep_falls_off_lrus_cliff_below_the_footprint():
    points = ps.cyclic_vs_capacity(16, [4, 8, 15, 16, 32], passes=3)
    assert [p.hit_rate for p in points] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert [p.accesses for p in points] == [32] * 5
    assert points[2].capacity == 32                              # every re-touch a capacity miss


def test_random_footprint_is_distinct_sorted_and_seeded():
    a, b = ps.random_footprint(50, random.Random(3)), ps.random_footprint(50, random.Random(3))
    assert a == b == sorted(set(a)) and len(a) == 50


# -- strides ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("page_scrolls", [1, 4, 8, 16])
def test_cold_stride_sweep_misses_exactly_min_1_s_over_b(page_scrolls):
    for p in ps.stride_sweep([1, 2, 3, 4, 6, 8, 12, 16, 32], page_scrolls):
        assert p.miss_rate == p.model == min(1.0, p.stride / page_scrolls), p


def test_stride_sweep_covers_whole_pages():
    p = ps.stride_sweep([3], 8)[0]
    assert (p.accesses, p.misses) == (48, 18)   # 144 scrolls = 18 pages of 8, 48 accesses of stride 3


def test_strided_program_refuses_to_leave_the_scroll_range():
    with pytest.raises(ConfigError, match="reach scroll 2100"):
        ps.strided_program(100, 22)


@pytest.mark.parametrize("sets, ways, page_scrolls, hit_rate", [
    (1, 4, 32, 1 - 2 / 32),   # three streams fit in the ways: misses only every 16th access per stream
    (8, 1, 64, 0.0),          # all three streams' pages share a set: they evict each other
    (2, 2, 64, 0.0),          # two ways for three streams, LRU: never a hit
    (1, 8, 16, 1 - 2 / 16),
])
def test_streams_program_hit_rate_depends_on_page_size_and_ways(sets, ways, page_scrolls, hit_rate):
    c = ps.run_cold(ps.streams_program(), None, "seed", ppt_sets=sets, ppt_ways=ways,
                    page_scrolls=page_scrolls).counters()
    assert c.ppt.accesses == 192 and c.ppt.hit_rate == hit_rate


# -- prefetch ---------------------------------------------------------------------------------------

def test_prefetch_study_without_prefetch_misses_every_element_and_stalls_13_cycles_each():
    p = ps.prefetch_study(32, [None])[0]
    assert (p.misses, p.prefetches, p.result) == (32, 0, 528.0)
    assert p.ppt_miss_stalls == 32 * 12   # the add sits 2 SIWs after the gather: 14 - 2 cycles per miss


def test_prefetch_distance_trades_lateness_against_coverage():
    by_d = {p.distance: p for p in ps.prefetch_study(32, [0, 1, 3, 6])}
    assert all(p.result == 528.0 for p in by_d.values())
    assert (by_d[0].late, by_d[0].used, by_d[0].lateness) == (32, 32, 1.0)   # too close: always late
    assert by_d[1].late > 0 and by_d[3].late == 0                              # 3 ahead: on time
    assert (by_d[3].used, by_d[3].misses, by_d[3].installs) == (29, 3, 32)     # first 3 uncovered
    assert by_d[3].accuracy == by_d[3].coverage == 29 / 32
    assert by_d[6].coverage == 26 / 32
    assert by_d[3].ppt_miss_stalls == min(p.ppt_miss_stalls for p in by_d.values()) == 36


# -- one gather ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("coord, tier, miss_latency", [
    ("3.1.1", "L1", 2 + 12), ("1.1.1/2.1.1", "L2", 2 + 12 + 4), ("1.1.1/1.1.2", "L3", 2 + 12 + 12),
    ("1.1.1/1.1.1/1.1.2.1.1", "DRAM", 2 + 12 + 40), ("1.1.1/1.1.1/1.1.1.1.2", "remote", 2 + 12 + 200)])
def test_gather_latency_is_2_on_a_hit_and_2_plus_12_plus_tier_on_a_miss(coord, tier, miss_latency):
    hit, miss = ps.gather_timing(coord, warm=True), ps.gather_timing(coord, warm=False)
    assert (hit.outcome, hit.latency_cycles, hit.stalls) == ("hit", 2, {"dependence": 1})
    assert (miss.outcome, miss.tier, miss.latency_cycles) == ("compulsory", tier, miss_latency)
    assert miss.stalls == {"ppt-miss": miss_latency - 1}


def test_run_cold_leaves_the_ppt_empty_but_memory_filled():
    t = ps.run_cold(".set p0 7.1.1\n- | gather r1, p0 | -", {Coord.parse("7.1.1"): 3.5})
    assert t.registers["r1"] == 3.5 and t.counters().ppt.compulsory == 1


def test_ppt_study_never_imports_plotting_or_widgets():
    code = ("import sys, vtpu_lib.course.ppt_study;"
            "print(','.join(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_ppt_study_uses_the_library_configs_unchanged():
    # the study's default preset is the library's REALISTIC itself (gather 2, walk 12, L2 + 4) ...
    lib, coord = vt.REALISTIC, "1.1.1/2.1.1"   # an L2 access from the origin
    default = ps.gather_timing(coord, warm=False)
    assert default == ps.gather_timing(coord, warm=False, config=lib)
    assert default.latency_cycles == lib.latency_cycles["gather"] + lib.ppt_miss_penalty_cycles + \
        lib.tier_latency_cycles["L2"]
    # ... and a config handed in is used as given, not swapped for a copy of the preset
    slower = lib.replace(gather=5, ppt_miss_penalty_cycles=30)
    assert ps.gather_timing(coord, warm=False, config=slower).latency_cycles == 5 + 30 + 4
    assert ps.gather_timing(coord, warm=True, config=slower).latency_cycles == 5
    assert ps.run_cold(".set p0 7.1.1\n- | gather r1, p0 | -", None, slower).counters().cycles == 5 + 30


def test_strided_program_with_one_access_gathers_once():
    assert ps.run_cold(ps.strided_program(5, 1)).counters().ppt.accesses == 1


def test_translations_can_include_prefetches_and_mark_late_and_on_time_uses():
    trace = ps.run_cold(ps.prefetch_program(4, 1), ps.stream_cells(4), "realistic")
    log = ps.translations(trace, include_prefetch=True)
    assert [(t.kind, t.coord.short(), t.outcome) for t in log[:4]] == [
        ("prefetch", "2.1.1", "installed"), ("gather", "1.1.1", "compulsory"),
        ("prefetch", "3.1.1", "installed"), ("gather", "2.1.1", "hit")]
    gathers = [t for t in log if t.kind == "gather"]
    assert [t.prefetched for t in gathers] == [False, True, True, True]
    assert gathers[1].late is False and gathers[2].late is True   # x[1] came in time, x[2] did not


# -- parameters a learner can get wrong ----------------------------------------------------------

def test_a_footprint_larger_than_the_page_space_is_refused_with_the_maximum_instead_of_looping():
    # 8 sections x 2048 scrolls: only 16,384 distinct pages exist, so 16,385 could never be drawn
    with pytest.raises(ConfigError, match=r"footprint = 16385 must be a whole number 1\.\.16,384") as e:
        ps.hit_rate_vs_capacity(16385, [4], 10, 0)
    assert "16,384 distinct pages" in e.value.hint
    assert len(ps.random_footprint(2048, random.Random(0), sections=1)) == 2048   # the maximum itself is fine


@pytest.mark.parametrize("call, message", [
    (lambda: ps.hit_rate_vs_capacity(16, [0], 10, 0), "capacity = 0 must be a whole number >= 1"),
    (lambda: ps.hit_rate_vs_capacity(16, [4], 10, 0, ways=0), "ways = 0 must be a whole number >= 1"),
    (lambda: ps.hit_rate_vs_capacity(0, [4], 10, 0), "footprint = 0 must be a whole number"),
    (lambda: ps.cyclic_vs_capacity(16, [0]), "capacity = 0 must be a whole number >= 1"),
    (lambda: ps.cyclic_vs_capacity(0, [4]), r"footprint = 0 must be a whole number 1\.\.2,047"),
    (lambda: ps.cyclic_vs_capacity(4, [4], passes=1), "passes = 1 must be a whole number >= 2"),
    (lambda: ps.stride_sweep([0], 8), "stride = 0 must be a whole number >= 1"),
    (lambda: ps.stride_sweep([2], 0), "page_scrolls = 0 must be a whole number >= 1"),
    (lambda: ps.streams_program(9), r"streams = 9 must be a whole number 1\.\.8"),
    (lambda: ps.gather_program([]), "at least one coordinate"),
    (lambda: ps.alice_bob_trace(1.5), r"repeats = 1\.5"),
    (lambda: ps.moving_hit_rate([], 0), "window = 0 must be a whole number >= 1"),
])
def test_bad_experiment_parameters_raise_config_errors_with_a_hint(call, message):
    with pytest.raises(ConfigError, match=message) as e:
        call()
    assert e.value.hint


# -- views of one whole run (the plots of notebook 04) ---------------------------------------------

def test_stall_curve_counts_every_stall_of_its_reason_once_and_lasts_the_whole_run():
    trace = ps.run_cold(ps.prefetch_program(32, 1), ps.stream_cells(32), "realistic")
    curve, c = ps.stall_curve(trace), trace.counters()
    assert len(curve) == c.cycles == 245
    assert curve[-1] == c.stalls["ppt-miss"] == 117
    assert all(b - a in (0, 1) for a, b in zip([0] + curve, curve))        # at most one stall per cycle
    assert ps.stall_curve(trace, "dependence")[-1] == c.stalls["dependence"]


def test_stall_curve_of_one_sentron_ignores_the_others():
    from vtpu_lib.course import scenarios
    trace = vt.run(scenarios.ALICE_BOB_MESSAGES, "realistic")
    bob = ps.stall_curve(trace, "recv-wait", sentron="bob")
    assert bob[-1] == trace.counters("bob").stalls["recv-wait"] > 0
    assert ps.stall_curve(trace, "recv-wait", sentron="alice")[-1] == 0


def test_prefetching_3_ahead_is_behind_1_ahead_until_cycle_70_then_ahead_for_good():
    c1, c3 = (ps.stall_curve(ps.run_cold(ps.prefetch_program(32, d), ps.stream_cells(32), "realistic"))
              for d in (1, 3))
    assert ps.ahead_from(c3, c1) == 71
    assert c3[70] >= c1[70] and all(a < b for a, b in zip(c3[71:], c1[71:]))
    assert c3[59] == 36 > c1[59] == 33     # what the old 60-cycle window showed


def test_ahead_from_pads_an_ended_curve_with_its_last_value_and_can_say_never():
    assert ps.ahead_from([0, 1, 1], [0, 0, 2, 3, 4]) == 2
    assert ps.ahead_from([0, 5], [0, 1, 2]) is None
    assert ps.ahead_from([], []) is None


def test_moving_hit_rate_averages_the_last_window_accesses():
    series = [(t, hit, None, "hit" if hit else "compulsory") for t, hit in enumerate([0, 0, 1, 1, 1, 0])]
    assert ps.moving_hit_rate(series, 2) == [0.0, 0.0, 0.5, 1.0, 1.0, 0.5]
    assert ps.moving_hit_rate(series, 100) == [0.0, 0.0, 1 / 3, 0.5, 0.6, 0.5]   # cumulative while short


def _random_walk():
    rng = random.Random(4)
    footprint = ps.random_footprint(24, rng)
    pattern = [footprint[rng.randrange(len(footprint))] for _ in range(240)]
    trace = ps.run_cold(ps.gather_program(pattern), None, "realistic", ppt_sets=4, ppt_ways=4)
    return footprint, trace


def test_set_load_splits_the_footprint_and_every_access_over_the_sets():
    footprint, trace = _random_walk()
    loads = ps.set_load(footprint, trace.ppt_series(), sets=4, ways=4)
    p = trace.counters().ppt
    assert [s.pages for s in loads] == [2, 11, 7, 4] and sum(s.pages for s in loads) == 24
    assert sum(s.accesses for s in loads) == p.accesses == 240
    assert (sum(s.hits for s in loads), sum(s.compulsory for s in loads), sum(s.capacity for s in loads),
            sum(s.conflict for s in loads)) == (p.hits, p.compulsory, p.capacity, p.conflict)
    assert [s.compulsory for s in loads] == [s.pages for s in loads]       # each page's first touch


def test_only_overbooked_sets_miss_again():
    footprint, trace = _random_walk()
    loads = ps.set_load(footprint, trace.ppt_series(), sets=4, ways=4)
    assert [s.overbooked for s in loads] == [False, True, True, False]
    assert [s.re_misses for s in loads] == [0, 67, 18, 0]


def test_set_load_uses_pages_not_cells():
    cells = ps.scrolls(0, 1, 2, 3, 4)          # pages of 4 scrolls: page 0 (scrolls 0-3) and page 1
    loads = ps.set_load(cells, [], sets=2, ways=1, page_scrolls=4)
    assert [s.pages for s in loads] == [1, 1] and not any(s.overbooked for s in loads)
