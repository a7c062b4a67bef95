"""Command-line mistakes exit 2 with a message naming the option, before anything runs;
--set values are read per register file; only regular files are read."""

import json
import os
import subprocess
import sys

import pytest

from vtpu_lib.cli import main


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *args) -> str:
    """argparse rejects the option: exit status 2 and its message on stderr."""
    with pytest.raises(SystemExit) as e:
        main(list(args))
    assert e.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def lanes_prog(tmp_path):
    """A program that shows m0's lanes 1 and 3 and p0's cell in r1, r2, r3."""
    f = tmp_path / "lanes.siw"
    f.write_text(".mem 4.1.1 7\n- | - | unpack r1, m0, 1\n- | gather r3, p0 | unpack r2, m0, 3\n")
    return str(f)


# -- --set ---------------------------------------------------------------------------------------

def test_set_of_a_message_register_takes_up_to_four_numbers(capsys, lanes_prog):
    code, out, _ = cli(capsys, "run", lanes_prog, "--set", "m0=1;2;3;-4.5", "--set", "p0=4.1.1", "--json")
    regs = json.loads(out)["registers"]
    assert code == 0
    assert (regs["r1"], regs["r2"], regs["r3"]) == (2.0, -4.5, 7.0)


def test_set_of_a_two_lane_message_is_two_numbers_not_three_characters(capsys, tmp_path):
    f = tmp_path / "two.siw"
    f.write_text("- | - | unpack r1, m0, 0\n- | - | unpack r2, m0, 1\n")
    code, out, _ = cli(capsys, "run", str(f), "--set", "m0=1;2", "--json")
    regs = json.loads(out)["registers"]
    assert code == 0 and (regs["r1"], regs["r2"]) == (1.0, 2.0)


@pytest.mark.parametrize("item, message", [
    ("r99=1", "register r99 out of range (r0-r15)"),
    ("x1=2", "expected a register (r0-r15 or p0-p7 or m0-m3), got 'x1'"),
    ("r=1", "expected a register (r0-r15 or p0-p7 or m0-m3), got 'r'"),
    ("bob.p9=1.1.1", "register p9 out of range (p0-p7)"),
    ("r\u0661=1", "expected a register (r0-r15 or p0-p7 or m0-m3), got 'r\u0661'"),
    ("p0=garbage", "bad coordinate: 'garbage' in coordinate 'garbage' is not a whole number"),
    ("p0=2048.1.1", "bad coordinate: 2048 in coordinate '2048.1.1' (scroll) is outside 0..2047"),
    ("r0=abc", "expected a number, got 'abc'"),
    ("r0=\u0661", "expected a number, got '\u0661'"),
    ("r0=", "expected a number, got ''"),
    ("m0=1;2;3;4;5", "a message register holds at most 4 values, got 5"),
    ("m0=1;;2", "expected a number in every lane, got an empty lane"),
    ("m0=1;two", "expected a number in every lane, got 'two'"),
    ("r0", "expected [SENTRON.]REG=VALUE"),
])
def test_bad_set_items_exit_2_naming_the_item(capsys, item, message):
    code, out, err = cli(capsys, "run", "alice", "bob", "--set", item)
    assert code == 2 and out == ""
    assert err.startswith(f"error: --set {item!r}: {message}")
    assert "Traceback" not in err


# -- numeric options -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("-1", "-1 is outside 1..1,000,000,000 cycles"),
    ("0", "0 is outside 1..1,000,000,000 cycles"),
    ("1000000001", "1000000001 is outside 1..1,000,000,000 cycles"),
    ("1.5", "'1.5' is not a whole number"),
    ("\u0661\u0660", "'\u0661\u0660' is not a whole number"),
    ("1_000", "'1_000' is not a whole number"),
])
def test_max_cycles_outside_1_to_a_billion_exits_2(capsys, value, message):
    err = usage_error(capsys, "run", "alice", "bob", "--max-cycles", value)
    assert f"argument --max-cycles: {message}" in err


def test_max_cycles_of_a_billion_is_accepted(capsys):
    assert cli(capsys, "run", "alice", "bob", "--max-cycles", "1000000000")[0] == 0


@pytest.mark.parametrize("value", ["x", "1.5", "\uff15", " 5"])
def test_seed_must_be_a_whole_number(capsys, value):
    err = usage_error(capsys, "run", "alice", "bob", "--seed", value)
    assert "argument --seed: " in err and "is not a whole number" in err


