"""The reference interpreter (vtpu_lib.run) passes the engine suite; the suite itself is sound."""

import pytest

import vtpu_lib as vt
from engine_suite import (GOLDEN_FILES, EngineSuite, GoldenFormatError, check_trace, load_golden,
                          parse_golden)
from vtpu_lib.isa import OPS


class TestReference(EngineSuite):
    pass


# -- the suite covers what it claims, and can fail --------------------------------------------

def _ops_used() -> set[str]:
    used = set()
    for path in GOLDEN_FILES:
        program = vt.assemble(load_golden(path).text, file=path.name)
        for code in program.sentrons:
            for siw in code.siws:
                used.update(op.op for op in siw.ops())
    return used


def test_golden_programs_use_every_op_of_the_table():
    assert set(OPS) - _ops_used() == set()


def test_golden_programs_cover_both_presets_both_modes_and_a_slot_order():
    goldens = [load_golden(p) for p in GOLDEN_FILES]
    configs = {g.config if isinstance(g.config, str) else g.config.name for g in goldens}
    assert {"seed", "realistic"} <= configs
    assert {g.mode for g in goldens} == {"vliw", "sequential"}
    assert any(g.slot_order != "DSC" for g in goldens)
    assert {g.error for g in goldens} >= {"DeadlockError", "RunLimitError", "SimError", None}


def test_every_golden_file_parses_and_has_at_least_one_expectation():
    assert len(GOLDEN_FILES) >= 20
    for path in GOLDEN_FILES:
        g = load_golden(path)
        assert g.expects or g.error, path.name


def test_a_wrong_expected_value_is_reported_with_file_and_line():
    g = load_golden(next(p for p in GOLDEN_FILES if p.stem == "microvtpu_optimized"))
    trace = vt.run(vt.assemble(g.text), g.config)
    assert check_trace(g, trace) == []
    wrong = parse_golden("# program microvtpu_optimized\n# expect r0 = 170\n# expect cycles = 11\n", "w.siw")
    assert check_trace(wrong, trace) == ["w.siw:2: r0 = 170: got 140.0", "w.siw:3: cycles = 11: got 10"]


def test_float_expectations_tell_nan_and_the_sign_of_zero_apart():
    trace = vt.run(vt.assemble(".set r1 -0.0\n.set r2 nan\nmov r3, r1 | - | -"))
    ok = parse_golden("mov r3, r1 | - | -\n# expect r1 = -0.0\n# expect r2 = nan\n# expect r3 = -0.0\n")
    assert check_trace(ok, trace) == []
    bad = parse_golden("mov r3, r1 | - | -\n# expect r1 = 0.0\n# expect r2 = 1\n# expect r0 = nan\n")
    assert len(check_trace(bad, trace)) == 3


def test_a_run_that_does_not_raise_the_expected_error_fails_the_suite():
    class Lenient(EngineSuite):  # an engine that "finishes" a deadlocked program
        def run_program(self, program, config, **kw):
            return vt.run(vt.assemble("add r1, r1, r1 | - | -"), config)
    path = next(p for p in GOLDEN_FILES if p.stem == "deadlock_recv")
    with pytest.raises(pytest.fail.Exception):
        Lenient().test_golden_program(path)


def test_an_engine_with_a_wrong_result_fails_the_suite():
    class Wrong(EngineSuite):  # an engine whose sel picks the other operand
        def run_program(self, program, config, **kw):
            text = vt.disassemble(program).replace("sel r14, r13, r1, r2", "sel r14, r13, r2, r1")
            return vt.run(vt.assemble(text), config, **kw)
    path = next(p for p in GOLDEN_FILES if p.stem == "dense_ops")
    with pytest.raises(pytest.fail.Exception, match="r14 = 6: got 4.0"):
        Wrong().test_golden_program(path)


@pytest.mark.parametrize("text, message", [
    ("add r1, r1, r1 | - | -\n", "no '# expect' line"),
    ("add r1, r1, r1 | - | -\n# expect r1 = \n", "could not convert"),
    ("add r1, r1, r1 | - | -\n# expect cylces = 1\n", "unknown expectation key 'cylces'"),
    ("add r1, r1, r1 | - | -\n# expect error NoSuchError\n", "not a class in vtpu_lib.errors"),
    ("# program microvtpu_naive\nadd r1, r1, r1 | - | -\n# expect r0 = 140\n", "cannot have code lines"),
    ("# mode sequential\n# mode vliw\nadd r1, r1, r1 | - | -\n# expect r1 = 0\n", "given twice"),
])
def test_golden_parser_refuses_what_it_does_not_understand(text, message):
    with pytest.raises(GoldenFormatError, match=message):
        parse_golden(text, "bad.siw")
