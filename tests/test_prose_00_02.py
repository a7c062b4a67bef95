"""The numbers and claims in the prose of notebooks 00-02, held to what the library measures.

A failing test here means: the machine changed, re-read and fix that notebook's markdown.
"""

import json
import pathlib
import re

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.course import micro, tour
from vtpu_lib.stepper import Stepper

R = vt.REALISTIC
NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def markdown(name: str) -> str:
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def ppt_outcomes(trace, who):
    return [(e.info.op, e.info.coord.short(), e.info.outcome) for e in trace.events("ppt", sentron=who)]


# -- 00 · Welcome -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pair():
    return vt.run(programs.load("attention_pair"), "seed")


def test_00_first_program_multiplies_q_k_v_3_7_2_to_42_and_bob_writes_84_to_5_1_1(pair):
    preload = {c.short(): v for c, v in programs.load("attention_pair").preload}
    assert preload == {"1.1.1": 3.0, "2.1.1": 7.0, "3.1.1": 2.0}
    assert pair.memory[vt.Coord.parse("4.1.1")] == 42.0
    assert pair.memory[vt.Coord.parse("5.1.1")] == 84.0 and pair.info("bob").registers["r1"] == 84.0


def test_00_alice_sends_in_cycle_5_her_sixth_siw_and_bob_takes_it_in_cycle_6(pair):
    (msg,) = pair.messages()
    assert (msg.sent_cycle, msg.recv_cycle) == (5, 6)
    sends = [e.pc for e in pair.events("issue", sentron="alice") if e.cycle == 5]
    assert sends == [5]  # index 5: the sixth SIW
    assert pair.counters("bob").stalls["recv-wait"] > 0


def test_00_alice_has_6_cycles_8_ops_1_33_ops_per_cycle_44_percent_no_stalls(pair):
    c = pair.counters("alice")
    assert (c.cycles, c.siws, c.ops, c.useful_ops) == (6, 6, 8, 8)
    assert f"{c.ops_per_cycle:.2f}" == "1.33" and f"{100 * c.utilization:.1f}" == "44.4"
    assert sum(c.stalls.values()) == 0


def test_00_alices_three_gathers_hit_and_her_scatter_is_a_compulsory_miss(pair):
    assert ppt_outcomes(pair, "alice") == [("gather", "1.1.1", "hit"), ("gather", "2.1.1", "hit"),
                                           ("gather", "3.1.1", "hit"), ("scatter", "4.1.1", "compulsory")]
    assert pair.counters("alice").ppt.accesses == 4


def test_00_whole_machine_counts_3_host_writes_so_3_hits_in_8_accesses_for_5_memory_ops(pair):
    host = ppt_outcomes(pair, "host")
    assert [op for op, *_ in host] == ["host-write"] * 3
    p = pair.counters().ppt
    assert (p.hits, p.accesses, p.compulsory) == (3, 8, 5)
    memory_ops = [op for s in pair.sentrons for siw in s.code.siws for op in siw.ops() if op.op in ("gather", "scatter")]
    assert len(memory_ops) == 5 and sum(op.op == "gather" for op in memory_ops) == 3


def test_00_the_running_example_is_the_original_dot_product_of_140():
    assert programs.ORIGINAL_PAIRS == ((2.0, 3.0), (4.0, 5.0), (6.0, 7.0), (8.0, 9.0))
    assert sum(a * b for a, b in programs.ORIGINAL_PAIRS) == 140.0


def test_00_glossary_is_a_table_under_an_anchor_heading_and_holds_every_library_term():
    text = markdown("00_welcome.ipynb")
    assert "\n## Glossary\n" in "\n" + text
    glossary = text.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    terms = re.findall(r"^\| \[([^\]]+)\]\(([^)]+)\) \|", glossary, re.M)
    assert len(terms) >= 30
    named = {t.lower() for term, _ in terms for t in [term, *term.split(", ")]}
    assert {k.lower() for k in vt.GLOSSARY} <= named
    for _, target in terms:
        path = target.split("#")[0]
        assert path == "" or (NOTEBOOKS / path).exists(), target


