"""The slot account charges every slot of a run to an op or a reason, and the books balance.

Hypothesis runs the random straight-line programs of test_sim_properties (D, S and C ops over a
few registers) and multi-sentron kernels of several sizes, naive and packed, under both presets;
a few small programs are worked out by hand, slot by slot.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vtpu_lib as vt
from vtpu_lib.accounting import PIPES, REASONS, SlotAccount, slot_account
from vtpu_lib.kernels import kernel
from vtpu_lib.machine import Machine
from vtpu_lib.schedule import pack
from vtpu_lib.smt import PAIRS, placements

from test_sim_properties import programs

PROPERTY = settings(max_examples=40, deadline=None)
CONFIGS = st.sampled_from(["seed", "realistic"])


def assert_balanced(a: SlotAccount) -> None:
    """The identity, the factorization (exactly, in fractions) and the float ratios."""
    total = a.op_count + a.empty_slots + a.stall_slots + a.drain + a.idle
    assert total == a.slots == 3 * a.cycles * a.cores
    assert sum(a.categories().values()) == a.slots
    x = a.exact()
    assert x["ops_per_cycle"] == 3 * a.cores * x["packing_efficiency"] * x["stall_efficiency"]
    if a.cycles:
        assert a.ops_per_cycle == pytest.approx(3 * a.cores * a.packing_efficiency * a.stall_efficiency, rel=1e-12)
    assert 0 <= a.packing_efficiency <= 1 and 0 <= a.stall_efficiency <= 1
    assert a.issue_cycles <= a.siws and a.contended <= a.empty_slots


def assert_matches_counters(a: SlotAccount, c) -> None:
    assert (a.cycles, a.cores, a.siws, a.op_count, a.useful_ops) == (c.cycles, c.cores, c.siws, c.ops, c.useful_ops)
    assert a.ops == c.ops_by_pipe
    assert a.ops_per_cycle == c.ops_per_cycle and a.utilization == pytest.approx(c.utilization, rel=1e-12)


# -- random single-sentron programs -------------------------------------------------------------

@PROPERTY
@given(text=programs(), config=CONFIGS)
def test_every_slot_of_a_random_program_is_charged_once_and_the_books_balance(text, config):
    trace = vt.run(vt.assemble(text, file="random.siw"), config)
    a, c = slot_account(trace), trace.counters()
    assert_balanced(a)
    assert_matches_counters(a, c)
    # one sentron: issue cycles are its SIWs, a stalled cycle is 3 slots of its reason, nothing idles
    assert a.issue_cycles == c.siws and a.idle == 0
    assert a.stalls == {r: 3 * n for r, n in c.stalls.items()}
    assert a.empty == {p: c.nops_by_pipe[p] for p in PIPES}
    assert slot_account(trace, trace.sentrons[0].name) == SlotAccount(
        trace.sentrons[0].name, *[getattr(a, f) for f in SlotAccount.__dataclass_fields__ if f != "sentron"])


@PROPERTY
@given(text=programs(max_siws=10), config=CONFIGS)
def test_the_packed_form_of_a_random_program_balances_too(text, config):
    packed = pack(vt.assemble(text, file="random.siw"), config)
    trace = vt.run(packed, config)
    a = slot_account(trace)
    assert_balanced(a)
    assert_matches_counters(a, trace.counters())


# -- multi-sentron kernels ------------------------------------------------------------------------

MULTI = st.one_of(
    st.builds(lambda s, c: kernel("tree_reduce", sentrons=s, chunk=c), st.integers(2, 6), st.integers(1, 4)),
    st.builds(lambda s, w: kernel("halo_stencil", sentrons=s, width=w), st.integers(2, 4), st.integers(1, 4)),
    st.builds(lambda n: kernel("pipeline", n=n), st.integers(1, 8)),
    st.just(kernel("attention_pair")))


@settings(max_examples=30, deadline=None)
@given(k=MULTI, config=CONFIGS, packed=st.booleans())
def test_multi_sentron_kernels_balance_machine_wide_and_per_sentron(k, config, packed):
    program = pack(k.program, config) if packed else k.program
    trace = vt.run(program, config)
    assert k.check(trace) == []
    whole, c = slot_account(trace), trace.counters()
    assert_balanced(whole)
    assert_matches_counters(whole, c)
    assert whole.cores == len(program.sentrons) > 1
    parts = [slot_account(trace, s.name) for s in trace.sentrons]
    for part, s in zip(parts, trace.sentrons):
        assert_balanced(part)
        assert_matches_counters(part, trace.counters(s.name))
    # one sentron per core: the machine's account is its sentrons' accounts plus the idle cores
    assert whole.op_count == sum(p.op_count for p in parts)
    assert whole.stalls == {r: sum(p.stalls[r] for p in parts) for r in REASONS}
    assert whole.drain == sum(p.drain for p in parts)
    assert whole.idle == whole.slots - sum(p.slots for p in parts)
    assert whole.stalls == {r: 3 * n for r, n in c.stalls.items()}


# -- SMT ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["seed", "realistic"])
@pytest.mark.parametrize("a,b,kind", PAIRS[:4] + PAIRS[-1:])
def test_smt_threads_share_the_cores_slots(a, b, kind, config):
    trace = vt.run(placements(a, b)["smt"], config)
    whole = slot_account(trace)
    assert_balanced(whole)
    assert_matches_counters(whole, trace.counters())
    assert whole.cores == 1 and whole.stalls["pipe-busy"] == 0     # refused only when the other issued
    for name in ("a", "b"):
        part = slot_account(trace, name)
        assert_balanced(part)
        assert part.stalls["pipe-busy"] == 3 * trace.counters(name).stalls["pipe-busy"]
    if kind == "identical":        # both threads want the D pipe nearly every cycle: they seldom co-issue
        assert whole.issue_cycles < whole.siws < 1.1 * whole.issue_cycles
    elif kind == "complementary" and config == "seed":   # different pipes: they co-issue a lot
        assert whole.siws > 1.5 * whole.issue_cycles


def test_a_refused_thread_that_wanted_an_empty_slot_counts_as_contended():
    p = vt.assemble("""
