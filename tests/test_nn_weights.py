"""Weights on disk (safetensors) and in phext memory: vtpu_lib.nn.weights."""

import os

import numpy as np
import pytest

from vtpu_lib.coord import Coord
from vtpu_lib.errors import VtpuError
from vtpu_lib.memory import Memory
from vtpu_lib.nn.data import xor
from vtpu_lib.nn.oracle import MLP
from vtpu_lib.nn.weights import (
    Placement, WeightsError, load_weights, save_weights, weight_layout, weights_from_memory,
    weights_to_memory,
)


def bits(a) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def awkward_params():
    base = np.arange(24, dtype=np.float64).reshape(4, 6) / 7
    return {
        "w0": np.array([[0.1, -0.0], [np.inf, np.nan]]),  # -0, inf and nan keep their bits
        "fortran": np.asfortranarray(base),  # saved wrong by safetensors unless made contiguous
        "strided": base[::2, ::3],  # likewise
        "transposed": base.T,
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3)),
    }


def shapes(params):
    return {k: np.shape(v) for k, v in params.items()}


def test_round_trip_is_exact_including_fortran_and_strided_arrays(tmp_path):
    params = awkward_params()
    path = tmp_path / "m.safetensors"
    save_weights(params, path)
    back = load_weights(path, shapes(params))
    assert list(back) == list(params)
    for name, value in params.items():
        assert back[name].shape == value.shape and bits(back[name]) == bits(value), name
        assert back[name].flags.c_contiguous and back[name].flags.writeable


def test_a_trained_model_reloads_with_identical_predictions(tmp_path):
    X, y = xor(16, seed=0)
    net = MLP((2, 8, 1), seed=0)
    net.train(X, y, steps=30, lr=0.1)
    save_weights(net.params, tmp_path / "xor.safetensors")
    fresh = MLP.from_params(load_weights(tmp_path / "xor.safetensors", shapes(net.params)))
    assert bits(fresh.forward(X)) == bits(net.forward(X))


def test_save_leaves_no_temp_file_and_replaces_the_old_one(tmp_path):
    path = tmp_path / "m.safetensors"
    save_weights({"a": np.ones(3)}, path)
    save_weights({"a": np.zeros(3)}, path)
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]
    assert bits(load_weights(path)["a"]) == bits(np.zeros(3))


