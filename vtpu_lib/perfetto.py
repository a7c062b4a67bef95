"""A run as a Chrome trace-event file, for Perfetto (ui.perfetto.dev) and chrome://tracing.

:func:`to_perfetto` turns a :class:`~vtpu_lib.trace.Trace` into the trace-event "JSON Object
format" (``{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}``), derived
from the trace's public views only (``events``, ``messages``, ``counters``). What is where:

* **Time**: 1 cycle = 1 µs of trace time (``ts`` and ``dur`` are cycles; the viewers print
  "µs"). ``otherData`` says so too, with the config, the mode and the run's counters.
* **Processes and tracks**: one process per sentron (pid = load order + 1, named by its label
  ``alice (id 0)``, labelled with home, core and thread), with four threads: ``D pipe``,
  ``S pipe``, ``C pipe`` and ``stalls`` (tid = 10 · pid + 1..4: Perfetto takes a tid as
  machine-wide, so no two sentrons share one).
* **Ops**: every op of an issued SIW is a complete slice (``"ph": "X"``) on its pipe's track,
  named by the op text, with ``dur`` = 1: a pipe issues one op per cycle, so a slice is the
  pipe's issue slot. (Slices as long as the op's latency would overlap on one track, which
  the viewers cannot nest, and a gather's latency depends on the PPT.) ``args``: pc, source
  line, SIW text and ``useful`` (the op's effect bit); a gather, scatter or prefetch also
  carries its PPT outcome and coordinate; a send or recv its message. NOP slots have no slice.
* **Stalls**: a slice on the ``stalls`` track named by its reason (``dependence``,
  ``ppt-miss``, ``recv-wait``, ``barrier-wait``, ``pipe-busy``); consecutive stall cycles of
  one reason at one pc are one slice, so durations add up to the stall counters.
* **Messages**: a flow arrow (cat ``message``, id = the message's seq): ``"ph": "s"`` at the
  send's cycle on the sender's C track, ``"ph": "f"``, ``"bp": "e"`` at the recv's cycle on the
  receiver's C track. Each flow event follows its slice in the file, at the slice's ``ts``:
  Perfetto binds a flow to the slice open on the track when it reads the flow. A message never
  received has no arrow (its send slice says ``"received": false``).
* **PPT misses**: an instant event (``"ph": "i"``, thread scope) on the track of the op that
  missed (a gather's or scatter's: the S track), named ``PPT miss (compulsory|capacity|conflict)``,
  inside the op's slice; hits and prefetches are in the slice's args only. The host's own PPT
  accesses (memory preload) have no track: they are in the machine-wide counters in ``otherData``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile

from .errors import VtpuError

TRACKS = ("D pipe", "S pipe", "C pipe", "stalls")   # tid offsets 1..4 within a sentron
STALLS = 3
MISSES = ("compulsory", "capacity", "conflict")
# op -> the PPT access it logs (events.PPT_OPS); a SIW's S and C slots may both look up the PPT
PPT_OPS = {"gather": "gather", "scatter": "scatter", "prefetch": "prefetch", "cprefetch": "prefetch"}
TIME_UNIT = "1 cycle = 1 us of trace time (ts and dur are cycles)"


def to_perfetto(trace, path=None) -> dict:
    """The trace-event document of ``trace``; also written to ``path`` (atomically) if given."""
    if path is not None:
        path = check_path(path)   # before the work: a typo costs nothing
    pids = {s.id: i + 1 for i, s in enumerate(trace.sentrons)}
    names = {s.id: s.name for s in trace.sentrons}
    extras = _extras(trace, names)
    flows = _flows(trace, pids)
    events = []
    for s in trace.sentrons:
        events += _metadata(s, pids[s.id])
    for s in trace.sentrons:
        events += _sentron_events(trace, s, pids[s.id], extras, flows)
    doc = {"traceEvents": events, "displayTimeUnit": "ms", "otherData": _other_data(trace, pids)}
    if path is not None:
        _write(doc, path)
    return doc


def _tid(pid: int, track: int) -> int:
    return 10 * pid + track + 1


def _metadata(s, pid: int) -> list[dict]:
    def meta(kind, tid, **args):
        return {"ph": "M", "name": kind, "ts": 0, "pid": pid, "tid": tid, "args": args}
    first = _tid(pid, 0)
    out = [meta("process_name", first, name=s.label), meta("process_sort_index", first, sort_index=pid),
           meta("process_labels", first, labels=f"home {s.home}, core {s.core}, thread {s.thread}")]
    for k, name in enumerate(TRACKS):
        out += [meta("thread_name", _tid(pid, k), name=name), meta("thread_sort_index", _tid(pid, k), sort_index=k)]
    return out


def _extras(trace, names: dict) -> dict:
    """(sentron id, cycle) -> args to add to that cycle's slices: {pipe index: {...}}, and under
    "ppt" that cycle's PPT lookups in slot order (an S op's, or a C cprefetch's)."""
    out: dict = {}
    for e in trace.events("ppt"):
        if e.sentron in names:   # not the host
            a = e.info
            out.setdefault((e.sentron, e.cycle), {}).setdefault("ppt", []).append(
                (a.op, {"ppt": a.outcome, "coord": str(a.coord), "late": a.late, "prefetched": a.prefetched}))
    for m in trace.messages():
        values = [_finite(v) for v in m.values]
        send = out.setdefault((m.src, m.sent_cycle), {}).setdefault(2, {})
        send.setdefault("messages", []).append({"seq": m.seq, "to": names[m.dst], "values": values,
                                                "received": m.recv_cycle is not None})
        if m.recv_cycle is not None:
            recv = out.setdefault((m.dst, m.recv_cycle), {}).setdefault(2, {})
            recv.setdefault("messages", []).append({"seq": m.seq, "from": names[m.src], "values": values})
    return out


