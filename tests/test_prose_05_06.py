"""The numbers the prose of notebooks 05 (the C pipe) and 06 (bonding) states, held to what the
library measures. A failing test here means: re-read and fix the markdown of that notebook."""

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.build import ProgramBuilder, op
from vtpu_lib.course import scenarios as sc

R, SEED = vt.REALISTIC, vt.SEED


def _cell(trace, text):
    return trace.memory[vt.Coord.parse(text)]


# -- 05 · The C pipe ------------------------------------------------------------------------------

def test_05_alice_computes_42_and_bob_writes_84_with_the_shipped_pair():
    t = vt.run(programs.load("attention_pair"), "seed")
    assert (_cell(t, "4.1.1"), _cell(t, "5.1.1")) == (42.0, 84.0)
    assert 3 * 7 * 2 == 42


def test_05_under_seed_a_message_sent_in_cycle_t_is_received_in_t_plus_1():
    assert (SEED.send_base_cycles, SEED.send_cycles_per_hop) == (1, 0)
    (msg,) = vt.run(programs.load("attention_pair"), "seed").messages()
    assert msg.recv_cycle == msg.sent_cycle + 1


def test_05_the_originals_figures_come_back_exactly():
    t = sc.alice_bob_host_copy().trace()
    assert round(t.counters("alice").ops_per_cycle, 2) == 1.5 and t.counters("bob").ops_per_cycle == 1.0
    assert (t.counters().ppt.hits, t.counters().ppt.accesses) == (6, 11)
    assert round(100 * t.counters().ppt.hit_rate, 1) == 54.5


def test_05_our_alice_does_fewer_ops_in_the_same_number_of_siws():
    ours = vt.run(programs.load("attention_pair"), "seed").counters("alice")
    original = sc.alice_bob_host_copy().trace().counters("alice")
    assert ours.siws == original.siws and ours.ops < original.ops


def test_05_the_ppt_count_loses_a_seeding_miss_and_two_host_read_hits():
    def host(trace):
        return [(e.info.op, e.info.coord.short(), e.info.outcome) for e in trace.events("ppt", sentron="host")]
    original = host(sc.alice_bob_host_copy().trace())
    ours_trace = vt.run(programs.load("attention_pair"), "seed")
    ours = host(ours_trace)
    lost = [a for a in original if a not in ours]
    assert lost == [("host-write", "4.1.1", "compulsory"), ("host-read", "4.1.1", "hit"), ("host-read", "5.1.1", "hit")]
    (scatter,) = [e.info.outcome for e in ours_trace.events("ppt", sentron="alice") if e.info.op == "scatter"]
    assert scatter == "compulsory"
    ppt = ours_trace.counters().ppt
    assert (ppt.hits, ppt.accesses) == (3, 8)


def test_05_and_06_a_message_costs_2_cycles_plus_1_per_hop_under_realistic():
    assert (R.send_base_cycles, R.send_cycles_per_hop) == (2, 1)
    for p in sc.latency_vs_distance():
        assert p.latency_cycles == 2 + p.hops       # "the measured latencies lie on the model's line"


def test_05_bobs_wait_is_the_latency_plus_the_10_cycles_alice_computes():
    points = sc.latency_vs_distance()
    assert {p.bob_wait_cycles - p.latency_cycles for p in points} == {10}
    (msg,) = vt.run(programs.load("attention_pair"), "realistic").messages()
    assert msg.sent_cycle == 10


def test_05_9_1_1_is_one_hop_from_1_1_1_and_its_message_takes_3_cycles():
    assert vt.hamming(vt.Coord.parse("9.1.1"), vt.Coord.parse("1.1.1")) == 1
    (p,) = sc.latency_vs_distance(["9.1.1"])
    assert (p.hops, p.latency_cycles) == (1, 3)


def test_05_the_sweep_covers_1_to_11_hops():
    assert [p.hops for p in sc.latency_vs_distance()] == [1, 2, 3, 4, 6, 9, 11]


