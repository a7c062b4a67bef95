"""An instructor grades with nbgrader: a solved and an unsolved submission of one notebook,
autograded in a temporary course, get full and zero points (README: For instructors)."""

import importlib.util
import pathlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = "03_d_pipe"


def _generator():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _filled_in(released: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a learner hands in after answering every exercise: the released notebook with each
    answer cell's stub replaced by the worked answer."""
    answers = {c.id: c.source for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        if cell.id in answers:
            cell.source = answers[cell.id]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    gen = _generator()
    tmp = tmp_path_factory.mktemp("nbgrader")
    course, scratch = tmp / "course", tmp / "scratch"
    gen.make_course(course, [ROOT / "solutions" / f"{NOTEBOOK}.ipynb"])
    gen.nbgrader(course, "generate_assignment", NOTEBOOK, scratch=scratch)
    released = nbformat.read(course / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4)
    for student, nb in [("solved", _filled_in(released, solution)), ("unsolved", released)]:
        folder = course / "submitted" / student / NOTEBOOK
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    gen.nbgrader(course, "autograde", NOTEBOOK, scratch=scratch)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        yield {student: (gb.find_submission(NOTEBOOK, student).score, gb.find_submission(NOTEBOOK, student).max_score,
                         {g.name: g.score for g in gb.find_submission_notebook(NOTEBOOK, NOTEBOOK, student).grades})
               for student in ("solved", "unsolved")}, course


def test_a_solved_submission_gets_full_points(graded):
    scores, _ = graded
    score, max_score, cells = scores["solved"]
    assert max_score == 4 and score == max_score
    assert cells == {"ex3_1_check": 2.0, "ex3_2_check": 2.0}


def test_an_unsolved_submission_gets_zero_points(graded):
    scores, _ = graded
    score, max_score, cells = scores["unsolved"]
    assert max_score == 4 and score == 0
    assert set(cells) == {"ex3_1_check", "ex3_2_check"} and not any(cells.values())


def test_the_autograded_notebook_shows_the_checkers_feedback(graded):
    _, course = graded
    nb = nbformat.read(course / "autograded" / "unsolved" / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ExerciseIncomplete", "ExerciseIncomplete"]
    assert all("Traceback" not in "".join(e.traceback) for e in errors)
