"""Exercise checkers of notebook 03 reject plausible wrong answers and say why."""

import math

import pytest

from vtpu_lib.course import check

PRODUCT_TREE = """
mul r9, r1, r2    | - | -
mul r10, r3, r4   | - | -
mul r11, r5, r6   | - | -
mul r12, r7, r8   | - | -
mul r13, r9, r10  | - | -
mul r14, r11, r12 | - | -
mul r0, r13, r14  | - | -
"""
SUM_TREE = """
add r1, r1, r2    | - | -
add r3, r3, r4    | - | -
add r5, r5, r6    | - | -
add r7, r7, r8    | - | -
add r1, r1, r3    | - | -
add r5, r5, r7    | - | -
add r15, r1, r5   | - | -
"""
INTERLEAVED = """
mul r9, r1, r2    | - | -
mul r10, r3, r4   | - | -
mul r11, r5, r6   | - | -
mul r12, r7, r8   | - | -
mul r13, r9, r10  | - | -
add r1, r1, r2    | - | -
mul r14, r11, r12 | - | -
add r3, r3, r4    | - | -
add r5, r5, r6    | - | -
mul r0, r13, r14  | - | -
add r7, r7, r8    | - | -
add r1, r1, r3    | - | -
add r5, r5, r7    | - | -
add r15, r1, r5   | - | -
"""
FOUR_PRODUCTS = """
mul r9, r1, r2    | - | -
mul r10, r3, r4   | - | -
mul r11, r5, r6   | - | -
mul r12, r7, r8   | - | -
"""


def test_3_1_accepts_the_sum_in_the_stalls_of_the_product_tree():
    got = check.exercise_3_1(lambda: INTERLEAVED)
    assert got["cycles"] == check.GOAL_3_1_CYCLES == 14 and got["stalls"] == 0


def test_3_1_rejects_the_sum_after_the_tree_and_names_the_stalled_cycles():
    with pytest.raises(check.ExerciseFailed, match=r"the run takes 17 cycles under realistic; the goal is 14: "
                                                   r"14 ops issued and 3 cycles stalled \(cycles 5, 7, 8\)") as e:
        check.exercise_3_1(lambda: PRODUCT_TREE + SUM_TREE)
    assert "put them in the cycles where the product tree stalls" in str(e.value)


def test_3_1_rejects_the_product_alone():
    with pytest.raises(check.ExerciseFailed, match=r"r15 = 0.0 at the end, expected 16.5"):
        check.exercise_3_1(lambda: PRODUCT_TREE)


def test_3_1_rejects_hard_coded_results_on_the_second_filling():
    with pytest.raises(check.ExerciseFailed, match=r"with r1..r8 = \(2.0, 0.5.*r0 = 90.0 at the end, expected "
                                                   + str(math.prod(check.nb03.SECOND_VALUES_3_1))):
        check.exercise_3_1(lambda: ".set r0 90\n.set r15 16.5\n")


def test_3_1_an_answer_that_ends_with_a_multiply_is_told_about_latency():
    late = INTERLEAVED.replace("add r15, r1, r5   | - | -", "add r15, r1, r5   | - | -\nmul r0, r13, r14 | - | -")
    with pytest.raises(check.ExerciseFailed, match="the last op's latency"):
        check.exercise_3_1(lambda: late)


def test_3_1_rejects_a_wrong_product():
    with pytest.raises(check.ExerciseFailed, match=r"r0 = 3.0 at the end, expected 90.0"):
        check.exercise_3_1(lambda: "mul r0, r1, r2 | - | -")


def test_3_2_accepts_four_multiplies_and_a_chain_of_adds_in_seven_cycles():
    adds = "add r9, r9, r10 | - | -\nadd r9, r9, r11 | - | -\nadd r0, r9, r12 | - | -\n"
    got = check.exercise_3_2(lambda: FOUR_PRODUCTS + adds)
    assert got["cycles"] == 7 and got["cycles"] <= check.GOAL_3_2_CYCLES == 8


def test_3_2_rejects_one_fma_chain():
    chain = "".join(f"fma r0, r{2 * i + 1}, r{2 * i + 2}, r0 | - | -\n" for i in range(4))
    with pytest.raises(check.ExerciseFailed, match="r0 = 140.0, but in 16 cycles; the goal is at most 8"):
        check.exercise_3_2(lambda: chain)


def test_3_2_rejects_a_hard_coded_result_on_the_second_filling():
    with pytest.raises(check.ExerciseFailed, match=r"with other pairs .*r0 = 140.0 at the end, expected 100.0"):
        check.exercise_3_2(lambda: ".set r0 140\n")


def test_3_2_rejects_gathers():
    with pytest.raises(check.ExerciseFailed, match="only the D pipe"):
        check.exercise_3_2(lambda: "- | gather r1, p0 | -")


def test_unsolved_exercise_is_incomplete_not_failed():
    def stub():
        raise NotImplementedError
    with pytest.raises(check.ExerciseIncomplete, match="not done yet"):
        check.exercise_3_1(stub)
