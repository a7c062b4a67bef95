"""Exercise checkers of notebook 07 reject plausible wrong answers and say why."""

import pathlib

import nbformat
import pytest

from vtpu_lib.course.check import ExerciseFailed, ExerciseIncomplete
from vtpu_lib.course.check import nb07 as check

ROOT = pathlib.Path(__file__).resolve().parents[1]
RIGHT_7_1 = {"cycles": 24, "empty": 4, "dependence": 15, "ppt-miss": 39, "drain": 6}


def solution_program() -> str:
    """The worked answer of 7.2, as the solutions notebook holds it."""
    nb = nbformat.read(ROOT / "solutions" / "07_measuring.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "def fill_the_slots" in c.source]
    return cell.source.split('"""')[1]


def rejected(checker, answer, **kw) -> str:
    with pytest.raises(ExerciseFailed) as e:
        checker(lambda: answer, **kw)
    return str(e.value)


# -- 7.1 -------------------------------------------------------------------------------------------

def test_7_1_passes_the_prediction_worked_out_by_hand():
    passed = check.exercise_7_1(lambda: dict(RIGHT_7_1))
    assert dict(passed) == RIGHT_7_1
    assert "24 cycles = 72 slots: 8 ops, 4 empty, 15 dependence, 39 ppt-miss, 6 drain" in repr(passed)


def test_7_1_names_the_wrong_parts_without_the_measured_values():
    message = rejected(check.exercise_7_1, {**RIGHT_7_1, "ppt-miss": 36, "drain": 9})
    assert "your ppt-miss slots and drain slots are wrong" in message
    assert "(cycles, empty slots and dependence slots are right)" in message
    assert "39" not in message and "reveal=True" in message
    assert "page walk" in message and "until its last result lands" in message


def test_7_1_forgetting_that_a_stall_loses_three_slots_is_wrong():
    cycles_not_slots = {"cycles": 24, "empty": 4, "dependence": 5, "ppt-miss": 13, "drain": 2}
    message = rejected(check.exercise_7_1, cycles_not_slots)
    assert "dependence slots, ppt-miss slots and drain slots are wrong" in message
    assert "loses all 3 slots" in message


def test_7_1_reveal_shows_the_measurement_and_the_timeline():
    message = rejected(check.exercise_7_1, {**RIGHT_7_1, "cycles": 22}, reveal=True)
    assert "measured: cycles 24, empty slots 4, dependence slots 15, ppt-miss slots 39, drain slots 6" in message
    assert "stall: ppt-miss" in message


@pytest.mark.parametrize("answer, words", [
    ({"cycles": 24}, "exactly the keys"),
    ({**RIGHT_7_1, "drain": 6.0}, "whole numbers"),
    ({**RIGHT_7_1, "empty": True}, "whole numbers"),
    ([24, 4, 15, 39, 6], "exactly the keys"),
])
def test_7_1_rejects_answers_of_the_wrong_shape(answer, words):
    assert words in rejected(check.exercise_7_1, answer)


# -- 7.2 -------------------------------------------------------------------------------------------

def test_7_2_passes_the_worked_answer_at_92_percent_of_the_mix_bound():
    passed = check.exercise_7_2(solution_program)
    assert passed["cycles"] == 13 and passed["outputs"] == 5 and passed["share"] == pytest.approx(30 / 13 / 2.5)


def test_7_2_rejects_another_mix():
    program = solution_program().replace("| unpack r1, m2, 0\n", "| -\n")
    assert "12 D, 12 S and 5 C ops; the exercise asks for exactly 12, 12 and 6" in rejected(check.exercise_7_2,
                                                                                          program)


def test_7_2_rejects_filler_that_feeds_no_result():
    # the last add no longer reads r1: the three pack/unpack pairs that carried x1 and x3 feed nothing
    program = solution_program().replace("add r12, r6, r1 ", "add r12, r6, r6 ")
    message = rejected(check.exercise_7_2, program)
    assert message.startswith("exercise 7.2: 6 op(s) do work that reaches no result in section 2: `pack m0, r1`")
    assert "filler" in message


def test_7_2_rejects_a_scatter_that_is_overwritten():
    program = solution_program().replace("scatter p6, r0 ", "scatter p5, r0 ")
    message = rejected(check.exercise_7_2, program)
    assert "2 op(s) do work that reaches no result in section 2" in message and "`scatter p5, r7`" in message


def test_7_2_rejects_results_that_do_not_depend_on_the_inputs():
    program = solution_program().replace("add r0, r6, r13", "sub r0, r13, r13")   # y2 = x - x = 0
    assert "the results at 2.2.1 do not change when the inputs do" in rejected(check.exercise_7_2, program)


def test_7_2_rejects_a_program_one_cycle_too_slow_and_shows_where_the_slots_went():
    slow = solution_program().replace(".set r9 0.25\n", ".set r9 0.25\n- | - | -\n")   # an empty SIW first
    message = rejected(check.exercise_7_2, slow)
    assert "2.14 ops/cycle in 14 cycles is 86% of the mix bound 2.5; the goal is 90% (at most 13 cycles)" in message
    assert "The 12 lost slots: no D op 2, no S op 2, no C op 8" in message


@pytest.mark.parametrize("edit, words", [
    (lambda p: ".mem 1.1.1 3\n" + p, "leave out the .mem lines"),
    (lambda p: p + ".sentron other id=1\n- | - | -\n", "write one sentron, found 2"),
    (lambda p: p.replace(".2.1", ".3.1").replace("1, #1", "1, #2"), "nothing was scattered to section 2"),
    (lambda p: 42, "expected the program as text"),
    (lambda p: "add r1, r2", "does not assemble"),
])
def test_7_2_rejects_programs_that_break_the_rules(edit, words):
    assert words in rejected(check.exercise_7_2, edit(solution_program()))


def test_7_2_an_unsolved_stub_is_incomplete_not_failed():
    def stub():
        raise NotImplementedError()
    with pytest.raises(ExerciseIncomplete, match="not done yet"):
        check.exercise_7_2(stub)