def test_00_glossary_numbers_match_the_presets_and_the_machine():
    text = markdown("00_welcome.ipynb")
    assert (R.latency_cycles["mul"], R.latency_cycles["fma"], R.latency_cycles["div"]) == (3, 4, 8)
    assert "mul 3, fma 4, div 8 cycles" in text
    assert R.ppt_miss_penalty_cycles == 12 and "12-cycle page walk" in text
    assert len(vt.DIM_NAMES) == 11 and vt.Coord.parse("2047.1.1")[0] == 2047
    assert vt.isa.MSG_LANES == 4 and vt.isa.REG_FILES == {"r": 16, "p": 8, "m": 4}


def test_00_map_links_every_notebook_and_its_exercises():
    text = markdown("00_welcome.ipynb")
    for nb in sorted(NOTEBOOKS.glob("0[1-9]_*.ipynb")):
        assert f"]({nb.name})" in text, nb.name
        assert f"](../exercises/{nb.name})" in text, nb.name


# -- 01 · The Python insight -------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_runs():
    return {v: vt.run(programs.load(f"microvtpu_{v}"), "seed") for v in ("baseline", "naive", "optimized")}


def test_01_optimized_dependence_bound_is_3_17_above_the_peak_and_its_useful_mix_bound_2_00(seed_runs):
    code = programs.load("microvtpu_optimized").sentrons[0]
    b = vt.bounds(code, "seed")
    assert (b.ops, b.critical_path_cycles, f"{b.dependence:.2f}") == (19, 6, "3.17") and b.dependence > b.peak == 3
    u = tour.useful_bounds(b, seed_runs["optimized"].counters())
    assert (u.ops, u.ops_by_pipe["D"], u.ops_by_pipe["S"], f"{u.mix:.2f}") == (16, 8, 8, "2.00")
    assert u.mix < u.dependence  # the mix is its tightest bound


def test_01_the_optimized_d_pipe_idles_in_cycles_0_1_and_the_s_pipe_in_8_9(seed_runs):
    rows = seed_runs["optimized"].slot_rows()
    empty = {p: [t for t, _, cells in rows for q, _, status in cells if q == p and status == "nop"] for p in "DS"}
    assert empty == {"D": [0, 1], "S": [8, 9]}
    assert seed_runs["optimized"].counters().cycles == 10


def test_01_three_cprefetches_found_their_page_present(seed_runs):
    outcomes = [e.info.outcome for e in seed_runs["optimized"].events("ppt") if e.info.op == "prefetch"]
    assert outcomes == ["present"] * 3


def test_01_realistic_baseline_16_beats_optimized_22_and_naive_28():
    cycles = {v: vt.run(programs.load(f"microvtpu_{v}"), "realistic").counters().cycles
              for v in ("baseline", "naive", "optimized")}
    assert cycles == {"baseline": 16, "naive": 28, "optimized": 22}


def test_01_the_baseline_starts_with_its_operands_in_registers_and_is_one_chain_of_4_fmas():
    code = programs.load("microvtpu_baseline").sentrons[0]
    assert not [op for siw in code.siws for op in siw.ops() if op.spec.pipe == vt.Pipe.S]
    assert len(code.init) == 8 and [op.op for siw in code.siws for op in siw.ops()] == ["fma"] * 4
    assert 4 * R.latency_cycles["fma"] == 16
    assert "values in registers" in programs.source("microvtpu_baseline")


def test_01_naive_has_8_d_and_8_s_ops_a_6_cycle_path_mix_bound_2_and_dependence_bound_2_67():
    b = vt.bounds(programs.load("microvtpu_naive").sentrons[0], "seed")
    assert (b.ops_by_pipe, b.critical_path_cycles) == ({"D": 8, "S": 8, "C": 0}, 6)
    assert (f"{b.mix:.2f}", f"{b.dependence:.2f}") == ("2.00", "2.67")


def test_01_the_vliw_race_stores_21_and_sequential_42():
    race = vt.assemble(".set r1 21\n.set p0 1.1.1\nadd r1, r1, r1 | scatter p0, r1 | -")
    stored = {m: vt.run(race, "seed", mode=m).memory[vt.Coord.parse("1.1.1")] for m in ("vliw", "sequential")}
    assert stored == {"vliw": 21.0, "sequential": 42.0}
    assert micro.optimized(programs.ORIGINAL_PAIRS, order="SDC")[0] == 170.0


