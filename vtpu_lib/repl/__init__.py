"""The interactive vTPU: the original's ``asi`` REPL, with our coordinates and honest counters.

``Session().execute(line) -> str`` is the whole REPL as a pure step (the terminal loop and the
notebook widget both call it); :func:`repl_main` is the terminal loop (``python -m vtpu_lib
repl``). ``help`` lists the commands; the table in :mod:`~vtpu_lib.repl.commands` drives it.

    >>> s = Session()
    >>> s.execute("write 1.1.1 42")
    'wrote 42 to 1.1.1/1.1.1/1.1.1.1.1 (PPT miss)'
    >>> s.execute("mov r0 10")
    'r0 = 10  (1 op in 1 cycle: 1.00 ops/cycle)'
"""

from .commands import COMMANDS, Command
from .loop import add_repl_parser, completions, repl_main
from .session import Session, render_error

__all__ = ["Session", "repl_main", "add_repl_parser", "completions", "render_error", "COMMANDS", "Command"]
