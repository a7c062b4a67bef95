"""Assembler and disassembler: round trips, directives, and compiler-style errors."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtpu_lib.asm import assemble, disassemble
from vtpu_lib.coord import DIM_NAMES, Coord
from vtpu_lib.errors import AsmError, VtpuError
from vtpu_lib.isa import OPS, PIPES, REG_FILES, Imm, Instr, Reg
from vtpu_lib.program import SIW, Program, SentronCode


def r(i):
    return Reg("r", i)


def p(i):
    return Reg("p", i)


def m(i):
    return Reg("m", i)


def asm_error(text: str) -> AsmError:
    with pytest.raises(AsmError) as e:
        assemble(text, file="prog.siw")
    return e.value


def assert_error_at(text: str, line: int, col: int, message: str) -> AsmError:
    """The error renders as 'prog.siw:LINE:COL: MESSAGE', the source line, then a caret."""
    err = asm_error(text)
    rendered = str(err).split("\n")
    assert rendered[0] == f"prog.siw:{line}:{col}: {message}"
    assert rendered[1] == "    " + text.splitlines()[line - 1]
    assert rendered[2] == "    " + " " * (col - 1) + "^"
    assert (err.file, err.line, err.col) == ("prog.siw", line, col)
    assert isinstance(err, VtpuError)
    return err


# -- the text format ------------------------------------------------------------------------------

def test_one_siw_per_line_with_slots_d_s_c():
    prog = assemble("add r3, r1, r2 | gather r0, p0 | send m0, 1\n")
    assert prog.siws == (SIW(Instr("add", (r(3), r(1), r(2))),
                             Instr("gather", (r(0), p(0))),
                             Instr("send", (m(0), 1))),)


def test_dash_and_nop_are_empty_slots():
    prog = assemble("- | nop | NOP\n")
    assert prog.siws == (SIW(None, None, None),)
    assert prog.sentrons[0].op_count() == 0


def test_operands_may_be_separated_by_commas_or_spaces():
    assert assemble("add r3 r1 r2 | - | -").siws == assemble("add r3,r1,  r2 | - | -").siws


def test_operand_kinds_are_decoded():
    prog = assemble("mov r1, #2.5 | index p1, p0, chapter, #-3 | recv m2, any\n"
                    "mov r2, r1   | index p2, p0, 10, 4       | bar #1, 4\n"
                    "-            | -                         | recv r3, bob\n")
    d0, s0, c0 = prog.siws[0].slots
    assert d0 == Instr("mov", (r(1), Imm(2.5)))
    assert s0 == Instr("index", (p(1), p(0), 2, -3))
    assert c0 == Instr("recv", (m(2), "any"))
    assert prog.siws[1].slots == (Instr("mov", (r(2), r(1))), Instr("index", (p(2), p(0), 10, 4)),
                                  Instr("bar", (1, 4)))
    assert prog.siws[2].c == Instr("recv", (r(3), "bob"))


def test_hash_comments_are_stripped_but_hash_immediates_are_kept():
    prog = assemble("# a whole-line comment\n"
                    "mov r1, #3 | - | -      # load three\n"
                    "mov r2, #-2.5 | - | - #no space needed\n"
                    "mov r3, #.5 | - | temp #+0.25\n"
                    "\n")
    assert [s.d for s in prog.siws] == [Instr("mov", (r(1), Imm(3.0))), Instr("mov", (r(2), Imm(-2.5))),
                                        Instr("mov", (r(3), Imm(0.5)))]
    assert prog.siws[2].c == Instr("temp", (Imm(0.25),))
    assert prog.sentrons[0].lines == (2, 3, 4)


def test_repeat_unrolls_its_body_n_times():
    prog = assemble("mov r2, #1 | - | -\n"
                    ".repeat 3\n"
                    "add r1, r1, r2 | - | -\n"
                    "- | prefetch p0 | -\n"
                    ".end\n")
    body = [SIW(Instr("add", (r(1), r(1), r(2)))), SIW(s=Instr("prefetch", (p(0),)))]
    assert prog.siws == (SIW(Instr("mov", (r(2), Imm(1.0)))),) + tuple(body * 3)
    assert prog.sentrons[0].lines == (1,) + (3, 4) * 3  # unrolled SIWs point at their source line


def test_nested_repeats_multiply():
    prog = assemble(".repeat 2\n.repeat 3\n- | - | -\n.end\nneg r1, r1 | - | -\n.end\n")
    assert len(prog.siws) == 2 * (3 + 1)
    assert prog.siws[3] == SIW(Instr("neg", (r(1), r(1))))


def test_set_gives_initial_register_values():
    prog = assemble(".set r1 2.5\n.set p0 1.1.1\n.set p1 3.2.1/1.1.1/1.1.1.1.9\n.set m0 1;2.5\n"
                    ".set r2 #4\n- | - | -\n")
    assert prog.sentrons[0].init == ((r(1), 2.5), (p(0), Coord.parse("1.1.1/1.1.1/1.1.1.1.1")),
                                     (p(1), Coord.parse("3.2.1/1.1.1/1.1.1.1.9")), (m(0), (1.0, 2.5)),
                                     (r(2), 4.0))


def test_mem_preloads_memory_cells():
    prog = assemble(".mem 1.1.1 3\n.mem 4.1.1/1.1.1/1.1.1.1.1 -0.5\n.mem 2.1.1 #7\n")
    assert prog.preload == ((Coord.parse("1.1.1"), 3.0), (Coord.parse("4.1.1"), -0.5),
                            (Coord.parse("2.1.1"), 7.0))


def test_a_file_without_sentron_sections_is_one_main_sentron_at_the_origin():
    prog = assemble("- | - | -\n")
    (s,) = prog.sentrons
    assert (s.name, s.id, s.home, s.core, s.thread) == ("main", 0, Coord(), None, 0)


def test_multi_sentron_file_has_one_section_per_sentron():
    prog = assemble(".mem 1.1.1 3\n"
                    ".sentron alice id=0 home=1.1.1\n"
                    ".set p0 1.1.1\n"
                    "- | gather r0, p0 | -\n"
                    "- | - | pack m0, r0\n"
                    "- | - | send m0, bob\n"
                    "\n"
                    ".sentron bob id=1 home=2.1.1/1.1.1/1.1.1.1.1 core=0 thread=1\n"
                    "- | - | recv r1, alice\n")
    alice, bob = prog.sentrons
    assert (alice.name, alice.id, alice.home, len(alice.siws)) == ("alice", 0, Coord.parse("1.1.1"), 3)
    assert (bob.name, bob.id, bob.home, bob.core, bob.thread) == ("bob", 1, Coord.parse("2.1.1"), 0, 1)
    assert bob.siws == (SIW(c=Instr("recv", (r(1), "alice"))),)
    assert prog.sentron("bob") is bob
    assert bob.lines == (9,)
    assert prog.preload == ((Coord.parse("1.1.1"), 3.0),)


def test_sections_without_ids_are_numbered_in_order():
    prog = assemble(".sentron a\n- | - | -\n.sentron b\n.sentron c home=3.1.1\n")
    assert [(s.name, s.id) for s in prog.sentrons] == [("a", 0), ("b", 1), ("c", 2)]


def test_home_directive_sets_the_current_sentrons_home():
    prog = assemble(".sentron a id=4\n.home 5.1.1\n")
    assert prog.sentrons[0].home == Coord.parse("5.1.1") and prog.sentrons[0].id == 4


def test_disassembly_is_canonical_text():
    prog = assemble(".mem 1.1.1 3\nmov r1, #3 | gather r0, p0 | -\n")
    assert disassemble(prog) == (
        ".mem 1.1.1/1.1.1/1.1.1.1.1 3.0\n"
        ".sentron main id=0 home=1.1.1/1.1.1/1.1.1.1.1\n"
        "mov r1, #3         | gather r0, p0      | -\n")


def test_non_text_input_is_an_asm_error():
    with pytest.raises(AsmError, match="expected program text"):
        assemble(b"- | - | -")


# -- errors: located like a compiler -------------------------------------------------------

def test_unknown_op_suggests_the_closest_op():
    err = assert_error_at("add r1, r2, r3 | - | -\n  ad r1, r2, r3 | - | -\n", 2, 3,
                          "unknown op 'ad' (did you mean 'add'?)")
    assert "D-pipe ops: add, sub" in err.hint


def test_unknown_op_in_a_later_slot_points_at_that_slot():
    assert_error_at("- | gathr r1, p0 | -", 1, 5, "unknown op 'gathr' (did you mean 'gather'?)")


def test_error_line_counts_comments_and_blank_lines():
    assert_error_at("# header\n\n- | - | -\n# more\nmull r1, r2, r3 | - | -\n", 5, 1,
                    "unknown op 'mull' (did you mean 'mul'?)")


def test_unknown_register_suggests_the_closest_register():
    assert_error_at("add r1, x2, r3 | - | -", 1, 9, "expected a register (r0-r15), got 'x2' (did you mean 'r2'?)")


def test_register_of_the_wrong_file_is_an_error():
    err = assert_error_at("add r1, p2, r3 | - | -", 1, 9, "expected r0-r15 here, got 'p2'")
    assert "p: phext coordinate" in err.hint


@pytest.mark.parametrize("text, col, message", [
    ("- | add r1, r2, r3 | -", 5, "'add' is a D-pipe op; it cannot go in the S slot"),
    ("gather r1, p0 | - | -", 1, "'gather' is an S-pipe op; it cannot go in the D slot"),
    ("- | - | gather r1, p0", 9, "'gather' is an S-pipe op; it cannot go in the C slot"),
    ("send m0, 1 | - | -", 1, "'send' is a C-pipe op; it cannot go in the D slot"),
])
def test_op_in_the_wrong_pipes_slot_is_an_error(text, col, message):
    err = assert_error_at(text, 1, col, message)
    assert "move it to the" in err.hint


@pytest.mark.parametrize("text, col, message", [
    ("add r16, r1, r2 | - | -", 5, "register r16 out of range (r0-r15)"),
    ("- | gather r1, p8 | -", 16, "register p8 out of range (p0-p7)"),
    ("- | - | pack m4, r1", 14, "register m4 out of range (m0-m3)"),
    (".set r99 1", 6, "register r99 out of range (r0-r15)"),
])
def test_register_out_of_range_is_an_error(text, col, message):
    assert_error_at(text, 1, col, message)


@pytest.mark.parametrize("text, col, message", [
    ("add r1, r2, r3 | gather r1, p0 | -", 18, "r1 is written by both the D and the S slot"),
    ("add r1, r2, r3 | - | recv r1, any", 22, "r1 is written by both the D and the C slot"),
    ("- | gather r2, p0 | unpack r2, m0, 1", 21, "r2 is written by both the S and the C slot"),
])
def test_two_slots_writing_one_register_is_an_error(text, col, message):
    err = assert_error_at(text, 1, col, message)
    assert "write each register once" in err.hint


def test_reading_a_register_another_slot_writes_is_allowed():
    prog = assemble("add r1, r2, r3 | scatter p0, r1 | pack m0, r1")
    assert len(prog.siws[0].ops()) == 3


@pytest.mark.parametrize("text, col, message", [
    (".mem 2048.1.1 3", 6,
     "bad coordinate: 2048 in coordinate '2048.1.1' (scroll) is outside 0..2047"),
    (".set p0 1.x.1", 9, "bad coordinate: 'x' in coordinate '1.x.1' is not a whole number"),
    (".sentron a id=0 home=1.1.1.1", 22,
     "bad coordinate: group 1 of coordinate '1.1.1.1' has 4 numbers, expected 3"),
    (".sentron a home=2048", 17, "bad coordinate: 2048 in coordinate '2048' (scroll) is outside 0..2047"),
    (".home 1/2", 7, "bad coordinate: group 1 of coordinate '1/2' has 1 numbers, expected 3"),
])
def test_bad_coordinate_in_a_directive_is_an_error(text, col, message):
    assert_error_at(text, 1, col, message)


@pytest.mark.parametrize("text, col, message", [
    ("add r1, r2 | - | -", 11, "'add' takes 3 operands, got 2"),
    ("add r1, r2, r3, r4 | - | -", 17, "'add' takes 3 operands, got 4"),
    ("- | - | pack m0", 16, "'pack' takes 2 to 5 operands, got 1"),
    ("- | prefetch | -", 13, "'prefetch' takes 1 operands, got 0"),
])
def test_wrong_operand_count_is_an_error(text, col, message):
    err = assert_error_at(text, 1, col, message)
    assert err.hint.startswith("usage: ")


@pytest.mark.parametrize("text, found", [("add r1, r2, r3 | -", 2), ("- | - | - | -", 4), ("mov r1, r2", 1)])
def test_siw_without_exactly_three_slots_is_an_error(text, found):
    err = assert_error_at(text, 1, 1, f"a SIW has 3 slots 'D | S | C', found {found}")
    assert "write '-' for an empty slot" in err.hint


def test_empty_slot_text_is_an_error():
    assert_error_at("- |  | -", 1, 4, "the S slot is empty")


def test_nop_with_operands_is_an_error():
    assert_error_at("- | nop r1 | -", 1, 9, "a NOP takes no operands")


def test_repeat_without_end_is_an_error_at_the_repeat():
    err = assert_error_at("- | - | -\n.repeat 2\n- | - | -\n", 2, 1, ".repeat without a matching .end")
    assert ".end" in err.hint


def test_end_without_repeat_is_an_error_at_the_end():
    assert_error_at("- | - | -\n  .end\n", 2, 3, ".end without a .repeat")


@pytest.mark.parametrize("text", [".repeat", ".repeat 0", ".repeat x", ".repeat 2 3", ".repeat -1"])
def test_repeat_needs_a_positive_count(text):
    assert asm_error(text).message == ".repeat needs a count >= 1"


def test_directive_inside_repeat_is_an_error():
    assert_error_at(".repeat 2\n.mem 1.1.1 1\n.end", 2, 1, ".mem cannot appear inside a .repeat block")


def test_unknown_directive_suggests_the_closest():
    err = assert_error_at(".rept 3", 1, 1, "unknown directive '.rept' (did you mean '.repeat'?)")
    assert ".sentron" in err.hint


@pytest.mark.parametrize("text, col, message", [
    ("mov r1, #x2 | - | -", 1, "a SIW has 3 slots 'D | S | C', found 1"),  # '#x' starts a comment
    (".mem 1.1.1 abc", 12, "expected a number, got 'abc'"),
    ("- | index p0, p1, sroll, 3 | -", 19,
     "dimension 'sroll' is not 0..10 or a dimension name (did you mean 'scroll'?)"),
    ("- | index p0, p1, 11, 3 | -", 19, "dimension '11' is not 0..10 or a dimension name"),
    ("- | - | bar 1.5, 2", 13, "expected a whole number, got '1.5'"),
    ("- | - | temp 3", 14, "expected an immediate like '#1.5', got '3'"),
    ("- | - | send m0, 1x", 18, "expected a sentron id or name, got '1x'"),
    (".sentron a id=x", 15, "id must be a whole number >= 0"),
    (".sentron a colour=red", 12, "unknown .sentron option 'colour=red'"),
    (".sentron 9lives", 10, ".sentron needs a name"),
    (".sentron a\n.sentron a", 1, "sentron 'a' is defined twice"),
    (".sentron a id=1\n.sentron b id=1", 1, "sentron id 1 is used twice"),
    (".mem 1.1.1", 1, ".mem takes 2 argument(s), got 1"),
])
def test_other_mistakes_are_located(text, col, message):
    line = 2 if message.startswith(("sentron 'a'", "sentron id")) else 1
    assert_error_at(text, line, col, message)


# -- edge cases found while writing these tests ------------------------------------------

@pytest.mark.parametrize("imm", ["#1e999", "#+inf"])
def test_infinite_immediate_survives_disassembly(imm):
    prog = assemble(f"mov r1, {imm} | - | -")
    assert prog.siws[0].d == Instr("mov", (r(1), Imm(math.inf)))
    assert assemble(disassemble(prog)) == prog


def test_negative_zero_immediate_keeps_its_sign_through_disassembly():
    prog = assemble("mov r1, #-0.0 | - | -")
    back = assemble(disassemble(prog)).siws[0].d.args[1].value
    assert math.copysign(1.0, back) == -1.0


@pytest.mark.parametrize("text", ["- | - | send m0, ²", ".repeat ²", ".sentron a id=²", ".mem ².1.1 1",
                                  "- | index p0, p1, ², 1 | -"])
def test_unicode_digits_give_an_asm_error(text):
    with pytest.raises(AsmError):
        assemble(text)


@pytest.mark.parametrize("template", [".mem {}.1.1 1", ".repeat {}", "- | - | bar {}, 1"])
def test_huge_numbers_give_an_asm_error(template):
    with pytest.raises(AsmError):
        assemble(template.format("9" * 5000))


def test_message_register_initialiser_is_limited_to_four_lanes():
    err = asm_error(".set m0 1;2;3;4;5")
    assert (err.line, err.col) == (1, 9)
    assert "at most 4" in err.message and "got 5" in err.message


def test_an_empty_main_sentron_survives_the_round_trip():
    prog = Program((SentronCode(name="main", id=5), SentronCode(name="b", id=1, siws=(SIW(),))))
    assert assemble(disassemble(prog)) == prog


def run_isolated(text: str) -> str:
    """Assemble in a child process with 2 GB of memory and 10 s, so a runaway unroll cannot
    take the test run down with it. Returns 'OK <siws>' or 'AsmError <line> <message>'."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from vtpu_lib.asm import assemble\n"
            "from vtpu_lib.errors import AsmError\n"
            "try:\n"
            "    print('OK', len(assemble(sys.stdin.read()).sentrons[0].siws))\n"
            "except AsmError as e:\n"
            "    print('AsmError', e.line, e.message)\n")
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True,
                          timeout=10, check=True)
    return done.stdout.strip()


