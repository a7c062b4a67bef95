"""Checkers of notebook 04's exercises: right answers pass, plausible wrong ones are told what is wrong."""

import pytest

from vtpu_lib.course import check
from vtpu_lib.course import ppt_study as ps

RIGHT_4_1 = {"hit_rate": 3 / 12, "compulsory": 5, "capacity": 1, "conflict": 3}

PROLOGUE_PREFETCH = """
.set p0 1.1.1
.set p1 1.1.1
.repeat 3
-              | prefetch p1               | -
-              | index p1, p1, scroll, #1  | -
.end
.repeat 32
-              | prefetch p1               | -
-              | gather r1, p0             | -
-              | index p0, p0, scroll, #1  | -
add r0, r0, r1 | index p1, p1, scroll, #1  | -
.end
"""


def _stub():
    raise NotImplementedError("your answer here")


@pytest.mark.parametrize("checker", [check.exercise_4_1, check.exercise_4_2, check.exercise_4_3])
def test_an_unsolved_exercise_is_incomplete_not_failed(checker):
    with pytest.raises(check.ExerciseIncomplete, match="not done yet"):
        checker(_stub)


# -- 4.1 ----------------------------------------------------------------------------------------

def test_4_1_accepts_the_measured_prediction_and_returns_it(capsys):
    got = check.exercise_4_1(lambda: dict(RIGHT_4_1))
    assert got == RIGHT_4_1 and dict(got) == RIGHT_4_1
    assert repr(got) == "exercise 4.1 passed: hit rate 0.250 (3/12); misses: 5 compulsory, 1 capacity, 3 conflict"
    assert capsys.readouterr().out == ""                  # the library returns its message, never prints it


def test_4_1_rejects_a_hit_rate_that_ignores_the_set_mapping_without_giving_it_away():
    # a 4-entry fully associative PPT would hit 6 of 12: the learner forgot that odd scrolls share a set
    with pytest.raises(check.ExerciseFailed, match=r"not yet: your hit rate and conflict count are wrong "
                                                   r"\(compulsory count and capacity count are right\)") as e:
        check.exercise_4_1(lambda: {"hit_rate": 0.5, "compulsory": 5, "capacity": 1, "conflict": 1})
    text = str(e.value)
    assert "scroll mod 2" in text and "for the hits, look at set 0 (even scrolls)" in text
    assert "0.250" not in text and "3 hits" not in text and "measured" not in text


def test_4_1_rejects_conflicts_counted_as_capacity_misses_and_says_where_to_look():
    wrong = {"hit_rate": 0.25, "compulsory": 5, "capacity": 4, "conflict": 0}
    with pytest.raises(check.ExerciseFailed, match="your capacity count and conflict count are wrong") as e:
        check.exercise_4_1(lambda: wrong)
    text = str(e.value)
    assert "fully associative" in text and "for the conflict misses, look at set 1 (odd scrolls)" in text
    assert "counted" not in text and "measured" not in text and "reveal=True" in text


def test_4_1_reveal_shows_the_measurement_access_by_access():
    with pytest.raises(check.ExerciseFailed, match="measured: hit rate 0.250 \\(3/12\\), compulsory count 5, "
                                                   "capacity count 1, conflict count 3") as e:
        check.exercise_4_1(lambda: {**RIGHT_4_1, "capacity": 4, "conflict": 0}, reveal=True)
    assert "1:compulsory  3:compulsory  5:compulsory  1:conflict" in str(e.value)


def test_4_1_rejects_a_wrong_compulsory_count_with_the_first_touch_rule():
    with pytest.raises(check.ExerciseFailed, match="count the distinct scrolls"):
        check.exercise_4_1(lambda: {**RIGHT_4_1, "compulsory": 6, "conflict": 2})


def test_4_1_rejects_a_bare_number():
    with pytest.raises(check.ExerciseFailed, match="return a dict with exactly the keys"):
        check.exercise_4_1(lambda: 0.25)


# -- 4.2 ----------------------------------------------------------------------------------------

def test_4_2_accepts_big_pages_and_a_way_per_stream():
    got = check.exercise_4_2(lambda: {"ppt_sets": 1, "ppt_ways": 4, "page_scrolls": 32})
    assert got == {"hit_rate": 1 - 2 / 32, "compulsory": 12, "capacity": 0, "conflict": 0}
    assert repr(got).startswith("exercise 4.2 passed: 1 set x 4 ways, pages of 32 scrolls: hit rate 93.8% (180/192)")