def test_05_the_last_sentron_reaches_the_barrier_in_cycle_3_and_all_pass_in_cycle_4():
    program = sc.barrier_of(4)
    adds = [sum(1 for w in s.siws if w.d is not None and w.d.op == "add") for s in program.sentrons]
    assert adds == [0, 1, 2, 3]
    passes = sc.barrier_passes(vt.run(program))
    assert [p.arrived_cycle for p in passes] == [0, 1, 2, 3]
    assert {p.passed_cycle for p in passes} == {4}
    assert passes[-1].waited_cycles == 1


# -- 06 · Bonding ---------------------------------------------------------------------------------

def test_06_the_dot_product_of_01_is_140_and_takes_16_naive_and_10_packed_cycles_under_seed():
    assert sum(a * b for a, b in programs.ORIGINAL_PAIRS) == 2 * 3 + 4 * 5 + 6 * 7 + 8 * 9 == 140
    naive, packed, *_ = sc.dot_product_versions("seed")
    assert (naive.cycles, packed.cycles) == (16, 10)


def test_06_alices_gathers_hit_under_realistic_and_a_mul_takes_3_cycles_a_gather_hit_2():
    t = vt.run(programs.load("attention_pair"), "realistic")
    assert {e.info.outcome for e in t.events("ppt", sentron="alice") if e.info.op == "gather"} == {"hit"}
    assert R.latency_cycles["mul"] == 3
    from vtpu_lib.course import ppt_study as ps
    assert ps.gather_timing("3.1.1", warm=True).latency_cycles == 2


def test_06_every_split_gives_140_and_every_sender_is_one_hop_from_s0():
    for parts in (2, 4):
        program = sc.dot_product_split(parts)
        s0 = program.sentrons[0]
        assert {vt.hamming(s.home, s0.home) for s in program.sentrons[1:]} == {1}
        for cfg in ("seed", "realistic"):
            assert vt.run(program, cfg).info("s0").registers["r0"] == 140.0


def test_06_combining_is_the_wait_for_the_first_partial_sum_plus_a_recv_and_an_add_per_partial_sum():
    for cfg, wait in (("seed", 2), ("realistic", 4)):
        for v in sc.dot_product_versions(cfg)[2:]:
            assert v.root_recv_wait_cycles == wait
            assert v.message_cycles == wait + 2 * (v.sentrons - 1)


def test_06_under_seed_4_sentrons_take_as_long_as_2_and_both_lose_to_packed():
    naive, packed, two, four = sc.dot_product_versions("seed")
    assert (four.compute_cycles, four.message_cycles) == (4, 8)
    assert two.compute_cycles - four.compute_cycles == four.message_cycles - two.message_cycles
    assert two.cycles == four.cycles == 12 and packed.cycles == 10 < four.cycles < naive.cycles


def test_06_under_realistic_4_sentrons_take_17_cycles_10_of_them_combining_against_22_packed():
    naive, packed, two, four = sc.dot_product_versions("realistic")
    assert (four.cycles, four.message_cycles, packed.cycles) == (17, 10, 22)
    assert four.cycles < two.cycles < packed.cycles < naive.cycles


def test_06_s0_can_receive_the_next_partial_sum_in_the_siw_that_adds_the_last():
    b = ProgramBuilder("overlapped.siw")
    for i, (x, y) in enumerate(programs.ORIGINAL_PAIRS):
        b.mem(f"{i + 1}.1.1", x).mem(f"{i + 1}.2.1", y)
    for k in range(4):
        b.sentron(f"s{k}", id=k, home=sc.fleet_home(k)).set("p0", f"{k + 1}.1.1").set("p1", f"{k + 1}.2.1")
        b.siw(op("gather", "r1", "p0")).siw(op("gather", "r2", "p1"))
        b.siw(op("mul", "r3", "r1", "r2")).siw(op("add", "r0", "r0", "r3"))
        if k:
            b.siw(op("pack", "m0", "r0")).siw(op("send", "m0", "s0"))
        else:  # s0's combining, overlapped: receive the next partial sum while adding the last one
            b.siw(op("recv", "r4", "s1"))
            b.siw(op("add", "r0", "r0", "r4"), op("recv", "r5", "s2"))
            b.siw(op("add", "r0", "r0", "r5"), op("recv", "r6", "s3"))
            b.siw(op("add", "r0", "r0", "r6"))
    t = vt.run(b.build(), "seed")
    assert t.info("s0").registers["r0"] == 140.0
    assert t.counters().cycles < sc.dot_product_versions("seed")[3].cycles


