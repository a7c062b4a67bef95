"""Assembler edge cases: line endings, invisible characters, ASCII numbers, operand ranges,
the unroll limit and scale. Every error is an AsmError with a location, never a traceback."""

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vtpu_lib.asm
from vtpu_lib.asm import assemble, assemble_file
from vtpu_lib.errors import AsmError
from vtpu_lib.isa import OPS, Imm, Instr, Reg
from vtpu_lib.program import SIW, Program

SPLITLINES_ONLY = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]  # not '\n'


def error_of(text: str) -> AsmError:
    with pytest.raises(AsmError) as e:
        assemble(text, file="prog.siw")
    return e.value


def assert_error(text: str, line: int, col: int, message: str) -> AsmError:
    err = error_of(text)
    assert (err.file, err.line, err.col) == ("prog.siw", line, col)
    assert str(err).split("\n")[0] == f"prog.siw:{line}:{col}: {message}"
    return err


def caret_target(err: AsmError) -> str:
    """The character of the shown source line that the caret points at."""
    _, shown, caret = str(err).split("\n")[:3]
    return shown[caret.index("^")]


# -- lines: only '\n' ends one ----------------------------------------------------------------

@pytest.mark.parametrize("sep", SPLITLINES_ONLY)
def test_form_feed_and_other_splitlines_separators_in_a_comment_do_not_end_the_line(sep):
    prog = assemble(f"mov r1, #1 | - | -   # a{sep}b | - | -\nneg r2, r1 | - | -\n")
    assert prog.siws == (SIW(Instr("mov", (Reg("r", 1), Imm(1.0)))), SIW(Instr("neg", (Reg("r", 2), Reg("r", 1)))))
    assert prog.sentrons[0].lines == (1, 2)


@pytest.mark.parametrize("sep", SPLITLINES_ONLY)
def test_line_numbers_after_a_separator_in_a_comment_stay_right(sep):
    assert_error(f"# page one{sep}page two\nad r1, r2, r3 | - | -\n", 2, 1, "unknown op 'ad' (did you mean 'add'?)")


@pytest.mark.parametrize("ch, name", [("\x0c", "U+000C (form feed)"), ("\x0b", "U+000B (vertical tab)"),
                                      ("\x00", "U+0000 (nul)"), ("\x1c", "U+001C"), ("\x85", "U+0085"),
                                      ("\u2028", "U+2028 (line separator)"), ("\xa0", "U+00A0 (no-break space)"),
                                      ("\u200b", "U+200B (zero width space)")])
def test_control_character_in_code_is_a_located_error(ch, name):
    err = assert_error(f"- | - | -\nadd r1,{ch}r2, r3 | - | -\n", 2, 8, f"unexpected character {name}")
    assert caret_target(err) == "\ufffd"  # shown as U+FFFD, the caret under it
    assert "printable" in err.hint


def test_crlf_line_endings_read_like_lf():
    text = "mov r1, #1 | - | -\nneg r2, r1 | - | -   # note\n"
    assert assemble(text.replace("\n", "\r\n")) == assemble(text)
    assert_error("- | - | -\r\nad r1, r2, r3 | - | -\r\n", 2, 1, "unknown op 'ad' (did you mean 'add'?)")


def test_a_lone_carriage_return_is_an_error_not_a_line_break():
    err = assert_error("- | - | -\r- | - | -\n", 1, 10, "unexpected character U+000D (carriage return)")
    assert "line endings" in err.hint


def test_a_carriage_return_in_a_comment_is_ignored():
    assert len(assemble("- | - | - # old\rmac\n- | - | -\n").siws) == 2


def test_a_byte_order_mark_at_the_start_is_ignored():
    assert assemble("\ufeffmov r1, #1 | - | -\n") == assemble("mov r1, #1 | - | -\n")
    assert_error("\ufeffad r1, r2, r3 | - | -", 1, 1, "unknown op 'ad' (did you mean 'add'?)")


def test_a_byte_order_mark_after_the_start_is_an_error():
    assert_error("- | - | -\n\ufeff- | - | -\n", 2, 1, "unexpected character U+FEFF (zero width no-break space)")