.sentron a id=0 core=0 thread=0
add r1, r0, r0 | - | -
.sentron b id=1 core=0 thread=1
add r1, r0, r0 | index p0, p0, 0, #1 | -
""")
    a = slot_account(vt.run(p, "seed"))
    # cycle 0: a issues add (b wanted D and S: refused), S and C are empty and the S slot contended;
    # cycle 1: b issues add + index, C empty
    assert (a.cycles, a.issue_cycles, a.siws, a.op_count) == (2, 2, 2, 3)
    assert a.empty == {"D": 0, "S": 1, "C": 2} and a.contended == 1


# -- worked out by hand --------------------------------------------------------------------------------

def test_a_dependent_chain_ending_in_an_fma_stalls_and_drains_under_realistic():
    # mul at cycle 0 (3 cycles): add waits 2 cycles and issues at 3; fma issues at 4 and lands at 8,
    # so cycles 5-7 drain. 8 cycles = 24 slots: 3 ops, 6 empty, 6 dependence, 9 drain.
    a = slot_account(vt.run("mul r1, r0, r0 | - | -\nadd r2, r1, r1 | - | -\nfma r3, r2, r2, r2 | - | -\n",
                            "realistic"))
    assert (a.cycles, a.op_count, a.empty_slots, a.drain, a.idle) == (8, 3, 6, 9, 0)
    assert a.stalls == {**dict.fromkeys(REASONS, 0), "dependence": 6}
    assert a.ops == {"D": 3, "S": 0, "C": 0} and a.empty == {"D": 0, "S": 3, "C": 3}
    assert a.exact() == {"packing_efficiency": Fraction(1, 3), "stall_efficiency": Fraction(3, 8),
                         "ops_per_cycle": Fraction(3, 8)}


def test_a_gather_of_a_cold_cell_charges_its_wait_to_ppt_miss():
    # the gather misses (2 + 12 page walk + 0 for an L1-tier cell) and lands at 14; add waits 13 cycles
    a = slot_account(vt.run(".set p0 5.1.1\n- | gather r1, p0 | -\nadd r2, r1, r1 | - | -\n", "realistic"))
    assert (a.cycles, a.stalls["ppt-miss"], a.stalls["dependence"], a.drain) == (15, 39, 0, 0)
    assert a.op_count + a.empty_slots == 6


def test_a_core_whose_sentron_has_finished_idles_while_another_runs():
    p = vt.assemble(".sentron a id=0\nadd r1, r0, r0 | - | -\n.sentron b id=1\n"
                    + "add r1, r1, r1 | - | -\n" * 5)
    a = slot_account(vt.run(p, "seed"))
    assert (a.cycles, a.cores, a.idle, a.op_count, a.empty_slots) == (5, 2, 12, 6, 12)
    assert slot_account(vt.run(p, "seed"), "a").cycles == 1


def test_a_nop_stream_issues_every_cycle_with_no_op():
    a = slot_account(vt.run("- | - | -\n" * 6, "seed"))
    assert (a.cycles, a.siws, a.op_count, a.empty_slots, a.stall_efficiency, a.packing_efficiency) == (6, 6, 0, 18,
                                                                                                     1.0, 0.0)


def test_a_trace_taken_mid_run_balances_up_to_its_cycle():
    m = Machine("realistic")
    m.load(vt.assemble("mul r1, r0, r0 | - | -\nadd r2, r1, r1 | - | -\nmul r3, r2, r2 | - | -\n"))
    a = slot_account(m.run(until=2))
    assert_balanced(a)
    assert (a.cycles, a.op_count, a.stalls["dependence"], a.drain) == (2, 1, 3, 0)


def test_an_empty_account_is_zero_not_a_division_error():
    a = slot_account(vt.run(vt.assemble("")))
    assert (a.cycles, a.slots, a.packing_efficiency, a.stall_efficiency, a.ops_per_cycle) == (0, 0, 0.0, 0.0, 0.0)


def test_an_account_that_does_not_add_up_is_an_internal_error():
    good = slot_account(vt.run("add r1, r0, r0 | - | -\n"))
    fields = {f: getattr(good, f) for f in SlotAccount.__dataclass_fields__}
    with pytest.raises(vt.VtpuInternalError, match="does not add up"):
        SlotAccount(**{**fields, "drain": good.drain + 3})


def test_an_unknown_sentron_is_a_vtpu_error():
    with pytest.raises(vt.VtpuError, match="no sentron 'carol'"):
        slot_account(vt.run("add r1, r0, r0 | - | -\n"), "carol")


# -- presentation and layering -------------------------------------------------------------------------

def test_the_repr_reads_as_data_and_as_dict_carries_the_ratios():
    trace = vt.run(kernel("pipeline", n=4).program, "realistic")
    a = slot_account(trace)
    text = repr(a)
    assert text.startswith("SlotAccount(machine: ") and f"{a.slots} slots" in text and len(text) < 400
    assert "packing" in text and f"{a.ops_per_cycle:.2f} ops/cycle" in text
    d = a.as_dict()
    assert d["slots"] == a.slots and d["packing_efficiency"] == a.packing_efficiency
    assert list(a.categories())[:6] == ["D op", "S op", "C op", "no D op", "no S op", "no C op"]


def test_the_accounting_module_is_core_and_imports_no_plotting():
    code = ("import sys, vtpu_lib.accounting; bad = [m for m in sys.modules if m.startswith(('vtpu_lib.course', "
            "'matplotlib', 'ipywidgets', 'IPython'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
