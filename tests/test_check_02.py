"""Checkers of notebook 02's exercises: they pass the reference answers and say what is wrong
with plausible wrong ones."""

import pytest

import vtpu_lib as vt
from vtpu_lib.course import check
from vtpu_lib.isa import EventKind

WALK = '''
.set p0 1.1.1
-              | gather r1, p0            | -
-              | index p0, p0, scroll, #1 | -
-              | gather r2, p0            | -
add r0, r1, r2 | index p0, p0, scroll, #1 | -
-              | gather r3, p0            | -
add r0, r0, r3 | index p0, p0, scroll, #1 | -
-              | gather r4, p0            | -
add r0, r0, r4 | -                        | -
'''

TIER_BY_DIM = ("L1",) * 3 + ("L2",) * 2 + ("L3",) * 3 + ("DRAM",) * 2 + ("remote",)


def locality(home, c, outermost=True):
    differing = [d for d in range(11) if home[d] != c[d]]
    if not differing:
        return 0, "L1"
    return len(differing), TIER_BY_DIM[max(differing) if outermost else min(differing)]


def unfinished(*args):
    raise NotImplementedError


# -- 2.1 address arithmetic ----------------------------------------------------------------------

def test_2_1_accepts_walking_p0_with_index_and_reports_what_it_gathered():
    result = check.exercise_2_1(lambda: WALK)
    assert result["r0"] == sum(check.VALUES_2_1[0])
    assert result["gathered"] == ["1.1.1", "2.1.1", "3.1.1", "4.1.1"] and result["index_ops"] == 3


def test_2_1_walking_the_wrong_dimension_names_the_cells_it_read():
    with pytest.raises(check.ExerciseFailed, match=r"your gathers read 1\.1\.1, 1\.2\.1, 1\.3\.1, 1\.4\.1") as e:
        check.exercise_2_1(lambda: WALK.replace("scroll", "section"))
    assert "the scroll is dimension 0" in str(e.value)


def test_2_1_rejects_extra_set_lines_instead_of_index():
    with pytest.raises(check.ExerciseFailed, match="only p0 may be given a value with .set; you also set p1, p2"):
        check.exercise_2_1(lambda: ".set p1 2.1.1\n.set p2 3.1.1\n" + WALK)


def test_2_1_rejects_a_hard_coded_sum_without_index():
    with pytest.raises(check.ExerciseFailed, match="no index op"):
        check.exercise_2_1(lambda: "mov r0, #42 | - | -")
    # with an index op alibi, the second filling of memory still catches it
    with pytest.raises(check.ExerciseFailed, match=r"r0 = 42\.0, expected 46\.0 .* your gathers read nothing"):
        check.exercise_2_1(lambda: "mov r0, #42 | index p0, p0, scroll, #1 | -")


def test_2_1_a_forgotten_add_points_at_the_adds_not_the_addresses():
    with pytest.raises(check.ExerciseFailed, match=r"r0 = 12\.0, expected 42\.0; your gathers read the right cells"):
        check.exercise_2_1(lambda: WALK.replace("add r0, r0, r4", "mov r5, r4"))


def test_2_1_rejects_mem_lines_because_the_checker_fills_memory():
    with pytest.raises(check.ExerciseFailed, match="leave out the .mem lines"):
        check.exercise_2_1(lambda: ".mem 1.1.1 3\n" + WALK)


# -- 2.2 predict, then measure ------------------------------------------------------------------

def test_2_2_measures_the_readable_cycle_and_total_cycles_against_a_plain_run():
    trace = vt.run(vt.assemble(check.PROGRAM_2_2), "realistic")
    fma_issue = next(e.cycle for e in trace.events(EventKind.ISSUE) if e.pc == 4)
    ready = fma_issue + vt.REALISTIC.latency_cycles["fma"]
    result = check.exercise_2_2(lambda: (ready, trace.counters().cycles))
    assert (result["issued"], result["ready"], result["cycles"]) == (fma_issue, ready, trace.counters().cycles)


