"""Exercise checkers of notebook 01 reject plausible wrong answers and say why."""

import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.course import check

HEADER = programs.source("microvtpu_optimized").split("-              | gather r1, p0")[0]


def test_1_1_rejects_the_original_slot_order_dependent_program_and_says_why():
    with pytest.raises(check.ExerciseFailed, match="slot order SDC r0 = 170.0") as e:
        check.exercise_1_1(lambda: programs.source("microvtpu_optimized"))
    assert "different registers" in str(e.value)


def test_1_1_rejects_values_held_in_registers_instead_of_gathered():
    baseline = programs.source("microvtpu_baseline")
    with pytest.raises(check.ExerciseFailed, match="keep the .mem lines of HEADER"):
        check.exercise_1_1(lambda: baseline)
    body = "".join(line + "\n" for line in baseline.splitlines() if not line.startswith(".sentron"))
    with pytest.raises(check.ExerciseFailed, match=r"with other numbers in memory .* r0 = 140.0, expected 100.0") as e:
        check.exercise_1_1(lambda: HEADER + body)
    assert "gather a[i] and b[i] from memory" in str(e.value)


def test_1_1_reports_an_assembler_error_in_the_answer():
    with pytest.raises(check.ExerciseFailed, match="does not assemble"):
        check.exercise_1_1(lambda: "ad r1, r1, r1 | - | -")


def test_1_2_is_a_program_notebook_01_does_not_run():
    assert check.PROGRAM_1_2 not in {programs.source(n) for n in programs.names()}
    assert vt.run(vt.assemble(check.PROGRAM_1_2), "seed").registers["r0"] == 2 * 3 + 4 * 5 + 6 * 7


def test_1_2_accepts_the_counts_and_shows_both_rates():
    got = check.exercise_1_2(lambda: (8, 14, 12))
    assert (got["ops_per_cycle"], got["useful_ops_per_cycle"]) == (14 / 8, 12 / 8)
    assert "1.75 ops/cycle, 1.50 useful ops/cycle (four pairs: 1.90 and 1.60)" in str(got)


def test_1_2_a_wrong_prediction_names_the_wrong_count_but_not_the_measurement():
    with pytest.raises(check.ExerciseFailed, match=r"not yet: your useful op count is wrong \(cycle count and op "
                                                   r"count are right\)") as e:
        check.exercise_1_2(lambda: (8, 14, 14))
    text = str(e.value)
    assert "12" not in text and "measured" not in text and "reveal=True" in text
    assert "cprefetch" in text                      # the hint points at the ops that did nothing


def test_1_2_reveal_shows_the_measurement():
    with pytest.raises(check.ExerciseFailed, match="measured: cycle count 8, op count 14, useful op count 12"):
        check.exercise_1_2(lambda: (8, 12, 12), reveal=True)


@pytest.mark.parametrize("answer", [(8.0, 14, 12), [8, 14, 12], (8, 14)])
def test_1_2_wants_three_whole_numbers(answer):
    with pytest.raises(check.ExerciseFailed, match=r"return three whole numbers \(cycles, ops, useful_ops\)"):
        check.exercise_1_2(lambda: answer)