def test_a_failed_save_keeps_the_old_file_and_removes_the_temp(tmp_path, monkeypatch):
    import safetensors.numpy

    path = tmp_path / "m.safetensors"
    save_weights({"a": np.ones(3)}, path)
    before = path.read_bytes()

    def half_then_fail(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors.numpy, "save_file", half_then_fail)
    with pytest.raises(WeightsError, match="No space left"):
        save_weights({"a": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


@pytest.mark.parametrize("value, match", [(np.ones(3, dtype=np.float32), "float32"),
                                          (np.arange(3), "int64"), ([1.0, "x"], "dtype")])
def test_save_refuses_what_the_vtpu_cannot_hold(tmp_path, value, match):
    with pytest.raises(WeightsError, match=match):
        save_weights({"a": value}, tmp_path / "m.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_to_a_folder_or_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="is a folder"):
        save_weights({"a": np.ones(1)}, tmp_path)
    with pytest.raises(WeightsError, match="cannot write"):
        save_weights({"a": np.ones(1)}, tmp_path / "no" / "m.safetensors")


@pytest.mark.parametrize("keep", [0, 7, 8, 40, -1, -8])
def test_a_truncated_file_is_refused(tmp_path, keep):
    path = tmp_path / "m.safetensors"
    save_weights({"a": np.ones(4), "b": np.zeros((2, 2))}, path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    with pytest.raises(WeightsError, match="truncated or corrupt") as e:
        load_weights(path)
    assert isinstance(e.value, VtpuError) and "hint" in str(e.value)


def test_a_changed_data_byte_is_caught_by_the_checksum(tmp_path):
    path = tmp_path / "m.safetensors"
    save_weights({"a": np.ones(4)}, path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="checksum"):
        load_weights(path)


def test_wrong_shape_missing_and_unexpected_tensors_are_all_named(tmp_path):
    path = tmp_path / "m.safetensors"
    save_weights({"w0": np.ones((2, 8)), "b0": np.ones(8), "extra": np.ones(1)}, path)
    with pytest.raises(WeightsError) as e:
        load_weights(path, {"w0": (2, 9), "b0": (8,), "w1": (8, 1)})
    message = str(e.value)
    assert "'w0' has shape (2, 8), expected (2, 9)" in message
    assert "'w1' is missing" in message and "'extra' is not expected" in message


def test_a_float32_file_from_elsewhere_is_refused(tmp_path):
    from safetensors.numpy import save_file

    path = str(tmp_path / "f32.safetensors")
    save_file({"a": np.ones(3, dtype=np.float32)}, path)
    with pytest.raises(WeightsError, match="dtype float32"):
        load_weights(path)


def test_a_file_without_our_checksum_still_loads(tmp_path):
    from safetensors.numpy import save_file

    path = str(tmp_path / "plain.safetensors")
    save_file({"a": np.arange(3.0)}, path)
    assert bits(load_weights(path, {"a": (3,)})["a"]) == bits(np.arange(3.0))


@pytest.mark.parametrize("what", ["missing", "folder", "device", "empty", "text"])
def test_what_is_not_a_weights_file_is_refused(tmp_path, what):
    path = {"missing": tmp_path / "nope.safetensors", "folder": tmp_path, "device": "/dev/null",
            "empty": tmp_path / "empty.safetensors", "text": tmp_path / "t.safetensors"}[what]
    (tmp_path / "empty.safetensors").write_bytes(b"")
    (tmp_path / "t.safetensors").write_text("w0 = [[1, 2], [3, 4]]\n" * 3)
    with pytest.raises(WeightsError, match="cannot read|not a valid safetensors"):
        load_weights(path)


# -- phext memory ---------------------------------------------------------------------------------
def test_weights_round_trip_through_a_phext_file(tmp_path):
    params = awkward_params()
    params.pop("empty")
    params["big"] = np.arange(600, dtype=np.float64) / 3  # spills over 256 scrolls into chapters
    memory, layout = weights_to_memory(params, "3.2.1")
    assert len(memory) == sum(np.size(v) for v in params.values())
    memory.save(tmp_path / "weights.phext")
    back = weights_from_memory(Memory.from_file(tmp_path / "weights.phext"), layout)
    assert list(back) == list(params)
    for name, value in params.items():
        assert bits(back[name]) == bits(value), name


def test_layout_places_each_tensor_in_its_own_section():
    layout = weight_layout({"w0": (2, 3), "b0": (3,), "big": (300,)}, Coord.parse("1.1.1"))
    assert layout["b0"] == Placement("b0", Coord.parse("1.2.1"), (3,))
    assert repr(layout["w0"]) == "Placement('w0', (2, 3), 1.1.1..6.1.1)"
    assert layout["big"].coord(255) == Coord.parse("256.3.1") and layout["big"].coord(256) == Coord.parse("1.3.2")
    cells = [p.coord(i) for p in layout.values() for i in range(p.size)]
    assert len(set(cells)) == len(cells)


def test_weights_read_back_from_a_trace_style_dict():
    memory, layout = weights_to_memory({"w": np.array([[1.5, -2.0]])}, "1.1.1")
    assert bits(weights_from_memory(memory.cells(), layout)["w"]) == bits([[1.5, -2.0]])


def test_a_cell_never_written_is_an_error_not_a_zero():
    memory, layout = weights_to_memory({"w": np.ones((2, 2))}, "1.1.1")
    cells = memory.cells()
    cells.pop(layout["w"].coord(3))
    with pytest.raises(WeightsError, match="1 of its 4 cells are not in memory"):
        weights_from_memory(cells, layout)


def test_a_layout_a_phext_file_cannot_hold_is_refused():
    with pytest.raises(WeightsError, match="phext"):
        weight_layout({"w": (300,)}, "900.1.1")
    with pytest.raises(WeightsError, match="phext"):
        weight_layout({"w": (2,)}, "1.1.1/1.1.1/1.1.1.2.1")
