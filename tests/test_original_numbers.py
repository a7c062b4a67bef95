"""§9 of the model: the original vTPU's single-sentron numbers, reproduced under `seed`."""

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.course import micro
from vtpu_lib.course import scenarios as sc
from vtpu_lib.isa import EventKind

PAIRS = programs.ORIGINAL_PAIRS


def run_example(name, **kw):
    return vt.run(programs.load(name), "seed", **kw)


def test_dot_product_of_the_original_vectors_is_140():
    # microvtpu.py's vectors a = [2, 4, 6, 8], b = [3, 5, 7, 9]: 6 + 20 + 42 + 72 = 140
    original = [(2.0, 3.0), (4.0, 5.0), (6.0, 7.0), (8.0, 9.0)]
    assert list(PAIRS) == original
    # ... and they are the vectors the shipped programs load: memory (a[i] at i+1.1.1, b[i] at
    # i+1.2.1) for naive and optimized, registers r1..r8 for the baseline CPU
    for version in ("naive", "optimized"):
        cells = dict(programs.load(f"microvtpu_{version}").preload)
        loaded = [(cells[vt.Coord.parse(f"{i}.1.1")], cells[vt.Coord.parse(f"{i}.2.1")]) for i in range(1, 5)]
        assert loaded == original, version
    regs = dict(programs.load("microvtpu_baseline").sentrons[0].init)
    assert [(regs[vt.Reg("r", 2 * i + 1)], regs[vt.Reg("r", 2 * i + 2)]) for i in range(4)] == original
    assert sum(a * b for a, b in loaded) == 140.0


@pytest.mark.parametrize("version, cycles, ops, ops_per_cycle", [
    ("baseline", 4, 4, 1.00),
    ("naive", 16, 16, 1.00),
    ("optimized", 10, 19, 1.90),
])
def test_microvtpu_versions_reproduce_the_originals_counts(version, cycles, ops, ops_per_cycle):
    trace = run_example(f"microvtpu_{version}")
    c = trace.counters()
    assert trace.registers["r0"] == 140.0
    assert (c.cycles, c.ops) == (cycles, ops)
    assert c.ops_per_cycle == pytest.approx(ops_per_cycle)


def test_optimized_dot_product_counts_its_three_c_slot_prefetch_tokens_but_only_16_useful_ops():
    c = run_example("microvtpu_optimized").counters()
    assert c.ops_by_pipe == {"D": 8, "S": 8, "C": 3}
    assert c.useful_ops == 16
    assert c.useful_by_pipe["C"] == 0          # every prefetch found its page present
    assert c.useful_ops_per_cycle == pytest.approx(1.6)
    assert c.ppt.prefetches == 3 and c.ppt.prefetch_installs == 0


@pytest.mark.parametrize("mode, order, expected", [
    ("sequential", "DSC", 140.0),   # what microvtpu.py and the Rust interpreter do
    ("sequential", "SDC", 170.0),   # S before D: the slot-order trap
    ("vliw", "DSC", 140.0),         # reads at the start of the cycle
])
def test_slot_order_trap_gives_140_or_170(mode, order, expected):
    assert run_example("microvtpu_optimized", mode=mode, slot_order=order).registers["r0"] == expected


def test_plain_python_model_counts_like_the_original():
    assert micro.baseline_cpu(PAIRS) == (140.0, 4, 4)
    assert micro.naive(PAIRS) == (140.0, 16, 16)
    assert micro.optimized(PAIRS) == (140.0, 10, 19)
    assert micro.optimized(PAIRS, order="SDC")[0] == 170.0


@pytest.mark.parametrize("version", ["baseline", "naive", "optimized"])
def test_shipped_programs_equal_the_builder_output(version):
    assert programs.load(f"microvtpu_{version}") == vt.assemble(programs.dot_product(PAIRS, version))


@pytest.mark.parametrize("pairs", [((1.5, -2.0),), ((1, 2), (3, 4), (5, 6)), ((0.1, 0.2),) * 4])
@pytest.mark.parametrize("version", ["baseline", "naive", "optimized"])
def test_dot_product_builders_compute_the_dot_product_for_other_vectors(pairs, version):
    program = vt.assemble(programs.dot_product(pairs, version))
    expected = 0.0
    for a, b in pairs:  # the same accumulation order as the program
        expected += a * b
    assert vt.run(program).registers["r0"] == expected


