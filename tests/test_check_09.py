"""Exercise checkers of notebook 09 reject plausible wrong answers and say why."""

import pytest

import vtpu_lib as vt
from vtpu_lib.build import ProgramBuilder, op
from vtpu_lib.course.check import nb09 as check
from vtpu_lib.schedule.modulo import pipeline
from vtpu_lib.schedule.prefetch import prefetch_pass


def rotating_pointers(n=64, extra_pointer=False):
    """A hand-pipelined hp_add. Element i starts at cycle period * i; pointer i % K walks x[i],
    x[i + K], ... and each element's page is prefetched through that pointer 12 cycles before its
    gather (period 3, K = 7). ``extra_pointer``: through p7, a prefetch pointer of its own walking
    alongside -- one more S op per element, so period 4 (K = 2)."""
    period, pointers = (4, 2) if extra_pointer else (3, 7)
    # offsets from the element's start: S ops in distinct rows mod period, so nothing collides
    at = {"pf": 0, "gather": 13, "add": 15, "scatter": 18, "index": 19} if extra_pointer else \
         {"pf": 0, "gather": 12, "add": 14, "scatter": 16, "index": 17}
    rows = {}

    def put(cycle, pipe, text):
        assert pipe not in rows.setdefault(cycle, {}), (cycle, pipe)
        rows[cycle][pipe] = text

    for i in range(n):
        t, p = period * i, f"p{i % pointers}"
        if extra_pointer:
            put(t + at["pf"], "C", "cprefetch p7")
            put(t + at["pf"], "S", "index p7, p7, scroll, #1")
        else:
            put(t + at["pf"], "C", f"cprefetch {p}")
        put(t + at["gather"], "S", f"gather r0, {p}")
        put(t + at["add"], "D", "add r1, r0, r2")
        put(t + at["scatter"], "S", f"scatter {p}, r1")
        if i + pointers < n:
            put(t + at["index"], "S", f"index {p}, {p}, scroll, #{pointers}")
    text = "".join(f".set p{j} {j + 1}.1.1\n" for j in range(pointers)) + (".set p7 1.1.1\n" if extra_pointer else "")
    return text + "".join(" | ".join(rows.get(c, {}).get(pipe, "-") for pipe in "DSC") + "\n"
                          for c in range(max(rows) + 1))


def test_9_1_passes_rotating_pointers_that_prefetch_through_themselves():
    passed = check.exercise_9_1(lambda: rotating_pointers())
    assert passed["bound_cycles"] == 192 and passed["pct_of_bound"] >= check.GOAL_9_1_PCT
    assert "right results on both fillings" in repr(passed)


def test_9_1_rejects_the_naive_program_as_slow_and_points_at_the_misses():
    k = check.challenge_kernel()
    with pytest.raises(check.ExerciseFailed, match=r"right results, in 1088 cycles: 17\.6 % of the bound \(192 cycles\); "
                                                   r"the goal is 90 % \(at most 213 cycles\)") as e:
        check.exercise_9_1(lambda: vt.disassemble(k.program))
    assert "ppt-miss stalls" in str(e.value.hint) and "cold" in str(e.value.hint)


def test_9_1_rejects_a_separate_prefetch_pointer_as_too_many_s_ops():
    with pytest.raises(check.ExerciseFailed, match=r"the goal is 90 %") as e:
        check.exercise_9_1(lambda: rotating_pointers(extra_pointer=True))
    assert "S ops" in e.value.hint and "cprefetch" in e.value.hint


def test_9_1_rejects_the_librarys_prefetch_and_pipeline():
    k = check.challenge_kernel()
    best = pipeline(prefetch_pass(k.program, "realistic")[0], "realistic")
    with pytest.raises(check.ExerciseFailed, match=r"right results, in \d+ cycles: 7\d\.\d % of the bound") as e:
        check.exercise_9_1(lambda: best)
    assert "260 S ops" in e.value.hint


def test_9_1_rejects_hard_coded_results_on_the_second_filling():
    k = check.challenge_kernel()
    b = ProgramBuilder("cheat.siw")
    b.sentron("cheat", id=0).set("p0", k.outputs[0])
    for i, c in enumerate(k.outputs):
        b.siw(op("mov", "r1", k.expected[c]))
        b.siw(s=op("scatter", "p0", "r1"))
        if i + 1 < len(k.outputs):
            b.siw(s=op("index", "p0", "p0", "scroll", 1))
    with pytest.raises(check.ExerciseFailed, match=r"with the second filling of the inputs \(other x, other s\): wrong "
                                                   r"results: hp_add: 1\.1\.1 holds") as e:
        check.exercise_9_1(lambda: b)                       # a ProgramBuilder is accepted as it is
    assert "read s from r2" in e.value.hint


def test_9_1_rejects_a_program_that_leaves_cells_out():
    short = rotating_pointers(n=63)
    with pytest.raises(check.ExerciseFailed, match=r"^exercise 9\.1: wrong results: hp_add: 64\.1\.1 holds 1\.0, "
                                                   r"expected 0\.5\n  hint: .*none left out"):
        check.exercise_9_1(lambda: short)


def test_9_1_wants_one_sentron_and_a_program_that_assembles():
    two = ".sentron a id=0\n- | gather r0, p0 | -\n.sentron b id=1\n- | gather r0, p0 | -\n"
    with pytest.raises(check.ExerciseFailed, match="write one sentron .* found 2"):
        check.exercise_9_1(lambda: two)
    with pytest.raises(check.ExerciseFailed, match="does not assemble"):
        check.exercise_9_1(lambda: "gathr r0, p0 | - | -\n")
    with pytest.raises(check.ExerciseFailed, match="expected the program as text"):
        check.exercise_9_1(lambda: 42)


def test_9_1_untouched_is_incomplete():
    def stub():
        raise NotImplementedError()
    with pytest.raises(check.ExerciseIncomplete, match="not done yet"):
        check.exercise_9_1(stub)


def test_9_2_passes_the_rule_and_names_what_one_more_element_costs():
    passed = check.exercise_9_2(lambda pages: pages // 2)
    assert dict(passed) == {16: 8, 24: 12}
    assert "16 pages: distance 8" in repr(passed) and "24 pages: distance 12" in repr(passed)


def test_9_2_rejects_one_number_on_the_second_ppt():
    with pytest.raises(check.ExerciseFailed, match=r"with 24 pages \(6 sets x 4 ways\): distance 8 works, but it is not "
                                                   r"the longest that does"):
        check.exercise_9_2(lambda pages: 8)


def test_9_2_says_whether_a_failing_distance_is_too_short_or_evicted():
    with pytest.raises(check.ExerciseFailed, match=r"with 16 pages .*: distance 16 leaves \d+ ppt-miss stall cycles, more "
                                                   r"than 25") as e:
        check.exercise_9_2(lambda pages: pages)
    assert "evicted" in e.value.hint and "LRU" in e.value.hint
    with pytest.raises(check.ExerciseFailed, match=r"distance 1 leaves \d+ ppt-miss stall cycles") as e:
        check.exercise_9_2(lambda pages: 1)
    assert "too short" in e.value.hint


def test_9_2_wants_a_whole_number():
    for bad in (8.0, -1, True, "8"):
        with pytest.raises(check.ExerciseFailed, match="return a whole number"):
            check.exercise_9_2(lambda pages, bad=bad: bad)
