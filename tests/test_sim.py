"""The reference interpreter: intra-SIW semantics, the scoreboard, stalls, messages, errors."""

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.isa import EventKind

RACE = """
.set r1 21
.set p0 1.1.1
add r1, r1, r1 | scatter p0, r1 | -
"""


def run(text, config="seed", **kw):
    return vt.run(vt.assemble(text, file="t.siw"), config, **kw)


def test_vliw_slots_read_at_start_of_cycle_while_sequential_sees_earlier_slots_writes():
    vliw, seq = run(RACE, mode="vliw"), run(RACE, mode="sequential")
    origin = vt.Coord.parse("1.1.1")
    assert (vliw.registers["r1"], vliw.memory[origin]) == (42.0, 21.0)
    assert (seq.registers["r1"], seq.memory[origin]) == (42.0, 42.0)


def test_vliw_swap_in_one_siw_exchanges_registers():
    t = run(".set r1 1\n.set r2 2\nmov r1, r2 | - | pack m0, r1\nmov r3, r1 | - | unpack r4, m0, 0")
    assert t.registers["r1"] == 2.0 and t.registers["r4"] == 1.0  # pack read the old r1


def test_slot_order_only_applies_to_sequential_mode():
    with pytest.raises(vt.ConfigError, match="sequential"):
        vt.Machine("seed", mode="vliw", slot_order="SDC")
    with pytest.raises(vt.ConfigError, match="mode"):
        vt.Machine("seed", mode="parallel")


def test_realistic_mul_latency_stalls_its_consumer_for_dependence():
    t = run(".set r1 2\nmul r2, r1, r1 | - | -\nadd r3, r2, r2 | - | -", "realistic")
    c = t.counters()
    assert t.registers["r3"] == 8.0
    assert c.stalls["dependence"] == 2          # mul takes 3 cycles: issue at 0, add at 3
    assert c.cycles == 4                        # add issues at cycle 3, its result lands at 4
    assert "stall: dependence" in t.timeline()


def test_independent_work_fills_the_latency_shadow():
    dependent = ".set r1 2\n" + "mul r1, r1, r1 | - | -\n" * 4
    independent = ".set r1 2\n" + "".join(f"mul r{i}, r1, r1 | - | -\n" for i in range(2, 6))
    assert run(dependent, "realistic").counters().cycles == 12
    assert run(independent, "realistic").counters().cycles == 6


def test_write_after_write_waits_for_the_older_write():
    t = run(".set r1 3\nmul r2, r1, r1 | - | -\nadd r2, r1, r1 | - | -", "realistic")
    assert t.registers["r2"] == 6.0
    assert t.counters().stalls["dependence"] == 2


def test_gather_that_misses_the_ppt_stalls_its_consumer_with_reason_ppt_miss():
    m = vt.Machine("realistic")
    m.memory.write(vt.Coord.parse("3.1.1"), 5.0)   # written behind the PPT's back: a cold page
    m.load(vt.assemble(".set p0 3.1.1\n- | gather r1, p0 | -\nadd r2, r1, r1 | - | -"))
    t = m.run()
    c = t.counters()
    assert t.registers["r2"] == 10.0
    assert c.ppt.compulsory == 1
    assert c.stalls["ppt-miss"] == vt.REALISTIC.ppt_miss_penalty_cycles + vt.REALISTIC.latency_cycles["gather"] - 1


def test_every_cycle_of_a_sentron_is_one_issue_or_one_stall():
    t = vt.run(programs.load("microvtpu_naive"), "realistic")
    per_cycle = {}
    for e in t.events((EventKind.ISSUE, EventKind.STALL)):
        per_cycle[e.cycle] = per_cycle.get(e.cycle, 0) + 1
    assert set(per_cycle.values()) == {1}
    assert sorted(per_cycle) == list(range(max(per_cycle) + 1))
    c = t.counters()
    assert c.siws + sum(c.stalls.values()) == len(per_cycle)


def test_counters_never_count_nops_as_ops():
    c = run("- | - | -\n- | - | -\nadd r1, r1, r1 | - | -").counters()
    assert (c.siws, c.ops, c.cycles) == (3, 1, 3)
    assert c.nops_by_pipe == {"D": 2, "S": 3, "C": 3}


def test_run_limit_stops_a_long_run_with_cycle_sentron_and_instruction():
    with pytest.raises(vt.RunLimitError) as e:
        run(".sentron spinner\n" + "add r1, r1, r1 | - | -\n" * 50, max_cycles=10)
    err = e.value
    assert err.cycle == 10 and "spinner" in err.sentron and err.pc == 10
    assert "t.siw:12" in str(err) and "max_cycles" in str(err)


def test_division_by_zero_follows_ieee_instead_of_crashing():
    t = run(".set r1 1\n.set r2 0\ndiv r3, r1, r2 | - | -\ndiv r4, r2, r2 | - | -")
    assert t.registers["r3"] == float("inf")
    assert t.registers["r4"] != t.registers["r4"]  # nan


def test_index_out_of_range_is_a_clear_runtime_error():
    with pytest.raises(vt.SimError, match=r"cycle 0, sentron main \(id 0\), SIW 0: index moved") as e:
        run(".set p0 2047.1.1\n- | index p1, p0, scroll, #1 | -")
    assert "t.siw:2" in str(e.value)


def test_unpack_of_an_empty_lane_names_cycle_sentron_and_instruction():
    with pytest.raises(vt.SimError, match="unpack of lane 2 of m0, which holds 1 value") as e:
        run(".set r1 1\n- | - | pack m0, r1\n- | - | unpack r2, m0, 2")
    assert e.value.cycle == 1 and e.value.pc == 1