def test_a_huge_repeat_of_an_empty_body_finishes_at_once():
    assert run_isolated(".repeat 1000000000\n.end\n") == "OK 0"


def test_nested_repeats_that_unroll_past_the_limit_fail_before_allocating():
    text = ".repeat 1000\n" * 4 + "- | - | -\n" + ".end\n" * 4
    out = run_isolated(text)
    assert out.startswith("AsmError ") and "5,000,000" in out


def test_a_huge_repeat_of_one_siw_is_rejected():
    err = asm_error("- | - | -\n.repeat 1000000000\n- | - | -\n.end\n")
    assert "5,000,000" in err.message
    assert err.line in (2, 3)


# -- property: assemble . disassemble = id ---------------------------------------------------

NAMES = st.one_of(st.just("main"), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True))
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e300, 1e300).map(lambda f: f"{f:.4e}"),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["0", "-0.0", "+1.5", ".25", "5e-324", "1e308"]),
)
VALUE_TEXT = st.one_of(NUMBER_TEXT, st.sampled_from(["inf", "-inf", "1e999", "#2", "#-1.5"]))
SEP = st.sampled_from([", ", ",", " ", " ,  "])


def reg_text(files: str, exclude=frozenset()):
    choices = [f"{f}{i}" for f in files for i in range(REG_FILES[f]) if f"{f}{i}" not in exclude]
    return st.sampled_from(choices)


