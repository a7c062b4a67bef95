"""Notebook 08's own code does not pass its exercises.

For each exercise, the nearest code of notebooks/08_packing.ipynb -- the packer, the list scheduler
with the priorities the anomaly section uses, the notebook's own tables and critical paths -- goes
to the checker, which must reject it (``ExerciseFailed``). The code cells it imitates are looked
up in the notebook, so a change there shows up here.
"""

import pathlib

import nbformat
import pytest

import vtpu_lib as vt
from vtpu_lib import programs, schedule
from vtpu_lib.course import packing
from vtpu_lib.course.check import nb08 as check
from vtpu_lib.schedule.graph import DepGraph

ROOT = pathlib.Path(__file__).resolve().parents[1]


def notebook_code(needle: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / "08_packing.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell.source
    pytest.fail(f"notebooks/08_packing.ipynb no longer has {needle!r}: update tests/test_exercise_copies_08.py")


def rejected(checker, answer) -> str:
    with pytest.raises(check.ExerciseFailed) as e:
        checker(lambda: answer)
    return str(e.value)


def rows(program_or_schedule) -> str:
    prog = program_or_schedule
    if isinstance(prog, schedule.Schedule):
        prog = vt.Program(sentrons=(prog.code(),))
    return "".join(line + "\n" for line in vt.disassemble(prog).splitlines() if not line.startswith("."))


SOURCE = vt.assemble(check.PROGRAM_8_1)


def test_8_1_the_packer_fails_under_every_preset_the_notebook_packs_for():
    assert "schedule.pack(TWO, cfg)" in notebook_code("fast = vt.REALISTIC.replace(mul=2")
    for cfg in ("seed", "realistic", vt.REALISTIC.replace(mul=2)):
        assert "the goal is the bound, 8 cycles" in rejected(check.exercise_8_1, rows(schedule.pack(SOURCE, cfg)))


def test_8_1_the_anomaly_sections_other_priorities_fail():
    assert "priority=old_heights" in notebook_code("old_heights = schedule.dependence_graph")
    graph = schedule.dependence_graph(SOURCE.sentrons[0], "seed")
    for cfg in ("realistic", vt.REALISTIC.replace(mul=2)):
        old = schedule.dependence_graph(SOURCE.sentrons[0], cfg).heights()
        better, _ = packing.list_steps(graph, priority=old)
        assert "cycles under seed; the goal is the bound" in rejected(check.exercise_8_1, rows(better))


def test_8_1_the_naive_rows_and_the_source_order_fail():
    assert "in 13 cycles" in rejected(check.exercise_8_1, rows(SOURCE))
    graph = schedule.dependence_graph(SOURCE.sentrons[0], "seed")
    assert "the goal is the bound" in rejected(check.exercise_8_1, rows(schedule.source_schedule(graph)))


def test_8_2_the_notebooks_critical_paths_fail():
    assert "graph.critical_path()" in notebook_code("bounds = schedule.code_bounds(TWO.sentrons[0]")
    two = vt.assemble(notebook_code('TWO = vt.assemble("""').split('"""')[1])
    dot = programs.load("microvtpu_naive")
    for prog in (two, dot):
        paths = tuple(schedule.dependence_graph(prog.sentrons[0], cfg).critical_path() for cfg in ("seed", "realistic"))
        assert "are wrong" in rejected(check.exercise_8_2, paths)


def test_8_2_a_prediction_that_misses_the_cell_p3_and_p4_share_fails():
    code = vt.assemble(check.PROGRAM_8_2).sentrons[0]
    paths = []
    for cfg in ("seed", "realistic"):
        g = schedule.dependence_graph(code, cfg)
        no_memory = DepGraph(code, g.ops, tuple(d for d in g.deps if not d.kind.startswith("memory")), g.mode)
        paths.append(no_memory.critical_path())
    assert paths != [7, 14]
    message = rejected(check.exercise_8_2, tuple(paths))
    assert "are wrong" in message and "work out both coordinates" in message
