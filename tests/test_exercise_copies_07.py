"""Notebook 07's own code does not pass its exercises.

The nearest code of the notebook -- its slot accounts (of its example program, and of the
exercise's program under the other preset) for 7.1; its programs (the example, the synthetic
stream, a packed kernel) and the synthetic stream rebuilt with the exercise's mix for 7.2 -- goes
to the checker, which must reject it.
"""

import pathlib

import nbformat
import pytest

import vtpu_lib as vt
from vtpu_lib.accounting import slot_account
from vtpu_lib.course import measuring
from vtpu_lib.course.check import ExerciseFailed
from vtpu_lib.course.check import nb07 as check
from vtpu_lib.kernels import kernel
from vtpu_lib.schedule import pack

ROOT = pathlib.Path(__file__).resolve().parents[1]


def notebook_code(needle: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / "07_measuring.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell.source
    pytest.fail(f"notebooks/07_measuring.ipynb no longer has {needle!r}: update tests/test_exercise_copies_07.py")


def rejected(checker, answer) -> str:
    with pytest.raises(ExerciseFailed) as e:
        checker(lambda: answer)
    return str(e.value)


def as_prediction(account) -> dict:
    """What the notebook's account cell gives, in the shape 7.1 asks for."""
    return {"cycles": account.cycles, "empty": account.empty_slots, "dependence": account.stalls["dependence"],
            "ppt-miss": account.stalls["ppt-miss"], "drain": account.drain}


# -- 7.1 ---------------------------------------------------------------------------------------------

def test_7_1_the_notebooks_account_of_its_own_example_fails():
    assert "account = slot_account(example)" in notebook_code("slot_account(example)")
    example = vt.run(vt.assemble(measuring.EXAMPLE), "realistic")
    message = rejected(check.exercise_7_1, as_prediction(slot_account(example)))
    assert "are wrong" in message and "measured" not in message


def test_7_1_the_exercise_program_counted_under_seed_fails():
    seed = slot_account(vt.run(vt.assemble(check.PROGRAM_7_1), "seed"))
    assert (seed.stall_slots, seed.drain) == (0, 0)          # seed: every latency 1, no miss penalty
    message = rejected(check.exercise_7_1, as_prediction(seed))
    assert "your cycles, dependence slots, ppt-miss slots and drain slots are wrong" in message


# -- 7.2 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("program", [
    measuring.EXAMPLE,
    vt.disassemble(measuring.synthetic_stream()),
    vt.disassemble(pack(measuring.synthetic_stream(), "realistic")),
    vt.disassemble(pack(kernel("dot").program, "realistic")),
], ids=["example", "synthetic stream", "packed synthetic stream", "packed dot kernel"])
def test_7_2_the_notebooks_programs_fail(program):
    message = rejected(check.exercise_7_2, program)
    assert "leave out the .mem lines" in message or "the exercise asks for exactly 12, 12 and 6" in message


def _without_mem(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith(".mem"))


def test_7_2_the_synthetic_stream_with_the_exercises_mix_is_filler_and_fails():
    """The one obvious edit: draw the synthetic stream with 12 D, 12 S and 6 C ops. Packed it
    reaches the bound, but its ops feed no result."""
    assert "measuring.original_rows" in notebook_code("original_rows")
    for seed in range(20):
        stream = measuring.synthetic_stream(30, (0.4, 0.4, 0.2), seed=seed)
        counts = {p: sum(1 for w in stream.sentrons[0].siws if w.slots["DSC".index(p)]) for p in "DSC"}
        if counts == check.MIX_7_2:
            break
    else:
        pytest.fail("no seed gives the mix 12/12/6")
    for program in (stream, pack(stream, "realistic")):
        message = rejected(check.exercise_7_2, _without_mem(vt.disassemble(program)))
        assert "nothing was scattered to section 2" in message
