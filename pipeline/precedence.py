"""The merge's precedence table, read from ``precedence.toml`` (data, not code).

For each field (title, authors, venue, year, award) the table lists where its value comes from,
first that has one wins: ``config`` (the owner's entry), a source (``openreview``, ``crossref``,
``s2``, ``arxiv``), or for the year ``venue`` (the source that gave the venue). A rule may carry
a condition that must hold for its source to count (:data:`CONDITIONS`). :mod:`pipeline.merge`
applies the table; a new source is a new name in it, a record mapping in ``harvest/``, and a
venue chooser in :mod:`pipeline.venue_choice`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Rule", "rules", "version_of_record", "CONDITIONS", "SOURCES_OF_RULES", "describe"]

#: What each condition means (the words README uses).
CONDITIONS = {
    "accepted": "accepted paper",
    "published": "published version",
    "gave_venue": "when it gave the venue",
}
#: Who a rule can name, and how README names it.
SOURCES_OF_RULES = {"config": "your `{field}`", "openreview": "OpenReview", "crossref": "Crossref",
                    "s2": "Semantic Scholar", "arxiv": "arXiv", "venue": "the source that gave the venue"}
FIELDS = ("title", "authors", "venue", "year", "award")


@dataclass(frozen=True)
class Rule:
    """One step of a field's precedence: ``source``, and the ``condition`` (a key of
    :data:`CONDITIONS`) under which it counts, or None."""

    source: str
    condition: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Rule":
        """``"openreview:accepted"`` -> Rule("openreview", "accepted"). Raises ValueError for an
        unknown source or condition."""
        source, _, condition = text.partition(":")
        if source not in SOURCES_OF_RULES or (condition and condition not in CONDITIONS):
            raise ValueError(f"precedence.toml: {text!r} is not a rule (sources: {', '.join(SOURCES_OF_RULES)}; "
                             f"conditions: {', '.join(CONDITIONS)})")
        return cls(source, condition or None)

    def words(self, field: str) -> str:
        """The rule as README says it: "OpenReview (accepted paper)", "your `title`"."""
        name = SOURCES_OF_RULES[self.source].format(field=field)
        return f"{name} ({CONDITIONS[self.condition]})" if self.condition else name


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, tuple[Rule, ...]]]:
    raw = tomllib.loads(resources.files("pipeline").joinpath("precedence.toml").read_text(encoding="utf-8"))
    table = {}
    for field in FIELDS:
        entry = raw[field]
        table[field] = {key: tuple(Rule.parse(r) for r in entry.get(key, ())) for key in ("rules", "version_of_record")}
    return table


def rules(field: str) -> tuple[Rule, ...]:
    """The precedence of ``field`` (one of :data:`FIELDS`), first rule first."""
    return _table()[field]["rules"]


def version_of_record(field: str = "authors") -> tuple[Rule, ...]:
    """The versions whose author list replaces arXiv's when it names other people, in order."""
    return _table()[field]["version_of_record"]


def describe(field: str) -> str:
    """The field's precedence in README's words: "your `title`; OpenReview (accepted paper); ..."."""
    return "; ".join(rule.words(field) for rule in rules(field))