@st.composite
def coord_text(draw):
    k = draw(st.integers(1, 11))
    dims = [str(x) for x in draw(st.lists(st.integers(0, 2047), min_size=k, max_size=k))]
    groups = [dims[0:3], dims[3:6], dims[6:11]]
    return "/".join(".".join(g) for g in groups if g)


# Whole-number operands that mean something on the machine (the assembler rejects the rest).
INT_RANGES = {("bar", "id"): (0, 999), ("bar", "count"): (1, 999), ("unpack", "lane"): (0, 3),
              ("index", "k"): (-2047, 2047), ("beacon", "radius"): (0, 11)}


@st.composite
def operand_text(draw, kind: str, writes: bool, written: set, op: str = "", name: str = ""):
    exclude = written if writes else frozenset()
    if kind in ("r", "p", "m", "rm"):
        text = draw(reg_text(kind, exclude))
    elif kind == "ri":
        text = draw(st.one_of(reg_text("r", exclude), NUMBER_TEXT.map(lambda t: "#" + t)))
    elif kind == "imm":  # temp: a temperature >= 0
        text = "#" + draw(NUMBER_TEXT.filter(lambda t: float(t) >= 0) if op == "temp" else NUMBER_TEXT)
    elif kind == "int":
        text = draw(st.sampled_from(["", "#"])) + str(draw(st.integers(*INT_RANGES[op, name])))
    elif kind == "dim":
        text = draw(st.one_of(st.integers(0, 10).map(str), st.sampled_from(DIM_NAMES)))
    elif kind in ("sentron", "src"):
        options = [st.integers(0, 99).map(str), NAMES]
        if kind == "src":
            options.append(st.just("any"))
        text = draw(st.one_of(options))
    else:
        raise AssertionError(f"test generator misses operand kind {kind!r}")
    if writes:
        written.add(text)
    return text


