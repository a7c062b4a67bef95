"""Memory: a coordinate -> float64 map with atomic, checked .phext files."""

import math
import os
import signal
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vtpu_lib.memory
from vtpu_lib.coord import Coord
from vtpu_lib.errors import PhextFileError, VtpuError
from vtpu_lib.memory import Memory, values_equal


def c(text: str) -> Coord:
    return Coord.parse(text)


def same_cells(a: dict, b: dict) -> bool:
    """Equal keys and bit-for-bit equal values (repr tells -0.0 from 0.0; nan equals nan)."""
    return a.keys() == b.keys() and all(
        repr(a[k]) == repr(b[k]) or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


SAMPLE = {c("1.1.1"): 3.0, c("2.1.1"): 7.0, c("3.1.1"): -2.5, c("4.1.1/1.1.1/1.1.1.1.1"): 42.0}


@pytest.fixture
def saved(tmp_path):
    """A file holding SAMPLE, and its exact text."""
    path = tmp_path / "mem.phext"
    Memory(SAMPLE).save(path)
    return path, path.read_text(encoding="utf-8")


# -- reading and writing ------------------------------------------------------------------------

def test_unwritten_cells_read_zero():
    m = Memory()
    assert m.read(c("1.1.1")) == 0.0
    assert m.read(c("7.7.7/7.7.7/7.7.7.7.7")) == 0.0
    assert len(m) == 0


def test_write_then_read_returns_the_value_as_float():
    m = Memory()
    m.write(c("4.1.1"), 3)
    assert m.read(c("4.1.1/1.1.1/1.1.1.1.1")) == 3.0
    assert isinstance(m.read(c("4.1.1")), float)


def test_constructor_accepts_coordinate_text():
    m = Memory({"2.1.1": 5.0, c("3.1.1"): 6.0})
    assert m.cells() == {c("2.1.1"): 5.0, c("3.1.1"): 6.0}


def test_cells_are_listed_outermost_dimension_first():
    m = Memory({"1.1.2": 1.0, "2.1.1": 2.0, "1.1.1": 3.0})
    assert list(m.cells()) == [c("1.1.1"), c("2.1.1"), c("1.1.2")]


def test_cells_returns_a_copy():
    m = Memory({"1.1.1": 1.0})
    m.cells()[c("1.1.1")] = 9.0
    assert m.read(c("1.1.1")) == 1.0


# -- save / load round trip --------------------------------------------------------------------

def test_save_then_load_gives_the_same_cells(saved):
    path, _ = saved
    assert Memory.from_file(path).cells() == SAMPLE


def test_saved_file_is_phext_in_standard_order(saved):
    from phext.phext import Phext
    _, text = saved
    scrolls = {str(k): v for k, v in Phext().explode(text).items()}
    assert scrolls["1.1.1/1.1.1/1.1.4"] == "42.0"  # 4.1.1/1.1.1/1.1.1.1.1, library first
    assert scrolls["1.1.1/1.1.1/1.1.1"].startswith("vtpu-memory 1 cells=4 sha256=")


def test_origin_cell_value_round_trips_beside_the_manifest(tmp_path):
    path = tmp_path / "o.phext"
    Memory({"1.1.1": -7.25}).save(path)
    assert Memory.from_file(path).cells() == {c("1.1.1"): -7.25}


def test_empty_memory_round_trips(tmp_path):
    path = tmp_path / "empty.phext"
    Memory().save(path)
    assert len(Memory.from_file(path)) == 0


def test_load_replaces_the_previous_cells(saved):
    path, _ = saved
    m = Memory({"9.9.9": 1.0})
    m.load(path)
    assert m.cells() == SAMPLE
    assert m.read(c("9.9.9")) == 0.0


def test_save_overwrites_an_existing_file(saved):
    path, _ = saved
    Memory({"5.1.1": 1.5}).save(path)
    assert Memory.from_file(path).cells() == {c("5.1.1"): 1.5}


def test_values_equal_treats_nan_as_equal_and_distinguishes_nothing_else():
    assert values_equal(math.nan, math.nan)
    assert values_equal(1.0, 1.0) and not values_equal(1.0, 2.0)


phext_cells = st.dictionaries(
    st.lists(st.integers(1, 999), min_size=9, max_size=9).map(lambda d: Coord(d + [1, 1])),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from([-0.0, 0.0, math.inf, -math.inf, 5e-324, -5e-324,
                               2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1 / 3])),
    max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=phext_cells)
