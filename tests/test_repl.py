"""The REPL (``python -m vtpu_lib repl``): the original asi's commands with our coordinates, none
of its crashes, and transcripts fed through ``Session.execute``, ``repl_main`` and a real stdin."""

import argparse
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

from vtpu_lib.isa import OPS
from vtpu_lib.repl import COMMANDS, Session, add_repl_parser, completions, repl_main


def transcript(lines, session=None):
    """Feed lines to one session; return the outputs and the session."""
    s = session or Session()
    return [s.execute(line) for line in lines], s


def one_error_line(out: str) -> bool:
    return out.startswith("error: ") and "\n" not in out and "(hint: " in out


# -- the original's session and its commands -------------------------------------------------------

def test_the_originals_session_gives_r0_10_and_r1_20():
    outs, s = transcript(["write 1.1.1 42", "mov r0 10", "add r1 r0 r0", "reg"])
    assert outs[0] == "wrote 42 to 1.1.1/1.1.1/1.1.1.1.1 (PPT miss)"
    assert outs[1].startswith("r0 = 10  (1 op in 1 cycle: 1.00 ops/cycle)")
    assert outs[2].startswith("r1 = 20  (1 op in 1 cycle: 1.00 ops/cycle)")
    assert outs[3] == "r0  = 10\nr1  = 20"
    assert s.prompt == "vtpu[0]> "


def test_short_coordinates_mean_the_examples_cells_not_zeros():
    outs, _ = transcript(["write 1.1.1 42", "read 1.1.1/1.1.1/1.1.1.1.1", "read 1.1.1/1.1.1", "mem"])
    assert outs[1] == "1.1.1/1.1.1/1.1.1.1.1 = 42 (PPT hit)"
    assert outs[2] == "1.1.1/1.1.1/1.1.1.1.1 = 42 (PPT hit)"   # dims 3-5 given as 1: the same cell
    assert outs[3] == "1.1.1/1.1.1/1.1.1.1.1 = 42"


def test_reg_says_all_zero_and_preg_lists_only_moved_registers():
    outs, _ = transcript(["reg", "preg", "set p2 4.1.1", "preg", "mreg", "set m1 1;2.5", "mreg"])
    assert outs[0] == "(all zero)"
    assert outs[1].startswith("(all at the origin")
    assert outs[3] == "p2 = 4.1.1/1.1.1/1.1.1.1.1"
    assert outs[4] == "(all empty)" and outs[6] == "m1 = (1, 2.5)"


def test_ppt_counts_host_and_typed_accesses_together():
    outs, _ = transcript(["write 1.1.1 3", "write 2.1.1 4", "read 1.1.1", "set p0 2.1.1", "gather r0 p0",
                          "scatter p0 r0", "ppt"])
    assert "r0 = 4; from 2.1.1/1.1.1/1.1.1.1.1 (PPT hit)" in outs[4]
    assert outs[5].startswith("memory 2.1.1/1.1.1/1.1.1.1.1 = 4 (PPT hit)")
    assert outs[6].startswith("hits: 3  misses: 2  rate: 60.0%  regions: 2 page(s)")


@pytest.mark.parametrize("line, expected", [
    ("sub r2 r0 r1", "r2 = -4"), ("mul r2 r0 r1", "r2 = 21"), ("fma r2 r0 r1 r0", "r2 = 24"),
    ("div r2 r0 r1", f"r2 = {3 / 7!r}"), ("max r2 r0 r1", "r2 = 7"), ("neg r2 r0", "r2 = -3"),
    ("cmp r2 r0 r1", "r2 = -1"), ("mov r2 r1", "r2 = 7"), ("mov r2 #2.5", "r2 = 2.5"),
])
def test_every_dense_op_of_the_table_runs_as_a_one_siw_program(line, expected):
    s = Session()
    s.execute("set r0 3"), s.execute("set r1 7")
    out = s.execute(line)
    assert out.startswith(expected + "  (1 op in 1 cycle: 1.00 ops/cycle)"), out


def test_every_op_of_the_table_except_sel_is_a_command_and_has_help():
    names = {c.name for c in COMMANDS}
    assert set(OPS) - {"sel"} <= names
    for op in set(OPS) - {"sel"}:
        assert Session().execute(f"help {op}").startswith(op)
    assert Session().execute("help sel").startswith("select ID|NAME")    # the original's alias wins


