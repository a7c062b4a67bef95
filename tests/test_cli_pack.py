"""`python -m vtpu_lib pack` and `bench`: the packed program is valid input for `run`, the JSON has
the fields the issue names, and results are checked to be identical."""

import json
import subprocess
import sys

import pytest

from vtpu_lib.asm import assemble
from vtpu_lib.cli import main
from vtpu_lib.machine import run
from vtpu_lib.programs import load
from vtpu_lib.schedule.compare import differences

FIELDS = ("naive_cycles", "packed_cycles", "bound_cycles", "pct_of_bound", "useful_ops_per_cycle",
          "ppt_hit_rate", "valid", "program")


def test_pack_prints_a_program_run_accepts_with_the_same_results(capsys, tmp_path):
    assert main(["pack", "microvtpu_naive", "--config", "realistic"]) == 0
    out, err = capsys.readouterr()
    packed = assemble(out)
    assert len(packed.sentrons[0].siws) < 16
    assert "leaves exactly the registers and memory" in err and "16 -> " not in err
    assert differences(run(load("microvtpu_naive"), "realistic"), run(packed, "realistic")) == []
    path = tmp_path / "p.siw"
    path.write_text(out)
    assert main(["run", str(path)]) == 0
    assert "r0=140.0" in capsys.readouterr().out


@pytest.mark.parametrize("flags", [[], ["--prefetch", "--cold"], ["--rotate", "--cold", "--modulo"], ["--modulo"], ["--unroll", "2"]])
def test_pack_json_has_every_field(capsys, flags):
    assert main(["pack", "microvtpu_naive", "--json", "--config", "realistic", *flags]) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in FIELDS:
        assert key in rep, key
    assert rep["valid"] and rep["identical"]
    assert rep["pct_of_bound"] == pytest.approx(100 * rep["bound_cycles"] / rep["packed_cycles"])
    assert rep["packed_cycles"] >= rep["bound_cycles"]
    assert assemble(rep["program"]) is not None


def test_pack_errors_are_clean():
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "pack", "microvtpu_naive", "--unroll", "0"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--unroll 0" in r.stderr
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "pack", "no_such_file.siw"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_bench_json_lists_every_kernel(capsys):
    assert main(["bench", "--json", "--config", "seed"]) == 0
    rows = json.loads(capsys.readouterr().out)["kernels"]
    from vtpu_lib.kernels import all_kernels
    assert sorted(r["kernel"] for r in rows) == sorted(k.name for k in all_kernels())
    for r in rows:
        assert r["bound_holds"] and r["valid"] and 0 < r["pct_of_bound"] <= 100
        assert r["packed_cycles"] <= r["naive_cycles"]
