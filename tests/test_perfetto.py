"""Trace.to_perfetto / run --perfetto: the Chrome trace-event file, loaded back and checked
against the trace's own counters and message records."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from vtpu_lib import programs
from vtpu_lib.asm import assemble
from vtpu_lib.cli import main
from vtpu_lib.errors import VtpuError
from vtpu_lib.machine import Machine, run
from vtpu_lib.perfetto import TRACKS

# realistic: stalls of two reasons, demand misses (compulsory), prefetches (one installs and is
# hit late, one finds its page present: an op with no effect) and a C-pipe cprefetch sharing a
# SIW with a gather, so PPT lookups must land on the right slice.
REALISTIC = """
.mem 1.1.1 3
.mem 1.1.1/2.1.1 4
.set p0 1.1.1/2.1.1
.set p1 1.1.1/3.1.1
.set p2 1.1.1/4.1.1
.set p3 1.1.1/5.1.1
.set p4 1.1.1/6.1.1
-              | gather r1, p0   | cprefetch p1
-              | prefetch p2     | -
add r2, r1, r1 | gather r3, p1   | -
mul r4, r2, r3 | gather r5, p2   | -
add r6, r4, r5 | prefetch p0     | -
-              | scatter p3, r6  | -
-              | gather r8, p4   | -
add r9, r8, r6 | -               | -
"""

SMT = """
.sentron t0 id=0 core=0 thread=0
.set r1 1
add r2, r1, r1 | - | -
add r3, r1, r1 | - | -
.sentron t1 id=1 core=0 thread=1
.set r1 2
mul r2, r1, r1 | - | -
mul r3, r1, r1 | - | -
"""


def _runs():
    return {"attention_pair": run(assemble(programs.source("attention_pair")), "seed"),
            "realistic": run(assemble(REALISTIC), "realistic"),
            "smt": run(assemble(SMT), "seed")}


RUNS = _runs()


def _strict_load(path):
    """json.load that refuses NaN/Infinity, which Perfetto's parser does not read."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=refuse)


@pytest.fixture(params=sorted(RUNS))
def loaded(request, tmp_path):
    trace = RUNS[request.param]
    path = tmp_path / "trace.json"
    doc = trace.to_perfetto(path)
    back = _strict_load(path)
    assert back == doc
    return trace, back


def _ev(doc, ph, **match):
    return [e for e in doc["traceEvents"] if e["ph"] == ph and all(e.get(k) == v for k, v in match.items())]


def _pid(doc, name):
    return next(s["pid"] for s in doc["otherData"]["sentrons"] if s["name"] == name)


def _tid(doc, pid, track):
    """The tid that the metadata names ``track`` in process ``pid``."""
    return next(e["tid"] for e in _ev(doc, "M", name="thread_name", pid=pid) if e["args"]["name"] == track)


REQUIRED = {"M": {"name", "ts", "pid", "tid", "args"}, "X": {"name", "cat", "ts", "dur", "pid", "tid", "args"},
            "i": {"name", "ts", "pid", "tid", "s"}, "s": {"name", "cat", "id", "ts", "pid", "tid"},
            "f": {"name", "cat", "id", "ts", "pid", "tid", "bp"}}


def test_the_file_is_one_json_object_in_the_documented_format(loaded):
    trace, doc = loaded
    assert set(doc) == {"traceEvents", "displayTimeUnit", "otherData"}
    assert doc["displayTimeUnit"] == "ms"
    assert "1 cycle = 1 us" in doc["otherData"]["time_unit"]
    assert doc["otherData"]["ops"] == trace.counters().ops


def test_every_event_has_the_fields_its_phase_needs(loaded):
    _, doc = loaded
    for e in doc["traceEvents"]:
        assert e["ph"] in REQUIRED, e
        assert REQUIRED[e["ph"]] <= set(e), e
        assert all(isinstance(e[k], int) and e[k] >= 0 for k in ("ts", "pid", "tid")), e
        if e["ph"] == "X":
            assert e["dur"] >= 1, e


def test_no_two_sentrons_share_a_pid_or_a_tid(loaded):
    trace, doc = loaded
    tids = {}
    for e in doc["traceEvents"]:
        assert tids.setdefault(e["tid"], e["pid"]) == e["pid"], e   # a tid belongs to one process
    assert len({e["pid"] for e in doc["traceEvents"]}) == len(trace.sentrons)


def test_metadata_names_every_sentron_and_its_four_tracks(loaded):
    trace, doc = loaded
    names = {e["args"]["name"] for e in _ev(doc, "M", name="process_name")}
    assert names == {s.label for s in trace.sentrons}
    for s in trace.sentrons:
        pid = _pid(doc, s.name)
        assert [e["args"]["name"] for e in _ev(doc, "M", name="thread_name", pid=pid)] == list(TRACKS)
        assert _ev(doc, "M", name="process_sort_index", pid=pid)
        assert len(_ev(doc, "M", name="thread_sort_index", pid=pid)) == 4