def _flows(trace, pids: dict) -> dict:
    """(sentron id, cycle) -> the flow events that bind to that cycle's C slice."""
    out: dict = {}
    for m in trace.messages():
        if m.recv_cycle is None:
            continue
        common = {"name": "message", "cat": "message", "id": m.seq}
        out.setdefault((m.src, m.sent_cycle), []).append(
            {"ph": "s", "ts": m.sent_cycle, "pid": pids[m.src], "tid": _tid(pids[m.src], 2), **common})
        out.setdefault((m.dst, m.recv_cycle), []).append(
            {"ph": "f", "bp": "e", "ts": m.recv_cycle, "pid": pids[m.dst], "tid": _tid(pids[m.dst], 2), **common})
    return out


def _sentron_events(trace, s, pid: int, extras: dict, flows: dict) -> list[dict]:
    """Op slices, merged stall slices, PPT-miss instants and flow ends of one sentron."""
    code, out, text = s.code, [], {}   # text: pc -> (source line, SIW text), made once a pc
    stall = None   # the open stall slice, extended while the same reason at the same pc goes on
    for e in trace.events(("issue", "stall"), sentron=s.id):
        if e.pc not in text:
            text[e.pc] = (code.lines[e.pc] if e.pc < len(code.lines) else None, str(code.siws[e.pc]))
        where = {"pc": e.pc, "line": text[e.pc][0], "siw": text[e.pc][1]}
        if e.kind == "stall":
            reason = str(e.info)
            if stall and stall["name"] == reason and stall["args"]["pc"] == e.pc \
                    and stall["ts"] + stall["dur"] == e.cycle:
                stall["dur"] += 1
                stall["args"]["cycles"] += 1
                continue
            stall = {"ph": "X", "name": reason, "cat": "stall", "ts": e.cycle, "dur": 1, "pid": pid,
                     "tid": _tid(pid, STALLS), "args": {**where, "cycles": 1}}
            out.append(stall)
            continue
        out += _op_slices(code.siws[e.pc], e, pid, where, extras.get((s.id, e.cycle), {}))
        out += flows.get((s.id, e.cycle), [])
    return out


