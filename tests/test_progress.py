"""Progress bars: on a terminal after a delay, never off one (where tqdm is not even imported)."""

import io
import sys

from ttsbench import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_off_a_terminal_the_items_come_back_untouched(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    items = [1, 2, 3]
    assert progress.bar(items, "reading results", "file") is items
    assert sys.stderr.getvalue() == ""


def test_on_a_terminal_a_bar_names_the_work(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "DELAY", 0)
    assert list(progress.bar(range(5), "reading results", "file")) == list(range(5))
    assert "reading results" in terminal.getvalue() and "/5 " in terminal.getvalue()