def test_ops_per_cycle_is_measured_not_printed_as_one():
    s = Session("realistic")
    assert "1 op in 3 cycles: 0.33 ops/cycle" in s.execute("mul r1 r0 r0")
    s.execute("write 1.1.1 5")
    out = s.execute("siw mul r2, r0, r1 | gather r3, p0 | pack m0, r0, r1")
    assert out.splitlines()[0] == "mul r2, r0, r1 | gather r3, p0 | pack m0, r0, r1"
    assert "r3 = 5" in out and "3 ops in 3 cycles: 1.00 ops/cycle" in out


def test_send_and_recv_between_spawned_sentrons_carry_the_message():
    outs, s = transcript(["mov r0 10", "mov r1 20", "spawn 1 2.1.1 bob", "pack m0 r0 r1", "send m0 bob",
                          "select bob", "recv m2 any", "mreg", "status"])
    assert outs[4].startswith("sent (10, 20) to bob")
    assert s.prompt == "vtpu[1]> "
    assert outs[6].startswith("m2 = (10, 20); received from s0")
    assert outs[8].splitlines()[1].startswith("→ bob (id 1)")


def test_select_takes_an_id_or_a_name_not_a_list_index():
    outs, s = transcript(["spawn 7 3.1.1", "select 1", "select 7", "select s0", "sel s7"])
    assert one_error_line(outs[1])                       # index 1 exists, id 1 does not
    assert outs[2].startswith("active: sentron s7 (id 7)")
    assert outs[3].startswith("active: sentron s0 (id 0)")
    assert s.prompt == "vtpu[7]> "


def test_duplicate_spawn_ids_and_names_are_refused():
    outs, s = transcript(["spawn 1 2.1.1", "spawn 1 3.1.1", "spawn 0 3.1.1", "spawn 2 3.1.1 s1", "status"])
    assert all(one_error_line(o) for o in outs[1:4])
    assert "taken by s1 (id 1)" in outs[1] and "taken by s0 (id 0)" in outs[2]
    assert len(outs[4].splitlines()) == 4               # two sentrons, memory, cycle


def test_status_marks_the_active_sentron_and_reports_the_hit_rate():
    outs, _ = transcript(["write 1.1.1 1", "read 1.1.1", "spawn 1 2.1.1", "st"])
    lines = outs[3].splitlines()
    assert lines[0].startswith("→ s0 (id 0)") and lines[1].startswith("  s1 (id 1)")
    assert "1/2 hits = 50.0%" in lines[2]


def test_help_lists_every_command_and_help_cmd_explains_one():
    s = Session()
    text = s.execute("help")
    for c in COMMANDS:
        assert c.name in text
    assert s.execute("h write").startswith("write COORD V")
    assert "names: write | w" in s.execute("? w")


def test_quit_exit_and_q_end_the_session_and_nothing_else_does():
    for word in ("quit", "exit", "q", "QUIT"):
        s = Session()
        assert s.execute(word) == "bye" and s.done
    s = Session()
    for line in ("", "   ", "# a comment", "quitt", "q now", "exit 0"):
        s.execute(line)
    assert not s.done


# -- every error path of the issue: one line, a hint, the session goes on --------------------------

