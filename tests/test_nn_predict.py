"""A trained model saved with safetensors, reloaded, and run forward on a fresh machine: the same
predictions, bit for bit, as before saving and as the numpy oracle's."""

import numpy as np
import pytest

from vtpu_lib.errors import VtpuError
from vtpu_lib.nn import data
from vtpu_lib.nn.oracle import MLP
from vtpu_lib.nn.train import predict_on_vtpu, train_on_vtpu
from vtpu_lib.nn.weights import load_weights, save_weights

SIZES = (2, 4, 1)


def bits(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


def test_saved_and_reloaded_weights_predict_the_same_on_a_fresh_machine(tmp_path):
    X, y = data.xor(8, seed=0)
    trained = train_on_vtpu(SIZES, X, y, 20, 0.2)
    before = predict_on_vtpu(SIZES, dict(trained.params), X)
    path = tmp_path / "xor.safetensors"
    save_weights(dict(trained.params), path)
    loaded = load_weights(path, expected={k: v.shape for k, v in trained.params.items()})
    after = predict_on_vtpu(SIZES, loaded, X, config="realistic", packed=False)
    oracle = MLP.from_params(loaded).forward(X)
    assert np.array_equal(bits(before), bits(after)) and np.array_equal(bits(after), bits(oracle))
    new = data.xor(8, seed=5).X                                     # unseen points, too
    assert np.array_equal(bits(predict_on_vtpu(SIZES, loaded, new)), bits(MLP.from_params(loaded).forward(new)))


def test_predict_checks_the_parameter_shapes():
    X, _ = data.xor(4, seed=0)
    bad = dict(MLP(SIZES, 0).params)
    bad["w0"] = np.zeros((3, 4))
    with pytest.raises(VtpuError, match="shape"):
        predict_on_vtpu(SIZES, bad, X)
