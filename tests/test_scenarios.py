"""The original's C-pipe demos, done with real messages, and fleets of many sentrons."""

import dataclasses

import pytest

import vtpu_lib as vt
from vtpu_lib.course import scenarios as sc


def run(program, config="seed", **kw):
    return vt.run(program, config, **kw)


def test_send_recv_delivers_42():
    t = run(sc.send_recv_42())
    assert t.info("s1").registers["r3"] == 42.0
    (msg,) = t.messages()
    assert (msg.src, msg.dst, msg.values, msg.arrive_cycle - msg.sent_cycle) == (0, 1, (42.0,), 1)


def test_barrier_of_four_releases_all_in_the_cycle_after_the_fourth_arrival():
    t = run(sc.barrier_of(4))
    passes = sc.barrier_passes(t)
    assert [(p.name, p.arrived_cycle, p.passed_cycle) for p in passes] == [
        ("s0", 0, 4), ("s1", 1, 4), ("s2", 2, 4), ("s3", 3, 4)]   # s3 arrives in cycle 3 (after 3 adds)
    assert [p.waited_cycles for p in passes] == [t.counters(p.name).stalls["barrier-wait"] for p in passes] == [4, 3, 2, 1]


def test_barrier_passes_reads_the_issue_of_each_sentrons_bar_and_skips_sentrons_without_one():
    t = run(sc.barrier_of(3, work=[1, 4, 2]))
    assert [(p.arrived_cycle, p.waited_cycles, p.passed_cycle) for p in sc.barrier_passes(t)] == [
        (1, 4, 5), (4, 1, 5), (2, 3, 5)]
    assert sc.barrier_passes(run(sc.send_recv_42())) == []


def test_barrier_of_wants_one_amount_of_work_per_sentron():
    with pytest.raises(vt.ConfigError, match=r"barrier_of\(3\) needs one amount of work per sentron, got 2"):
        sc.barrier_of(3, work=[1, 2])


def test_broadcast_reaches_four_sentrons_with_one_beacon():
    t = run(sc.broadcast(100.0, receivers=4))
    assert [t.info(f"s{i}").registers["r2"] for i in range(1, 5)] == [100.0] * 4
    assert t.counters("s0").ops_by_pipe["C"] == 2 and len(t.messages()) == 4


def test_beacon_only_reaches_homes_within_its_radius():
    program = sc.broadcast(7.0, receivers=2, radius=1)
    s0, s1, s2 = program.sentrons
    assert s2.home == vt.Coord.parse("3.1.1")
    m = vt.Machine("seed")
    m.load(dataclasses.replace(program, sentrons=(s0, s1, dataclasses.replace(s2, home=vt.Coord.parse("3.2.2")))))
    with pytest.raises(vt.SimError, match="sentron s2 .* recv from s0 .* retired without sending"):
        m.run()


def test_temperature_zero_always_takes_the_nearest_sender():
    assert sc.temperature_choices(0.0, runs=50) == {100.0: 50, 200.0: 0, 300.0: 0}


def test_raising_the_temperature_spreads_the_choices():
    cold, warm, hot = (sc.temperature_choices(t, runs=400) for t in (0.5, 2.0, 20.0))
    assert cold[100.0] > warm[100.0] > hot[100.0]
    assert cold[300.0] <= warm[300.0] < hot[300.0]
    assert hot[300.0] > 80                     # at T = 20 the far sender is taken often


def test_temperature_choices_are_reproducible_with_a_seed():
    assert sc.temperature_choices(2.0, runs=100, seed=7) == sc.temperature_choices(2.0, runs=100, seed=7)


@pytest.mark.parametrize("n", [2, 5, 36])
def test_ring_exchange_adds_the_left_neighbours_value(n):
    t = run(sc.ring_exchange(n))
    for i in range(n):
        assert t.info(f"s{i}").registers["r3"] == (i + 1) + ((i - 1) % n + 1)
    assert t.counters().messages_sent == n == t.counters().messages_received


@pytest.mark.parametrize("n", [1, 2, 7, 64, 360])
def test_tree_allreduce_gives_every_sentron_the_total(n):
    t = run(sc.tree_allreduce(n))
    assert {s.registers["r1"] for s in t.sentrons} == {n * (n + 1) / 2}
    assert t.counters().messages_sent == 2 * (n - 1)


def test_allreduce_takes_longer_when_messages_cost_hops():
    seed_cycles = run(sc.tree_allreduce(64)).counters().cycles
    real_cycles = run(sc.tree_allreduce(64), "realistic").counters().cycles
    assert real_cycles > seed_cycles


def test_the_originals_routing_rule_ignores_temperature():
    assert {sc.original_routing_choice(t) for t in (0.01, 0.5, 2.0, 50.0)} == {100.0}


@pytest.mark.parametrize("a, b, smt_cycles, busy", [("dense", "sparse", 16, 0), ("dense", "dense", 32, 31)])
def test_smt_speedup_depends_on_the_mix_of_pipes(a, b, smt_cycles, busy):
    c = run(sc.smt_pair(a, b, same_core=True)).counters()
    assert (c.cycles, c.stalls["pipe-busy"]) == (smt_cycles, busy)
    assert run(sc.smt_pair(a, b, same_core=False)).counters().cycles == 16


def test_scenarios_refuse_unknown_work_kinds_and_zero_repeats_with_config_errors():
    with pytest.raises(vt.ConfigError, match="thread 1 has work kind 'sparce'") as e:
        sc.smt_pair("dense", "sparce")
    assert "'sparse'" in e.value.hint
    with pytest.raises(vt.ConfigError, match="alice_repeats = 0"):
        sc.alice_bob_host_copy(alice_repeats=0)