def test_save_load_round_trips_every_value_exactly(tmp_path, cells):
    path = tmp_path / "prop.phext"
    Memory(cells).save(path)
    back = Memory.from_file(path).cells()
    assert same_cells(back, cells)


# -- corrupt files -------------------------------------------------------------------------

BEFORE = {c("8.8.8"): 8.5, c("1.1.1"): -1.0}


def assert_load_fails_and_keeps_memory(path, *words):
    m = Memory(BEFORE)
    with pytest.raises(PhextFileError) as e:
        m.load(path)
    message = str(e.value)
    assert str(path) in message
    for w in words:
        assert w in message
    assert m.cells() == BEFORE  # untouched
    assert isinstance(e.value, VtpuError)
    return message


def test_changed_byte_in_a_value_is_detected(saved):
    path, text = saved
    assert "\x177.0" in text
    path.write_text(text.replace("\x177.0", "\x179.0"), encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "truncated or was changed", "checksum differs")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_character_change_is_rejected_or_harmless(saved, data):
    path, text = saved
    i = data.draw(st.integers(0, len(text) - 1), label="position")
    new = data.draw(st.sampled_from("0123456789.-e\x17\x18\x01 \nxZ"), label="replacement")
    path.write_text(text[:i] + new + text[i + 1:], encoding="utf-8")
    m = Memory(BEFORE)
    try:
        m.load(path)
    except PhextFileError:
        assert m.cells() == BEFORE
    else:
        assert same_cells(m.cells(), SAMPLE)  # e.g. a character replaced by itself


def test_changed_manifest_count_is_detected(saved):
    path, text = saved
    path.write_text(text.replace("cells=4", "cells=5"), encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "manifest: 5 cells, found 4")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.8, 0.95, 0.99])
def test_truncated_file_is_detected(saved, fraction):
    path, text = saved
    path.write_text(text[: int(len(text) * fraction)], encoding="utf-8")
    assert_load_fails_and_keeps_memory(path)


def test_file_truncated_after_every_character_is_detected(saved):
    path, text = saved
    for n in range(len(text) - 1):
        path.write_text(text[:n], encoding="utf-8")
        assert_load_fails_and_keeps_memory(path)


def test_file_missing_its_last_cell_is_detected(saved):
    path, text = saved
    path.write_text(text[: text.rindex("\x17")], encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "found 3")


def test_empty_file_is_not_a_memory_file(tmp_path):
    path = tmp_path / "empty.phext"
    path.write_text("", encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "not a vtpu memory file")


@pytest.mark.parametrize("garbage", [
    b"\x00\xff\xfe\x80 random bytes \x9c",    # not UTF-8
    b"hello world",
    b"\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x01",  # nothing but phext delimiters
    bytes(range(256)),
])
def test_random_garbage_is_rejected(tmp_path, garbage):
    path = tmp_path / "garbage.phext"
    path.write_bytes(garbage)
    assert_load_fails_and_keeps_memory(path)


def test_valid_phext_without_the_manifest_is_not_a_memory_file(tmp_path):
    from phext.coordinate import Coordinate
    from phext.phext import Phext
    path = tmp_path / "plain.phext"
    path.write_text(Phext().implode({Coordinate.from_string("1.1.1/1.1.1/1.1.1"): "3.0",
                                     Coordinate.from_string("1.1.1/1.1.1/1.1.2"): "7.0"}),
                    encoding="utf-8")
    message = assert_load_fails_and_keeps_memory(path, "not a vtpu memory file")
    assert "'3.0'" in message  # shows what it found instead


def test_missing_file_is_a_phext_file_error(tmp_path):
    assert_load_fails_and_keeps_memory(tmp_path / "nope.phext", "cannot read")


def test_non_number_cell_with_a_valid_manifest_is_rejected(tmp_path):
    # A hand-made file whose checksum is right but whose cell is not a number.
    from phext.coordinate import Coordinate
    from phext.phext import Phext
    from vtpu_lib.memory import _digest
    scrolls = {"1.1.1/1.1.1/1.1.2": "seven"}
    head = f"vtpu-memory 1 cells=1 sha256={_digest(scrolls)}\n"
    path = tmp_path / "nan.phext"
    path.write_text(Phext().implode({Coordinate.from_string("1.1.1/1.1.1/1.1.1"): head,
                                     Coordinate.from_string("1.1.1/1.1.1/1.1.2"): "seven"}),
                    encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "1.1.1/1.1.1/1.1.2", "'seven'", "not a number")


