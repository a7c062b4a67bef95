"""Exercise checkers of notebook 06 reject plausible wrong answers and say why."""

import pytest

from vtpu_lib.course import check

ONLY_ROOT_KNOWS = """
.sentron s0 id=0
mov r2, r1 | - | recv r3, s1
max r2, r2, r3 | - | recv r4, s2
max r2, r2, r4 | - | recv r5, s3
max r2, r2, r5 | - | -
""" + "".join(f".sentron s{i} id={i}\n- | - | pack m0, r1\n- | - | send m0, s0\n" for i in (1, 2, 3))


def test_6_1_rejects_a_reduction_that_never_comes_back():
    with pytest.raises(check.ExerciseFailed, match="these do not: {'s1': 0.0, 's2': 0.0, 's3': 0.0}") as e:
        check.exercise_6_1(lambda: ONLY_ROOT_KNOWS)
    assert "send the result back" in str(e.value)


def test_6_1_rejects_sharing_through_memory():
    with pytest.raises(check.ExerciseFailed, match="messages only"):
        check.exercise_6_1(lambda: ".mem 1.1.1 3\n" + ONLY_ROOT_KNOWS)


def test_6_2_rejects_a_temperature_that_is_too_cold():
    with pytest.raises(check.ExerciseFailed, match=r"at T = 1 the far sender was taken in 1\.0% of runs"):
        check.exercise_6_2(lambda: (1.0, 0.75))


def test_6_2_rejects_a_bad_prediction_with_the_measured_share():
    with pytest.raises(check.ExerciseFailed, match=r"you predicted 90\.0% for the nearest sender; measured 51\.5%"):
        check.exercise_6_2(lambda: (3.5, 0.9))
