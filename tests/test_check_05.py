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
