"""``python -m vtpu_lib chat``: the original vtpu-chat, answering from the library.

    >>> from vtpu_lib.chat import Chat
    >>> chat = Chat()
    >>> print(chat.reply("dot product of 1,2,3 and 4,5,6").splitlines()[0])
    dot([1, 2, 3], [4, 5, 6]) = 32

* :mod:`~vtpu_lib.chat.intents` -- lines to intents on whole words, and the priority rule;
* :mod:`~vtpu_lib.chat.topics` -- what "explain" answers, read from the glossary, op table, presets;
* :mod:`~vtpu_lib.chat.runs` -- the user's vectors, the dot-product program, many runs on one machine;
* :mod:`~vtpu_lib.chat.session` -- :class:`Chat`: one machine per conversation, ``reply(line) -> text``;
* :mod:`~vtpu_lib.chat.loop` -- :func:`chat_main` (the terminal loop) and :func:`add_chat_parser`.
"""

from .intents import INTENTS, Route, is_quit, route
from .loop import add_chat_parser, chat_main
from .session import Chat, help_text

__all__ = ["Chat", "chat_main", "add_chat_parser", "route", "Route", "is_quit", "INTENTS", "help_text"]
