"""The REPL and the chat in the notebook: a Console widget over their pure line -> text functions."""

import nbformat
import pathlib

from vtpu_lib.chat import Chat
from vtpu_lib.repl import Session
from vtpu_lib.widgets_console import Console

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_console_answers_what_the_session_answers_and_logs_both():
    plain, shown = Session(), Session()
    con = Console(shown.execute, prompt=lambda: shown.prompt)
    for line in ["write 1.1.1 42", "mov r0 10", "add r1 r0 r0", "reg", "bogus"]:
        assert con.submit(line) == plain.execute(line)
    text = con.text()
    assert "vtpu[0]> add r1 r0 r0\nr1 = 20" in text and "r0  = 10\nr1  = 20" in text
    assert "unknown command 'bogus'" in text and "&lt;" not in text
    assert "r1  = 20" in con.log.value


def test_enter_in_the_box_submits_and_clears_it():
    con = Console(Chat().reply, prompt="you> ")
    con.box.value = "dot product of 1,2,3 and 4,5,6"     # what the browser sends on Enter
    assert con.box.value == "" and con.transcript[0][1].startswith("dot([1, 2, 3], [4, 5, 6]) = 32")


def test_notebook_00_shows_the_originals_repl_session_and_the_chat():
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "vtpu[0]> add r1 r0 r0\nr1 = 20" in outputs and "r0  = 10\nr1  = 20" in outputs
    assert "dot([1, 2, 3], [4, 5, 6]) = 32" in outputs
    widget_cells = [c for c in nb.cells if c.cell_type == "code" and "Console(" in c.source]
    assert len(widget_cells) == 2 and all("nbval-ignore-output" in c.metadata.get("tags", []) for c in widget_cells)