def test_one_slice_per_issued_op_on_its_pipes_track(loaded):
    trace, doc = loaded
    ops = _ev(doc, "X", cat="op")
    assert len(ops) == trace.counters().ops
    assert sum(e["args"]["useful"] for e in ops) == trace.counters().useful_ops
    for s in trace.sentrons:
        pid = _pid(doc, s.name)
        for pipe, n in trace.counters(s.id).ops_by_pipe.items():
            assert len(_ev(doc, "X", cat="op", pid=pid, tid=_tid(doc, pid, f"{pipe} pipe"))) == n
    for track in {(e["pid"], e["tid"]) for e in ops}:   # one op per pipe per cycle: slices never overlap
        starts = [e["ts"] for e in ops if (e["pid"], e["tid"]) == track]
        assert len(starts) == len(set(starts))


def test_op_slices_carry_pc_source_line_siw_and_useful():
    trace = RUNS["attention_pair"]
    doc = trace.to_perfetto()
    send = _ev(doc, "X", name="send m0, bob")
    assert len(send) == 1
    args = send[0]["args"]
    lines = programs.source("attention_pair").splitlines()
    assert "send m0, bob" in lines[args["line"] - 1]
    assert args["pc"] == 5 and args["siw"] == "- | - | send m0, bob" and args["useful"] is True
    assert args["messages"] == [{"seq": 1, "to": "bob", "values": [42.0], "received": True}]


def test_stall_slices_add_up_to_the_stall_counters_by_reason(loaded):
    trace, doc = loaded
    for s in trace.sentrons:
        pid = _pid(doc, s.name)
        stalls = _ev(doc, "X", cat="stall", pid=pid)
        assert {e["tid"] for e in stalls} <= {_tid(doc, pid, "stalls")}
        got = Counter()
        for e in stalls:
            got[e["name"]] += e["dur"]
            assert e["args"]["cycles"] == e["dur"]
        want = {r: n for r, n in trace.counters(s.id).stalls.items() if n}
        assert dict(got) == want
        for a, b in zip(stalls, stalls[1:]):   # merged: no slice continues the one before it
            assert not (a["ts"] + a["dur"] == b["ts"] and a["name"] == b["name"]
                        and a["args"]["pc"] == b["args"]["pc"])


def test_consecutive_stall_cycles_of_one_reason_at_one_pc_are_one_slice():
    doc = RUNS["realistic"].to_perfetto()
    miss = _ev(doc, "X", name="ppt-miss")
    assert [(e["ts"], e["dur"], e["args"]["pc"]) for e in miss][0] == (3, 15, 3)
    busy = _ev(doc := RUNS["smt"].to_perfetto(), "X", name="pipe-busy")
    assert sum(e["dur"] for e in busy) == RUNS["smt"].counters().stalls["pipe-busy"] == 3
    assert {e["pid"] for e in busy} == {_pid(doc, "t0"), _pid(doc, "t1")}


def test_each_received_message_is_one_arrow_from_its_send_slice_to_its_recv_slice(loaded):
    trace, doc = loaded
    events = doc["traceEvents"]
    received = [m for m in trace.messages() if m.recv_cycle is not None]
    assert len(_ev(doc, "s")) == len(_ev(doc, "f")) == len(received)
    names = {s.id: s.name for s in trace.sentrons}
    for m in received:
        (s,), (f,) = _ev(doc, "s", id=m.seq), _ev(doc, "f", id=m.seq)
        assert s["cat"] == f["cat"] == "message" and s["name"] == f["name"] and f["bp"] == "e"
        assert (s["ts"], f["ts"]) == (m.sent_cycle, m.recv_cycle)
        for flow, who, op in ((s, m.src, "send"), (f, m.dst, "recv")):
            pid = _pid(doc, names[who])
            assert (flow["pid"], flow["tid"]) == (pid, _tid(doc, pid, "C pipe"))
            before = events[events.index(flow) - 1]   # Perfetto binds a flow to the slice read before it
            assert before["ph"] == "X" and before["name"].startswith(op)
            assert (before["pid"], before["tid"], before["ts"]) == (flow["pid"], flow["tid"], flow["ts"])


def test_attention_pair_draws_alices_send_to_bobs_recv():
    trace = RUNS["attention_pair"]
    assert len(trace.messages()) == 1
    doc = trace.to_perfetto()
    (s,), (f,) = _ev(doc, "s"), _ev(doc, "f")
    assert (s["pid"], f["pid"]) == (_pid(doc, "alice"), _pid(doc, "bob"))
    assert (s["ts"], f["ts"]) == (5, 6)
    assert _ev(doc, "X", name="recv-wait")[0]["dur"] == 6


