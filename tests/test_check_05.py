"""Exercise checkers of notebook 05 reject plausible wrong answers and say why."""

import pytest

from vtpu_lib.course import check

TWO_MESSAGES = """
.sentron a id=0
.set r1 6
.set r2 7
- | - | pack m0, r1
- | - | send m0, b
- | - | pack m1, r2
- | - | send m1, b
.sentron b id=1
.set p0 7.1.1
- | - | recv r3, a
- | - | recv r4, a
mul r0, r3, r4 | - | -
- | scatter p0, r0 | -
"""

STUCK = """
.sentron a id=0
.set r1 1.5
- | - | recv r5, b
- | - | pack m0, r1
- | - | send m0, b
.sentron b id=1
.set r1 2.5
- | - | recv r5, a
- | - | pack m0, r1
- | - | send m0, a
"""


def test_5_1_rejects_two_separate_messages():
    with pytest.raises(check.ExerciseFailed, match="exactly one message carrying both values; it sent 2"):
        check.exercise_5_1(lambda: TWO_MESSAGES)


def test_5_1_names_missing_sentrons():
    with pytest.raises(check.ExerciseFailed, match=r"sentrons named a and b, found \['main'\]"):
        check.exercise_5_1(lambda: "- | - | -")


def test_5_2_rejects_the_deadlocking_program_with_the_deadlock_report():
    with pytest.raises(check.ExerciseFailed, match="still does not complete") as e:
        check.exercise_5_2(lambda: STUCK)
    assert "deadlock" in str(e.value) and "send first" in str(e.value)


def test_5_2_rejects_a_swap_that_keeps_its_own_value():
    own = STUCK.replace("- | - | recv r5, b\n", "").replace("- | - | recv r5, a\n", "")
    own = own.replace(".set r1 1.5", ".set r1 1.5\n.set r5 1.5").replace(".set r1 2.5", ".set r1 2.5\n.set r5 2.5")
    with pytest.raises(check.ExerciseFailed, match="a.r5 should be b.r1"):
        check.exercise_5_2(lambda: own)


def test_5_1_rejects_b_computing_42_itself_on_the_second_filling():
    cheat = """
.sentron a id=0
.set r1 6
.set r2 7
- | - | pack m0, r1, r2
- | - | send m0, b
.sentron b id=1
.set p0 7.1.1
.set r0 42
- | - | recv m1, a
- | - | unpack r3, m1, 0
- | scatter p0, r0 | -
"""
    with pytest.raises(check.ExerciseFailed, match=r"with a's r1, r2 = 4, 2.5 instead, b's r0 = 42.0 and 7.1.1 "
                                                   r"holds 42.0; expected 10.0 in both") as e:
        check.exercise_5_1(lambda: cheat)
    assert "unpacks from a's message" in str(e.value)


def test_5_2_rejects_a_swap_written_into_the_set_lines():
    cheat = ".sentron a id=0\n.set r1 1.5\n.set r5 2.5\n.sentron b id=1\n.set r1 2.5\n.set r5 1.5\n"
    with pytest.raises(check.ExerciseFailed, match=r"with a.r1 = 3.25 and b.r1 = -4 instead, a.r5 = 2.5") as e:
        check.exercise_5_2(lambda: cheat)
    assert "receive the other's r1 in a message" in str(e.value)


def test_5_2_accepts_sending_before_receiving():
    fixed = STUCK.replace("- | - | recv r5, b\n- | - | pack m0, r1\n- | - | send m0, b\n",
                          "- | - | pack m0, r1\n- | - | send m0, b\n- | - | recv r5, b\n")
    assert check.exercise_5_2(lambda: fixed)["recv_wait"] >= 0
