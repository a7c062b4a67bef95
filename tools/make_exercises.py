"""Generate exercises/NN_*.ipynb from solutions/NN_*.ipynb.

In every code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (inclusive)
are replaced by ``raise NotImplementedError`` at the same indentation; outputs and execution
counts are cleared, so learners start from a clean notebook.

    python tools/make_exercises.py           # write exercises/
    python tools/make_exercises.py --check   # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("your answer here")'


def strip_solution(source: str) -> str:
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN}")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def exercise_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        cell.pop("id", None)
    nb.nbformat_minor = 4  # no cell ids: stable files across nbformat versions
    return nb


def render(path: pathlib.Path) -> str:
    nb = exercise_notebook(nbformat.read(path, as_version=4))
    return nbformat.writes(nb) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")
    args = ap.parse_args()
    stale = []
    for sol in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        target = ROOT / "exercises" / sol.name
        text = render(sol)
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
            print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print("out of date (run python tools/make_exercises.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
