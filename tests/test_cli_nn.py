"""`python -m vtpu_lib train`: an MLP trained on the vTPU, its losses and the numpy oracle's, saved weights."""

import json
import subprocess
import sys

import numpy as np

from vtpu_lib.cli import main
from vtpu_lib.nn.oracle import MLP
from vtpu_lib.nn.weights import load_weights


def test_train_json_reports_losses_the_oracle_and_cycles(capsys, tmp_path):
    path = tmp_path / "w.safetensors"
    assert main(["train", "--steps", "12", "--json", "--save", str(path)]) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in ("losses", "max_abs_diff_vs_numpy", "cycles", "useful_ops_per_cycle"):
        assert key in rep
    assert len(rep["losses"]) == 12 and rep["losses"][-1] < rep["losses"][0]
    assert rep["bit_identical"] and rep["max_abs_diff_vs_numpy"] == 0.0       # 8 rows: 2^3 values
    saved = load_weights(path)
    assert sorted(saved) == sorted(rep["params"])
    for name, value in saved.items():
        assert np.array_equal(value, np.array(rep["params"][name]))
    assert set(saved) == set(MLP((2, 4, 1), 0).params)


def test_train_text_and_errors():
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "train", "--steps", "3"], capture_output=True, text=True)
    assert r.returncode == 0 and "bit-identical" in r.stdout and "ran on the vTPU" in r.stdout
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "train", "--steps", "0"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--steps >= 1" in r.stderr


def test_attention_json_and_a_size_that_does_not_fit(capsys):
    assert main(["attention", "--json", "--share", "messages"]) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in ("max_abs_err_vs_numpy", "cycles", "useful_ops_per_cycle", "messages"):
        assert key in rep
    assert rep["max_abs_err_vs_numpy"] == 0.0 and rep["messages"] == 8 * 7 * 2 and rep["sentrons"] == 8
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "attention", "--seq", "20"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "n + d <= 14" in r.stderr


def test_train_data_parallel_over_sentrons(capsys):
    assert main(["train", "--steps", "2", "--sentrons", "2", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["sentrons"] == 2 and rep["sentrons_agree"] and rep["max_abs_diff_vs_numpy"] <= 1e-9
    assert rep["messages"] == [2 * (2 - 1) * 5] * 2 and rep["cycles"][0] > rep["compute_cycles"][0]
    r = subprocess.run([sys.executable, "-m", "vtpu_lib", "train", "--sentrons", "3"], capture_output=True, text=True)
    assert r.returncode == 2 and "1, 2, 4 or 8" in r.stderr
