"""The original's C-pipe demos, done with real messages, and fleets of many sentrons."""

import dataclasses

import pytest

import vtpu_lib as vt
from vtpu_lib.course import scenarios as sc
from vtpu_lib.isa import EventKind


def run(program, config="seed", **kw):
    return vt.run(program, config, **kw)


def test_send_recv_delivers_42():
    t = run(sc.send_recv_42())
    assert t.info("s1").registers["r3"] == 42.0
    (msg,) = t.messages()
    assert (msg.src, msg.dst, msg.values, msg.arrive_cycle - msg.sent_cycle) == (0, 1, (42.0,), 1)


def test_barrier_of_four_releases_all_on_the_fourth_arrival():
    t = run(sc.barrier_of(4))
    passed = {s.name: [e.cycle for e in t.events(EventKind.ISSUE, sentron=s.id)
                       if s.code.siws[e.pc].c is not None][0] for s in t.sentrons}
    assert set(passed.values()) == {4}          # s3 arrives in cycle 3 (after 3 adds)
    assert [t.counters(n).stalls["barrier-wait"] for n in passed] == [4, 3, 2, 1]


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
                    sc.ring_exchange(4), sc.tree_allreduce(5), sc.smt_pair("mixed", "dense")):
        assert isinstance(program, vt.Program)
        assert vt.assemble(vt.disassemble(program)) == program


def test_alice_bob_with_messages_writes_84_and_bob_waits_for_alice():
    t = run(sc.ALICE_BOB_MESSAGES)
    assert t.memory[vt.Coord.parse("5.1.1")] == 84.0
    assert t.counters("bob").stalls["recv-wait"] == 6
    (msg,) = t.messages()
    assert (msg.values, msg.recv_cycle) == ((42.0,), 6)
