"""The notebook's own code does not pass its exercises.

For every exercise, the nearest code in the notebook it belongs to -- pasted unchanged, or with
the one obvious edit -- goes to the checker, which must reject it (``ExerciseFailed``). Programs
that live in a notebook cell are read from the notebook itself, so a change there is tested
too; programs the notebooks take from the library come from the library. The worked answers
in solutions/ pass (their outputs are checked by nbval) and are different, better answers.
"""

import ast
import pathlib

import nbformat
import pytest

import vtpu_lib as vt
from vtpu_lib import programs
from vtpu_lib.course import check, scenarios
from vtpu_lib.course import ppt_study as ps

ROOT = pathlib.Path(__file__).resolve().parents[1]


def notebook_strings(name: str, needle: str) -> list[str]:
    """The string literals of the code cells of notebooks/<name> that contain ``needle``."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            found += [n.value for n in ast.walk(ast.parse(cell.source))
                      if isinstance(n, ast.Constant) and isinstance(n.value, str) and needle in n.value]
    assert found, f"notebooks/{name} no longer has a program with {needle!r}: update tests/test_exercise_copies.py"
    return found


def notebook_program(name: str, needle: str) -> str:
    return notebook_strings(name, needle)[0]


def notebook_code(name: str, needle: str) -> str:
    """The source of the first code cell of notebooks/<name> that contains ``needle``."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell.source
    pytest.fail(f"notebooks/{name} no longer has {needle!r}: update tests/test_exercise_copies.py")


def rejected(checker, answer) -> str:
    """The checker's message for ``answer``: the learner's function (2.3), or the value the
    learner's function returns (every other exercise)."""
    with pytest.raises(check.ExerciseFailed) as e:
        checker(answer if callable(answer) else lambda: answer)
    return str(e.value)


# -- 01 ----------------------------------------------------------------------------------------

def test_1_1_notebook_01s_programs_fail():
    assert "slot order SDC" in rejected(check.exercise_1_1, programs.source("microvtpu_optimized"))
    assert "cycles; the original took 10" in rejected(check.exercise_1_1, programs.source("microvtpu_naive"))
    header = programs.source("microvtpu_optimized").split("-              | gather r1, p0")[0]
    baseline = programs.source("microvtpu_baseline")
    fmas = "".join(line + "\n" for line in baseline.splitlines() if not line.startswith(".sentron"))
    assert "keep the .mem lines of HEADER" in rejected(check.exercise_1_1, baseline)
    assert "with other numbers in memory" in rejected(check.exercise_1_1, header + fmas)


def test_1_2_notebook_01s_counts_of_the_four_pair_program_fail_and_are_not_corrected():
    c = vt.run(programs.load("microvtpu_optimized"), "seed").counters()
    message = rejected(check.exercise_1_2, (c.cycles, c.ops, c.useful_ops))
    assert "are wrong" in message and "measured" not in message


# -- 02 ----------------------------------------------------------------------------------------

def test_2_1_notebook_02s_stepped_program_fails():
    step = notebook_program("02_architecture.ipynb", "index p1, p0, scroll, #1")
    assert "leave out the .mem lines" in rejected(check.exercise_2_1, step)
    without_mem = "".join(line + "\n" for line in step.splitlines() if not line.startswith(".mem"))
    assert "expected" in rejected(check.exercise_2_1, without_mem)


def test_2_2_the_numbers_of_notebook_02s_stepped_program_fail():
    step = notebook_program("02_architecture.ipynb", "index p1, p0, scroll, #1")
    trace = vt.run(vt.assemble(step), "realistic")
    mul = next(e.cycle for e in trace.events("issue") if "mul" in str(trace.sentrons[0].code.siws[e.pc]))
    message = rejected(check.exercise_2_2, (mul + vt.REALISTIC.latency_cycles["mul"], trace.counters().cycles))
    assert "are wrong" in message and "measured" not in message


def test_2_3_notebook_02s_library_calls_fail():
    assert "vt.hamming(home, c)" in notebook_code("02_architecture.ipynb", "vt.tier(home, c)")
    assert "calls the library's hamming and tier" in rejected(
        check.exercise_2_3, lambda home, c: (vt.hamming(home, c), vt.tier(home, c)))


# -- 03 ----------------------------------------------------------------------------------------

def _tree_without_mov() -> str:
    tree = notebook_program("03_d_pipe.ipynb", "mul r13, r9, r10")
    return "".join(line + "\n" for line in tree.splitlines() if not line.startswith("mov r0, r1"))


SUM_AFTER = "".join(f"add {d}, {a}, {b} | - | -\n" for d, a, b in [
    ("r1", "r1", "r2"), ("r3", "r3", "r4"), ("r5", "r5", "r6"), ("r7", "r7", "r8"),
    ("r1", "r1", "r3"), ("r5", "r5", "r7"), ("r15", "r1", "r5")])


