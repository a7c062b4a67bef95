"""`python -m vtpu_lib bench | demo | status` (the original's asi.sh), answered from the library."""

import json
import subprocess
import sys

from vtpu_lib.cli import main
from vtpu_lib.cli_info import demo_text, git_head, microvtpu_rows, status_text


def test_bench_puts_the_originals_counts_beside_the_measured_ones(capsys):
    rows = {r["version"]: r for r in microvtpu_rows()}
    assert [r["measured"]["result"] for r in rows.values()] == [140.0] * 3
    opt = rows["optimized"]
    assert (opt["original"]["cycles"], opt["original"]["ops"], round(opt["original"]["ops_per_cycle"], 2)) == (10, 19, 1.9)
    assert (opt["measured"]["cycles"], opt["measured"]["useful_ops"], opt["measured"]["useful_ops_per_cycle"]) == (10, 16, 1.6)
    assert rows["naive"]["original"]["ops_per_cycle"] == rows["naive"]["measured"]["useful_ops_per_cycle"] == 1.0
    assert main(["bench", "--json", "--config", "seed"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in out["microvtpu"]] == ["baseline", "naive", "optimized"] and out["kernels"]


def test_demo_runs_the_model_and_the_library_side_by_side():
    text = demo_text()
    assert text.count("140.0") == 6 and "19 slots filled" in text and "16 useful ops (sequential)" in text


def test_status_never_fails_outside_a_git_checkout(tmp_path):
    text = status_text()
    for word in ("vtpu_lib 0.1.0", "Python 3.", "numpy ", "core(s)", "seed:", "realistic:", "git commit:"):
        assert word in text
    assert git_head(str(tmp_path)) == "not a git checkout"
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "status"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr and "presets:" in r.stdout