def test_06_persistence_vtpu_cell_2_1_1_is_phext_scroll_1_1_1_slash_1_1_1_slash_1_1_2():
    assert vt.to_phext_standard(vt.Coord.parse("2.1.1")) == "1.1.1/1.1.1/1.1.2"


def test_06_a_memory_file_shows_a_manifest_then_values_between_scroll_and_section_breaks(tmp_path):
    vt.Memory({"1.1.1": 3.0, "2.1.1": 7.0, "1.2.1": 84.0}).save(tmp_path / "m.phext")
    view = sc.memory_file_view(tmp_path / "m.phext")
    assert view.manifest.startswith("vtpu-memory 1 cells=3 sha256=")
    assert view.body == "3.0<scroll>7.0<section>84.0"
    assert [cell for _, cell, _ in view.scrolls] == ["1.1.1", "2.1.1", "1.2.1"]


@pytest.mark.parametrize("cell", ["1.1.1/1.1.1/1.1.1.2.1", "1.1.1/1.1.1/1.1.1.1.2", "1000.1.1"])
def test_06_a_cell_with_node_or_cluster_not_1_or_a_dimension_above_999_fails_the_save(tmp_path, cell):
    with pytest.raises(vt.PhextFileError):
        vt.Memory({"1.1.1": 1.0, cell: 2.0}).save(tmp_path / "far.phext")
    assert not (tmp_path / "far.phext").exists()


def test_06_routing_senders_are_0_1_and_5_hops_from_the_receiver():
    assert sc.routing_distances() == {100.0: 0, 200.0: 1, 300.0: 5}


def test_06_fleet_sentrons_are_12_to_a_section_and_ring_neighbours_1_or_2_hops_apart():
    homes = [sc.fleet_home(i) for i in range(360)]
    assert homes[11].short() == "12.1.1" and homes[12].short() == "1.2.1"
    hops = {vt.hamming(homes[i], homes[(i + 1) % 360]) for i in range(360)}
    assert hops == {1, 2}
    ring = vt.run(sc.ring_exchange(360), "realistic")
    assert sc.message_latencies(ring) == {(1, 3): 330, (2, 4): 30}


def test_06_the_exchange_sends_360_messages_the_allreduce_718_and_mostly_waits():
    ring = vt.run(sc.ring_exchange(360), "realistic").counters()
    tree = vt.run(sc.tree_allreduce(360), "realistic").counters()
    assert (ring.messages_sent, tree.messages_sent) == (360, 2 * 359) == (360, 718)
    assert ring.ops_per_cycle > 3
    assert tree.stalls["recv-wait"] > 0.5 * (tree.siws + sum(tree.stalls.values()))


def test_06_dense_and_sparse_threads_share_a_core_in_the_time_of_one_two_dense_gain_nothing():
    alone = vt.run(sc.smt_pair("dense", "dense", same_core=False)).counters("t0").cycles
    assert vt.run(sc.smt_pair("dense", "sparse")).counters().cycles == alone
    assert vt.run(sc.smt_pair("dense", "dense")).counters().cycles == 2 * alone


def test_05_and_06_links_to_headings_point_at_headings_that_exist():
    """``NN_x.ipynb#Some-heading`` links (JupyterLab's anchors: the heading text, spaces as '-')."""
    import json
    import pathlib
    import re
    folder = pathlib.Path(__file__).resolve().parent.parent / "notebooks"

    def markdown(name):
        nb = json.loads((folder / name).read_text(encoding="utf-8"))
        return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")

    def anchors(name):
        return {h.strip().replace(" ", "-") for h in re.findall(r"^#+ (.+)$", markdown(name), re.M)}

    for name in ("05_c_pipe_intro.ipynb", "06_bonding.ipynb"):
        for target, anchor in re.findall(r"\]\(([0-9][0-9]_[a-z_]+\.ipynb)#([^)]+)\)", markdown(name)):
            if target in ("05_c_pipe_intro.ipynb", "06_bonding.ipynb"):
                assert anchor in anchors(target), f"{name} links {target}#{anchor}"
    assert "Persistence" in anchors("06_bonding.ipynb")
