"""Exercise checkers of notebook 03 reject plausible wrong answers and say why."""

import pytest

from vtpu_lib.course import check

CHAIN = "mov r0, r1 | - | -\n" + "".join(f"mul r0, r0, r{i} | - | -\n" for i in range(2, 9))


def test_3_1_rejects_the_chain_with_its_cycle_count():
    with pytest.raises(check.ExerciseFailed, match="r0 is right, but the run takes 22 cycles") as e:
        check.exercise_3_1(lambda: CHAIN)
    assert "tree" in str(e.value)


def test_3_1_rejects_a_wrong_product():
    with pytest.raises(check.ExerciseFailed, match=r"r0 = 3.0 at the end, expected 90.0"):
        check.exercise_3_1(lambda: "mul r0, r1, r2 | - | -")


def test_3_2_rejects_one_fma_chain():
    chain = "".join(f"fma r0, r{2 * i + 1}, r{2 * i + 2}, r0 | - | -\n" for i in range(4))
    with pytest.raises(check.ExerciseFailed, match="r0 = 140.0, but in 16 cycles"):
        check.exercise_3_2(lambda: chain)


def test_3_2_rejects_gathers():
    with pytest.raises(check.ExerciseFailed, match="only the D pipe"):
        check.exercise_3_2(lambda: "- | gather r1, p0 | -")


def test_unsolved_exercise_is_incomplete_not_failed():
    def stub():
        raise NotImplementedError
    with pytest.raises(check.ExerciseIncomplete, match="not done yet"):
        check.exercise_3_1(stub)
