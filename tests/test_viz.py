"""Pictures every notebook uses: honest legends, readable stall colours, labelled axes, capped
bounds, and the machine diagram drawn from the configuration."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import vtpu_lib as vt  # noqa: E402
from vtpu_lib import programs, viz  # noqa: E402
from vtpu_lib.course import scenarios, tour  # noqa: E402

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
NEUTRAL = {"#ffffff", "#e6e6e6"}


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def rgb(hex_colour):
    return matplotlib.colors.to_rgb(hex_colour)


def test_every_pipe_and_stall_colour_is_okabe_ito_or_neutral():
    colours = {c.lower() for c in [*viz.PIPE_COLOURS.values(), *viz.STALL_COLOURS.values(), viz.NOP_COLOUR,
                                   *viz.TIER_COLOURS.values()]}
    assert colours <= OKABE_ITO | NEUTRAL


def test_no_stall_colour_is_close_to_a_pipe_colour():
    for reason, stall in viz.STALL_COLOURS.items():
        for pipe, colour in viz.PIPE_COLOURS.items():
            distance = sum((a - b) ** 2 for a, b in zip(rgb(stall), rgb(colour))) ** 0.5
            assert distance > 0.35, f"stall {reason} {stall} looks like the {pipe} pipe's {colour}"


def test_slot_timeline_legend_lists_only_what_the_run_draws(ax):
    rows = vt.run(vt.assemble(".set r1 2\nmul r2, r1, r1 | - | -\nadd r3, r2, r2 | - | -"), "realistic").slot_rows()
    viz.slot_timeline(rows, ax=ax)
    assert legend_labels(ax) == ["D op", "empty slot (NOP)", "stall: dependence"]
    assert ax.get_xlabel() == "cycle" and ax.get_ylabel() == "pipe"


def test_slot_timeline_legend_names_ops_with_no_effect_when_there_are_some(ax):
    rows = vt.run(programs.load("microvtpu_optimized"), "seed").slot_rows()
    viz.slot_timeline(rows, ax=ax)
    assert legend_labels(ax) == ["D op", "S op", "C op", "op with no effect", "empty slot (NOP)"]


def test_a_dependence_stall_is_black_with_white_text(ax):
    rows = vt.run(vt.assemble(".set r1 2\nmul r2, r1, r1 | - | -\nadd r3, r2, r2 | - | -"), "realistic").slot_rows()
    viz.slot_timeline(rows, ax=ax)
    stall = [p for p in ax.patches if p.get_height() == 3]
    assert stall and all(matplotlib.colors.to_hex(p.get_facecolor()) == "#000000" for p in stall)
    assert {t.get_color() for t in ax.texts if t.get_text().startswith("stall")} == {"white"}


def test_fleet_timeline_labels_the_d_s_c_rows_of_every_sentron_and_names_them(ax):
    trace = vt.run(programs.load("attention_pair"), "realistic")
    viz.fleet_timeline(trace, ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["D", "S", "C"] * 2
    assert {t.get_text() for t in ax.texts} >= {"alice", "bob"}
    labels = legend_labels(ax)
    assert labels[-1] == "message: sent -> received"
    assert "stall: recv-wait" in labels and "stall: dependence" in labels
    assert "op with no effect" not in labels


def test_fleet_timeline_legend_drops_pipes_that_issued_nothing(ax):
    viz.fleet_timeline(vt.run(scenarios.barrier_of(3)), ax=ax)
    assert "S op" not in legend_labels(ax) and "message: sent -> received" not in legend_labels(ax)


def test_ops_per_cycle_bars_caps_a_bound_above_the_peak_and_draws_each_over_its_own_bar(ax):
    code = programs.load("microvtpu_optimized").sentrons[0]
    counters = vt.run(programs.load("microvtpu_optimized"), "seed").counters()
    every, useful = vt.bounds(code, "seed"), tour.useful_bounds(vt.bounds(code, "seed"), counters)
    assert every.dependence > 3.0  # the case the cap is for
    viz.ops_per_cycle_bars(["optimized"], [counters.ops_per_cycle], [counters.useful_ops_per_cycle],
                           [{"mix bound": every.mix, "dependence bound": every.dependence}], ax=ax,
                           useful_bounds=[{"mix bound": useful.mix, "dependence bound": useful.dependence}])
    ticks = [(seg[0][0], seg[1][0], seg[0][1]) for coll in ax.collections for seg in coll.get_segments()]
    assert max(y for *_, y in ticks) == pytest.approx(3.0)
    every_bar, useful_bar = ax.patches[0], ax.patches[1]
    over_every = sorted(y for x0, x1, y in ticks if x1 <= every_bar.get_x() + every_bar.get_width() + 1e-9)
    over_useful = sorted(y for x0, x1, y in ticks if x0 >= useful_bar.get_x() - 1e-9)
    assert over_every == pytest.approx(sorted([every.mix, 3.0]))
    assert over_useful == pytest.approx(sorted([useful.mix, useful.dependence]))
    assert any("capped" in t.get_text() for t in ax.texts)
    assert ax.get_ylabel() == "ops per cycle" and ax.get_xlabel()


def test_useful_bounds_count_only_the_ops_that_did_work():
    code = programs.load("microvtpu_optimized").sentrons[0]
    counters = vt.run(programs.load("microvtpu_optimized"), "seed").counters()
    useful = tour.useful_bounds(vt.bounds(code, "seed"), counters)
    assert (useful.ops, useful.ops_by_pipe) == (16, {"D": 8, "S": 8, "C": 0})
    assert useful.critical_path_cycles == vt.bounds(code, "seed").critical_path_cycles


@pytest.mark.parametrize("config", ["realistic", "seed", vt.REALISTIC.replace(ppt_sets=8, ppt_ways=2, page_scrolls=4)])
def test_machine_diagram_reads_every_number_from_the_configuration(ax, config):
    cfg = vt.get_config(config)
    viz.machine_diagram(config, ax=ax)
    text = "\n".join(t.get_text() for t in ax.texts)
    for expected in ["r0-r15\n16 x float64", "p0-p7\n8 coordinates", "m0-m3\n4 messages",
                     f"{cfg.ppt_sets} sets x {cfg.ppt_ways} ways = {cfg.ppt_capacity_pages} pages",
                     f"page walk of {cfg.ppt_miss_penalty_cycles} cycles",
                     f"mul {cfg.latency_cycles['mul']}", f"gather {cfg.latency_cycles['gather']}",
                     f"remote {cfg.tier_latency_cycles['remote']}",
                     f"{cfg.send_base_cycles} + {cfg.send_cycles_per_hop} x hops", "scoreboard", "network"]:
        assert expected in text, expected
    assert ("4 scrolls" in text) == (cfg.page_scrolls == 4)
    assert not ax.axison


def test_hit_rate_and_occupancy_axes_say_what_they_count(ax):
    trace = vt.run(programs.load("microvtpu_naive"), "seed")
    viz.ppt_hit_rate(trace.ppt_series(), ax=ax)
    assert "fraction" in ax.get_ylabel() and ax.get_xlabel()
    fig, ax2 = plt.subplots()
    try:
        viz.ppt_occupancy([[(1,) * 11], []], 2, ax=ax2)
        assert ax2.get_ylabel() == "PPT set" and "way" in ax2.get_xlabel()
    finally:
        plt.close(fig)
