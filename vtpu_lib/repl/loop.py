"""The terminal loop around :class:`~vtpu_lib.repl.session.Session`: ``python -m vtpu_lib repl``.

At a terminal it prompts ``vtpu[<id>]> `` with ``readline`` (where it imports): line editing,
history (the arrow keys, this session) and tab completion of commands, register names,
sentrons and example programs. From a pipe or a file it echoes each line after the prompt, so
the output reads as a transcript (``--no-echo``: the answers only). A line that is not UTF-8 is
reported and skipped. Nothing ends the loop but ``quit``/``exit``/``q`` or the end of the input;
a bug inside vtpu_lib is printed as one line (``internal error: ...``), never as a traceback.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys

from .. import programs
from ..config import PRESETS
from ..coord import DIM_NAMES
from ..isa import OPS, REG_FILES
from .commands import BY_NAME
from .session import Session

_WORDS = re.compile(r"[^ \t,]+")
_REGS = {f: [f"{f}{i}" for i in range(n)] for f, n in REG_FILES.items()}
_SEED = re.compile(r"-?[0-9]{1,18}")


def _operand_words(session, kind: str) -> list[str]:
    names = [s.name for s in session.state.machine.sentrons.values()]
    return {"r": _REGS["r"], "p": _REGS["p"], "m": _REGS["m"], "rm": _REGS["r"] + _REGS["m"], "ri": _REGS["r"],
            "dim": list(DIM_NAMES), "sentron": names, "src": names + ["any"]}.get(kind, [])


def completions(session: Session, before: str, text: str) -> list[str]:
    """What tab offers for the word ``text``, after the line so far ``before`` (pure, for tests)."""
    words = _WORDS.findall(before)
    if not words:
        pool = list(BY_NAME)
    else:
        cmd = BY_NAME.get(words[0].lower())
        kind, i = (cmd.completes if cmd else ""), len(words) - 1
        if kind == "commands":
            pool = list(BY_NAME)
        elif kind == "rpm":
            pool = _REGS["r"] + _REGS["p"] + _REGS["m"] if i == 0 else []
        elif kind == "ops" and cmd.name == "siw":
            pool = list(OPS) + _REGS["r"] + _REGS["p"] + _REGS["m"] + ["-", "|"]
        elif kind == "ops":
            ops = OPS[cmd.name].operands
            pool = _operand_words(session, ops[i].kind) if i < len(ops) else []
        elif kind == "sentrons":
            pool = [str(s.id) for s in session.state.machine.sentrons.values()] + list(session.state.machine.names)
        elif kind == "programs":
            pool = programs.names() + sorted(glob.glob(glob.escape(text) + "*.siw"))
        elif kind == "files":
            pool = sorted(glob.glob(glob.escape(text) + "*"))
        else:
            pool = []
    return sorted(dict.fromkeys(w for w in pool if w.startswith(text)))


def _readline(session: Session):
    """Tab completion and history where ``readline`` exists (not on every platform)."""
    try:
        import readline
    except ImportError:
        return None

    def complete(text: str, state: int):
        before = readline.get_line_buffer()[:readline.get_begidx()]
        options = completions(session, before, text)
        if len(options) == 1:
            options = [options[0] + " "]   # a whole word: go on to the next one
        return options[state] if state < len(options) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t,")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")   # macOS's readline is libedit
    else:
        readline.parse_and_bind("tab: complete")
    return readline


def _lines(stdin):
    """The input's lines as text; a line that is not UTF-8 comes as its UnicodeDecodeError."""
    raw = getattr(stdin, "buffer", None)
    if raw is None:
        yield from iter(stdin.readline, "")
        return
    for data in iter(raw.readline, b""):
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as e:
            yield e


def _not_utf8(e: UnicodeDecodeError) -> str:
    return (f"error: the line is not UTF-8 text (byte {e.start + 1}: {e.reason}) "
            "(hint: type ASCII or UTF-8 text; the session goes on)")


def _answer(session: Session, line: str) -> str:
    """``session.execute(line)``; a bug inside vtpu_lib becomes one line instead of a traceback."""
    try:
        return session.execute(line)
    except KeyboardInterrupt:
        return "interrupted (the command was undone; `quit` leaves)"
    except Exception as e:   # a bug, not the user's fault: say so, keep the session
        return (f"internal error: {type(e).__name__}: {e} (a bug in vtpu_lib, not in your input: "
                "please report this line)")


def _interactive(session: Session, stdout) -> int:
    _readline(session)
    while not session.done:
        try:
            line = input(session.prompt)
        except EOFError:
            stdout.write("\n")
            return 0
        except KeyboardInterrupt:
            stdout.write("\n(`quit` or Ctrl-D leaves)\n")
            continue
        except UnicodeDecodeError as e:
            stdout.write(_not_utf8(e) + "\n")
            continue
        out = _answer(session, line)
        if out:
            stdout.write(out + "\n")
    return 0


def repl_main(stdin=None, stdout=None, *, session: Session | None = None, echo: bool | None = None) -> int:
    """Run the REPL on ``stdin``/``stdout`` (default: the process's); returns the exit status: 0
    (130 if Ctrl-C stops a piped session).

    ``echo``: write the prompt and each line read before its answer (default: when stdin is not
    a terminal, so a piped session prints as a transcript)."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    session = Session() if session is None else session
    if hasattr(stdout, "reconfigure"):
        stdout.reconfigure(errors="backslashreplace")   # '→' and echoed input on any terminal encoding
    tty = stdin is sys.stdin and stdout is sys.stdout and _isatty(stdin) and _isatty(stdout)
    if tty or echo is not False:
        stdout.write(f"vtpu repl (preset {session.config.name}, mode {session.mode}): 'help' lists the commands, "
                     "'quit' leaves\n")
    if tty:
        return _interactive(session, stdout)
    try:
        _piped(session, stdin, stdout, True if echo is None else echo)
    except KeyboardInterrupt:   # Ctrl-C on a pipeline: stop reading, quietly
        stdout.write("\n")
        return 130
    return 0


def _piped(session: Session, stdin, stdout, echo: bool) -> None:
    for line in _lines(stdin):
        prompt = session.prompt
        if isinstance(line, UnicodeDecodeError):
            out, line = _not_utf8(line), "<a line that is not UTF-8>"
        else:
            out = _answer(session, line)
        if echo:
            stdout.write(prompt + line.rstrip("\r\n") + "\n")
        if out:
            stdout.write(out + "\n")
        stdout.flush()
        if session.done:
            break


def _isatty(f) -> bool:
    try:
        return f.isatty()
    except (AttributeError, ValueError):
        return False


def _seed(text: str) -> int:
    if not _SEED.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a whole number")
    return int(text)


def cmd_repl(args) -> int:
    return repl_main(session=Session(args.config, mode=args.mode, seed=args.seed),
                     echo=False if args.no_echo else None)


def add_repl_parser(sub) -> None:
    """Add ``repl`` to ``python -m vtpu_lib``'s subcommands (``sub``: argparse's subparsers)."""
    p = sub.add_parser("repl", help="the interactive vTPU (the original's asi): type ops, load and step programs")
    p.add_argument("--config", choices=sorted(PRESETS), default="seed")
    p.add_argument("--mode", choices=["vliw", "sequential"], default="vliw")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the machine's RNG (receive temperature)")
    p.add_argument("--no-echo", action="store_true",
                   help="input from a pipe or file: print only the answers, not the prompt and the line")
    p.set_defaults(fn=cmd_repl)


__all__ = ["repl_main", "completions", "add_repl_parser", "cmd_repl"]