def test_from_file_on_a_corrupt_file_raises_phext_file_error(saved):
    path, text = saved
    path.write_text(text[:-1], encoding="utf-8")
    with pytest.raises(PhextFileError):
        Memory.from_file(path)


# -- cells phext cannot express ------------------------------------------------------------------

UNSAVABLE = [
    ("1000.1.1", "outside 1..999"),
    ("1.1.1/1.1.1/1.1.2047", "outside 1..999"),
    ("0.1.1", "outside 1..999"),
    ("1.1.1/1.1.1/1.1.1.2.1", "node/cluster"),
    ("1.1.1/1.1.1/1.1.1.1.2", "node/cluster"),
]


@pytest.mark.parametrize("cell, reason", UNSAVABLE)
def test_save_of_an_inexpressible_cell_fails_before_creating_the_file(tmp_path, cell, reason):
    path = tmp_path / "new.phext"
    m = Memory({"2.1.1": 1.0, cell: 5.0})
    with pytest.raises(PhextFileError, match=reason) as e:
        m.save(path)
    assert str(c(cell)) in str(e.value)
    assert not path.exists()
    assert os.listdir(tmp_path) == []  # no temp file either


@pytest.mark.parametrize("cell, reason", UNSAVABLE)
def test_save_of_an_inexpressible_cell_keeps_the_old_file(saved, cell, reason):
    path, old = saved
    with pytest.raises(PhextFileError, match=reason):
        Memory({cell: 5.0}).save(path)
    assert path.read_text(encoding="utf-8") == old
    assert os.listdir(path.parent) == [path.name]


# -- atomic save ----------------------------------------------------------------------------------

def test_save_failing_at_the_rename_keeps_the_old_file_and_leaves_no_temp_file(saved, monkeypatch):
    path, old = saved

    def broken_replace(src, dst):
        raise OSError("disk pulled out mid-rename")

    monkeypatch.setattr(vtpu_lib.memory.os, "replace", broken_replace)
    with pytest.raises(PhextFileError, match=f"{path}: cannot write: disk pulled out"):
        Memory({"5.1.1": 1.0}).save(path)
    assert path.read_text(encoding="utf-8") == old
    assert os.listdir(path.parent) == [path.name]


