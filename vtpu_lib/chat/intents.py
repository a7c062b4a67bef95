"""Routing a chat line to an intent: matched on whole WORDS, never on substrings.

The original vtpu-chat tested regular expressions on the lowercased line, in a fixed order, and
the first match won -- so "show memory stats" ran the demo ("show me" inside "show memory") and
"latest" ran the benchmark ("test" inside it). Here a line is cut into words first (lowercase,
punctuation and apostrophes dropped: "What's" -> ``whats``), and every rule names words or runs
of consecutive words. :func:`route` is pure: the same line always gives the same :class:`Route`.

The priority rule, first that applies wins:

1. nothing but a quit word (quit, exit, bye, goodbye; fillers like "ok", "thanks" allowed) -> quit
2. a help word or phrase ("help", "commands", "what can you do") -> help
3. a dot product with numbers in the line -> dot (numbers make it a computation, not a question:
   "what's the dot product of [2,4,6] and [3,5,7]?")
4. a statistics word (stats, counters, hits, misses, "hit rate") -> memory (a report, even when
   asked as a question: "what's the PPT hit rate?")
5. an explain word or phrase (explain, describe, "what is", "how does", why...) with a topic ->
   explain that topic (explaining beats the topic's action: "explain how attention works")
6. the actions, in this order: dot, attention, benchmark, demo, memory, status ("PPT status" is
   about the PPT; status is the vaguest, so it comes last)
7. a topic alone ("sentrons?", "fma") -> explain it
8. an explain verb without a topic ("explain", "describe it") -> the overview ("what is the
   latest?" is not enough: it goes on to rule 9)
9. anything else -> unknown, with the two closest intents as suggestions (difflib on words)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .topics import find_topic

__all__ = ["Intent", "INTENTS", "Route", "words", "route", "is_quit", "suggest"]


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing the chat can do: the words and phrases that ask for it, and example lines."""
    name: str
    words: frozenset
    phrases: tuple = ()
    examples: tuple = ()

    def matches(self, ws: list[str]) -> bool:
        return bool(self.words.intersection(ws)) or any(has_phrase(ws, p) for p in self.phrases)


def _intent(name, words, phrases=(), examples=()) -> Intent:
    return Intent(name, frozenset(words.split()), tuple(tuple(p.split()) for p in phrases), tuple(examples))


