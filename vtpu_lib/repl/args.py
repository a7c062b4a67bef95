"""Reading one REPL line: its words and the arguments of a command, each checked with the
assembler's own parsers (``asm_lines``), so ``set r16 1``, ``add r1 p0 p0``, ``1.x.3`` and
``70000.1`` are refused exactly as a ``.siw`` file would refuse them -- with one line that says
which argument is wrong and a hint, never a crash and never a silently dropped part.
"""

from __future__ import annotations

import difflib
import os
import re

from ..asm_lines import (TextError, clip, code_of, parse_coord, parse_number, parse_register,
                         parse_value, parse_whole, tokens)
from ..coord import Coord
from ..errors import AsmError, SimError, VtpuError
from ..isa import Reg

MAX_LINE_CHARS = 10_000   # a pasted file is not a command line
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


class ReplError(VtpuError):
    """A REPL line that cannot be carried out: the session prints one line and goes on."""


def split_line(line: str) -> tuple[str, list[str], str]:
    """``(command word, argument words, the raw text after the command word)``.

    Words are separated by spaces, tabs or commas (``add r1, r0, r0`` works too); ``#`` starts a
    comment unless a number follows (``mov r0 #3`` is an immediate), as in a ``.siw`` file."""
    if not isinstance(line, str):
        raise ReplError(f"expected a line of text, got {type(line).__name__}")
    if len(line) > MAX_LINE_CHARS:
        raise ReplError(f"the line has {len(line):,} characters, more than {MAX_LINE_CHARS:,}",
                        hint="type one command per line; `load FILE` reads a whole program")
    line = line.rstrip("\r\n")
    bad = next((i for i, ch in enumerate(line) if "\udc80" <= ch <= "\udcff"), None)
    if bad is not None:   # what a terminal's bytes decode to when they are not UTF-8 (surrogateescape)
        raise ReplError(f"the line is not UTF-8 text (byte 0x{ord(line[bad]) - 0xDC00:02x} at column {bad + 1})",
                        hint="type ASCII or UTF-8 text; the session goes on")
    try:
        code = code_of(line)
    except TextError as e:
        raise ReplError(f"column {e.offset + 1}: {e.message}", hint=e.hint) from None
    words = tokens(code, 1)
    if not words:
        return "", [], ""
    head = words[0]
    rest = code[head.col - 1 + len(head.text):].strip(" \t,")
    return head.text.lower(), [w.text for w in words[1:]], rest


class Args:
    """The argument words of one command, read in order; a missing one is named with the usage."""

    def __init__(self, command, words: list[str], rest: str):
        self.command, self.words, self.rest = command, words, rest

    def __len__(self) -> int:
        return len(self.words)

    def _word(self, i: int, what: str) -> str:
        if i >= len(self.words):
            raise ReplError(f"{self.command.name}: missing {what} (argument {i + 1})",
                            hint=self.usage())
        return self.words[i]

    def has(self, i: int) -> bool:
        return i < len(self.words)

    def _parse(self, i: int, what: str, parser, *extra):
        word = self._word(i, what)
        try:
            return parser(word, *extra)
        except TextError as e:
            raise ReplError(f"{self.command.name} {what}: {e.message}", hint=e.hint or self.usage()) from None

    def usage(self) -> str:
        c = self.command
        return f"usage: {c.usage}" + (f"; e.g. {c.example}" if c.example else "")

    def reg(self, i: int, files: str, what: str = "") -> Reg:
        """A register of one of ``files`` ('r', 'p', 'rpm'...): right file, in range."""
        return self._parse(i, what or _files_name(files), parse_register, files)

    def coord(self, i: int, what: str = "COORD") -> Coord:
        return self._parse(i, what, parse_coord)

    def number(self, i: int, what: str = "V") -> float:
        """A number, written plainly (``42``, ``-2.5``, ``inf``) or as an immediate (``#42``)."""
        return self._parse(i, what, parse_number, True)

    def value(self, i: int, reg: Reg, what: str = "VALUE"):
        """What a register of ``reg``'s file holds: a number, a coordinate, or lanes ``1;2;3``."""
        return self._parse(i, what, parse_value, reg.file)

    def whole(self, i: int, lo: int, hi: int, what: str = "N") -> int:
        n = self._parse(i, what, parse_whole)
        if not lo <= n <= hi:
            raise ReplError(f"{self.command.name} {what}: {n:,} is outside {lo:,}..{hi:,}", hint=self.usage())
        return n

    def count(self, i: int, default: int, hi: int, what: str = "N") -> int:
        """An optional count ``1..hi`` (``run 5``, ``step 3``)."""
        return self.whole(i, 1, hi, what) if self.has(i) else default

    def name(self, i: int, what: str = "NAME") -> str:
        word = self._word(i, what)
        if not _NAME.fullmatch(word):
            raise ReplError(f"{self.command.name} {what}: {clip(word)} is not a name",
                            hint="a name is a letter or '_' then letters, digits or '_' (e.g. bob)")
        return word

    def word(self, i: int, what: str) -> str:
        return self._word(i, what)

    def text(self, what: str) -> str:
        """Everything after the command word (a path with spaces, a whole SIW)."""
        if not self.rest:
            self._word(0, what)
        return self.rest


def _files_name(files: str) -> str:
    return " or ".join(f"{f}N" for f in files)


def render_error(e: VtpuError) -> str:
    """Any user error as one line: ``error: what (hint: how)``."""
    return "error: " + one_line(e)


def one_line(e: VtpuError) -> str:
    if isinstance(e, AsmError):
        text = f"{e.file}:{e.line}:{e.col}: {e.message}"
    elif isinstance(e, SimError):
        text = f"cycle {e.cycle}" + (f", sentron {e.sentron}" if e.sentron else "") + f": {e.message}"
    else:
        text = e.message
    hint = f" (hint: {e.hint})" if e.hint else ""
    return " ".join(f"{text}{hint}".split())


def closest(word: str, names) -> str | None:
    """The name most like ``word``: difflib's close matches, ties to the longest common prefix
    (``adx`` -> ``add``, not ``max``)."""
    if not word.isascii() or len(word) > 40:
        return None
    close = difflib.get_close_matches(word, list(names), n=4, cutoff=0.5)
    if not close:
        return None
    prefix = lambda n: len(os.path.commonprefix([word, n]))  # noqa: E731
    return max(close, key=lambda n: (difflib.SequenceMatcher(None, word, n).ratio(), prefix(n)))


def unknown_command(word: str, names) -> ReplError:
    near = closest(word, names)
    return ReplError(f"unknown command {clip(word)}" + (f" (did you mean '{near}'?)" if near else ""),
                     hint="type 'help' for the commands, 'help CMD' for one of them")


__all__ = ["ReplError", "Args", "render_error", "one_line", "split_line", "closest", "unknown_command",
           "MAX_LINE_CHARS"]
