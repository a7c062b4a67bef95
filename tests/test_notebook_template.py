"""Every notebook of the series follows one template (the one 07 onwards copies):

* a title ``# NN · Title`` ("D pipe", "S pipe", "C pipe" spelled that way);
* right under it, a box with **You will learn**, **You need** (linking the notebook before) and **Time**;
* at the end ``## Recap``, ``## Check your understanding`` with 2-3 questions whose answers are in
  ``<details>`` blocks, and a navigation line linking the previous and next notebooks, the
  notebook's exercises (where there are some) and the glossary in 00;
* no talk of the test machinery in the learner's text.
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINERY = ("nbval", "(checked)", "output can be checked", "compares text, not pictures")


def markdown(path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_a_title_and_a_learn_need_time_box(path):
    cells = markdown(path)
    assert re.match(rf"# {path.name[:2]} · \S", cells[0]), cells[0][:80]
    box = "\n".join(cells[:2])
    for word in ("**You will learn**", "**You need**", "**Time**"):
        assert word in box, f"{path.name}: the opening box lacks {word}"
    if path.name[:2] != "00":
        before = NOTEBOOKS[NOTEBOOKS.index(path) - 1].name
        assert f"({before})" in box, f"{path.name}: 'You need' should link {before}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_ends_with_recap_questions_and_navigation(path):
    cells = markdown(path)
    text = "\n".join(cells)
    assert "## Recap" in text
    questions = next((c for c in cells if c.startswith("## Check your understanding")), "")
    assert 2 <= questions.count("<details>") <= 3, f"{path.name}: 2-3 questions with <details> answers"
    nav = cells[-1]
    i = NOTEBOOKS.index(path)
    if i > 0:
        assert f"({NOTEBOOKS[i - 1].name})" in nav, f"{path.name}: no link back to {NOTEBOOKS[i - 1].name}"
    if i + 1 < len(NOTEBOOKS):
        assert f"({NOTEBOOKS[i + 1].name})" in nav, f"{path.name}: no link on to {NOTEBOOKS[i + 1].name}"
    if (ROOT / "exercises" / path.name).exists():
        assert f"(../exercises/{path.name})" in nav, f"{path.name}: no link to its exercises"
    if i > 0:
        assert "(00_welcome.ipynb#Glossary)" in nav, f"{path.name}: no link to the glossary"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_test_machinery_in_the_learners_text(path):
    text = "\n".join(markdown(path))
    assert [w for w in MACHINERY if w in text] == []


def test_links_between_notebooks_point_at_files_that_exist():
    for path in NOTEBOOKS:
        for target in re.findall(r"\]\(([^)#]+\.ipynb)", "\n".join(markdown(path))):
            assert (path.parent / target).resolve().exists(), f"{path.name} links {target}"
