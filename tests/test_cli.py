"""``python -m vtpu_lib``: results, counters, --trace, --json, and errors without tracebacks."""

import json
import subprocess
import sys

import pytest

from vtpu_lib.cli import main


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_registers_counters_and_memory(capsys):
    code, out, _ = cli(capsys, "run", "microvtpu_optimized")
    assert code == 0
    assert "r0=140.0" in out
    assert "ops/cycle 1.90  useful ops/cycle 1.60" in out
    assert "memory (8 cells)" in out


def test_trace_prints_one_line_per_cycle_with_ops_or_stall_reason(capsys):
    code, out, _ = cli(capsys, "run", "microvtpu_baseline", "--config", "realistic", "--trace")
    lines = [line for line in out.splitlines() if line[:6].strip().isdigit()]
    assert code == 0 and len(lines) == 13    # 4 fma issues + 9 dependence stalls: cycles 0..12
    assert lines[0].split("|")[1].strip() == "fma r0, r1, r2, r0"
    assert "stall: dependence" in lines[1]


def test_json_has_the_documented_fields(capsys, tmp_path):
    code, out, _ = cli(capsys, "run", "microvtpu_optimized", "--json", "--mode", "sequential")
    data = json.loads(out)
    assert code == 0
    for key in ("cycles", "siws", "ops", "ops_per_cycle", "useful_ops_per_cycle", "utilization",
                "ops_by_pipe", "stall_cycles", "ppt", "registers", "memory"):
        assert key in data, key
    assert (data["cycles"], data["siws"], data["ops"]) == (10, 10, 19)
    assert data["ops_by_pipe"] == {"D": 8, "S": 8, "C": 3}
    assert data["ppt"]["hits"] == 8 and data["ppt"]["misses"] == 8 and data["ppt"]["hit_rate"] == 0.5
    assert data["registers"]["r0"] == 140.0
    assert {"coord": "4.2.1/1.1.1/1.1.1.1.1", "value": 9.0} in data["memory"]
    assert set(data["stall_cycles"]) == {"dependence", "ppt-miss", "recv-wait", "barrier-wait", "pipe-busy"}


def test_slot_order_flag_reproduces_the_trap(capsys):
    _, out, _ = cli(capsys, "run", "microvtpu_optimized", "--mode", "sequential", "--slot-order", "SDC", "--json")
    assert json.loads(out)["registers"]["r0"] == 170.0


def test_several_files_run_on_one_machine_with_registers_set_from_the_command_line(capsys):
    code, out, _ = cli(capsys, "run", "alice", "bob", "--set", "bob.r0=42", "--json")
    data = json.loads(out)
    assert code == 0
    assert [s["name"] for s in data["sentrons"]] == ["alice", "bob"]
    assert {"coord": "5.1.1/1.1.1/1.1.1.1.1", "value": 84.0} in data["memory"]
    assert data["sentrons"][0]["ops_per_cycle"] == 1.5


def test_assembler_error_exits_2_with_location_and_caret(capsys, tmp_path):
    f = tmp_path / "typo.siw"
    f.write_text("- | gather r1, p0 | -\nad r3, r1, r2 | - | -\n")
    code, out, err = cli(capsys, "run", str(f))
    assert code == 2 and out == ""
    assert f"{f}:2:1: unknown op 'ad' (did you mean 'add'?)" in err
    assert "\n    ^" in err


def test_runtime_error_exits_1_naming_cycle_and_sentron(capsys):
    code, _, err = cli(capsys, "run", "alice")   # alice sends to bob, who is not loaded
    assert code == 1
    assert "cycle 5, sentron alice (id 0)" in err and "send m0, bob" in err


def test_missing_file_is_a_clear_error(capsys, tmp_path):
    code, _, err = cli(capsys, "run", str(tmp_path / "nope.siw"))
    assert code == 2 and "cannot read program" in err and "examples" in err


def test_save_and_load_memory_between_runs(capsys, tmp_path):
    path = tmp_path / "mem.phext"
    assert cli(capsys, "run", "alice", "bob", "--save-memory", str(path))[0] == 0
    prog = tmp_path / "double.siw"
    prog.write_text(".set p0 4.1.1\n.set p1 6.1.1\n- | gather r1, p0 | -\nadd r1, r1, r1 | - | -\n- | scatter p1, r1 | -\n")
    code, out, _ = cli(capsys, "run", str(prog), "--load-memory", str(path), "--json")
    assert {"coord": "6.1.1/1.1.1/1.1.1.1.1", "value": 84.0} in json.loads(out)["memory"]


def test_corrupt_memory_file_exits_1_without_traceback(capsys, tmp_path):
    bad = tmp_path / "bad.phext"
    bad.write_text("garbage")
    code, _, err = cli(capsys, "run", "microvtpu_naive", "--load-memory", str(bad))
    assert code == 1 and "not a vtpu memory file" in err


def test_disasm_prints_canonical_text_that_reassembles(capsys):
    from vtpu_lib import assemble, programs
    code, out, _ = cli(capsys, "disasm", "alice")
    assert code == 0 and assemble(out) == programs.load("alice")


def test_the_real_command_prints_no_traceback(tmp_path):
    f = tmp_path / "bad.siw"
    f.write_text("add r1, r2, r99 | - | -\n")
    p = subprocess.run([sys.executable, "-m", "vtpu_lib", "run", str(f)], capture_output=True, text=True)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "register r99 out of range (r0-r15)" in p.stderr


@pytest.mark.parametrize("name", ["microvtpu_baseline", "microvtpu_naive", "microvtpu_optimized"])
def test_every_single_sentron_example_runs_from_the_cli(capsys, name):
    assert cli(capsys, "run", name, "--config", "realistic")[0] == 0