@pytest.mark.parametrize("text, col, target", [
    ("\tadd r1,\tr2, x3 | - | -", 14, "x"),
    ("-\t|\t-\t|\tpack m0,\tr99", 18, "r"),
    ("\t\t  ad\tr1, r2, r3 | - | -", 5, "a"),
])
def test_caret_sits_under_the_offending_token_on_a_line_with_tabs(text, col, target):
    err = error_of(text)
    assert err.col == col                       # the real 1-based character column
    assert text[col - 1] == target
    assert caret_target(err) == target          # the caret is under it in the shown line
    assert str(err).split("\n")[1] == "    " + text.replace("\t", " ")


# -- numbers and registers: ASCII digits only ---------------------------------------------------

def test_a_register_number_with_5000_digits_is_out_of_range_not_a_crash():
    err = assert_error("add r" + "1" * 5000 + ", r1, r2 | - | -", 1, 5,
                       "register r1111111111111111111... out of range (r0-r15)")
    assert err.hint == "the sentron has 16 r registers"


@pytest.mark.parametrize("digit", ["\u0661", "\uff11", "\u00b9"])   # Arabic-Indic 1, fullwidth 1, superscript 1
def test_registers_are_numbered_with_ascii_digits_only(digit):
    err = assert_error(f"add r{digit}, r1, r2 | - | -", 1, 5, f"expected a register (r0-r15), got 'r{digit}'")
    assert "ASCII digits" in err.hint


@pytest.mark.parametrize("text, col, shown", [
    ("mov r1, #\u0661 | - | -", 9, "'#\u0661'"),
    ("mov r1, #\uff11.5 | - | -", 9, "'#\uff11.5'"),
    (".set r1 \u0661", 9, "'\u0661'"),
    (".mem 1.1.1 \uff12", 12, "'\uff12'"),
    ("- | - | temp #\u0661", 14, "'#\u0661'"),
])
def test_numbers_are_written_with_ascii_digits_only(text, col, shown):
    err = assert_error(text, 1, col, f"expected a number, got {shown}")
    assert "ASCII digits" in err.hint


@pytest.mark.parametrize("text, col, message", [
    (".repeat \u0661\n.end", 9, ".repeat needs a count >= 1"),
    (".sentron a id=\u0661", 15, "id must be a whole number >= 0"),
    (".sentron a core=" + "9" * 5000, 17, "core must be a whole number >= 0"),
    ("- | - | bar \u0661, 1", 13, "expected a whole number, got '\u0661'"),
    ("- | - | bar 1, " + "9" * 5000, 16, "expected a whole number, got '" + "9" * 24 + "...'"),
    ("- | index p0, p1, \u0661, 1 | -", 19, "dimension '\u0661' is not 0..10 or a dimension name"),
    ("- | - | send m0, \u0661", 18, "expected a sentron id or name, got '\u0661'"),
    (".set m0 1;\u0662", 11, "expected a number in every lane, got '\u0662'"),
])
def test_counts_ids_and_whole_number_operands_are_ascii_and_bounded(text, col, message):
    assert_error(text, 1, col, message)


@pytest.mark.parametrize("text, col, message", [
    (".set m0 1;;2", 11, "expected a number in every lane, got an empty lane"),
    (".set m0 1;x", 11, "expected a number in every lane, got 'x'"),
    (".set m0 ;", 9, "expected a number in every lane, got an empty lane"),
])
def test_message_register_lanes_are_located(text, col, message):
    assert_error(text, 1, col, message)


# -- operand ranges ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, col, message, hint", [
    ("- | - | bar 1, 0", 16, "'bar' count must be >= 1, got '0'", "how many sentrons"),
    ("- | - | bar -1, -5", 13, "'bar' id must be >= 0, got '-1'", "numbered 0, 1, 2"),
    ("- | - | bar #2, #-1", 17, "'bar' count must be >= 1, got '#-1'", "how many sentrons"),
    ("- | - | unpack r1, m0, 4", 24, "'unpack' lane must be 0..3, got '4'", "4 lanes"),
    ("- | - | unpack r1, m0, -1", 24, "'unpack' lane must be 0..3, got '-1'", "4 lanes"),
    ("- | index p0, p0, 0, 2048 | -", 22, "'index' k must be -2047..2047, got '2048'", "0..2047"),
    ("- | index p0, p0, 0, -2048 | -", 22, "'index' k must be -2047..2047, got '-2048'", "0..2047"),
    ("- | - | beacon m0, 12", 20, "'beacon' radius must be 0..11, got '12'", "hamming"),
    ("- | - | beacon m0, -1", 20, "'beacon' radius must be 0..11, got '-1'", "hamming"),
])
def test_whole_number_operands_outside_their_range_are_located_errors(text, col, message, hint):
    err = assert_error(text, 1, col, message)
    assert hint in err.hint


