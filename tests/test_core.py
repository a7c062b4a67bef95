"""The core's contracts: read-only validated configuration, the op table as the source of
semantics, decoded SIWs shared as data, forks that are independent, a typed event log in
cycle order, user errors as VtpuError, reprs that stay short, and the layering of the package."""

import copy
import math
import subprocess
import sys

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.isa import OPS, EventKind, Imm, Instr, LatencyKey, Pipe, Reg, StallReason
from vtpu_lib.machine import Machine
from vtpu_lib.machine.decode import decode
from vtpu_lib.machine.handlers import HANDLERS
from vtpu_lib.program import SIW, Program, SentronCode
from vtpu_lib.stepper import Stepper

MUL_COPY = """\
.set r1 2
.set r3 2
mul r2, r1, r3 | - | -
"""


# -- configuration ---------------------------------------------------------------------------------

def test_presets_cannot_be_changed():
    with pytest.raises(TypeError):
        vt.REALISTIC.latency_cycles["mul"] = 99
    with pytest.raises(TypeError):
        vt.PRESETS["mine"] = vt.SEED
    assert vt.REALISTIC.latency_cycles["mul"] == 3


@pytest.mark.parametrize("change, words", [
    ({"ppt_ways": 4.0}, "whole number"),
    ({"ppt_miss_penalty_cycles": 1.5}, "whole number"),
    ({"tier_latency_cycles": {}}, "missing"),
    ({"ppt_sets": 10**9}, "outside"),
    ({"ppt_sets": 4096, "ppt_ways": 1024}, "larger than"),
    ({"latency_cycles": {**vt.SEED.latency_cycles, "mull": 1}}, "unknown"),
    ({"mul": 0}, "outside"),
    ({"mul": True}, "whole number"),
])
def test_machine_config_rejects_what_is_not_a_machine(change, words):
    with pytest.raises(vt.ConfigError, match=words):
        vt.SEED.replace(**change)


def test_config_latency_keys_are_the_op_tables():
    assert set(vt.SEED.latency_cycles) == {str(k) for k in LatencyKey}
    assert {spec.latency_key for spec in OPS.values()} <= set(LatencyKey)


def test_config_copies_are_the_same_read_only_value():
    assert copy.deepcopy(vt.REALISTIC) is vt.REALISTIC
    assert hash(vt.REALISTIC.replace(mul=3)) == hash(vt.REALISTIC)
    import pickle
    assert pickle.loads(pickle.dumps(vt.REALISTIC)) == vt.REALISTIC


@pytest.mark.parametrize("args", [(0, 4), (-1, 4), (4, 0), (4, 4, -2), (1.5, 4), (10**9, 1)])
def test_ppt_validates_its_own_geometry(args):
    with pytest.raises(vt.ConfigError):
        vt.PPT(*args)


@pytest.mark.parametrize("value", [0, -1, None, float("nan"), 1.5, 10**10, True])
def test_max_cycles_is_a_bounded_whole_number(value):
    with pytest.raises(vt.ConfigError, match="max_cycles"):
        Machine("seed", max_cycles=value)


# -- the op table carries semantics ------------------------------------------------------------------

def test_every_op_has_semantics_in_the_table():
    for name, spec in OPS.items():
        if spec.pipe == Pipe.D:
            assert spec.fn is not None and spec.handler is None, name
        else:
            assert spec.fn is None and spec.handler in HANDLERS, name
            handler = HANDLERS[spec.handler]
            assert (handler.can_issue is not None) == spec.blocking, name
            assert (handler.reason is not None) == spec.blocking, name


def test_only_blocking_ops_can_wait():
    blocking = {n for n, s in OPS.items() if s.blocking}
    assert blocking == {"recv", "bar"}
    reasons = {HANDLERS[OPS[n].handler].reason for n in blocking}
    assert reasons == {StallReason.RECV_WAIT, StallReason.BARRIER_WAIT}


@pytest.mark.parametrize("a, b, want", [(-0.0, 0.0, 0.0), (0.0, -0.0, 0.0), (math.nan, 1.0, math.nan),
                                        (1.0, math.nan, math.nan)])
def test_max_is_order_independent_with_signed_zero_and_nan(a, b, want):
    got = OPS["max"].fn(a, b)
    assert (math.isnan(got) and math.isnan(want)) or (got == want and math.copysign(1, got) == math.copysign(1, want))


def test_exp_of_nan_is_nan_and_overflow_is_inf():
    assert math.isnan(OPS["exp"].fn(math.nan))
    assert OPS["exp"].fn(709.78) == math.exp(709.78)
    assert OPS["exp"].fn(709.79) == math.inf