def test_3_1_notebook_03s_tree_fails_alone_and_with_the_sum_after_it():
    tree = _tree_without_mov()
    setup = "".join(f".set r{i + 1} {v}\n" for i, v in enumerate(check.PRODUCT_VALUES))
    alone = vt.run(vt.assemble(setup + tree), "realistic").counters()
    assert (alone.cycles, alone.stalls["dependence"]) == (12, 3)       # what the exercise text says
    assert "r15 = 0.0 at the end" in rejected(check.exercise_3_1, tree)
    assert "the run takes 17 cycles under realistic; the goal is 14" in rejected(check.exercise_3_1, tree + SUM_AFTER)


def test_3_2_notebook_03s_two_accumulators_and_the_fma_chain_fail():
    two = notebook_program("03_d_pipe.ipynb", "fma r9, r3, r4, r9")
    assert "but in 10 cycles; the goal is at most 8" in rejected(check.exercise_3_2, two)
    chain = "".join(line + "\n" for line in programs.dot_product(version="baseline").splitlines()
                    if line.startswith("fma"))
    assert "but in 16 cycles" in rejected(check.exercise_3_2, chain)


# -- 04 ----------------------------------------------------------------------------------------

def test_4_1_the_fully_associative_count_of_notebook_04_fails_and_is_not_corrected():
    outcomes = ps.classify(ps.scrolls(*check.EXERCISE_4_1_SCROLLS), sets=1, ways=4)
    answer = {"hit_rate": outcomes.count("hit") / len(outcomes),
              **{k: outcomes.count(k) for k in ("compulsory", "capacity", "conflict")}}
    message = rejected(check.exercise_4_1, answer)
    assert "hit rate" in message and "0.250" not in message and "measured" not in message


@pytest.mark.parametrize("geometry", [{"ppt_sets": 1, "ppt_ways": 8, "page_scrolls": 1},
                                      {"ppt_sets": 8, "ppt_ways": 1, "page_scrolls": 1},
                                      {"ppt_sets": 1, "ppt_ways": 8, "page_scrolls": 16},
                                      {"ppt_sets": 64, "ppt_ways": 4, "page_scrolls": 1}])
def test_4_2_notebook_04s_geometries_fail(geometry):
    rejected(check.exercise_4_2, geometry)


def test_4_3_notebook_04s_prefetch_loops_fail_at_every_distance():
    for d in (None, 0, 1, 2, 3, 4, 6, 8):
        rejected(check.exercise_4_3, ps.prefetch_program(check.EXERCISE_4_3_N, d))
    assert "36 ppt-miss stall cycles; the goal is at most 19" in rejected(
        check.exercise_4_3, ps.prefetch_program(check.EXERCISE_4_3_N, 3))


# -- 05 ----------------------------------------------------------------------------------------

def test_5_1_notebook_05s_alice_and_bob_renamed_fail():
    """Alice and Bob as a and b, Bob's result at 7.1.1 and a's 6 and 7 set: one value per message."""
    pair = scenarios.ALICE_BOB_MESSAGES.replace("alice", "a").replace("bob", "b").replace("5.1.1", "7.1.1")
    pair = pair.replace(".set p0 1.1.1", ".set r1 6\n.set r2 7\n.set p0 1.1.1", 1)
    assert "a's r1, r2 should hold 6 and 7" in rejected(check.exercise_5_1, pair)   # the gathers overwrite them


def test_5_2_notebook_05s_deadlock_fails():
    stuck = notebook_program("05_c_pipe_intro.ipynb", "recv r1, b")
    assert "still does not complete" in rejected(check.exercise_5_2, stuck)


# -- 06 ----------------------------------------------------------------------------------------

def test_6_1_notebook_06s_all_reduce_fails_as_is_and_with_max_for_add():
    tree = vt.disassemble(scenarios.tree_allreduce(4))
    assert "every sentron should hold 11.0" in rejected(check.exercise_6_1, tree)
    sections = tree.replace("add r1, r1, r2", "max r1, r1, r2").split(".sentron")[1:]
    adapted = "".join(".sentron" + "".join(line + "\n" for line in s.splitlines() if not line.startswith(".set"))
                      + "mov r2, r1 | - | -\n" for s in sections)
    assert "after 17 cycles; the goal is at most 9" in rejected(check.exercise_6_1, adapted)


def test_6_2_the_temperatures_notebook_06_tries_fail_even_with_its_own_counts():
    for T in (0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0):
        counts = scenarios.temperature_choices(T, runs=1000, seed=0)
        assert "the far sender was taken in" in rejected(check.exercise_6_2, (T, counts[100.0] / 1000))