def test_scenario_programs_are_built_as_data_and_survive_disassembly():
    for program in (sc.send_recv_42(), sc.barrier_of(3), sc.broadcast(), sc.temperature_routing(1.5),
                    sc.ring_exchange(4), sc.tree_allreduce(5), sc.smt_pair("mixed", "dense"),
                    sc.dot_product_split(2), sc.dot_product_split(4, combine=False)):
        assert isinstance(program, vt.Program)
        assert vt.assemble(vt.disassemble(program)) == program


def test_alice_bob_with_messages_writes_84_and_bob_waits_for_alice():
    t = run(sc.ALICE_BOB_MESSAGES)
    assert t.memory[vt.Coord.parse("5.1.1")] == 84.0
    assert t.counters("bob").stalls["recv-wait"] == 6
    (msg,) = t.messages()
    assert (msg.values, msg.recv_cycle) == ((42.0,), 6)


def test_alice_bob_messages_is_the_shipped_attention_pair():
    assert sc.ALICE_BOB_MESSAGES == vt.programs.source("attention_pair")


# -- message latency against distance ------------------------------------------------------------

def test_moving_bob_changes_only_his_home():
    moved = sc.alice_bob_with_bob_at("2.2.1")
    shipped = vt.programs.load("attention_pair")
    assert moved.sentrons[1].home == vt.Coord.parse("2.2.1")
    assert moved.sentrons[1].siws == shipped.sentrons[1].siws and moved.sentrons[0] == shipped.sentrons[0]


def test_latency_vs_distance_measures_the_message_and_bobs_wait():
    near, far = sc.latency_vs_distance(["2.1.1", "2.2.2/2.2.2"])
    assert (near.home, near.hops, near.latency_cycles, near.bob_wait_cycles) == ("2.1.1", 1, 3, 13)
    assert (far.hops, far.latency_cycles) == (6, 8)
    (same,) = sc.latency_vs_distance(["2.2.1"], config="seed")
    assert same.latency_cycles == 1                   # seed: distance costs nothing


def test_message_latencies_counts_messages_by_hops_and_latency():
    assert sc.message_latencies(run(sc.ring_exchange(13), "realistic")) == {(1, 3): 12, (2, 4): 1}
    assert sc.message_latencies(run(sc.smt_pair())) == {}


# -- the dot product across sentrons ------------------------------------------------------------

@pytest.mark.parametrize("parts", [1, 2, 3, 4])
@pytest.mark.parametrize("config", ["seed", "realistic"])
def test_dot_product_split_gives_140_on_s0_with_one_message_per_extra_sentron(parts, config):
    t = run(sc.dot_product_split(parts), config)
    assert t.info("s0").registers["r0"] == 140.0
    assert t.counters().messages_sent == t.counters().messages_received == parts - 1


@pytest.mark.parametrize("config", ["seed", "realistic"])
def test_dot_product_split_over_one_sentron_takes_as_long_as_notebook_01s_naive_program(config):
    naive = run(vt.programs.load("microvtpu_naive"), config).counters()
    one = run(sc.dot_product_split(1), config).counters()
    assert (one.cycles, one.ops, one.stalls) == (naive.cycles, naive.ops, naive.stalls)


def test_dot_product_split_without_combining_leaves_the_partial_sums():
    t = run(sc.dot_product_split(2, combine=False))
    assert [s.registers["r0"] for s in t.sentrons] == [2 * 3 + 4 * 5, 6 * 7 + 8 * 9]
    assert t.messages() == []


def test_dot_product_split_works_for_other_vectors():
    pairs = ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))
    assert run(sc.dot_product_split(2, pairs)).info("s0").registers["r0"] == 44.0
    rows = sc.dot_product_versions("seed", parts=(3,), pairs=pairs)
    assert [v.result for v in rows] == [44.0, 44.0, 44.0]


def test_dot_product_split_refuses_impossible_splits():
    with pytest.raises(vt.ConfigError, match="parts = 5: split 4 pairs over 1..4 sentrons"):
        sc.dot_product_split(5)
    with pytest.raises(vt.ConfigError, match="parts = True"):
        sc.dot_product_split(True)
    with pytest.raises(vt.ConfigError, match="more than 4 pairs"):
        sc.dot_product_split(1, [(1.0, 1.0)] * 5)


def test_dot_product_versions_measure_the_messages_as_what_they_add_to_the_compute():
    rows = sc.dot_product_versions("seed")
    assert [v.label for v in rows] == ["1 sentron, naive (01)", "1 sentron, packed (01)",
                                       "2 sentrons, split", "4 sentrons, split"]
    assert [(v.cycles, v.compute_cycles, v.message_cycles, v.messages) for v in rows] == [
        (16, 16, 0, 0), (10, 10, 0, 0), (12, 8, 4, 1), (12, 4, 8, 3)]


# -- memory files --------------------------------------------------------------------------------

def test_memory_file_view_names_the_delimiters_and_maps_scrolls_to_cells(tmp_path):
    vt.Memory({"1.1.1": 6.0, "2.1.1": 7.0, "1.2.1": 0.1, "3.1.1/1.1.2": -2.5}).save(tmp_path / "m.phext")
    view = sc.memory_file_view(tmp_path / "m.phext")
    assert view.body == "6.0<scroll>7.0<section>0.1<collection><scroll><scroll>-2.5"
    assert view.scrolls[-1] == ("1.1.1/2.1.1/1.1.3", "3.1.1/1.1.2", "-2.5")
    assert view.size_bytes == (tmp_path / "m.phext").stat().st_size


def test_memory_file_view_refuses_a_file_without_a_manifest(tmp_path):
    (tmp_path / "x.phext").write_text("hello", encoding="utf-8")
    with pytest.raises(vt.VtpuError, match="not a vTPU memory file"):
        sc.memory_file_view(tmp_path / "x.phext")