def test_whole_number_operands_at_the_ends_of_their_range_are_accepted():
    prog = assemble("- | index p0, p0, 0, 2047 | bar 0, 1\n- | index p0, p0, 0, -2047 | unpack r1, m0, 3\n"
                    "- | - | beacon m0, 0\n- | - | beacon m0, 11\n- | - | unpack r1, m0, 0\n")
    assert [siw.ops()[-1].args[-1] for siw in prog.siws] == [1, 3, 0, 11, 0]


def test_every_whole_number_operand_in_the_op_table_has_a_range_rule():
    ints = {(name, o.name) for name, spec in OPS.items() for o in spec.operands if o.kind == "int"}
    assert ints <= set(vtpu_lib.asm._OPERAND_RULES)


@pytest.mark.parametrize("imm", ["#nan", "#-1", "#-inf", "#-1e-300"])
def test_a_nan_or_negative_temperature_is_a_located_error(imm):
    err = assert_error(f"- | - | temp {imm}", 1, 14, f"'temp' t must be >= 0 (nan has no meaning), got '{imm}'")
    assert "#inf is uniform" in err.hint


@pytest.mark.parametrize("imm, value", [("#inf", float("inf")), ("#0", 0.0), ("#1e-300", 1e-300), ("#2.5", 2.5)])
def test_a_temperature_of_zero_tiny_or_infinite_assembles(imm, value):
    assert assemble(f"- | - | temp {imm}").siws[0].c == Instr("temp", (Imm(value),))


# -- scale: sections and .repeat ----------------------------------------------------------------

def test_twenty_thousand_sentron_sections_assemble_with_distinct_names():
    n = 20_000
    prog = assemble("".join(f".sentron s{i}\n- | - | -\n" for i in range(n)))
    assert len(prog.sentrons) == n
    assert len({s.name for s in prog.sentrons}) == n and len({s.id for s in prog.sentrons}) == n
    assert prog.sentrons[-1].lines == (2 * n,)


def test_a_repeated_sentron_name_is_found_among_many_sections():
    text = "".join(f".sentron s{i}\n" for i in range(5000)) + ".sentron s17\n"
    assert_error(text, 5001, 1, "sentron 's17' is defined twice")


def test_a_repeated_body_reuses_the_same_siw_and_line_objects():
    text = "# filler\n" * 300 + ".repeat 5\nmov r1, #1 | - | -\n- | - | -\n- | - | -\nneg r1, r1 | - | -\n.end\n"
    code = assemble(text).sentrons[0]
    assert len(code.siws) == 20
    assert code.siws[0] is code.siws[4] is code.siws[16]
    assert code.lines[0] == code.lines[4] == 302   # line numbers are kept in 4 bytes each (program.Lines)


def test_nested_repeats_multiply_and_keep_their_order():
    prog = assemble(".repeat 2\n.repeat 3\nmov r1, #1 | - | -\n.end\nneg r1, r1 | - | -\n.end\n")
    ops = [siw.d.op for siw in prog.siws]
    assert ops == ["mov", "mov", "mov", "neg"] * 2
    assert prog.sentrons[0].lines == (3, 3, 3, 5) * 2


def test_a_repeat_of_four_million_assembles_into_one_shared_siw():
    code = assemble(".repeat 4000000\nadd r1, r1, r2 | - | -\n.end\n").sentrons[0]
    assert len(code.siws) == len(code.lines) == 4_000_000
    assert code.siws[0] is code.siws[-1] and code.lines[-1] == 2


def test_the_unroll_limit_counts_every_sentron_together(monkeypatch):
    monkeypatch.setattr(vtpu_lib.asm, "MAX_UNROLLED_SIWS", 100)
    text = (".sentron a\n.repeat 60\n- | - | -\n.end\n"
            ".sentron b\n  .repeat 41\n- | - | -\n.end\n")
    err = assert_error(text, 6, 11, ".repeat 41 of 1 SIW(s) makes the program 101 SIWs (all sentrons), more than 100")
    assert "nested counts multiply" in err.hint
    assert len(assemble(text.replace("41", "40")).sentrons[1].siws) == 40