@pytest.mark.parametrize("args, message", [
    (["--mode", "sequential", "--slot-order", "DSX"], "slot_order"),
    (["--mode", "sequential", "--slot-order", "DDSC"], "slot_order"),
    (["--slot-order", "SDC"], "sequential"),
])
def test_invalid_slot_order_exits_2(capsys, args, message):
    code, out, err = cli(capsys, "run", "microvtpu_optimized", *args)
    assert code == 2 and out == "" and err.startswith("error: ") and message in err


# -- files: memory -------------------------------------------------------------------------------

def test_save_memory_into_a_folder_exits_2_before_running(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "alice", "bob", "--save-memory", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"error: --save-memory {str(tmp_path)!r} is a folder; give a file name")
    assert os.listdir(tmp_path) == []   # nothing written, no .vtpu-*.tmp


def test_save_memory_into_a_missing_folder_exits_2(capsys, tmp_path):
    code, _, err = cli(capsys, "run", "alice", "bob", "--save-memory", str(tmp_path / "no" / "m.phext"))
    assert code == 2 and "does not exist" in err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_load_memory_of_dev_zero_exits_2(capsys):
    code, _, err = cli(capsys, "run", "alice", "bob", "--load-memory", "/dev/zero")
    assert code == 2
    assert err.startswith("error: --load-memory '/dev/zero': cannot read: not a regular file (a character device)")


def test_load_memory_of_a_folder_or_a_missing_file_exits_2(capsys, tmp_path):
    assert cli(capsys, "run", "alice", "bob", "--load-memory", str(tmp_path))[0] == 2
    code, _, err = cli(capsys, "run", "alice", "bob", "--load-memory", str(tmp_path / "nope.phext"))
    assert code == 2 and "No such file" in err


def test_load_memory_of_a_file_over_the_limit_exits_2(capsys, tmp_path):
    big = tmp_path / "big.phext"
    with open(big, "wb") as f:
        f.truncate((256 << 20) + 1)   # sparse: takes no disk space
    code, _, err = cli(capsys, "run", "alice", "bob", "--load-memory", str(big))
    assert code == 2 and "larger than the 256 MiB limit" in err


# -- files: programs ---------------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_run_of_dev_zero_exits_2_instead_of_growing_forever(capsys):
    code, out, err = cli(capsys, "run", "/dev/zero")
    assert code == 2 and out == ""
    assert err.startswith("error: cannot read program '/dev/zero': not a regular file (a character device)")


def test_run_of_a_folder_exits_2(capsys, tmp_path):
    code, _, err = cli(capsys, "run", str(tmp_path))
    assert code == 2 and "not a regular file (a folder)" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_run_of_a_named_pipe_exits_2_instead_of_blocking(tmp_path):
    fifo = tmp_path / "prog.siw"
    os.mkfifo(fifo)
    p = subprocess.run([sys.executable, "-m", "vtpu_lib", "run", str(fifo)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith(f"error: cannot read program {str(fifo)!r}: not a regular file (a named pipe)")


def test_run_of_a_program_over_64_mib_exits_2(capsys, tmp_path):
    big = tmp_path / "big.siw"
    with open(big, "wb") as f:
        f.truncate((64 << 20) + 1)
    code, _, err = cli(capsys, "run", str(big))
    assert code == 2 and "larger than the 64 MiB limit" in err


def test_run_of_a_file_that_is_not_utf8_exits_2(capsys, tmp_path):
    bad = tmp_path / "latin1.siw"
    bad.write_bytes("- | - | -  # caf\xe9\n".encode("latin-1"))
    code, _, err = cli(capsys, "run", str(bad))
    assert code == 2 and "not UTF-8 text (byte 16: invalid continuation byte)" in err


def test_a_program_with_a_bom_and_crlf_runs_from_the_cli(capsys, tmp_path):
    f = tmp_path / "win.siw"
    f.write_bytes(b"\xef\xbb\xbfmov r1, #3 | - | -\r\nadd r1, r1, r1 | - | -\r\n")
    code, out, _ = cli(capsys, "run", str(f), "--json")
    assert code == 0 and json.loads(out)["registers"]["r1"] == 6.0


def test_the_bonded_pair_ships_and_computes_84_with_a_real_message(capsys):
    from vtpu_lib.cli import main
    assert main(["run", "attention_pair"]) == 0
    out, err = capsys.readouterr()
    assert "r1=84.0" in out and "5.1.1/1.1.1/1.1.1.1.1 = 84.0" in out and err == ""


def test_a_run_ending_with_unreceived_messages_warns_naming_them(capsys):
    from vtpu_lib.cli import main
    assert main(["run", "alice", "bob"]) == 0
    _, err = capsys.readouterr()
    assert err.strip() == "warning: message 1 from alice to bob (3.0, 7.0) (sent in cycle 5) was never received"
