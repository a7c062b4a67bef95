"""Exercises: generated from solutions/, up to date, and helpful when left unsolved."""

import importlib.util
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

from vtpu_lib import programs
from vtpu_lib.course import check

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _generator():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_there_are_at_least_two_exercises_per_notebook_01_to_05():
    names = {p.name[:2] for p in SOLUTIONS}
    assert {"01", "02", "03", "04", "05"} <= names
    for sol in SOLUTIONS:
        text = sol.read_text()
        assert text.count("### BEGIN SOLUTION") >= 2, sol.name
        assert text.count("check.exercise_") >= 2, sol.name


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_exercise_notebook_is_regenerated_identically_from_its_solution(solution):
    target = ROOT / "exercises" / solution.name
    assert target.exists(), f"run: python tools/make_exercises.py ({target.name} is missing)"
    assert target.read_text() == _generator().render(solution), \
        f"exercises/{solution.name} is out of date: run python tools/make_exercises.py"


def test_solution_markers_are_replaced_by_a_stub_at_the_same_indentation():
    gen = _generator()
    src = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n\ncheck(f)"
    assert gen.strip_solution(src) == ("def f():\n    x = 1\n    raise NotImplementedError(\"your answer here\")"
                                       "\n\ncheck(f)")
    with pytest.raises(ValueError):
        gen.strip_solution("### BEGIN SOLUTION\nx = 1\n")


@pytest.mark.parametrize("exercise", [ROOT / "exercises" / s.name for s in SOLUTIONS], ids=lambda p: p.name)
def test_unsolved_exercise_fails_its_checker_with_a_helpful_message(exercise):
    nb = nbformat.read(exercise, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(exercise.parent)}}).execute()
    checker_cells = [c for c in nb.cells if c.cell_type == "code" and "check.exercise_" in c.source]
    assert checker_cells
    for cell in checker_cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors, f"{exercise.name}: an unsolved exercise passed its checker:\n{cell.source}"
        assert errors[0].ename == "ExerciseIncomplete"
        assert "not done yet" in errors[0].evalue and "NotImplementedError" in errors[0].evalue
    others = [o for c in nb.cells if c.cell_type == "code" and c not in checker_cells
              for o in c.outputs if o.output_type == "error"]
    assert not others, f"{exercise.name}: cells other than the exercises fail: {others[0].ename}"


def test_checker_rejects_the_original_slot_order_dependent_program_and_says_why():
    with pytest.raises(check.ExerciseFailed, match="slot order SDC r0 = 170.0") as e:
        check.exercise_1_1(lambda: programs.source("microvtpu_optimized"))
    assert "different registers" in str(e.value)


def test_checker_rejects_a_wrong_prediction_with_the_measured_value():
    text = programs.source("microvtpu_optimized")
    for i in (5, 6, 7):
        text = text.replace(f"cprefetch p{i}", "-")
    with pytest.raises(check.ExerciseFailed, match="you predicted ops/cycle 1.90, the run measured 1.60"):
        check.exercise_1_2(lambda: (text, 1.9, 1.6))


def test_checker_reports_an_assembler_error_in_the_answer():
    with pytest.raises(check.ExerciseFailed, match="does not assemble"):
        check.exercise_1_1(lambda: "ad r1, r1, r1 | - | -")


def test_a_passed_check_shows_its_message_and_reads_like_the_measurements():
    passed = check.CheckPassed("9.9", "r0 = 1.0 in 3 cycles", {"cycles": 3})
    assert repr(passed) == str(passed) == "exercise 9.9 passed: r0 = 1.0 in 3 cycles"
    assert passed == {"cycles": 3} and passed["cycles"] == 3 and dict(passed) == {"cycles": 3}
    with pytest.raises(TypeError):
        passed.measured["cycles"] = 4                       # what was measured stays as measured
    with pytest.raises(AttributeError):
        passed.message = "something else"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_every_checker_call_ends_its_cell_so_the_pass_message_is_shown(solution):
    nb = nbformat.read(solution, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "check.exercise_" in cell.source:
            last = cell.source.rstrip().splitlines()[-1]
            assert last.startswith("check.exercise_"), f"{solution.name}: {last!r} hides the pass message"
            shown = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert [o.data["text/plain"].split(" passed: ")[0] for o in shown] == \
                [f"exercise {last[len('check.exercise_'):].split('(')[0].replace('_', '.')}"]
            assert not [o for o in cell.outputs if o.output_type == "stream"], "checkers never print"


def test_the_check_package_exports_only_the_exercises_their_constants_and_result_types():
    assert not hasattr(check, "Machine") and not hasattr(check, "assemble")   # no star-import leaks
    public = {name for name in vars(check) if not name.startswith("_")} - {"nb01", "nb02", "nb03", "nb04", "nb05",
                                                                            "nb06"}
    assert public == set(check.__all__)
    assert all(name.startswith("exercise_") or name.isupper() or name[0].isupper() for name in check.__all__)
