"""The one cleaner for text from outside: API answers, config values, a page's entries.

:func:`clean` is applied once, where text enters (every :class:`~harvest.records.SourceRecord` on
construction, every string value of config.toml, every entry ``init`` reads), so that every output
(the page, the CSV, JSON, the printed summary, the job summary, a commit message) starts from clean
text; each output then escapes for its own syntax.

It removes what no output should carry and no reader can see: terminal escape sequences (CSI and
OSC), C0 and C1 control characters (a tab or line break becomes a space), DEL, the bidirectional
embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) that can make text read
in another order than it is stored, and the byte-order mark. Right-to-left scripts themselves,
and the joiners (ZWJ, ZWNJ) that some scripts need, are kept. Hand-written: no library on PyPI
does exactly this set (``bleach`` and ``markupsafe`` escape HTML; they do not strip controls).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["clean", "clean_multiline"]

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_SPACES = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")
_DROP = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """``text`` without escape sequences, control characters or bidi controls; line breaks and tabs
    become spaces (the caller collapses runs of spaces where it wants one line)."""
    if text.isascii() and text.isprintable():
        return text
    text = _ANSI.sub("", text)
    text = _SPACES.sub(" ", text)
    return _DROP.sub("", text)


def clean_multiline(text: str) -> str:
    """:func:`clean` for text whose line breaks matter (a page): ``\\n`` and ``\\r\\n`` are kept."""
    return "\n".join(clean(line.rstrip("\r")) + ("\r" if line.endswith("\r") else "") for line in text.split("\n"))