def test_01_and_02_say_279_lines_not_200():
    assert "279-line" in markdown("01_python_insight.ipynb") and "200-line" not in markdown("01_python_insight.ipynb")


# -- 02 · The architecture ---------------------------------------------------------------------

def test_02_the_diagram_prose_matches_the_realistic_ppt_and_latencies():
    assert (R.ppt_sets, R.ppt_ways, R.page_scrolls, R.ppt_miss_penalty_cycles) == (64, 4, 1, 12)
    assert R.latency_cycles["gather"] == 2 and R.latency_cycles["send"] == 1


def test_02_alice_is_retired_after_cycle_10_and_her_retire_cycle_is_11():
    m = vt.Machine("realistic")
    alice, _ = m.load(programs.load("attention_pair"))
    m.run(until=10)
    assert alice.state == "running"
    m.run(until=11)
    assert alice.state == "retired"
    m.run()
    t = m.trace()
    assert max(e.cycle for e in t.events("issue", sentron="alice")) == 10
    assert t.info("alice").retire_cycle == 11 == t.counters("alice").cycles


def test_02_a_program_ending_in_a_mul_issued_in_cycle_20_retires_at_23():
    text = ".set r1 1\n" + "add r1, r1, r1 | - | -\n" * 20 + "mul r5, r1, r1 | - | -\n"
    t = vt.run(vt.assemble(text), "realistic")
    assert max(e.cycle for e in t.events("issue")) == 20 and t.info(0).retire_cycle == 23


def test_02_messages_cost_2_plus_1_per_hop_whatever_the_dimension():
    assert (R.send_base_cycles, R.send_cycles_per_hop) == (2, 1)
    assert tour.message_cycles("1.1.1", "2.1.1") == 3
    assert tour.message_cycles("1.1.1", "1.1.1/1.1.1/1.1.1.1.2") == 3
    assert tour.message_cycles("1.1.1", "5.5.5") == 5 and vt.hamming(vt.ORIGIN, vt.Coord.parse("5.5.5")) == 3


def test_02_a_missing_gather_costs_214_to_another_cluster_and_14_to_5_5_5():
    probes = tour.tier_probes("1.1.1")
    assert (probes[0].cycles, probes[-1].cycles, probes[-1].tier) == (14, 214, "remote")
    assert f"{probes[-1].cycles / probes[0].cycles:.0f}" == "15"
    assert vt.tier(vt.ORIGIN, vt.Coord.parse("5.5.5")) == "L1"


def test_02_the_stepper_snapshots_every_16_cycles():
    assert Stepper.every == 16 and "every\n16 cycles" in markdown("02_architecture.ipynb")


def test_02_the_stepped_mul_issues_in_4_r3_lands_at_7_and_the_add_stalls_in_5_and_6():
    step = vt.assemble(".mem 1.1.1 6\n.mem 2.1.1 7\n.sentron alice id=0 home=1.1.1\n.set p0 1.1.1\n"
                       "- | gather r1, p0 | -\n- | index p1, p0, scroll, #1 | -\n- | gather r2, p1 | -\n"
                       "mul r3, r1, r2 | index p2, p1, scroll, #1 | -\nadd r4, r3, r3 | - | -\n- | scatter p2, r4 | -\n")
    s = Stepper(step, "realistic")
    s.goto(5)
    assert s.view()["sentrons"][0]["pending"]["r3"] == (42.0, 7)
    t = vt.run(step, "realistic")
    assert [e.cycle for e in t.events("stall")] == [3, 5, 6]
    p = t.counters().ppt
    assert (p.hits, p.accesses) == (2, 5) and len(step.preload) == 2


def test_02_links_to_the_persistence_section_of_06():
    assert "(06_bonding.ipynb#Persistence)" in markdown("02_architecture.ipynb")
    assert "Phext()" not in markdown("02_architecture.ipynb")
