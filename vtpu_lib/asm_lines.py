"""Source text for the assembler: lines, comments, tokens and the numbers written in them.

Only ``\\n`` ends a line; a ``\\r`` just before it is dropped, so files saved with CRLF read the
same. (``str.splitlines()`` would also split at form feed, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``,
U+2028 and U+2029 -- even inside a comment -- and shift every later line number.) A UTF-8
byte-order mark at the very start is ignored. In code (not in comments) the only whitespace is
space and tab; any other control or invisible character is an error naming its code point.

Numbers are ASCII: ``float()`` and ``int()`` also accept '١' and '１', and ``int()`` refuses more
than 4300 digits with a ValueError. The parsers here raise :class:`TextError` (what is wrong,
where in the text, a hint); the assembler and the command line turn it into an
:class:`~vtpu_lib.errors.AsmError` or a :class:`~vtpu_lib.errors.ConfigError`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .coord import Coord
from .errors import CoordError
from .isa import MSG_LANES, REG_FILES, Reg

BOM = "\ufeff"
# '#' starts a comment unless a number follows it ('#3.5', '#-1', '#.5', '#inf', '#nan'); a
# non-ASCII digit after '#' also counts as a number, so '#١' is reported instead of ignored.
_COMMENT = re.compile(r"#(?![\d+\-.]|(?:inf|nan)(?![A-Za-z0-9_]))")
_TOKEN = re.compile(r"[^ \t,]+")
_REG = re.compile(r"([a-z]+)([0-9]+)")
_WHOLE = re.compile(r"-?[0-9]{1,18}")  # 18 digits: far past any count, and int() stays cheap
_CHAR_NAMES = {"\r": "carriage return", "\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL"}


class TextError(Exception):
    """Bad text at ``offset`` characters into the text that was parsed (internal: callers
    always turn it into an AsmError or a ConfigError that says where)."""

    def __init__(self, message: str, offset: int = 0, hint: str | None = None):
        super().__init__(message)
        self.message, self.offset, self.hint = message, offset, hint


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    col: int  # 1-based column in the source line


def split_lines(text: str) -> list[str]:
    """Lines of a program: split at '\\n' only, a trailing '\\r' dropped, a leading BOM ignored."""
    if text.startswith(BOM):
        text = text[1:]
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def code_of(line: str) -> str:
    """The line without its comment; raises TextError at the first unexpected character."""
    m = _COMMENT.search(line)
    code = line if m is None else line[:m.start()]
    if not code.replace("\t", " ").isprintable():
        for i, ch in enumerate(code):
            if ch != "\t" and not ch.isprintable():
                raise TextError(f"unexpected character {describe_char(ch)}", i, hint=_char_hint(ch))
    return code


def describe_char(ch: str) -> str:
    name = _CHAR_NAMES.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name.lower()})" if name else "")


def _char_hint(ch: str) -> str:
    if ch == "\r":
        return "only '\\n' or '\\r\\n' ends a line: save the file with Unix or Windows line endings"
    return "code may hold only printable characters, spaces and tabs; delete it or retype the line"


def shown_line(line: str) -> str:
    """The line as an error shows it, one character per column so the caret lines up: a tab
    becomes one space, an unprintable character U+FFFD."""
    if line.isprintable():
        return line
    return "".join(" " if ch == "\t" else ch if ch.isprintable() else "\ufffd" for ch in line)


def tokens(text: str, col: int) -> list[Token]:
    """Split on spaces, tabs and commas, remembering 1-based columns."""
    return [Token(m.group(), col + m.start()) for m in _TOKEN.finditer(text)]


def clip(text: str, n: int = 24) -> str:
    """The repr of user text for a message, shortened when it is long (a 5,000-digit number)."""
    return repr(text if len(text) <= n else text[:n] + "...")


def did_you_mean(word: str, choices) -> str:
    if len(word) > 40:  # nothing in the op table or the register files is that long
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _ascii_hint(text: str) -> str | None:
    return None if text.isascii() else "write numbers and register names with ASCII digits 0-9"


# -- numbers -----------------------------------------------------------------------------------

def is_uint(text: str) -> bool:
    """1 to 18 ASCII digits ('²'.isdigit() is True, and int() refuses 4301 digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def parse_number(text: str, hash_ok: bool = False) -> float:
    """A float written in ASCII ('#3.5' too when ``hash_ok``); inf and nan are numbers."""
    body = text[1:] if hash_ok and text.startswith("#") else text
    if body.isascii():
        try:
            return float(body)
        except ValueError:
            pass
    raise TextError(f"expected a number, got {clip(text)}", hint=_ascii_hint(text))


def parse_whole(text: str) -> int:
    """A whole number, with or without '#': '3', '#-2'."""
    body = text[1:] if text.startswith("#") else text
    if not _WHOLE.fullmatch(body):
        raise TextError(f"expected a whole number, got {clip(text)}", hint=_ascii_hint(text))
    return int(body)


def parse_coord(text: str) -> Coord:
    try:
        return Coord.parse(text)
    except CoordError as e:
        raise TextError(f"bad coordinate: {e.message}", hint=e.hint or _ascii_hint(text)
                        or "write a.b.c/d.e.f/g.h.i.j.k (scroll first), each 0..2047") from None


def parse_lanes(text: str) -> tuple[float, ...]:
    """A message register's value: 1 to 4 numbers separated by ';'."""
    lanes = text.split(";")
    if len(lanes) > MSG_LANES:
        raise TextError(f"a message register holds at most {MSG_LANES} values, got {len(lanes)}",
                        hint="e.g. '1.0;2.0;3.0;4.0'")
    values, offset = [], 0
    for lane in lanes:
        try:
            values.append(parse_number(lane))
        except TextError as e:
            what = "an empty lane" if not lane else clip(lane)
            raise TextError(f"expected a number in every lane, got {what}", offset,
                            hint=e.hint or "e.g. '1.0;2.0' (lanes separated by ';', no spaces)") from None
        offset += len(lane) + 1
    return tuple(values)


def parse_value(text: str, file: str):
    """An initial value for a register of ``file``: r a number ('#4' too), p a coordinate,
    m up to four numbers separated by ';' (what ``.set`` and ``--set`` accept)."""
    if file == "p":
        return parse_coord(text)
    if file == "m":
        return parse_lanes(text)
    return parse_number(text, hash_ok=True)


# -- registers --------------------------------------------------------------------------------

def parse_register(text: str, files: str) -> Reg:
    """A register of one of ``files`` ('r', 'rm', 'rpm'...), e.g. 'r3' -> Reg('r', 3)."""
    m = _REG.fullmatch(text)
    wanted = " or ".join(f"{f}0-{f}{REG_FILES[f] - 1}" for f in files)
    if not m or m.group(1) not in REG_FILES:
        allowed = [f"{f}{i}" for f in files for i in range(REG_FILES[f])]
        suggestion = did_you_mean(text, allowed) if text.isascii() else ""
        raise TextError(f"expected a register ({wanted}), got {clip(text)}{suggestion}", hint=_ascii_hint(text))
    f, digits = m.groups()
    if f not in files:
        raise TextError(f"expected {wanted} here, got {clip(text)}",
                        hint="r: general (float), p: phext coordinate, m: message registers")
    if len(digits) > 4 or int(digits) >= REG_FILES[f]:
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise TextError(f"register {shown} out of range ({f}0-{f}{REG_FILES[f] - 1})",
                        hint=f"the sentron has {REG_FILES[f]} {f} registers")
    return Reg(f, int(digits))


__all__ = ["BOM", "TextError", "Token", "split_lines", "code_of", "describe_char", "shown_line", "tokens", "clip", "did_you_mean", "is_uint", "parse_number", "parse_whole", "parse_coord", "parse_lanes", "parse_value", "parse_register"]