@st.composite
def slot_text(draw, pipe, written: set):
    names = [n for n, s in OPS.items() if s.pipe == pipe]
    choice = draw(st.sampled_from(["-", "nop", "NOP"] + names * 3))
    if choice in ("-", "nop", "NOP"):
        return choice
    spec = OPS[choice]
    n = draw(st.integers(spec.min_operands or spec.max_operands, spec.max_operands))
    args = [draw(operand_text(o.kind, o.writes, written, choice, o.name)) for o in spec.operands[:n]]
    op = draw(st.sampled_from([choice, choice.upper()]))
    return op + (" " + draw(SEP).join(args) if args else "")


@st.composite
def siw_text(draw):
    written: set = set()
    slots = [draw(slot_text(pipe, written)) for pipe in PIPES]
    pad = draw(st.sampled_from(["", " ", "  "]))
    comment = draw(st.sampled_from(["", "  # a comment", " #note", "# x | y"]))
    return (pad + "|" + pad).join(slots) + comment


@st.composite
def body_lines(draw, depth: int = 0):
    """SIW lines, possibly inside (nested) .repeat blocks; returns (lines, SIW count)."""
    lines, count = [], 0
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["siw", "siw", "siw", "comment", "blank", "repeat"]))
        if kind == "siw":
            lines.append(draw(siw_text()))
            count += 1
        elif kind == "comment":
            lines.append("# " + draw(st.sampled_from(["gather q", "| - | -", ".end", "1.1.1"])))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "   "])))
        elif depth < 2:
            n = draw(st.integers(1, 3))
            inner, inner_count = draw(body_lines(depth + 1))
            lines += [f".repeat {n}", *inner, ".end"]
            count += n * inner_count
    return lines, count