@pytest.mark.parametrize("call, message, hint", [
    (lambda: programs.dot_product(PAIRS, "fast"), "version must be 'baseline', 'naive' or 'optimized'", "microvtpu_"),
    (lambda: programs.dot_product(PAIRS * 2, "naive"), "at most 4 pairs, got 8", "'baseline'"),
    (lambda: programs.dot_product(PAIRS * 2, "baseline"), "at most 7 pairs, got 8", "'naive'"),
    (lambda: programs.source("alise"), r"no example program 'alise' \(did you mean 'alice'\?\)", "microvtpu_naive"),
    (lambda: programs.path("nope"), "no example program 'nope'", "alice"),
])
def test_example_programs_refuse_bad_requests_with_config_errors_and_hints(call, message, hint):
    with pytest.raises(vt.ConfigError, match=message) as e:
        call()
    assert hint in e.value.hint


def alice_and_bob_with_host_copy(config="seed"):
    """The original's scenario: Alice runs, host code copies her 42 into Bob's r0, Bob runs."""
    m = sc.alice_bob_host_copy(config)
    return m, m.memory.read(vt.Coord.parse("5.1.1"))


def test_alice_computes_42_in_6_siws_9_ops_at_1_5_ops_per_cycle_and_50_percent_utilization():
    m, _ = alice_and_bob_with_host_copy()
    trace = m.trace()
    c = trace.counters("alice")
    assert trace.info("alice").registers["r4"] == 42.0
    assert trace.memory[vt.Coord.parse("4.1.1/1.1.1/1.1.1.1.1")] == 42.0
    assert (c.siws, c.ops, c.cycles) == (6, 9, 6)
    assert c.ops_per_cycle == pytest.approx(1.5)
    assert c.utilization == pytest.approx(0.5)
    # honest: her prefetch of 4.1.1 found the page present (the host seeded it)
    assert c.useful_ops == 8


def test_bob_with_his_input_given_writes_84_in_2_siws_at_1_0_ops_per_cycle():
    m, final = alice_and_bob_with_host_copy()
    c = m.trace().counters("bob")
    assert final == 84.0
    assert (c.siws, c.ops, c.cycles) == (2, 2, 2)
    assert c.ops_per_cycle == pytest.approx(1.0)


def test_ppt_hit_rate_on_the_alice_bob_trace_is_6_of_11():
    m, _ = alice_and_bob_with_host_copy()
    ppt = m.trace().counters().ppt
    assert (ppt.hits, ppt.accesses) == (6, 11)
    assert round(100 * ppt.hit_rate, 1) == 54.5
    # all five misses are first touches of the five distinct coordinates
    assert (ppt.compulsory, ppt.capacity, ppt.conflict) == (5, 0, 0)


def test_ppt_sequence_matches_the_originals_order():
    m, _ = alice_and_bob_with_host_copy()
    seq = [(e.sentron, e.info.op, e.info.coord.short(), e.info.outcome) for e in m.trace().events(EventKind.PPT)
           if e.info.op != "prefetch"]
    assert seq == [
        (-1, "host-write", "1.1.1", "compulsory"), (-1, "host-write", "2.1.1", "compulsory"),
        (-1, "host-write", "3.1.1", "compulsory"), (-1, "host-write", "4.1.1", "compulsory"),
        (0, "gather", "1.1.1", "hit"), (0, "gather", "2.1.1", "hit"), (0, "gather", "3.1.1", "hit"),
        (0, "scatter", "4.1.1", "hit"),
        (-1, "host-read", "4.1.1", "hit"),
        (1, "scatter", "5.1.1", "compulsory"),
        (-1, "host-read", "5.1.1", "hit"),
    ]


def test_alices_send_really_delivers_her_message_to_bobs_inbox():
    m, _ = alice_and_bob_with_host_copy()
    sends = list(m.trace().events(EventKind.SEND))
    assert [(e.sentron, e.info.dst, e.info.values) for e in sends] == [(0, 1, (3.0, 7.0))]  # pack m0, r0, r1
    assert [msg.values for msg in m.network.inboxes[m.sentron("bob").id]] == [(3.0, 7.0)]  # never received