ERRORS = [
    ("set r16 1", "register r16 out of range (r0-r15)"),
    ("set r16", "register r16 out of range (r0-r15)"),
    ("mov r16 1", "register r16 out of range"),
    ("mov r255 1", "register r255 out of range"),
    ("mov r256 1", "register r256 out of range"),           # the original ignored it silently
    ("set p8 1.1.1", "register p8 out of range (p0-p7)"),
    ("gather r0 p9", "register p9 out of range (p0-p7)"),
    ("add r1 p0 p0", "expected r0-r15 here, got 'p0'"),     # the original took any register file
    ("gather r0 r1", "expected p0-p7 here, got 'r1'"),
    ("scatter r0 r1", "expected p0-p7 here, got 'r0'"),
    ("set x3 1", "expected a register"),
    ("write 2048.1.1 1", "2048 in coordinate '2048.1.1' (scroll) is outside 0..2047"),
    ("write 1.x.3 1", "'x' in coordinate '1.x.3' is not a whole number"),      # not 1.3
    ("write 70000.1 1", "70000 in coordinate '70000.1' (scroll) is outside 0..2047"),   # not 1
    ("read 1.1.1/1.1.1/1.1.1.1.1.1", "has 6 numbers, expected 5"),
    ("set p0 1.1/2", "group 1 of coordinate '1.1/2' has 2 numbers, expected 3"),
    ("spawn 1 1.1.1.1.1.1.1", "has 7 numbers, expected 3"),
    ("write 1.1.1 abc", "expected a number, got 'abc'"),
    ("write 1.1.1 ١", "expected a number"),
    ("mov r0 1x", "expected a number, got '1x'"),
    ("spawn x 2.1.1", "expected a whole number"),
    ("spawn 99999 2.1.1", "outside 0..65,534"),
    ("add r1 r0", "missing rb (argument 3)"),
    ("add r1 r0 r0 r0", "add takes at most 3 arguments, got 4"),
    ("write 1.1.1", "missing V (argument 2)"),
    ("reg r0", "reg takes no arguments"),
    ("adx r1 r0 r0", "unknown command 'adx' (did you mean 'add'?)"),
    ("stat", "unknown command 'stat' (did you mean 'status'?)"),
    ("select 3", "no sentron '3'"),
    ("select bob", "no sentron 'bob'"),
    ("help nope", "unknown command 'nope'"),
    ("siw ad r1, r0 | - | -", "unknown op 'ad'"),
    ("siw add r1, r0, r0 | add r2, r0, r0 | -", "'add' is a D-pipe op"),
    ("siw add r1, r0, r0", "a SIW has 3 slots"),
    ("siw .mem 1.1.1 3", "directives"),
    ("recv r0 any", "deadlock"),
    ("send m0 9", "does not exist"),
    ("bar 0 0", "count must be >= 1"),
    ("bar 0|1 1", "bar id: unexpected '0|1'"),
    ("siw - | - | - | -", "a SIW has 3 slots 'D | S | C', found 4"),
    ("load nosuch", "no file or example 'nosuch'"),
    ("run", "no program is being stepped"),
    ("step", "no program is being stepped"),
    ("back", "no program is being stepped"),
    ("restore /nonexistent/memory.phext", "cannot read"),
    ("add\x07 r1 r0 r0", "unexpected character U+0007"),
    ("mov r0 \udcff", "the line is not UTF-8 text (byte 0xff at column 8)"),
    ("mov r0 \ud800", "unexpected character U+D800"),
]


@pytest.mark.parametrize("line, message", ERRORS, ids=[e[0].encode("unicode_escape").decode() for e in ERRORS])
def test_a_bad_line_prints_one_clear_line_with_a_hint_and_changes_nothing(line, message):
    s = Session()
    s.execute("mov r3 5")
    before = (s.execute("reg"), s.execute("status"), s.execute("ppt"))
    out = s.execute(line)
    assert message in out, out
    assert one_error_line(out), out
    assert (s.execute("reg"), s.execute("status"), s.execute("ppt")) == before
    assert not s.done and s.execute("add r4 r3 r3").startswith("r4 = 10")


def test_the_original_silently_printed_nothing_for_parse_errors_ours_always_answers():
    for line in ("write", "read", "set", "mov", "add", "fma r0", "gather", "scatter", "spawn", "select", "siw"):
        assert one_error_line(Session().execute(line)), line


# -- programs: load, step, back, run, trace, timeline --------------------------------------------------

def test_load_run_reproduces_the_originals_optimized_figures():
    outs, _ = transcript(["load microvtpu_optimized", "run", "reg", "trace"])
    assert outs[0].startswith("loaded microvtpu_optimized.siw: 1 sentron [dot (id 0)], 10 SIWs")
    assert "(all retired)" in outs[1] and "ops/cycle 1.90  useful ops/cycle 1.60" in outs[1]
    assert "r0  = 140" in outs[2]
    assert "cycles 10  SIWs 10  ops 19" in outs[3]


def test_the_bonded_pair_gives_42_and_84():
    outs, s = transcript(["load attention_pair", "run", "read 4.1.1", "read 5.1.1", "select bob", "reg"])
    assert outs[2].startswith("4.1.1/1.1.1/1.1.1.1.1 = 42") and outs[3].startswith("5.1.1/1.1.1/1.1.1.1.1 = 84")
    assert "no longer stepped" in outs[2]            # a host read changes the PPT: stepping ends
    assert outs[5] == "r0  = 42\nr1  = 84"