# -- decoded SIWs as data; forks --------------------------------------------------------------------

def test_decoding_shares_one_record_for_every_repetition_of_a_line():
    code = vt.assemble(".repeat 1000\nadd r1, r1, r2 | - | -\n.end\n").sentrons[0]
    decoded = decode(code, "seed")
    assert len(decoded) == 1000 and len({id(d) for d in decoded}) == 1
    assert decode(code, "seed") == decoded      # a pure function


def test_decoded_records_hold_no_machine_sentron_or_register_list():
    decoded = decode(vt.assemble(MUL_COPY).sentrons[0], "realistic")
    for siw in decoded:
        for op in siw.ops:
            for value in op:
                assert isinstance(value, (int, tuple, type(None))) or callable(value), value
                assert getattr(value, "__closure__", None) is None


def test_deepcopy_and_fork_give_independent_machines():
    for make_copy in (copy.deepcopy, Machine.fork):
        m = Machine("seed")
        m.load(vt.assemble(MUL_COPY))
        other = make_copy(m)
        other.set_register("main", "r1", 100)
        assert other.run().registers["r2"] == 200.0
        assert m.run().registers["r2"] == 4.0
        assert other.sentrons[0].decoded is m.sentrons[0].decoded   # decoded SIWs shared


def test_snapshot_restore_replays_the_same_events():
    m = Machine("realistic")
    m.load(programs.load("microvtpu_naive"))
    snap = m.snapshot()
    first = list(m.run().events())
    m.restore(snap)
    assert list(m.run().events()) == first


def test_a_trace_is_not_changed_by_later_stepping_back():
    m = Machine("seed")
    m.load(programs.load("microvtpu_naive"))
    snap = m.snapshot()
    trace = m.run()
    before = list(trace.events())
    m.restore(snap)
    m.run(until=3)
    assert list(trace.events()) == before


# -- the event log --------------------------------------------------------------------------------

def test_events_are_typed_records_in_cycle_order_with_retire_when_the_last_result_lands():
    trace = vt.run(".set r1 2\nmul r2, r1, r1 | - | -\n", "realistic")   # mul takes 3 cycles
    events = list(trace.events())
    assert [e.cycle for e in events] == sorted(e.cycle for e in events)
    retire = events[-1]
    assert retire.kind == EventKind.RETIRE and retire.cycle == 3 and retire.pc == 1
    issue = next(trace.events(EventKind.ISSUE))
    assert (issue.cycle, issue.pc, issue.info) == (0, 0, 1)


def test_events_of_many_sentrons_stay_in_cycle_order():
    trace = vt.run(programs.source("alice") + programs.source("bob"), "realistic")
    cycles = [e.cycle for e in trace.events()]
    assert cycles == sorted(cycles)


def test_the_log_costs_twelve_bytes_an_event():
    m = Machine("seed")
    m.load(vt.assemble(".repeat 5000\nadd r1, r1, r2 | - | -\n.end\n"))
    m.run()
    assert len(m.log) == 5002 and m.log.nbytes() == 12 * len(m.log)


def test_record_false_keeps_nothing():
    m = Machine("seed", record=False)
    m.load(vt.assemble(".repeat 50\nadd r1, r1, r2 | - | -\n.end\n"))
    trace = m.run()
    assert len(m.log) == 0
    with pytest.raises(vt.VtpuError, match="no event log"):
        trace.counters()


# -- bugs --------------------------------------------------------------------------------------------

def _routing(temperature: str) -> str:
    return (".sentron near id=0 home=2.1.1\n.set r1 1\n- | - | pack m0, r1\n- | - | send m0, rx\n"
            ".sentron far id=1 home=2.2.2/2.2.1\n.set r1 5\n- | - | pack m0, r1\n- | - | send m0, rx\n"
            f".sentron rx id=2 home=1.1.1\n- | - | temp #{temperature}\n- | - | -\n- | - | -\n- | - | recv r1, any\n")


@pytest.mark.parametrize("temperature", ["0.001", "1e-300"])
def test_a_tiny_temperature_takes_the_nearest_message_instead_of_crashing(temperature):
    assert vt.run(_routing(temperature)).info("rx").registers["r1"] == 1.0


def test_set_register_checks_name_and_value():
    m = Machine("seed")
    m.load(vt.assemble(MUL_COPY), start=False)
    for name, value in [("m0", [1, 2, 3, 4, 5, 6, 7, 8, 9]), ("r1", ""), ("r1", "abc"), ("r99", 1),
                        ("p0", "garbage"), ("m0", "12")]:
        with pytest.raises(vt.SimError):
            m.set_register("main", name, value)
    m.set_register("main", "m0", (1, 2))
    assert m.sentron("main").regs[24] == (1.0, 2.0)


