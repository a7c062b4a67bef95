"""The numbers the prose of notebooks 03 (the D pipe) and 04 (the S pipe) states, held to what the
library measures, and the pictures those notebooks draw held to the runs behind them.

A failing test here means: re-read the markdown of that notebook (or its plot) and fix it.
"""

import json
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import vtpu_lib as vt  # noqa: E402
from vtpu_lib import programs, viz  # noqa: E402
from vtpu_lib.course import ppt_study as ps  # noqa: E402
from vtpu_lib.widgets import LatencyExplorer  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
R = vt.REALISTIC

# -- notebook 03's programs, as its cells write them ------------------------------------------------
VALUES = [1.5, 2.0, 0.5, 4.0, 3.0, 1.0, 2.5, 2.0]
SETUP = "".join(f".set r{i + 1} {v}\n" for i, v in enumerate(VALUES))
CHAIN = SETUP + "mov r0, r1 | - | -\n" + "".join(f"mul r0, r0, r{i} | - | -\n" for i in range(2, 9))
TREE = SETUP + "mov r0, r1 | - | -\n" + "".join(f"mul {d}, {a}, {b} | - | -\n" for d, a, b in [
    ("r9", "r1", "r2"), ("r10", "r3", "r4"), ("r11", "r5", "r6"), ("r12", "r7", "r8"),
    ("r13", "r9", "r10"), ("r14", "r11", "r12"), ("r0", "r13", "r14")])


def run(text, config="realistic"):
    return vt.run(vt.assemble(text), config)


