"""What the chat can explain, answered from the library: the glossary, the op table, the presets,
the register files, the shipped attention program. Nothing here is canned prose about numbers --
every figure is read from the code that defines it.
"""

from __future__ import annotations

from ..config import PRESETS
from ..coord import DIM_NAMES, Coord
from ..isa import MSG_LANES, OPS, PIPES, REG_FILES, StallReason, op_table_markdown, ops_of_pipe

__all__ = ["TOPICS", "find_topic", "explain"]

# topic -> (words, phrases). A word that is an op name (fma, gather...) is a topic of its own.
TOPICS = {
    "vtpu": ("vtpu tpu architecture overview design system machine", ()),
    "pipes": ("pipe pipes dense sparse coordination slot slots", ()),
    "siw": ("siw siws instruction instructions vliw sequential bundle", ()),
    "sentron": ("sentron sentrons thread threads register registers smt", ()),
    "ppt": ("ppt cache caches translation page pages tlb lru", ("page table",)),
    "phext": ("phext coordinate coordinates coord coords scroll scrolls dimension dimensions memory address", ()),
    "attention": ("attention transformer transformers qkv alice bob inference", ("query key",)),
    "ops": ("op ops opcode opcodes isa operations operation", ("instruction set",)),
    "throughput": ("utilization ipc throughput useful", ("ops per cycle", "ops cycle", "operations per cycle")),
    "presets": ("preset presets config configuration latency latencies seed realistic timing", ()),
    "messages": ("message messages bonding bond bonded network barrier barriers", ()),
    "dot": ("dot dotproduct", ("dot product", "inner product", "scalar product")),
    "stall": ("stall stalls stalled stalling dependence dependences hazard hazards", ()),
    "chat": ("chat routing yourself", ()),
}
_WORD = {w: t for t, (ws, _) in TOPICS.items() for w in ws.split()}
_PHRASES = sorted(((tuple(p.split()), t) for t, (_, ps) in TOPICS.items() for p in ps), key=lambda x: -len(x[0]))


def find_topic(ws: list[str]) -> str | None:
    """The topic of a line: a topic phrase first (longest), else the first topic word or op name."""
    for phrase, topic in _PHRASES:
        n = len(phrase)
        if any(tuple(ws[i:i + n]) == phrase for i in range(len(ws) - n + 1)):
            return topic
    for w in ws:
        if w in OPS:
            return f"op:{w}"
        if w in _WORD:
            return _WORD[w]
    return None


def _glossary(*keys: str) -> list[str]:
    from .. import GLOSSARY
    return [f"  {k}: {GLOSSARY[k]}" for k in keys]


def _vtpu() -> list[str]:
    return (["The vTPU is a three-pipe VLIW machine: each cycle a sentron issues one SIW, up to one op per pipe."]
            + _glossary("sentron", "SIW", "pipe", "PPT", "phext coordinate", "ops/cycle")
            + ["Ask about: pipes, SIW, sentrons, the PPT, phext, attention, ops, presets, messages, stalls."])


def _pipes() -> list[str]:
    names = {"D": "dense", "S": "sparse", "C": "coordination"}
    return (_glossary("pipe") + [f"  {p} pipe ({names[p]}): {', '.join(ops_of_pipe(p))}" for p in PIPES]
            + [f"A SIW holds one op per pipe, so the peak is {len(PIPES)} ops/cycle."])


def _siw() -> list[str]:
    from .. import programs
    alice = programs.load("attention_pair").sentrons[0]
    busiest = max(alice.siws, key=lambda s: len(s.ops()))
    return (_glossary("SIW", "vliw mode", "sequential mode")
            + [f"  e.g. Alice's busiest SIW: {busiest}   ('-' is an empty slot: a NOP, never an op)"])


def _sentron() -> list[str]:
    files = {"r": "float64 values", "p": "phext coordinates", "m": f"messages of up to {MSG_LANES} values"}
    return _glossary("sentron") + [f"  {f}0-{f}{n - 1}: {files[f]}" for f, n in REG_FILES.items()]


def _ppt() -> list[str]:
    out = _glossary("PPT")
    for name, c in PRESETS.items():
        out.append(f"  {name}: {c.ppt_sets} sets x {c.ppt_ways} ways = {c.ppt_capacity_pages} pages, "
                   f"{c.page_scrolls} scroll(s) a page, a miss costs {c.ppt_miss_penalty_cycles} extra cycles")
    return out + ["Every gather and scatter is one PPT access (a hit or a miss). Say 'memory stats' for this chat's."]


def _phext() -> list[str]:
    return _glossary("phext coordinate") + [
        f"  dimensions, innermost first: {', '.join(DIM_NAMES)}",
        f"  short forms: '4.1.1' means {Coord.parse('4.1.1')} (missing dimensions are 1)",
        "Memory maps coordinates to float64 values; unwritten cells read 0.0."]


def _attention() -> list[str]:
    from .. import programs
    head = [line.lstrip("# ") for line in programs.source("attention_pair").splitlines() if line.startswith("#")]
    return head + ["Say 'attention' to run it on this chat's machine."]


def _op(name: str) -> list[str]:
    table = op_table_markdown().splitlines()
    row = next(line for line in table if f"`{name}`" in line)
    spec = OPS[name]
    lat = ", ".join(f"{p} {c.latency_cycles[str(spec.latency_key)]}" for p, c in PRESETS.items())
    return table[:2] + [row, f"latency (cycles): {lat}"]


def _presets() -> list[str]:
    out = _glossary("seed preset", "realistic preset")
    for name, c in PRESETS.items():
        out.append(f"  {name} latencies: " + ", ".join(f"{k} {v}" for k, v in c.latency_cycles.items()))
    return out


def _messages() -> list[str]:
    rows = [line for line in op_table_markdown().splitlines()
            if any(f"`{n}`" in line for n in ("send", "recv", "bar", "pack", "unpack", "beacon"))]
    return ["The C pipe moves messages between sentrons (the original called it bonding):"] + rows


def _dot() -> list[str]:
    a, b = (1, 2, 3), (4, 5, 6)
    terms = " + ".join(f"{x}*{y}" for x, y in zip(a, b))
    return [f"A dot product multiplies two vectors element by element and adds the products: "
            f"dot({list(a)}, {list(b)}) = {terms} = {sum(x * y for x, y in zip(a, b))}.",
            "Here it runs as a SIW program: gathers (and address steps) in the S pipe, fma in the D pipe.",
            "Say 'dot product of 1,2,3 and 4,5,6'."]


def _stall() -> list[str]:
    return _glossary("stall") + [f"  reasons: {', '.join(map(str, StallReason))}"]


def _chat() -> list[str]:
    from . import intents
    rule = intents.__doc__.split("The priority rule, first that applies wins:")[1].strip()
    return ["I match whole words, never parts of words. When several intents match, the first rule wins:", rule]


_TEXTS = {"vtpu": _vtpu, "pipes": _pipes, "siw": _siw, "sentron": _sentron, "ppt": _ppt, "phext": _phext,
          "attention": _attention, "ops": lambda: op_table_markdown().splitlines(),
          "throughput": lambda: _glossary("op", "ops/cycle", "useful ops/cycle", "utilization"),
          "presets": _presets, "messages": _messages, "dot": _dot, "stall": _stall, "chat": _chat}


def explain(topic: str) -> str:
    """The answer for a topic of :data:`TOPICS` or ``op:NAME``."""
    if topic.startswith("op:"):
        return "\n".join(_op(topic[3:]))
    return "\n".join(_TEXTS[topic]())