def test_ppt_misses_are_instants_inside_the_slice_of_the_op_that_missed(loaded):
    trace, doc = loaded
    instants = _ev(doc, "i", cat="ppt")
    assert len(instants) == sum(trace.counters(s.id).ppt.misses for s in trace.sentrons)
    events = doc["traceEvents"]
    for e in instants:
        slice_ = events[events.index(e) - 1]
        assert (slice_["ph"], slice_["pid"], slice_["tid"], slice_["ts"]) == ("X", e["pid"], e["tid"], e["ts"])
        assert e["name"] == f"PPT miss ({slice_['args']['ppt']})" and e["s"] == "t"


def test_ppt_lookups_land_on_the_slice_of_the_op_that_made_them():
    doc = RUNS["realistic"].to_perfetto()
    by_name = {e["name"]: e["args"] for e in _ev(doc, "X", cat="op", ts=0)}
    assert by_name["gather r1, p0"]["ppt"] == "hit" and by_name["gather r1, p0"]["coord"].startswith("1.1.1/2.1.1")
    assert by_name["cprefetch p1"]["ppt"] == "installed" and by_name["cprefetch p1"]["coord"].startswith("1.1.1/3.1.1")
    late = _ev(doc, "X", name="gather r3, p1")[0]["args"]
    assert (late["ppt"], late["late"], late["prefetched"]) == ("hit", True, True)
    present = _ev(doc, "X", name="prefetch p0")[0]["args"]
    assert (present["ppt"], present["useful"]) == ("present", False)
    assert [e["args"]["op"] for e in _ev(doc, "i")] == ["scatter", "gather"]


def test_a_message_never_received_has_no_arrow_and_says_so():
    trace = run(".sentron a id=0\n- | - | pack m0, r0\n- | - | send m0, b\n.sentron b id=1\nadd r1, r1, r1 | - | -\n")
    doc = trace.to_perfetto()
    assert not _ev(doc, "s") and not _ev(doc, "f")
    assert _ev(doc, "X", name="send m0, b")[0]["args"]["messages"][0]["received"] is False


def test_non_finite_message_values_still_make_valid_json(tmp_path):
    trace = run(".sentron a id=0\ndiv r1, r0, r0 | - | -\n- | - | pack m0, r1\n- | - | send m0, b\n"
                ".sentron b id=1\n- | - | recv r2, a\n")
    trace.to_perfetto(tmp_path / "t.json")
    doc = _strict_load(tmp_path / "t.json")
    assert _ev(doc, "X", name="send m0, b")[0]["args"]["messages"][0]["values"] == ["nan"]


def test_writing_replaces_the_file_whole_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "trace.json"
    path.write_text("old")
    doc = RUNS["smt"].to_perfetto(str(path))
    assert _strict_load(path) == doc
    assert os.listdir(tmp_path) == ["trace.json"]
    assert RUNS["smt"].to_perfetto() == doc   # without a path: the same document, nothing written


@pytest.mark.parametrize("where", ["folder", "missing folder", "device"])
def test_paths_that_are_not_files_are_refused_with_a_vtpu_error(tmp_path, where):
    path = {"folder": tmp_path, "missing folder": tmp_path / "nope" / "t.json", "device": "/dev/null"}[where]
    with pytest.raises(VtpuError) as e:
        RUNS["smt"].to_perfetto(path)
    assert str(path) in str(e.value)
    assert os.listdir(tmp_path) == [] and os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_a_run_without_an_event_log_cannot_be_exported():
    m = Machine("seed", record=False)
    m.load(assemble(SMT))
    with pytest.raises(VtpuError, match="no event log"):
        m.run().to_perfetto()


def test_cli_run_perfetto_writes_the_file_and_says_how_to_open_it(capsys, tmp_path):
    path = tmp_path / "pair.json"
    code = main(["run", "attention_pair", "--perfetto", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0
    doc = _strict_load(path)
    assert len(_ev(doc, "X", cat="op")) == RUNS["attention_pair"].counters().ops
    last = out.splitlines()[-1]
    assert str(path) in last and "ui.perfetto.dev" in last and "chrome://tracing" in last


def test_cli_json_output_stays_one_json_object_with_perfetto(capsys, tmp_path):
    code = main(["run", "attention_pair", "--json", "--perfetto", str(tmp_path / "t.json")])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["ops"] == 11 and "ui.perfetto.dev" in err
    assert (tmp_path / "t.json").is_file()


def test_cli_bad_perfetto_path_is_a_clean_error_before_the_run(tmp_path):
    p = subprocess.run([sys.executable, "-m", "vtpu_lib", "run", "attention_pair", "--perfetto", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stdout == ""   # nothing ran
    assert "Traceback" not in p.stderr and f"error: --perfetto {tmp_path}: is a folder" in p.stderr