def _op_slices(siw, e, pid: int, where: dict, more: dict) -> list[dict]:
    """One issue record's slices: an X per filled slot, then an instant if it missed the PPT."""
    out, lookups = [], list(more.get("ppt", ()))
    for k, op in enumerate(siw.slots):
        if op is None:
            continue
        args = {**where, "useful": bool(e.info >> k & 1), **more.get(k, {})}
        looked = PPT_OPS.get(str(op.op))
        for i, (kind, _) in enumerate(lookups):
            if kind == looked:
                args.update(lookups.pop(i)[1])
                break
        out.append({"ph": "X", "name": str(op), "cat": "op", "ts": e.cycle, "dur": 1, "pid": pid,
                    "tid": _tid(pid, k), "args": args})
        if args.get("ppt") in MISSES:
            out.append({"ph": "i", "s": "t", "name": f"PPT miss ({args['ppt']})", "cat": "ppt", "ts": e.cycle,
                        "pid": pid, "tid": _tid(pid, k), "args": {"coord": args["coord"], "op": op.op}})
    return out


def _other_data(trace, pids: dict) -> dict:
    c = trace.counters()
    return {"generator": "vtpu_lib", "time_unit": TIME_UNIT, "config": trace.config_name, "mode": trace.mode,
            "cycles": c.cycles, "siws": c.siws, "ops": c.ops, "useful_ops": c.useful_ops,
            "ops_by_pipe": dict(c.ops_by_pipe), "stall_cycles": dict(c.stalls),
            "ppt_hit_rate": c.ppt.hit_rate, "messages_sent": c.messages_sent,
            "sentrons": [{"pid": pids[s.id], "id": s.id, "name": s.name, "home": str(s.home), "core": s.core,
                          "thread": s.thread, "start_cycle": s.start_cycle, "retire_cycle": s.retire_cycle,
                          "state": s.state} for s in trace.sentrons]}


def _finite(x):
    """JSON has no inf or nan: they become the strings 'inf', '-inf', 'nan'."""
    return repr(x) if isinstance(x, float) and not math.isfinite(x) else x


# -- writing ------------------------------------------------------------------------------------

def check_path(path) -> str:
    """``path`` as a str if a trace file can be written there, else a VtpuError saying why."""
    try:
        name = os.fspath(path)
    except TypeError:
        raise VtpuError(f"a trace file path must be a str or a path, not {type(path).__name__}") from None
    if not isinstance(name, str) or not name:
        raise VtpuError(f"{name!r} is not a file name", hint="e.g. trace.json")
    if os.path.isdir(name):
        raise VtpuError(f"{name}: is a folder, not a file", hint=f"e.g. {os.path.join(name, 'trace.json')}")
    try:
        mode = os.lstat(name).st_mode
    except OSError:
        mode = None   # a new file
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):   # a link is replaced, not followed
        raise VtpuError(f"{name}: exists and is not a regular file (a device, a pipe, a socket?)",
                        hint="give the name of a new or a regular file, e.g. trace.json")
    folder = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(folder):
        raise VtpuError(f"{name}: the folder {folder} does not exist", hint="create it, or write elsewhere")
    return name


def _write(doc: dict, path: str) -> None:
    """Whole or not at all: a temp file in the same folder, then one rename over ``path``."""
    text = json.dumps(doc, allow_nan=False, separators=(",", ":"))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".vtpu-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
    except OSError as e:
        raise VtpuError(f"{path}: cannot write: {e.strerror or e}",
                        hint="check that the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o644)   # mkstemp makes it 0600: a trace is meant to be shared
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise VtpuError(f"{path}: cannot write: {e.strerror or e}") from None
        raise


__all__ = ["to_perfetto", "check_path", "TRACKS"]