def test_nested_repeats_past_the_limit_name_the_repeat_that_crosses_it(monkeypatch):
    monkeypatch.setattr(vtpu_lib.asm, "MAX_UNROLLED_SIWS", 100)
    text = "- | - | -\n.repeat 10\n.repeat 10\n- | - | -\n.end\n.end\n"
    assert_error(text, 2, 9, ".repeat 10 of 10 SIW(s) makes the program 101 SIWs (all sentrons), more than 100")


def test_plain_siw_lines_count_toward_the_limit(monkeypatch):
    monkeypatch.setattr(vtpu_lib.asm, "MAX_UNROLLED_SIWS", 3)
    assert_error(".sentron a\n- | - | -\n- | - | -\n.sentron b\n- | - | -\n- | - | -\n", 6, 1,
                 "the program has more than 3 SIWs")


def run_isolated(text: str) -> str:
    """Assemble in a child with 2 GB of address space and 20 s: a runaway unroll cannot take the
    test run down with it. Returns 'OK' or 'AsmError <line>:<col> <message>'."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from vtpu_lib.asm import assemble\n"
            "from vtpu_lib.errors import AsmError\n"
            "try:\n"
            "    assemble(sys.stdin.read()); print('OK')\n"
            "except AsmError as e:\n"
            "    print('AsmError', f'{e.line}:{e.col}', e.message)\n")
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True,
                          timeout=20, check=True)
    return done.stdout.strip()


def test_four_sentrons_of_almost_five_million_siws_each_fail_at_the_second_without_allocating():
    text = "".join(f".sentron s{i}\n.repeat 4999999\n- | - | -\n.end\n" for i in range(4))
    assert run_isolated(text) == ("AsmError 6:9 .repeat 4,999,999 of 1 SIW(s) makes the program 9,999,998 SIWs "
                                  "(all sentrons), more than 5,000,000")


# -- program files --------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_assemble_file_refuses_a_named_pipe_instead_of_blocking(tmp_path):
    fifo = tmp_path / "prog.siw"
    os.mkfifo(fifo)
    with pytest.raises(AsmError, match=r"cannot read program: not a regular file \(a named pipe\)") as e:
        assemble_file(fifo)
    assert e.value.file == str(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_assemble_file_refuses_dev_zero():
    with pytest.raises(AsmError, match=r"not a regular file \(a character device\)"):
        assemble_file("/dev/zero")


def test_assemble_file_refuses_a_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(vtpu_lib.asm, "MAX_SOURCE_BYTES", 1 << 20)
    big = tmp_path / "big.siw"
    big.write_text("- | - | -\n" * 120_000)
    with pytest.raises(AsmError, match="larger than the 1 MiB limit"):
        assemble_file(big)


def test_assemble_file_of_a_missing_file_is_an_asm_error(tmp_path):
    with pytest.raises(AsmError, match="cannot read program: No such file"):
        assemble_file(tmp_path / "nope.siw")


# -- property: any text gives a Program or an AsmError -----------------------------------------------

TRICKY = list("\x00\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\xa0\u2028\u2029\ufeff\u200b\u0661\uff11\u00b2\ud800#|,;.=-")
FRAGMENTS = ["add r1, r2, r3", "mov r1, #", "- | - | -", "| ", "bar ", "temp #", "unpack r1, m0, ",
             "index p0, p0, 0, ", "beacon m0, ", ".repeat ", ".end", ".sentron a", ".set m0 ", ".set r",
             ".mem 1.1.1 ", "r1", "#nan", "#-1", "9" * 30, "\r\n", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TRICKY), st.sampled_from(FRAGMENTS), st.text(max_size=5)),
                max_size=40).map("".join))
def test_any_text_with_control_characters_and_unicode_digits_gives_a_program_or_an_asm_error(text):
    try:
        prog = assemble(text)
    except AsmError as e:
        assert e.line >= 1 and e.col >= 1
        rendered = str(e)
        assert rendered.startswith(f"<program>:{e.line}:{e.col}: ")
        shown = rendered.split("\n")[1:2]
        assert all(line.isprintable() for line in shown)   # no raw control characters in the output
    else:
        assert isinstance(prog, Program)