@st.composite
def set_line(draw):
    reg = draw(reg_text("rpm"))
    if reg[0] == "r":
        value = draw(VALUE_TEXT)
    elif reg[0] == "p":
        value = draw(coord_text())
    else:
        value = ";".join(draw(st.lists(NUMBER_TEXT, min_size=1, max_size=4)))
    return f".set {reg} {value}"


@st.composite
def program_text(draw):
    """Program text and the number of SIWs each sentron should get after unrolling."""
    lines, counts = [], []
    n_sections = draw(st.integers(0, 3))  # 0: no .sentron line, one implicit 'main'
    names = draw(st.lists(NAMES, min_size=n_sections, max_size=n_sections, unique=True))
    explicit_ids = draw(st.booleans())
    ids = draw(st.lists(st.integers(0, 50), min_size=n_sections, max_size=n_sections, unique=True))
    for i in range(max(n_sections, 1)):
        lines += [f".mem {draw(coord_text())} {draw(VALUE_TEXT)}" for _ in range(draw(st.integers(0, 2)))]
        if n_sections:
            opts = [f"id={ids[i]}"] if explicit_ids else []
            if draw(st.booleans()):
                opts.append(f"home={draw(coord_text())}")
            if draw(st.booleans()):
                opts.append(f"core={draw(st.integers(0, 7))}")
            if draw(st.booleans()):
                opts.append(f"thread={draw(st.integers(0, 3))}")
            lines.append(" ".join([".sentron", names[i], *opts]))
        if draw(st.booleans()):
            lines.append(f".home {draw(coord_text())}")
        lines += [draw(set_line()) for _ in range(draw(st.integers(0, 3)))]
        body, count = draw(body_lines())
        lines += body
        counts.append(count)
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"])), counts


