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


def test_6_1_rejects_a_gather_at_s0_and_send_back_as_too_slow():
    back = ONLY_ROOT_KNOWS.replace("max r2, r2, r5 | - | -\n", "max r2, r2, r5 | - | -\n- | - | pack m0, r2\n"
                                   "- | - | send m0, s1\n- | - | send m0, s2\n- | - | send m0, s3\n")
    back = back.replace("- | - | send m0, s0\n", "- | - | send m0, s0\n- | - | recv r2, s0\n")
    with pytest.raises(check.ExerciseFailed, match="all four hold 11.0, but after 11 cycles; the goal is at most 9 "
                                                   "under seed") as e:
        check.exercise_6_1(lambda: back)
    assert "exchange values in pairs" in str(e.value)


def test_6_1_rejects_hard_coded_maxima_on_the_second_filling():
    cheat = "".join(f".sentron s{i} id={i}\n.set r2 11\n- | - | pack m0, r2\n- | - | send m0, s{(i + 1) % 4}\n"
                    f"- | - | recv r3, s{(i - 1) % 4}\n" for i in range(4))
    with pytest.raises(check.ExerciseFailed, match=r"with r1 = \(-2.0, 4.5, -8.0, 9.5\): every sentron should "
                                                   r"hold 9.5"):
        check.exercise_6_1(lambda: cheat)


def test_6_2_rejects_a_temperature_that_is_too_cold():
    with pytest.raises(check.ExerciseFailed, match=r"at T = 1 the far sender was taken in 1\.0% of runs, not 11-14%"):
        check.exercise_6_2(lambda: (1.0, 0.75))


def test_6_2_rejects_a_bad_prediction_without_the_measured_share():
    with pytest.raises(check.ExerciseFailed, match=r"your share of the nearest sender is wrong \(temperature is "
                                                   r"right\)") as e:
        check.exercise_6_2(lambda: (3.5, 0.9))
    assert "51.5" not in str(e.value) and "reveal=True" in str(e.value)


def test_6_2_reveal_shows_the_measured_share():
    with pytest.raises(check.ExerciseFailed, match=r"measured: share of the nearest sender 51\.5%"):
        check.exercise_6_2(lambda: (3.5, 0.9), reveal=True)
