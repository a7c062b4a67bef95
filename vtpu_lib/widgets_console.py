"""A console widget for the notebooks: a text box and an output log over a line -> text function.

The REPL (``vtpu_lib.repl.Session.execute``) and the chat (``vtpu_lib.chat.Chat.reply``) are pure
functions of their session and one line; :class:`Console` only collects the line and appends the
answer to a log. ``console.submit(line)`` is what pressing Enter does, so a checked cell (and a
test) can drive it without a browser.
"""

from __future__ import annotations

import html

import ipywidgets as W
from IPython.display import display


class Console:
    """A prompt, a text box and a scrolling log; ``answer(line) -> str`` does the work."""

    def __init__(self, answer, prompt: str | callable = "> ", placeholder: str = "type a command, then Enter",
                 height: str = "220px"):
        self.answer, self.prompt = answer, prompt
        self.transcript: list[tuple[str, str]] = []
        # continuous_update=False: the value changes (and the line is sent) on Enter, not per key
        self.box = W.Text(placeholder=placeholder, continuous_update=False, layout=W.Layout(width="100%"))
        self.box.observe(lambda change: self._enter() if change["new"] else None, "value")
        self.log = W.HTML(layout=W.Layout(height=height, overflow="auto", border="1px solid #ccc"))
        self.widget = W.VBox([self.log, self.box])
        self.widget.add_class("vtpu-console")

    def _prompt(self) -> str:
        return self.prompt() if callable(self.prompt) else self.prompt

    def submit(self, line: str) -> str:
        """Answer one line, append both to the log, and return the answer."""
        prompt = self._prompt()
        out = self.answer(line)
        self.transcript.append((prompt + line, out))
        self.log.value = "<pre style='margin:0'>" + "\n".join(
            html.escape(q) + ("\n" + html.escape(a) if a else "") for q, a in self.transcript) + "</pre>"
        return out

    def _enter(self) -> None:
        line = self.box.value
        if line:
            self.box.value = ""       # fires the observer again with "", which it ignores
            self.submit(line)

    def text(self) -> str:
        """The whole transcript as plain text (prompt + line, then the answer)."""
        return "\n".join(q + ("\n" + a if a else "") for q, a in self.transcript)

    def _ipython_display_(self):
        display(self.widget)


__all__ = ["Console"]