def test_step_and_back_round_trip_to_the_same_state():
    s = Session()
    s.execute("load microvtpu_naive")
    views = [s.execute("status") + s.execute("reg")]
    for _ in range(6):
        s.execute("step")
        views.append(s.execute("status") + s.execute("reg"))
    for k in range(5, -1, -1):
        s.execute("back")
        assert s.execute("status") + s.execute("reg") == views[k]
    assert one_error_line(s.execute("back"))     # at cycle 0


def test_undo_takes_back_each_kind_of_change():
    s = Session()
    start = s.execute("status") + s.execute("reg") + s.execute("ppt")
    lines = ["write 1.1.1 4", "mov r0 10", "set p1 3.1.1", "spawn 1 2.1.1", "siw add r1, r0, r0 | - | -",
             "load alice", "step 3", "run", "mov r9 1"]
    states = []
    for line in lines:
        states.append(s.execute("status") + s.execute("reg") + s.execute("ppt"))
        assert not s.execute(line).startswith("error"), line
    for line, state in zip(reversed(lines), reversed(states)):
        assert s.execute("undo").startswith(f"undid '{line}'")
        assert s.execute("status") + s.execute("reg") + s.execute("ppt") == state
    assert states[0] == start
    assert one_error_line(s.execute("undo")) and "nothing to undo" in s.execute("undo")


def test_a_typed_op_after_stepping_ends_the_stepping_and_undo_resumes_it():
    outs, s = transcript(["load alice", "step 2", "mov r9 7", "step", "undo", "step"])
    assert "no longer stepped" in outs[2] and one_error_line(outs[3])
    assert outs[5].startswith("cycle 3")


def test_timeline_shows_typed_siws_with_their_cycles():
    outs, _ = transcript(["mov r0 1", "spawn 1 2.1.1", "select 1", "add r1 r0 r0", "timeline", "timeline 1"])
    lines = outs[4].splitlines()
    assert len(lines) == 2 and lines[0].split() [:3] == ["0", "s0", "|"] and "add r1, r0, r0" in lines[1]
    assert outs[5].startswith("... 1 earlier line(s)")


def test_save_and_restore_memory_round_trip_through_a_phext_file(tmp_path):
    path = tmp_path / "mem.phext"
    outs, s = transcript(["write 1.1.1 42", "write 2.3.4 -2.5", f"save {path}", "write 1.1.1 0",
                          f"restore {path}", "mem"])
    assert outs[2] == f"saved 2 memory cells to {path}" and path.exists()
    assert outs[5] == "1.1.1/1.1.1/1.1.1.1.1 = 42\n2.3.4/1.1.1/1.1.1.1.1 = -2.5"
    assert s.execute("write 1000.1.1 1").startswith("wrote 1 to 1000.1.1")
    assert "cannot save cell" in s.execute(f"save {tmp_path / 'x.phext'}")   # phext dims stop at 999
    assert one_error_line(s.execute(f"save {tmp_path}"))                    # a folder


def test_completion_offers_commands_registers_sentrons_and_examples():
    s = Session()
    s.execute("spawn 4 2.1.1 bob")
    assert completions(s, "", "ad") == ["add"]
    assert completions(s, "", "st") == ["st", "status", "step"]
    assert completions(s, "gather ", "") == [f"r{i}" for i in (0, 1, 10, 11, 12, 13, 14, 15, 2, 3, 4, 5, 6, 7, 8, 9)]
    assert completions(s, "gather r0 ", "p") == [f"p{i}" for i in range(8)]
    assert completions(s, "set ", "m") == ["m0", "m1", "m2", "m3"]
    assert completions(s, "select ", "") == ["0", "4", "bob", "s0"]
    assert completions(s, "send m0 ", "b") == ["bob"]
    assert completions(s, "load ", "al") == ["alice"]
    assert completions(s, "help ", "wr") == ["write"]
    assert completions(s, "reg ", "") == []


# -- the terminal loop: repl_main, a real stdin, the CLI ------------------------------------------------

ORIGINAL = "write 1.1.1 42\nmov r0 10\nadd r1 r0 r0\nreg\n"


