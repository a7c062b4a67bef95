"""Exercises: generated from solutions/ by nbgrader, up to date, graded cell by cell, and
helpful -- as short coloured feedback, not tracebacks -- when left unsolved or wrong."""

import importlib.util
import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

from vtpu_lib.course import check
from vtpu_lib.errors import VtpuInternalError

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _generator():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_there_are_at_least_two_exercises_per_notebook_01_to_05():
    names = {p.name[:2] for p in SOLUTIONS}
    assert {"01", "02", "03", "04", "05"} <= names
    for sol in SOLUTIONS:
        text = sol.read_text()
        assert text.count("### BEGIN SOLUTION") >= 2, sol.name
        assert text.count("check.exercise_") >= 2, sol.name


def test_exercises_are_what_nbgrader_generate_assignment_releases_from_the_solutions():
    assert _generator().stale() == [], "exercises/ is out of date: run .venv/bin/python tools/make_exercises.py"
    assert sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb")) == [s.name for s in SOLUTIONS]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_every_answer_is_an_nbgrader_solution_cell_and_every_check_a_graded_locked_test(solution):
    nb = nbformat.read(solution, as_version=4)
    ids = [c.id for c in nb.cells]
    grade_ids = [_nbgrader(c)["grade_id"] for c in nb.cells if _nbgrader(c)]
    assert len(set(ids)) == len(ids) and len(set(grade_ids)) == len(grade_ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", g) for g in grade_ids)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if "### BEGIN SOLUTION" in cell.source:
            assert meta.get("solution") and not meta.get("grade") and cell.cell_type == "code", cell.id
            assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") == 1
            # the template: the stub nbgrader leaves keeps the return line that says what to compute
            assert cell.source.rstrip().splitlines()[-1].lstrip().startswith("return "), cell.id
        if cell.cell_type == "code" and "check.exercise_" in cell.source:
            assert meta.get("grade") and meta.get("locked") and meta.get("points", 0) > 0, cell.id
            assert not meta.get("solution"), cell.id
    checks = [c for c in nb.cells if c.cell_type == "code" and "check.exercise_" in c.source]
    assert [c for c in nb.cells if _nbgrader(c).get("grade")] == checks


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_released_answer_cells_are_stubs_that_keep_the_return_template(solution):
    released = nbformat.read(ROOT / "exercises" / solution.name, as_version=4)
    original = {c.id: c for c in nbformat.read(solution, as_version=4).cells}
    for cell in released.cells:
        assert "BEGIN SOLUTION" not in cell.source and "END SOLUTION" not in cell.source
        if _nbgrader(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source
            assert cell.source.splitlines()[-1] == original[cell.id].source.splitlines()[-1]
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None and "execution" not in cell.metadata


@pytest.mark.parametrize("exercise", [ROOT / "exercises" / s.name for s in SOLUTIONS], ids=lambda p: p.name)
def test_unsolved_exercise_fails_its_checker_with_a_short_coloured_message(exercise):
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
        shown = "\n".join(errors[0].traceback)
        assert "\x1b[33m" in shown, "the feedback is yellow"
        assert "Traceback" not in shown and ".py" not in ANSI.sub("", shown) and len(errors[0].traceback) <= 4
    others = [o for c in nb.cells if c.cell_type == "code" and c not in checker_cells
              for o in c.outputs if o.output_type == "error"]
    assert not others, f"{exercise.name}: cells other than the exercises fail: {others[0].ename}"


def test_a_failed_check_renders_as_a_short_red_message_with_a_yellow_hint():
    two_accumulators = ("fma r0, r1, r2, r0 | - | -\nfma r9, r3, r4, r9 | - | -\nfma r0, r5, r6, r0 | - | -\n"
                        "fma r9, r7, r8, r9 | - | -\nadd r0, r0, r9 | - | -\n")
    with pytest.raises(check.ExerciseFailed) as e:
        check.exercise_3_2(lambda: two_accumulators)
    lines = e.value._render_traceback_()
    plain = [ANSI.sub("", line) for line in lines]
    assert lines[0].startswith("\x1b[1m\x1b[31m") and lines[-1].startswith("\x1b[33m")
    assert plain[0] == "exercise 3.2: r0 = 140.0, but in 10 cycles; the goal is at most 8 (5 cycles stalled on " \
                       "dependences)"
    assert plain[1].startswith("  hint: ") and len(lines) == 2
    assert sum(map(len, plain)) < 400
    assert not any(s in "\n".join(plain) for s in ("Traceback", "File ", ".py", "/work", "site-packages"))


def test_an_unfinished_check_renders_yellow():
    def stub():
        raise NotImplementedError()
    with pytest.raises(check.ExerciseIncomplete) as e:
        check.exercise_1_1(stub)
    lines = e.value._render_traceback_()
    assert all(line.startswith(("\x1b[1m\x1b[33m", "\x1b[33m")) for line in lines) and len(lines) <= 3


def test_bugs_in_an_answer_and_internal_errors_keep_their_traceback():
    def buggy():
        return 1 / 0
    with pytest.raises(ZeroDivisionError):      # the learner's own Python error: a normal traceback
        check.exercise_1_1(buggy)
    assert not hasattr(VtpuInternalError("broken invariant"), "_render_traceback_")
    assert not hasattr(ZeroDivisionError(), "_render_traceback_")


def test_ipython_shows_the_feedback_instead_of_a_traceback(capsys, monkeypatch, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))          # IPython's profile, not the home folder
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_cell("from vtpu_lib.course import check\ncheck.exercise_3_2(lambda: 'add r0, r1, r2 | - | -')")
    finally:
        InteractiveShell.clear_instance()
    out = ANSI.sub("", capsys.readouterr().out)
    assert "exercise 3.2: r0 = 5.0 at the end, expected 140.0" in out
    assert "Traceback" not in out and "nb03.py" not in out and "_base.py" not in out


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


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_every_exercise_text_states_its_target_in_bold(solution):
    """The text before each answer says what passes: a bound, a budget, or what to predict."""
    texts, current = [], None
    for cell in nbformat.read(solution, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercise"):
            current = [cell.source]
            texts.append(current)
        elif cell.cell_type == "markdown" and current is not None:
            current.append(cell.source)
        elif _nbgrader(cell).get("solution"):
            current = None
    assert texts
    for parts in texts:
        text = "\n".join(parts)
        target = r"at most|at least|predict|cycle|every|product|sum|both|one message|completes"
        assert re.search(rf"\*\*[^*]*({target})[^*]*\*\*", text, re.I), parts[0].splitlines()[0]


def test_the_check_package_exports_only_the_exercises_their_constants_and_result_types():
    assert not hasattr(check, "Machine") and not hasattr(check, "assemble")   # no star-import leaks
    public = {name for name in vars(check) if not name.startswith("_")} - {f"nb{i:02d}" for i in range(1, 10)}
    assert public == set(check.__all__)
    assert all(name.startswith("exercise_") or name.isupper() or name[0].isupper() for name in check.__all__)
