"""Exercise checkers of notebook 08 reject plausible wrong answers and say why."""

import pytest

import vtpu_lib as vt
from vtpu_lib import schedule
from vtpu_lib.course.check import nb08 as check

RIGHT_8_1 = """
- | gather r1, p0 | -
- | gather r4, p3 | -
add r8, r1, r4 | gather r2, p1 | -
mul r9, r8, r2 | gather r3, p2 | -
fma r5, r4, r2, r3 | scatter p2, r8 | -
mul r7, r3, r5 | scatter p3, r9 | -
mul r6, r4, r1 | scatter p1, r7 | -
- | scatter p0, r6 | -
"""


def _rows(program) -> str:
    return "".join(line + "\n" for line in vt.disassemble(program).splitlines() if not line.startswith("."))


def test_8_1_constants_are_what_the_library_measures():
    code = vt.assemble(check.PROGRAM_8_1).sentrons[0]
    assert schedule.code_bounds(code, "seed").bound_cycles == check.GOAL_8_1_CYCLES == 8
    assert schedule.pack_code(code, "seed").cycles == check.PACKER_8_1_CYCLES == 10


def test_8_1_passes_a_table_at_the_bound_and_reports_the_packer():
    passed = check.exercise_8_1(lambda: RIGHT_8_1)
    assert dict(passed) == {"cycles": 8, "bound_cycles": 8, "packer_cycles": 10}
    assert "8 cycles = the bound (the packer took 10)" in repr(passed)


def test_8_1_rejects_the_packers_own_table_as_two_cycles_too_slow():
    packed = _rows(schedule.pack(vt.assemble(check.PROGRAM_8_1), "seed"))
    with pytest.raises(check.ExerciseFailed, match=r"in 10 cycles under seed; the goal is the bound, 8 cycles") as e:
        check.exercise_8_1(lambda: packed)
    assert "the S pipe must issue in every cycle" in str(e.value)


def test_8_1_rejects_the_naive_rows():
    naive = _rows(vt.assemble(check.PROGRAM_8_1))
    with pytest.raises(check.ExerciseFailed, match=r"in 13 cycles under seed"):
        check.exercise_8_1(lambda: naive)


def test_8_1_names_the_dependence_a_too_eager_row_breaks():
    eager = RIGHT_8_1.replace("mul r9, r8, r2 | gather r3, p2 | -\nfma r5, r4, r2, r3 | scatter p2, r8 | -",
                              "fma r5, r4, r2, r3 | gather r3, p2 | -\nmul r9, r8, r2 | scatter p2, r8 | -")
    with pytest.raises(check.ExerciseFailed, match=r"`fma r5, r4, r2, r3` .* reads r3 before `gather r3, p2` "
                                                   r".* true dependence broken"):
        check.exercise_8_1(lambda: eager)


def test_8_1_rejects_a_scatter_before_the_gather_of_its_cell():
    early = RIGHT_8_1.replace("mul r9, r8, r2 | gather r3, p2 | -\nfma r5, r4, r2, r3 | scatter p2, r8 | -",
                              "mul r9, r8, r2 | scatter p2, r8 | -\nfma r5, r4, r2, r3 | gather r3, p2 | -")
    early = early.replace("fma r5, r4, r2, r3 | gather r3, p2 | -", "- | gather r3, p2 | -\nfma r5, r4, r2, r3 | - | -")
    stored_first = (r"`scatter p2, r8` \(your SIW 3\) stores to 3.1.1 before `gather r3, p2` \(your SIW 4\) "
                    r"reads it; the program does it the other way round: memory dependence broken")
    with pytest.raises(check.ExerciseFailed, match=stored_first):
        check.exercise_8_1(lambda: early)


def test_8_1_names_a_gather_moved_before_the_scatter_it_reads():
    text = check.PROGRAM_8_1.replace("- | gather r2, p1 | -\n", "")
    text = text.replace("- | scatter p1, r7 | -\n", "- | scatter p1, r7 | -\n- | gather r2, p1 | -\n")
    source = vt.assemble(text)          # gathers 2.1.1 after storing r7 there; the hand order reads it first
    moved = check._memory_order(source.sentrons[0], vt.assemble(check.PROGRAM_8_1).sentrons[0])
    assert moved == ("`gather r2, p1` (your SIW 1) reads 2.1.1 before `scatter p1, r7` (your SIW 11) stores to it; "
                     "the program does it the other way round: memory dependence broken")


def test_8_1_rejects_hard_coded_results_and_set_lines():
    values = vt.run(vt.assemble(check.PROGRAM_8_1)).memory
    cells = ("4.1.1", "3.1.1", "2.1.1", "1.1.1")
    held = "".join(f"mov r{i + 6}, #{values[vt.Coord.parse(c)]} | - | -\n" for i, c in enumerate(cells))
    with pytest.raises(check.ExerciseFailed, match=r"do not compute what the program computes"):
        check.exercise_8_1(lambda: held)
    with pytest.raises(check.ExerciseFailed, match=r"give only the SIW rows"):
        check.exercise_8_1(lambda: ".set r1 3\n" + RIGHT_8_1)
    with pytest.raises(check.ExerciseFailed, match=r"expected the SIW rows as text"):
        check.exercise_8_1(lambda: None)


def test_8_1_second_filling_changes_every_input_cell():
    source = vt.assemble(check.PROGRAM_8_1)
    second = check._with_memory(source, check.SECOND_MEMORY_8_1)
    before, after = dict(source.preload), dict(second.preload)
    assert set(before) == set(after) and all(before[c] != after[c] for c in before)


def test_8_1_unfinished_is_incomplete():
    def stub():
        raise NotImplementedError()
    with pytest.raises(check.ExerciseIncomplete):
        check.exercise_8_1(stub)


def test_8_2_passes_the_right_prediction_and_names_the_chain():
    passed = check.exercise_8_2(lambda: (7, 14))
    assert dict(passed) == {"seed": 7, "realistic": 14}
    assert "scatter p3, r3 -> gather r4, p4" in repr(passed)


def test_8_2_a_prediction_that_misses_the_memory_dependence_is_told_which_part_without_the_value():
    with pytest.raises(check.ExerciseFailed, match=r"your critical path under seed and critical path under "
                                                   r"realistic are wrong") as e:
        check.exercise_8_2(lambda: (4, 9))
    message = str(e.value)
    assert "work out both coordinates" in message and "reveal=True" in message
    assert "14" not in message and " 7" not in message


def test_8_2_reveal_shows_the_measurement():
    with pytest.raises(check.ExerciseFailed, match=r"measured: critical path under seed 7, critical path under "
                                                   r"realistic 14"):
        check.exercise_8_2(lambda: (7, 13), reveal=True)


def test_8_2_refuses_to_measure():
    def measured():
        code = vt.assemble(check.PROGRAM_8_2).sentrons[0]
        return tuple(schedule.dependence_graph(code, cfg).critical_path() for cfg in ("seed", "realistic"))
    with pytest.raises(check.ExerciseFailed, match=r"your function calls critical_path, dependence_graph"):
        check.exercise_8_2(measured)


def test_8_2_a_local_variable_named_like_a_library_function_is_fine():
    def predict():
        critical_path = 7
        return critical_path, 14
    assert check.exercise_8_2(predict)["realistic"] == 14


def test_8_2_wants_two_numbers():
    with pytest.raises(check.ExerciseFailed, match=r"return \(critical path under seed"):
        check.exercise_8_2(lambda: 14)