def test_repl_main_echoes_a_piped_session_as_a_transcript():
    out = io.StringIO()
    assert repl_main(io.StringIO(ORIGINAL + "spawn 2 2.1.1\nsel 2\nreg\nquit\nreg\n"), out) == 0
    lines = out.getvalue().splitlines()
    assert lines[1:9] == ["vtpu[0]> write 1.1.1 42", "wrote 42 to 1.1.1/1.1.1/1.1.1.1.1 (PPT miss)",
                          "vtpu[0]> mov r0 10", "r0 = 10  (1 op in 1 cycle: 1.00 ops/cycle)",
                          "vtpu[0]> add r1 r0 r0", "r1 = 20  (1 op in 1 cycle: 1.00 ops/cycle)",
                          "vtpu[0]> reg", "r0  = 10"]
    assert lines[-4:] == ["vtpu[2]> reg", "(all zero)", "vtpu[2]> quit", "bye"]   # the line after quit is not read


def test_repl_main_without_echo_prints_only_the_answers_and_ends_at_end_of_input():
    out = io.StringIO()
    assert repl_main(io.StringIO(ORIGINAL + "bogus"), out, echo=False) == 0
    assert out.getvalue().splitlines()[-3:] == ["r0  = 10", "r1  = 20", "error: unknown command 'bogus' "
                                                "(hint: type 'help' for the commands, 'help CMD' for one of them)"]


def _python(code: str, data: bytes, *args):
    return subprocess.run([sys.executable, code, *args] if code == "-m" else [sys.executable, "-c", code, *args],
                          input=data, capture_output=True, timeout=60)


def test_a_real_stdin_survives_a_line_that_is_not_utf8():
    data = b"mov r0 10\n\xff\xfe\xfd junk\nadd r1 r0 r0\nreg\n"
    p = _python("from vtpu_lib.repl import repl_main; raise SystemExit(repl_main())", data)
    out = p.stdout.decode()
    assert p.returncode == 0 and "Traceback" not in out + p.stderr.decode()
    assert "error: the line is not UTF-8 text (byte 1: invalid start byte)" in out
    assert out.rstrip().endswith("r0  = 10\nr1  = 20")


