"""The terminal side of the chat: ``python -m vtpu_lib chat`` and :func:`chat_main`.

The loop only reads lines, ends on a quit word or end of input, and prints what
:meth:`~vtpu_lib.chat.session.Chat.reply` returns; it holds no logic of its own.
"""

from __future__ import annotations

import sys

from .intents import is_quit
from .session import Chat

__all__ = ["BANNER", "chat_main", "add_chat_parser", "cmd_chat"]

BANNER = "vTPU chat: talk to the vTPU in plain words. Say 'help' for ideas, 'quit' to leave."
PROMPT = "you> "


def _read_line(stdin, stdout, prompt: str) -> str:
    """One line ('' at end of input); with a terminal, input() gives line editing and history."""
    if stdin is sys.stdin and stdout is sys.stdout and stdin.isatty():
        try:
            import readline  # noqa: F401 -- imported for its side effect on input(), where it exists
        except ImportError:
            pass
        try:
            return input(prompt) + "\n"
        except EOFError:
            return ""
    stdout.write(prompt)
    stdout.flush()
    return stdin.readline()


def chat_main(stdin=None, stdout=None, *, chat: Chat | None = None, echo: bool = False) -> int:
    """Prompt, read, reply until a quit word (any case) or the end of input; returns 0.
    ``echo``: repeat each line after the prompt (for transcripts of piped input)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    chat = chat or Chat()
    stdout.write(BANNER + "\n")
    while True:
        try:
            line = _read_line(stdin, stdout, PROMPT)
        except UnicodeDecodeError as e:
            stdout.write(f"\nsorry: that line is not UTF-8 text ({e.reason}) (hint: type plain text)\n")
            continue
        except KeyboardInterrupt:
            stdout.write("\nGoodbye.\n")
            return 0
        if not line:
            stdout.write("\n")
            return 0
        if echo:
            stdout.write(line if line.endswith("\n") else line + "\n")
        answer = chat.reply(line.rstrip("\r\n"))
        if answer:
            stdout.write(answer + "\n")
        if is_quit(line):
            return 0


def cmd_chat(args) -> int:
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")   # a stray byte never ends the chat
    return chat_main(sys.stdin, sys.stdout, chat=Chat(args.config), echo=not sys.stdin.isatty())


def add_chat_parser(sub) -> None:
    """Add ``chat`` to ``python -m vtpu_lib``'s subcommands (``sub``: argparse subparsers)."""
    from ..config import PRESETS
    p = sub.add_parser("chat", help="talk to the vTPU in plain words: status, benchmark, demo, explain, memory, "
                                    "dot product, attention")
    p.add_argument("--config", choices=sorted(PRESETS), default="seed", help="the chat machine's preset")
    p.set_defaults(fn=cmd_chat)