def test_2_2_an_off_by_one_prediction_names_the_wrong_part_but_not_the_measurement():
    measured = check.exercise_2_2(lambda: (11, 12))
    with pytest.raises(check.ExerciseFailed, match=r"not yet: your prediction for r4 is wrong "
                                                   r"\(total cycle count is right\)") as e:
        check.exercise_2_2(lambda: (measured["ready"] - 1, measured["cycles"]))
    text = str(e.value)
    assert "measured" not in text and str(measured["ready"]) not in text.split("hint")[0].replace("r4", "")
    assert "issue cycle + latency" in text and "reveal=True" in text


def test_2_2_reveal_shows_the_measurement_of_a_wrong_prediction():
    with pytest.raises(check.ExerciseFailed, match="measured: prediction for r4 11, total cycle count 12"):
        check.exercise_2_2(lambda: (10, 6), reveal=True)


def test_2_2_counting_siws_instead_of_cycles_is_explained_without_the_total():
    with pytest.raises(check.ExerciseFailed, match=r"your total cycle count is wrong \(prediction for r4 is "
                                                   r"right\)") as e:
        check.exercise_2_2(lambda: (11, 6))
    assert "from its first issue until its last result is readable" in str(e.value)
    assert "12" not in str(e.value)


def test_2_2_wants_two_whole_numbers():
    with pytest.raises(check.ExerciseFailed, match="return two whole numbers"):
        check.exercise_2_2(lambda: 11)


# -- 2.3 locality -------------------------------------------------------------------------------

def test_2_3_accepts_the_rule_and_counts_every_tier():
    result = check.exercise_2_3(locality)
    assert result["pairs"] > 50 and set(result["tiers"]) == {"L1", "L2", "L3", "DRAM", "remote"}


def test_2_3_lowest_instead_of_highest_differing_dimension_is_caught_and_named():
    with pytest.raises(check.ExerciseFailed, match=r"you returned tier 'L1', expected 'DRAM': the highest "
                                                   r"differing dimension is 9 \(node\)"):
        check.exercise_2_3(lambda h, c: locality(h, c, outermost=False))


def test_2_3_reading_the_written_form_outermost_first_is_caught():
    def backwards(home, c):
        return locality(vt.Coord(reversed(home)), vt.Coord(reversed(c)))
    with pytest.raises(check.ExerciseFailed, match=r"you returned tier 'remote', expected 'L1': the highest "
                                                   r"differing dimension is 0 \(scroll\)") as e:
        check.exercise_2_3(backwards)
    assert "dimension 0 is the first written number" in str(e.value)


def test_2_3_manhattan_is_not_hamming():
    with pytest.raises(check.ExerciseFailed, match=r"you returned hamming distance 8; they differ in 1 "
                                                   r"dimension\(s\): scroll"):
        check.exercise_2_3(lambda h, c: (vt.manhattan(h, c), locality(h, c)[1]))


def test_2_3_rejects_a_function_that_asks_the_library():
    from vtpu_lib.coord import highest_differing_dim

    def via_dim(home, c):
        d = highest_differing_dim(home, c)
        return sum(a != b for a, b in zip(home, c)), TIER_BY_DIM[max(d, 0)]
    with pytest.raises(check.ExerciseFailed, match="calls the library's highest_differing_dim"):
        check.exercise_2_3(via_dim)
    with pytest.raises(check.ExerciseFailed, match="calls the library's hamming and tier"):
        check.exercise_2_3(lambda h, c: (vt.hamming(h, c), vt.tier(h, c)))


def test_2_3_a_helper_of_your_own_named_tier_is_fine():
    def tier(top):
        return "L1" if top < 0 else TIER_BY_DIM[top]

    def mine(home, c):
        differing = [d for d in range(11) if home[d] != c[d]]
        return len(differing), tier(max(differing, default=-1))
    assert check.exercise_2_3(mine)["pairs"] > 50


@pytest.mark.parametrize("checker", [check.exercise_2_1, check.exercise_2_2, check.exercise_2_3])
def test_unfinished_answers_are_incomplete_not_failed(checker):
    with pytest.raises(check.ExerciseIncomplete, match="not done yet"):
        checker(unfinished)