def markdown(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def issue_cycles(trace) -> list[int]:
    return [e.cycle for e in trace.events("issue")]


# -- 03: the chain, the tree and the drain ------------------------------------------------------------

def test_03_the_chain_stalls_12_of_22_cycles_and_the_tree_3_of_13():
    chain, tree = run(CHAIN).counters(), run(TREE).counters()
    assert (chain.cycles, chain.stalls["dependence"]) == (22, 12)
    assert (tree.cycles, tree.stalls["dependence"]) == (13, 3)


def test_03_the_chains_last_mul_issues_in_cycle_19_and_2_drain_cycles_follow_to_retire_at_22():
    for text, last_issue in [(CHAIN, 19), (TREE, 10)]:
        t = run(text)
        assert issue_cycles(t)[-1] == last_issue
        assert len(t.slot_rows()) == last_issue + 1                      # the rows stop at the last issue
        retire = [e.cycle for e in t.events("retire")]
        assert retire == [last_issue + R.latency_cycles["mul"]] == [t.counters().cycles]
        assert t.counters().cycles - len(t.slot_rows()) == 2             # "drains the same 2 cycles"


def test_03_the_chain_sits_on_its_bound_and_the_tree_falls_1_080_062_below_a_bound_still_1_at_latency_2():
    measured, bound = {}, {}
    for name, text in [("chain", CHAIN), ("tree", TREE)]:
        prog = vt.assemble(text)
        for lat in (1, 2, 3, 4, 6, 8):
            cfg = R.replace(mul=lat)
            measured[name, lat] = vt.run(prog, cfg).counters().ops_per_cycle
            bound[name, lat] = min(1.0, vt.bounds(prog.sentrons[0], cfg).dependence)
    assert all(measured["chain", lat] == pytest.approx(bound["chain", lat]) for lat in (1, 2, 3, 4, 6, 8))
    assert [f"{measured['tree', lat]:.2f}" for lat in (1, 2, 3)] == ["1.00", "0.80", "0.62"]
    assert bound["tree", 1] == bound["tree", 2] == 1.0 > bound["tree", 3]
    assert all(measured["tree", lat] > measured["chain", lat] for lat in (2, 3, 4, 6, 8))
    assert all(measured["tree", lat] < bound["tree", lat] for lat in (2, 3, 4, 6, 8))


def test_03_the_trees_mul_r12_starts_in_cycle_4_and_the_path_through_it_takes_4_plus_3_times_3():
    t = run(TREE)
    issued = {e.pc: e.cycle for e in t.events("issue")}
    assert str(t.sentrons[0].code.siws[4].slots[0]) == "mul r12, r7, r8" and issued[4] == 4
    assert t.counters().cycles == 4 + 3 * R.latency_cycles["mul"] == 13


@pytest.mark.parametrize("lat", [1, 3, 8])
def test_03_the_chain_takes_1_plus_7_times_the_mul_latency(lat):
    assert run(CHAIN, R.replace(mul=lat)).counters().cycles == 1 + 7 * lat


def test_03_the_dot_product_packs_16_to_10_under_seed_and_its_fma_chain_takes_4_then_16():
    seed = {v: vt.run(programs.load(f"microvtpu_{v}"), "seed").counters().cycles for v in ("naive", "optimized")}
    assert seed == {"naive": 16, "optimized": 10}
    base = programs.dot_product(version="baseline")
    assert (run(base, "seed").counters().cycles, run(base).counters().cycles) == (4, 16)
    assert R.latency_cycles["fma"] == R.latency_cycles["mul"] + R.latency_cycles["add"] == 4


def test_03_two_accumulators_take_the_dot_product_to_10_cycles():
    base = programs.dot_product(version="baseline")
    regs = "".join(line + "\n" for line in base.splitlines() if line.startswith((".set", ".sentron")))
    two = regs + "".join(f"fma {a}, r{2 * i + 1}, r{2 * i + 2}, {a} | - | -\n"
                         for i, a in enumerate(["r0", "r9", "r0", "r9"])) + "add r0, r0, r9 | - | -\n"
    t = run(two)
    assert t.registers["r0"] == 140.0 and t.counters().cycles == 10


def test_03_question_five_muls_take_15_cycles_8_stalls_2_drain():
    t = run(".set r1 2\n" + "mul r1, r1, r1 | - | -\n" * 5)
    assert issue_cycles(t) == [0, 3, 6, 9, 12]
    c = t.counters()
    assert (c.cycles, c.stalls["dependence"], c.cycles - len(t.slot_rows())) == (15, 8, 2)


def test_03_question_under_seed_chain_and_tree_take_8_cycles_with_no_stall_or_drain():
    for text in (CHAIN, TREE):
        t = run(text, "seed")
        assert (t.counters().cycles, sum(t.counters().stalls.values()), len(t.slot_rows())) == (8, 0, 8)


def test_03_the_explorer_offers_only_sliders_that_change_the_chain():
    explorer = LatencyExplorer(CHAIN, preset="realistic", keys=("mul", "add"))
    assert list(explorer.sliders) == ["mul", "add"]
    assert explorer.sliders["add"].description == "add, mov"
    base = explorer.compute().counters.cycles
    assert explorer.compute(mul=4).counters.cycles > base
    assert explorer.compute(add=3).counters.cycles > base        # the mov feeding the first mul


# -- 04: costs, prefetch and the random walk -------------------------------------------------------------

def test_04_a_miss_is_a_12_cycle_walk_and_a_missing_gathers_value_comes_14_cycles_after_it_issues():
    assert R.ppt_miss_penalty_cycles == 12 and R.latency_cycles["gather"] == 2
    assert ps.gather_timing("3.1.1", warm=False).latency_cycles == 2 + 12 == 14


def test_04_without_prefetch_each_of_the_32_adds_stalls_12_cycles():
    none = ps.prefetch_study(32, [None])[0]
    assert (none.ppt_miss_stalls, none.cycles) == (32 * 12, 512) == (384, 512)


@pytest.mark.parametrize("d, ahead", [(1, 5), (2, 9), (3, 13)])
def test_04_a_prefetch_d_ahead_goes_out_4d_plus_1_cycles_before_its_gather(d, ahead):
    trans = ps.translations(ps.run_cold(ps.prefetch_program(32, d), ps.stream_cells(32), "realistic"),
                            include_prefetch=True)
    sent = {t.coord: t.cycle for t in trans if t.kind == "prefetch"}
    gaps = [t.cycle - sent[t.coord] for t in trans if t.kind == "gather" and t.coord in sent]
    assert min(gaps) == ahead == 4 * d + 1
    assert (ahead >= R.ppt_miss_penalty_cycles) == (d == 3)       # only 3 ahead covers the 12-cycle walk


def test_04_prefetch_lateness_is_a_third_to_a_half_at_distances_1_and_2_and_zero_at_3():
    by_d = {p.distance: p for p in ps.prefetch_study(32, [1, 2, 3])}
    assert f"{by_d[1].lateness:.2f}" == "0.48" and f"{by_d[2].lateness:.2f}" == "0.33"
    assert by_d[3].late == 0


def test_04_prefetch_totals_36_117_384_and_3_ahead_ends_81_cycles_sooner_than_1_ahead():
    by_d = {p.distance: p for p in ps.prefetch_study(32, [None, 1, 3])}
    assert [by_d[d].ppt_miss_stalls for d in (3, 1, None)] == [36, 117, 384]
    assert by_d[1].cycles - by_d[3].cycles == 81
    assert by_d[3].misses * 12 == 36                                # the three uncovered elements


def test_04_translation_46_of_the_10_repeat_run_is_bobs_first_touch_of_the_result_cell():
    trans = ps.translations(ps.alice_bob_trace(10))
    misses = [t for t in trans if not t.hit]
    assert [t.n for t in misses] == [1, 2, 3, 4, 46]
    assert [t.kind for t in misses[:4]] == ["host-write"] * 4
    assert (misses[-1].who, misses[-1].kind, misses[-1].coord.short(), misses[-1].outcome) == (
        "bob", "scatter", "5.1.1", "compulsory")


def test_04_twenty_five_repeats_pass_95_percent():
    assert ps.reuse_summary(ps.translations(ps.alice_bob_trace(25))).hit_rate > 0.95
    assert ps.reuse_summary(ps.translations(ps.alice_bob_trace(10))).hit_rate < 0.95


def test_04_the_dot_products_prefetch_hints_in_01_found_every_page_present():
    t = vt.run(programs.load("microvtpu_optimized"), "seed")
    outcomes = [e.info.outcome for e in t.events("ppt") if e.info.op == "prefetch"]
    assert outcomes and set(outcomes) == {"present"}


def _walk():
    import random
    rng = random.Random(4)
    footprint = ps.random_footprint(24, rng)
    pattern = [footprint[rng.randrange(len(footprint))] for _ in range(240)]
    return footprint, pattern, ps.run_cold(ps.gather_program(pattern), None, "realistic", ppt_sets=4, ppt_ways=4)


def test_04_the_moving_average_swings_between_03_and_096_mostly_below_c_over_f_and_ends_at_0546():
    footprint, pattern, walk = _walk()
    moving = ps.moving_hit_rate(walk.ppt_series(), 24)[40:]
    cf = 16 / len(footprint)
    assert (f"{min(moving):.1f}", f"{max(moving):.2f}") == ("0.3", "0.96")
    assert 0 < sum(m > cf for m in moving) < len(moving) / 2
    assert f"{walk.counters().ppt.hit_rate:.3f}" == "0.546" and f"{cf:.3f}" == "0.667"
    full = ps.simulate_ppt(pattern, sets=1, ways=16, warmup=40)
    assert f"{full.hit_rate:.3f}" == "0.685" and full.conflict == 0


def test_04_sets_1_and_2_get_11_and_7_pages_and_make_every_re_miss():
    footprint, _, walk = _walk()
    loads = ps.set_load(footprint, walk.ppt_series(), sets=4, ways=4)
    assert [s.pages for s in loads] == [2, 11, 7, 4]
    assert [s.set for s in loads if s.overbooked] == [1, 2]
    c = walk.counters().ppt
    assert sum(s.re_misses for s in loads if s.overbooked) == c.capacity + c.conflict == 85


def test_04_a_4_way_ppt_is_17_percent_below_c_over_f_at_c_equals_f_and_lru_gets_nothing_until_c_equals_f():
    (four,) = ps.hit_rate_vs_capacity(64, [64], 4000, seed=4, ways=4)
    assert f"{1 - four.hit_rate:.0%}" == "17%"
    c60, c64 = ps.cyclic_vs_capacity(64, [60, 64], passes=4)
    assert (c60.hits, c64.hit_rate) == (0, 1.0)


def test_04_question_50_translations_of_10_pages_hit_80_percent_on_any_ppt_that_holds_10():
    pattern = ps.scrolls(*range(1, 11)) * 5
    for sets, ways in [(64, 4), (1, 10), (16, 1)]:
        t = ps.simulate_ppt(pattern, sets=sets, ways=ways)
        assert (t.accesses, t.hits, t.hit_rate) == (50, 40, 0.8)


def test_04_question_scrolls_1_5_1_5_conflict_in_4_by_1_and_hit_in_4_by_2():
    pattern = ps.scrolls(1, 5, 1, 5)
    assert ps.classify(pattern, sets=4, ways=1) == ["compulsory", "compulsory", "conflict", "conflict"]
    assert ps.classify(pattern, sets=4, ways=2) == ["compulsory", "compulsory", "hit", "hit"]


# -- the prose itself ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["03_d_pipe.ipynb", "04_s_pipe.ipynb"])
def test_stalls_are_named_by_their_legend_entry_not_by_a_colour(name):
    text = markdown(name).lower()
    assert re.findall(r"\b(red|orange|pink|vermillion|black|grey|gray)\b", text) == []


def test_04_keeps_the_alice_bob_message_comparison_in_05_only():
    text = markdown("04_s_pipe.ipynb")
    assert "[05 · The C pipe](05_c_pipe_intro.ipynb)" in text
    assert "37.5" not in text and "ALICE_BOB_MESSAGES" not in text


def test_04_defines_page_sets_ways_page_walk_and_the_3c_before_section_1():
    intro = markdown("04_s_pipe.ipynb").split("## 1.")[0]
    for term in ("**page**", "**page walk**", "**sets**", "**ways**", "**compulsory**", "**capacity**",
                 "**conflict**"):
        assert term in intro, term


# -- the pictures ---------------------------------------------------------------------------------------

def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_the_drain_timeline_is_as_wide_as_the_counted_cycles_and_names_the_drain():
    t = run(CHAIN)
    ax = viz.slot_timeline_with_drain(t.slot_rows(), t.counters().cycles)
    assert ax.get_xlim()[1] >= 22 and max(ax.get_xticks()) >= 20
    texts = legend_texts(ax)
    assert "drain: last results landing" in texts and "retire (cycle 22)" in texts
    assert sum(tx.get_text() == "drain" for tx in ax.texts) == 2
    plt.close("all")


def test_a_run_without_drain_gets_no_drain_legend_entry():
    t = run("add r1, r1, r1 | - | -\n")
    ax = viz.slot_timeline_with_drain(t.slot_rows(), t.counters().cycles)
    assert not any(s.startswith("drain") for s in legend_texts(ax))
    plt.close("all")


def test_stall_curves_end_each_run_at_its_own_length_with_its_total():
    curves = {"a": [0, 1, 1, 2], "b": [0, 0, 1, 1, 1, 1, 5]}
    ax = viz.stall_curves(curves, zoom_cycles=3)
    lines = [line for line in ax.get_lines() if line.get_label() in curves]
    assert [len(line.get_xdata()) for line in lines] == [4, 7]
    notes = [tx.get_text() for tx in ax.texts]
    assert "2 in 4 cycles" in notes and "5 in 7 cycles" in notes
    assert legend_texts(ax) == ["a", "b", "end of the run: total stall cycles"]
    plt.close("all")


def test_set_load_bars_colour_overbooked_sets_and_list_only_kinds_drawn():
    ax = viz.set_load_bars([2, 11, 7, 4], 4, re_misses=[0, 67, 18, 0])
    assert legend_texts(ax) == ["ways = 4: pages a set can hold", "overbooked set", "set whose pages fit"]
    colours = [tuple(round(c, 3) for c in bar.get_facecolor()[:3]) for bar in ax.patches]
    assert colours[1] == colours[2] != colours[0] == colours[3]
    plt.close("all")
    ax = viz.set_load_bars([1, 2], 4)
    assert legend_texts(ax) == ["ways = 4: pages a set can hold", "set whose pages fit"]
    plt.close("all")