TWO = """
.sentron a id=0 home=1.1.1
.set r1 42
- | - | pack m0, r1
- | - | send m0, b
.sentron b id=1 home=2.1.1
- | - | recv r5, a
add r6, r5, r5 | - | -
"""


def test_recv_blocks_until_the_message_arrives_then_takes_it():
    t = run(TWO)
    b = t.counters("b")
    assert t.info("b").registers["r6"] == 84.0
    # a sends in cycle 1; seed delivers in the next cycle: b waits in cycles 0-1
    assert b.stalls["recv-wait"] == 2
    assert [e.cycle for e in t.events(EventKind.RECV)] == [2]


def test_realistic_send_latency_grows_with_hops():
    near = run(TWO, "realistic").counters("b").stalls["recv-wait"]
    far = run(TWO.replace("home=2.1.1", "home=2.2.2/2.2.2/2.1.1.1.1"), "realistic").counters("b").stalls["recv-wait"]
    assert far - near == 6 * vt.REALISTIC.send_cycles_per_hop  # 7 differing dims instead of 1


def test_deadlock_is_reported_with_who_waits_for_what_and_never_hangs():
    text = ".sentron a id=0\n- | - | recv r1, b\n.sentron b id=1\n- | - | recv r1, a\n"
    with pytest.raises(vt.DeadlockError) as e:
        run(text)
    msg = str(e.value)
    assert "a (id 0) waits for a message from b" in msg and "b (id 1) waits for a message from a" in msg


def test_recv_from_a_sender_that_retired_without_sending_is_an_error():
    text = ".sentron a id=0\nadd r1, r1, r1 | - | -\n.sentron b id=1\n- | - | -\n- | - | -\n- | - | recv r1, a\n"
    with pytest.raises(vt.SimError, match="retired without sending"):
        run(text)


def test_send_to_a_sentron_that_does_not_exist_is_an_error():
    with pytest.raises(vt.SimError, match="send to sentron 'nobody', which does not exist"):
        run("- | - | pack m0, r1\n- | - | send m0, nobody")


def test_barrier_counts_that_disagree_are_an_error():
    text = ".sentron a id=0\n- | - | bar 1, 2\n.sentron b id=1\n- | - | bar 1, 3\n"
    with pytest.raises(vt.SimError, match="count"):
        run(text)


def test_two_threads_on_one_core_share_its_pipes():
    text = (".sentron t0 id=0 core=0 thread=0\n" + "add r1, r1, r1 | - | -\n" * 4 +
            ".sentron t1 id=1 core=0 thread=1\n" + "add r1, r1, r1 | - | -\n" * 4)
    smt = run(text).counters()
    apart = run(text.replace("core=0 thread=1", "core=1 thread=0")).counters()
    # rotating priority: one thread issues per cycle, the other is pipe-busy (except the last)
    assert smt.stalls["pipe-busy"] == 7 and smt.cycles == 8
    assert apart.stalls["pipe-busy"] == 0 and apart.cycles == 4


def test_threads_using_different_pipes_issue_together_on_one_core():
    text = (".sentron t0 id=0 core=0\n" + "add r1, r1, r1 | - | -\n" * 4 +
            ".sentron t1 id=1 core=0 thread=1\n" + "- | index p1, p1, 0, #1 | -\n" * 4)
    c = run(text).counters()
    assert c.cycles == 4 and c.stalls["pipe-busy"] == 0


def test_temperature_zero_takes_the_nearest_message_and_higher_temperature_spreads_choices():
    def chosen(temp, seed):
        text = (".sentron near id=0 home=1.1.1\n.set r1 100\n- | - | pack m0, r1\n- | - | send m0, rx\n"
                ".sentron far id=1 home=2.2.2/2.2.1/1.1.1.1.1\n.set r1 300\n- | - | pack m0, r1\n- | - | send m0, rx\n"
                f".sentron rx id=2 home=1.1.1\n- | - | temp #{temp}\n- | - | -\n- | - | -\n- | - | recv r1, any\n")
        return run(text, seed=seed).info("rx").registers["r1"]
    assert {chosen(0, s) for s in range(20)} == {100.0}
    hot = [chosen(10, s) for s in range(60)]
    assert hot.count(300.0) > 10          # far messages get picked when T is high


def test_memory_outlives_a_machine_through_a_phext_file(tmp_path):
    m = vt.Machine("seed")
    m.load(programs.load("alice"))
    m.load(programs.load("bob"), start=False)
    m.run()
    path = tmp_path / "alice.phext"
    m.save_memory(path)
    later = vt.Machine("seed")
    later.load_memory(path)
    bob = vt.assemble(".sentron bob id=1\n.set p0 4.1.1\n.set p1 5.1.1\n- | gather r0, p0 | -\n"
                      "add r1, r0, r0 | - | -\n- | scatter p1, r1 | -")
    later.load(bob)
    later.run()
    assert later.memory.read(vt.Coord.parse("5.1.1")) == 84.0


def test_a_sentron_with_no_siws_retires_at_once():
    t = run(".sentron idle id=0\n.sentron busy id=1\nadd r1, r1, r1 | - | -\n")
    assert t.info("idle").state == "retired" and t.counters("idle").cycles == 0
    assert t.counters().cycles == 1


def test_a_siw_of_three_nops_issues_and_the_sentron_retires():
    t = run("- | - | -\n")
    assert t.counters().siws == 1 and t.counters().ops == 0 and t.sentrons[0].state == "retired"


def test_a_run_without_an_event_log_refuses_to_count_instead_of_reporting_zeros():
    m = vt.Machine("seed", record=False)
    m.load(vt.assemble(".set r1 2\nadd r2, r1, r1 | - | -"))
    trace = m.run()
    assert trace.sentrons[0].registers["r2"] == 4.0
    with pytest.raises(vt.VtpuError, match="kept no event log"):
        trace.counters()