@settings(max_examples=200, deadline=None)
@given(program_text())
def test_assemble_of_disassemble_is_the_same_program(generated):
    text, counts = generated
    prog = assemble(text)
    assert [len(s.siws) for s in prog.sentrons] == counts
    canonical = disassemble(prog)
    again = assemble(canonical)
    assert again == prog
    assert disassemble(again) == canonical


# -- property: bad text gives AsmError, never a crash -----------------------------------------

FRAGMENTS = ["add", "mov", "gather", "scatter", "index", "send", "recv", "pack", "unpack", "bar",
             "temp", "fma", "nop", "ad", "r1", "r15", "r16", "p0", "p8", "m3", "m4", "x", "any",
             "scroll", ",", "|", "-", "#", "#1.5", "#-", "#x", "1", "2", "0", "-3", "1.5", "inf",
             "nan", ".repeat", ".end", ".set", ".mem", ".sentron", ".home", ".bogus", "id=", "home=",
             "core=", "=", "1.1.1", "2.1.1/1.1.1/1.1.1.1.1", "/", ".", ";", "2048", " ", " ", "\t",
             "\n", "\n", "\r\n"]


def assembles_or_raises_asm_error(text: str) -> None:
    try:
        prog = assemble(text)
    except AsmError as e:
        assert e.line >= 0 and e.col >= 1
        str(e)  # renders
    else:
        assert isinstance(prog, Program)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes_the_assembler(text):
    assembles_or_raises_asm_error(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_siw_like_text_never_crashes_the_assembler(text):
    assembles_or_raises_asm_error(text)