# The table the router, the help text and the suggestions are all derived from. Order = help order.
INTENTS = (
    _intent("help", "help commands command usage intents options menu",
            ("what can you do", "what do you do", "what can i say", "what can i ask", "what can i do"),
            ("help", "what can you do?")),
    _intent("dot", "dot dotproduct", ("dot product", "inner product", "scalar product"),
            ("dot product of 1,2,3 and 4,5,6", "what's the dot product of [2,4,6] and [3,5,7]?",
             "multiply these vectors")),
    _intent("attention", "attention transformer transformers qkv inference infer",
            ("query key", "self attention"), ("compute attention", "run inference")),
    _intent("benchmark", "benchmark benchmarks bench speed fast faster fastest performance perf profile "
            "profiling throughput test tests", ("how fast",),
            ("run a benchmark", "how fast is it?", "profile performance")),
    _intent("demo", "demo demos demonstration example examples showcase compare comparison",
            ("side by side",), ("show me a demo",)),
    _intent("memory", "memory ppt cache caches stats statistics counters hits misses cells tlb",
            ("hit rate", "page table"), ("show memory stats", "PPT status")),
    _intent("status", "status health uptime version versions info state hello hi hey",
            ("how are you", "are you ok", "are you there"), ("how are you?", "status")),
    _intent("explain", "explain describe define teach meaning why",
            ("tell me about", "what is", "what are", "whats", "what s", "what does", "what do", "how does",
             "how do", "how is"),
            ("explain the architecture", "what is vTPU?", "explain how attention works", "what does fma do?")),
    _intent("quit", "quit exit bye goodbye", (), ("quit", "exit", "bye")),
)
BY_NAME = {i.name: i for i in INTENTS}
ACTION_ORDER = ("dot", "attention", "benchmark", "demo", "memory", "status")   # rule 6
_STATS = _intent("stats", "stats statistics counters hits misses usage", ("hit rate",))  # rule 4
_MULTIPLY = frozenset("multiply multiplication times".split())
_VECTORS = frozenset("vector vectors".split())
_FILLERS = frozenset("ok okay please now thanks thank you the chat so then well alright and".split())
_NUMBER = re.compile(r"(?<![A-Za-z_0-9.])[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
MAX_WORDS = 40      # a line's first 40 words are enough to route it (and keep difflib cheap)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a line goes: an intent, its topic (explain), a note (why), suggestions (unknown)."""
    intent: str
    topic: str | None = None
    note: str | None = None
    suggestions: tuple = ()


def words(text: str) -> list[str]:
    """Lowercase words of a line, punctuation dropped: ``"What's the PPT?"`` -> whats, the, ppt."""
    text = text.casefold().replace("'", "").replace("\u2019", "")
    return re.findall(r"[a-z]+", text)[:MAX_WORDS]


def has_phrase(ws: list[str], phrase: tuple) -> bool:
    n = len(phrase)
    return any(tuple(ws[i:i + n]) == phrase for i in range(len(ws) - n + 1))


def has_numbers(text: str) -> bool:
    return _NUMBER.search(text) is not None


def is_quit(text: str) -> bool:
    """Nothing but a quit word (in any case), optionally with fillers: "Exit", "ok bye!", "Quit."."""
    ws = words(text)
    quits = [w for w in ws if w in BY_NAME["quit"].words]
    return len(quits) == 1 and all(w in _FILLERS or w in BY_NAME["quit"].words for w in ws)


def _is_dot(ws: list[str]) -> bool:
    return BY_NAME["dot"].matches(ws) or bool(_MULTIPLY.intersection(ws) and _VECTORS.intersection(ws))


def route(text: str) -> Route:
    """The intent of one line, by the priority rule in this module's docstring."""
    if not isinstance(text, str):
        return Route("unknown", note="not text", suggestions=("help", "dot"))
    ws = words(text)
    if not ws:
        if text.strip() == "?":
            return Route("help")
        return Route("empty") if not text.strip() else Route("unknown", suggestions=suggest(ws))
    if is_quit(text):
        return Route("quit")
    if BY_NAME["help"].matches(ws):
        return Route("help")
    if _is_dot(ws) and has_numbers(text):
        return Route("dot")
    if _STATS.matches(ws):
        return Route("memory")
    topic = find_topic(ws)
    asks = BY_NAME["explain"].matches(ws)
    if asks and topic:
        return Route("explain", topic)
    for name in ACTION_ORDER:
        if (_is_dot(ws) if name == "dot" else BY_NAME[name].matches(ws)):
            note = "inference" if name == "attention" and {"inference", "infer"}.intersection(ws) else None
            return Route(name, note=note)
    if topic:
        return Route("explain", topic)
    if BY_NAME["explain"].words.intersection(ws):
        return Route("explain", "vtpu")
    return Route("unknown", suggestions=suggest(ws))


def _keys() -> list[tuple[str, str]]:
    """(word or phrase, intent) for every way of asking, for difflib."""
    out = []
    for i in INTENTS:
        out += [(w, i.name) for w in sorted(i.words)] + [(" ".join(p), i.name) for p in i.phrases]
    return out


_KEYS = _keys()


def suggest(ws: list[str], n: int = 2) -> tuple:
    """The ``n`` intents whose words or phrases are closest to the line's words (difflib ratio)."""
    line = " ".join(ws)
    best = {i.name: 0.0 for i in INTENTS}
    for key, name in _KEYS:
        m = difflib.SequenceMatcher(None, "", key, autojunk=False)
        for w in ([line] if " " in key else ws[:MAX_WORDS]):
            m.set_seq1(w[:40])
            if m.real_quick_ratio() > best[name] and m.quick_ratio() > best[name]:
                best[name] = max(best[name], m.ratio())
    order = [i.name for i in INTENTS]
    return tuple(sorted(best, key=lambda k: (-best[k], order.index(k)))[:n])