def test_python_m_vtpu_lib_repl_runs_the_originals_session():
    import vtpu_lib.cli
    if "add_repl_parser" not in Path(vtpu_lib.cli.__file__).read_text(encoding="utf-8"):
        pytest.skip("vtpu_lib/cli.py does not call add_repl_parser(sub) yet (the lead wires it)")
    p = subprocess.run([sys.executable, "-m", "vtpu_lib", "repl", "--no-echo"], input=ORIGINAL.encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout.decode().splitlines() == ["wrote 42 to 1.1.1/1.1.1/1.1.1.1.1 (PPT miss)",
                                              "r0 = 10  (1 op in 1 cycle: 1.00 ops/cycle)",
                                              "r1 = 20  (1 op in 1 cycle: 1.00 ops/cycle)", "r0  = 10", "r1  = 20"]


def test_add_repl_parser_adds_a_repl_subcommand(monkeypatch, capsys):
    ap = argparse.ArgumentParser()
    add_repl_parser(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(["repl", "--config", "realistic", "--seed", "3"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("mul r1 r0 r0\nstatus\n"))
    assert args.fn(args) == 0
    out = capsys.readouterr().out
    assert "vtpu[0]> mul r1 r0 r0\nr1 = 0  (1 op in 3 cycles: 0.33 ops/cycle)" in out
    assert "preset realistic" in out
    with pytest.raises(SystemExit):
        ap.parse_args(["repl", "--seed", "x"])
    capsys.readouterr()


# -- fuzz: 1,000 random lines never end the session and never print a traceback ------------------------

_WORDS = ([c.name for c in COMMANDS if c.name not in ("quit", "save", "restore")]
          + ["w", "sel", "st", "h", "?", "r0", "r1", "r15", "r16", "r255", "r256", "p0", "p7", "p8", "p9", "m0",
             "m3", "m4", "x1", "any", "bob", "s0", "scroll", "-", "|", "#", "#3", "#-0", "#nan", ";", "1;2",
             "1.1.1", "2.1.1", "1.1.1/1.1.1/1.1.1.1.1", "2047.1.1", "2048", "1.x.3", "70000.1", "1..1", "/",
             "0", "1", "-1", "2", "7", "42", "3.5", "1e400", "-0", "nan", "inf", "99999999999999999999",
             "alice", "attention_pair", "microvtpu_naive", "é", "١", "→", "\u2028", "\x00", "\x1b[A", "\udc80",
             "🙂", "add r1, r0, r0 | gather r2, p0 | -", "- | - | send m0, 1", "- | - | recv r3, any"])


_REG = {"r": [f"r{i}" for i in range(16)], "p": [f"p{i}" for i in range(8)], "m": [f"m{i}" for i in range(4)]}
_NUMBERS = ["0", "1", "-1", "2.5", "42", "#3", "-0", "nan", "inf", "1e308"]
_POOLS = {**_REG, "rm": _REG["r"] + _REG["m"], "ri": _REG["r"] + _NUMBERS, "imm": _NUMBERS,
          "int": ["0", "1", "2", "3"], "dim": ["scroll", "section", "0", "3", "10"],
          "sentron": ["0", "1", "2", "s0", "s1", "bob"], "src": ["any", "0", "1", "s0", "bob"],
          "coord": ["1.1.1", "2.1.1", "3.1.1", "1.2.1", "2047.1.1", "1.1.1/1.1.1/1.1.1.1.1"],
          "number": _NUMBERS, "id": ["0", "1", "2", "3", "4"],
          "program": ["alice", "attention_pair", "microvtpu_naive", "bob"], "count": ["1", "2", "5"],
          "command": ["add", "w", "sel", "siw", "nope"], "reg": _REG["r"] + _REG["p"] + _REG["m"],
          "name": ["bob", "s1", "eve"]}
_SIGNATURES = {"write": ("coord", "number"), "read": ("coord",), "set": ("reg", "number"),
               "spawn": ("id", "coord", "name"), "select": ("sentron",), "load": ("program",), "run": ("count",),
               "step": ("count",), "back": ("count",), "timeline": ("count",), "help": ("command",),
               "siw": ("siw",)}
_SIWS = ["add r1, r0, r0 | gather r2, p0 | -", "- | - | send m0, 1", "- | - | recv r3, any",
         "mul r2, r1, r1 | - | pack m0, r1", "- | scatter p1, r2 | bar 0, 1", "- | index p1, p0, 0, 1 | -"]


def _argument(rng: random.Random, kind: str) -> str:
    if kind == "siw":
        return rng.choice(_SIWS)
    if rng.random() < 0.15:                       # now and then the wrong kind of word, or junk
        return rng.choice(_WORDS)
    return rng.choice(_POOLS[kind])


def _random_line(rng: random.Random) -> str:
    """Half of the lines well formed (so the machine grows: sentrons, memory, messages, programs),
    the rest random words, registers, numbers, coordinates, junk and non-ASCII."""
    if rng.random() < 0.5:
        cmd = rng.choice([c for c in COMMANDS if c.name not in ("quit", "save", "restore")])
        kinds = ([o.kind for o in OPS[cmd.name].operands] if cmd.name in OPS else _SIGNATURES.get(cmd.name, ()))
        n = len(kinds) if rng.random() < 0.8 else rng.randrange(len(kinds) + 2)
        return " ".join([cmd.name] + [_argument(rng, kinds[i] if i < len(kinds) else "number") for i in range(n)])
    first = rng.choice(_WORDS[:len(COMMANDS)] * 3 + _WORDS)
    return " ".join([first] + [rng.choice(_WORDS) for _ in range(rng.randrange(5))])


def test_a_thousand_random_lines_never_end_the_session_or_print_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)      # nothing the fuzz does may write into the repository
    rng = random.Random(11)
    lines = [_random_line(rng) for _ in range(1000)]
    s = Session()
    kinds = set()
    for line in lines:
        out = s.execute(line)
        assert isinstance(out, str) and "Traceback" not in out and "internal error" not in out, (line, out)
        if out.startswith("error:"):
            assert "\n" not in out, (line, out)
            assert "(hint: " in out, (line, out)
        kinds.add("error" if out.startswith("error:") else "ok")
        assert not s.done, line
    assert kinds == {"error", "ok"}
    assert len(s.state.machine.sentrons) > 1 or s.state.program    # the fuzz reached past the first sentron
    out = io.StringIO()
    assert repl_main(io.StringIO("\n".join(lines) + "\n"), out) == 0
    text = out.getvalue()
    assert "Traceback" not in text and "internal error" not in text
    assert sum(line.startswith("vtpu[") for line in text.splitlines()) >= 1000