def test_save_interrupted_at_the_rename_leaves_no_new_file(tmp_path, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(vtpu_lib.memory.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Memory({"5.1.1": 1.0}).save(tmp_path / "m.phext")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_is_a_phext_file_error(tmp_path):
    with pytest.raises(PhextFileError):
        Memory({"2.1.1": 1.0}).save(tmp_path / "no" / "such" / "folder.phext")


def test_save_to_a_folder_is_a_phext_file_error_not_is_a_directory_error(tmp_path):
    with pytest.raises(PhextFileError) as e:
        Memory({"2.1.1": 1.0}).save(tmp_path)
    assert e.value.message == f"{tmp_path}: is a folder, not a file"
    assert "memory.phext" in e.value.hint
    assert os.listdir(tmp_path) == []


def test_save_refuses_a_file_larger_than_load_would_read(tmp_path, monkeypatch):
    monkeypatch.setattr(vtpu_lib.memory, "MAX_FILE_BYTES", 100)
    with pytest.raises(PhextFileError, match="more than the 0 MiB that load"):
        Memory({f"{i}.1.1": float(i) for i in range(1, 50)}).save(tmp_path / "m.phext")
    assert os.listdir(tmp_path) == []


# -- SIGTERM mid-save ------------------------------------------------------------------------------

SIGTERM_CHILD = """
import os, signal, sys
from vtpu_lib.memory import Memory

real_fsync = os.fsync
def fsync_then_sigterm(fd):  # the temp file is complete but not yet renamed: the worst moment
    real_fsync(fd)
    os.kill(os.getpid(), signal.SIGTERM)
    real_fsync(fd)  # Python runs the handler before this line

os.fsync = fsync_then_sigterm
Memory({f"{i % 999 + 1}.{i // 999 + 1}.1": i / 7 for i in range(50_000)}).save(sys.argv[1])
print("survived SIGTERM")
"""


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_sigterm_mid_save_removes_the_temp_file_and_ends_the_process(saved):
    path, old = saved
    p = subprocess.run([sys.executable, "-c", SIGTERM_CHILD, str(path)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == -signal.SIGTERM, p.stderr   # killed by the signal, as without the handler
    assert "survived" not in p.stdout and "Traceback" not in p.stderr
    assert os.listdir(path.parent) == [path.name]      # no .vtpu-*.tmp left behind
    assert path.read_text(encoding="utf-8") == old     # the old file is untouched


def sigterm_during_fsync(monkeypatch):
    real_fsync = os.fsync

    def fsync_then_sigterm(fd):
        real_fsync(fd)
        os.kill(os.getpid(), signal.SIGTERM)
        real_fsync(fd)

    monkeypatch.setattr(vtpu_lib.memory.os, "fsync", fsync_then_sigterm)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_sigterm_mid_save_cleans_up_then_runs_the_previous_python_handler(saved, monkeypatch):

    class Stopped(Exception):
        pass

    def stop(signum, frame):
        raise Stopped

    path, old = saved
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        sigterm_during_fsync(monkeypatch)
        with pytest.raises(Stopped):
            Memory({"5.1.1": 1.0}).save(path)
        assert signal.getsignal(signal.SIGTERM) is stop   # put back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert os.listdir(path.parent) == [path.name]
    assert path.read_text(encoding="utf-8") == old


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_sigterm_mid_save_under_a_handler_that_returns_fails_the_save(saved, monkeypatch):
    seen = []
    path, old = saved
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        sigterm_during_fsync(monkeypatch)
        with pytest.raises(PhextFileError, match="save interrupted by SIGTERM; the file is unchanged"):
            Memory({"5.1.1": 1.0}).save(path)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [signal.SIGTERM]
    assert os.listdir(path.parent) == [path.name] and path.read_text(encoding="utf-8") == old


def test_a_save_leaves_the_sigterm_handler_as_it_found_it(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    Memory({"5.1.1": 1.0}).save(tmp_path / "m.phext")
    assert signal.getsignal(signal.SIGTERM) == before


def test_save_from_another_thread_works_without_touching_signal_handlers(tmp_path):
    errors, before = [], signal.getsignal(signal.SIGTERM)

    def save():
        try:
            Memory(SAMPLE).save(tmp_path / "t.phext")
        except BaseException as e:  # reported below
            errors.append(e)

    t = threading.Thread(target=save)
    t.start()
    t.join()
    assert errors == [] and signal.getsignal(signal.SIGTERM) == before
    assert Memory.from_file(tmp_path / "t.phext").cells() == SAMPLE


# -- only regular files of a bounded size are read ---------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_load_of_a_named_pipe_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "mem.phext"
    os.mkfifo(fifo)
    assert_load_fails_and_keeps_memory(fifo, "cannot read: not a regular file (a named pipe)")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_load_of_dev_zero_is_refused_instead_of_growing_forever():
    assert_load_fails_and_keeps_memory("/dev/zero", "not a regular file (a character device)")


def test_load_of_a_folder_is_refused(tmp_path):
    assert_load_fails_and_keeps_memory(tmp_path, "not a regular file (a folder)")


def test_load_of_a_file_over_the_size_limit_is_refused(saved, monkeypatch):
    path, _ = saved
    monkeypatch.setattr(vtpu_lib.memory, "MAX_FILE_BYTES", 1 << 20)
    with open(path, "ab") as f:
        f.truncate((1 << 20) + 1)
    assert_load_fails_and_keeps_memory(path, "larger than the 1 MiB limit")


# -- the manifest's format version ---------------------------------------------------------------

@pytest.mark.parametrize("version", ["10", "2", "1.0", "01"])
def test_a_manifest_of_another_format_version_is_rejected_naming_both_versions(saved, version):
    path, text = saved
    path.write_text(text.replace("vtpu-memory 1 ", f"vtpu-memory {version} ", 1), encoding="utf-8")
    message = assert_load_fails_and_keeps_memory(path)
    assert f"memory file format version {version!r}; this vtpu_lib reads version '1'" in message


@pytest.mark.parametrize("head", ["vtpu-memory1 cells", "vtpu-memoryX 1 cells", "xvtpu-memory 1 cells"])
def test_a_manifest_must_start_with_exactly_vtpu_memory_1(saved, head):
    path, text = saved
    path.write_text(text.replace("vtpu-memory 1 cells", head, 1), encoding="utf-8")
    assert_load_fails_and_keeps_memory(path, "not a vtpu memory file")