def test_4_2_rejects_a_direct_mapped_ppt_where_the_three_streams_collide():
    with pytest.raises(check.ExerciseFailed, match=r"hit rate 0\.0% \(0/192\), below 90%; misses: "
                                                   r"6 compulsory, 0 capacity, 186 conflict") as e:
        check.exercise_4_2(lambda: {"ppt_sets": 8, "ppt_ways": 1, "page_scrolls": 64})
    assert "a way for each stream" in str(e.value)


def test_4_2_rejects_pages_too_small_for_the_stride():
    with pytest.raises(check.ExerciseFailed, match=r"hit rate 87\.5% \(168/192\)") as e:
        check.exercise_4_2(lambda: {"ppt_sets": 1, "ppt_ways": 8, "page_scrolls": 16})
    assert "use bigger pages" in str(e.value)


@pytest.mark.parametrize("answer, message", [
    ({"ppt_sets": 4, "ppt_ways": 4, "page_scrolls": 32}, "4 sets x 4 ways = 16 entries, over the budget of 8"),
    ({"ppt_sets": 1, "ppt_ways": 4, "page_scrolls": 128}, "page_scrolls = 128 is over the budget of 64"),
    ({"ppt_sets": 1, "ppt_ways": 4}, "exactly the keys"),
    ({"ppt_sets": 1, "ppt_ways": 4, "page_scrolls": 0}, "whole numbers >= 1"),
])
def test_4_2_rejects_answers_outside_the_budget_or_malformed(answer, message):
    with pytest.raises(check.ExerciseFailed, match=message):
        check.exercise_4_2(lambda: answer)


# -- 4.3 ----------------------------------------------------------------------------------------

def test_4_3_accepts_a_prologue_plus_prefetch_three_ahead():
    got = check.exercise_4_3(lambda: PROLOGUE_PREFETCH)
    assert got["baseline_stalls"] == 384 and got["ppt_miss_stalls"] <= 19 and got["coverage"] == 1.0
    assert str(got).startswith("exercise 4.3 passed: ppt-miss stalls 384 ->")


def test_4_3_rejects_prefetches_that_arrive_late():
    with pytest.raises(check.ExerciseFailed,
                       match="117 ppt-miss stall cycles; the goal is at most 19 \\(5% of the 384") as e:
        check.exercise_4_3(lambda: ps.prefetch_program(32, 1))
    assert "15 gathers found their page still on its way" in str(e.value)
    assert "prefetch further ahead" in str(e.value)


def test_4_3_rejects_prefetching_three_ahead_without_a_prologue():
    with pytest.raises(check.ExerciseFailed, match="36 ppt-miss stall cycles; the goal is at most 19") as e:
        check.exercise_4_3(lambda: ps.prefetch_program(32, 3))
    assert "3 gathers still missed" in str(e.value) and "before the loop" in str(e.value)


def test_4_3_rejects_a_distance_that_leaves_the_first_elements_uncovered():
    with pytest.raises(check.ExerciseFailed, match="48 ppt-miss stall cycles") as e:
        check.exercise_4_3(lambda: ps.prefetch_program(32, 4))
    assert "4 gathers still missed" in str(e.value) and "before the loop" in str(e.value)


def test_4_3_rejects_the_loop_without_prefetches():
    with pytest.raises(check.ExerciseFailed, match="no prefetch ops"):
        check.exercise_4_3(lambda: ps.prefetch_program(32, None))


def test_4_3_rejects_mem_lines_that_would_warm_the_ppt():
    with pytest.raises(check.ExerciseFailed, match=".mem lines; they write through the PPT"):
        check.exercise_4_3(lambda: ".mem 1.1.1 1\n" + PROLOGUE_PREFETCH)


def test_4_3_rejects_a_loop_that_drops_an_element():
    short = PROLOGUE_PREFETCH.replace(".repeat 32", ".repeat 31")
    with pytest.raises(check.ExerciseFailed, match="r0 = 496.0 at the end, expected 528.0"):
        check.exercise_4_3(lambda: short)