def test_stepper_goto_a_negative_cycle_stops_at_zero():
    st = Stepper(programs.load("microvtpu_naive"))
    st.goto(5)
    assert st.goto(-1) == 0


DEADLOCK = ".sentron a id=0\n- | - | recv r1, b\n.sentron b id=1\n- | - | recv r1, a\n"


def test_stepping_into_a_deadlock_shows_the_report_instead_of_raising():
    st = Stepper(vt.assemble(DEADLOCK))
    for _ in range(5):
        st.forward()
    assert st.done and isinstance(st.error, vt.DeadlockError)
    assert "deadlock" in st.render()


def test_deadlock_report_counts_barrier_arrivals_consistently():
    text = ".sentron a id=0\n- | - | bar 1, 3\n.sentron b id=1\n- | - | bar 1, 3\n"
    with pytest.raises(vt.DeadlockError) as e:
        vt.run(text)
    assert str(e.value).count("(2/3 arrived)") == 2


def test_run_program_reports_every_mistake_as_text():
    pytest.importorskip("ipywidgets")
    from vtpu_lib.widgets import run_program
    for kw in ({"preset": "nope"}, {"ppt_sets": 1.5}, {"ppt_sets": 10**8}, {"max_cycles": 0}):
        result = run_program(MUL_COPY, **kw)
        assert result.trace is None and result.error
    assert run_program(MUL_COPY, max_cycles=None).error is None


# -- programs as checked data ---------------------------------------------------------------------------

def _program(*siws) -> Program:
    return Program((SentronCode(siws=tuple(siws)),))


@pytest.mark.parametrize("siw, words", [
    (SIW(d=Instr("add", (Reg("r", 1),))), "takes 3..3 operands"),
    (SIW(d=Instr("gather", (Reg("r", 1), Reg("p", 0)))), "S-pipe op in the D slot"),
    (SIW(d=Instr("add", (Reg("r", 1), Reg("r", 99), Reg("r", 2)))), "r0-r15"),
    (SIW(d=Instr("mov", (Reg("r", 1), Imm("1")))), "or an immediate"),
    (SIW(d=Instr("nope", ())), "known op"),
])
def test_program_check_rejects_malformed_hand_built_programs(siw, words):
    with pytest.raises(vt.ProgramError, match=words):
        _program(siw).check()
    with pytest.raises(vt.ProgramError):
        Machine("seed").load(_program(siw))


def test_programs_with_nan_equal_their_reassembly():
    text = ".mem 1.1.1 nan\n.set r1 nan\nmov r2, #nan | - | -\n"
    p = vt.assemble(text)
    assert vt.assemble(vt.disassemble(p)) == p


# -- reprs and layering ------------------------------------------------------------------------------

def test_reprs_of_big_runs_are_a_few_lines():
    p = vt.assemble(".repeat 20000\nadd r1, r1, r2 | - | -\n.end\n")
    trace = vt.run(p)
    m = Machine("seed")
    m.load(p)
    for obj in (trace, p, p.sentrons[0], trace.counters(), decode(p.sentrons[0], "seed"), m, m.log, m.ppt):
        assert len(repr(obj)) < 400, type(obj)


def test_the_core_never_imports_the_course_or_plotting():
    code = ("import sys, vtpu_lib, vtpu_lib.machine, vtpu_lib.trace, vtpu_lib.stepper, vtpu_lib.build, "
            "vtpu_lib.cli; bad = [m for m in sys.modules if m.startswith(('vtpu_lib.course', 'matplotlib', "
            "'ipywidgets', 'IPython'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_nothing_outside_the_log_indexes_raw_event_tuples():
    import pathlib
    import re
    root = pathlib.Path(vt.__file__).parent
    pattern = re.compile(r"\.events\[|for [a-z_]+, [a-z_]+, [a-z_]+, [a-z_]+, [a-z_]+ in .*events")
    bad = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert bad == []


def test_host_write_of_a_non_number_names_the_cell():
    m = Machine("seed")
    with pytest.raises(vt.SimError, match="memory cell 2.1.1"):
        m.host_write("2.1.1", "abc")


def test_asking_for_an_unknown_event_kind_is_a_vtpu_error():
    trace = vt.run(MUL_COPY)
    with pytest.raises(vt.VtpuError, match="no event kind 'isue'"):
        list(trace.events("isue"))
