"""The merge's precedence is data (pipeline/precedence.toml), README says the same in words, and the
merge follows it: changing the table changes which source wins."""

from __future__ import annotations

import json
import re

import pytest

from harvest import crossref_source
from pipeline import precedence
from pipeline.config import Entry
from tests.conftest import RECORDED, ROOT
from tests.test_merge import ax_record, one


def readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## How a field is chosen"):text.index("## Scheduled refresh")]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| ([a-z ]+) \| (.+) \|$", section, re.M)}


@pytest.mark.parametrize("field", precedence.FIELDS)
def test_readme_says_the_table_in_words(field):
    cell = readme_rows()[field]
    words = precedence.describe(field)
    assert cell == words or cell.startswith(words + ". "), f"README's {field} row does not begin with: {words}"


def test_every_rule_names_a_known_source_and_condition():
    for field in precedence.FIELDS:
        for rule in (*precedence.rules(field), *precedence.version_of_record(field)):
            assert rule.source in precedence.SOURCES_OF_RULES
            assert rule.condition is None or rule.condition in precedence.CONDITIONS
    with pytest.raises(ValueError, match="'crossref:peer-reviewed' is not a rule"):
        precedence.Rule.parse("crossref:peer-reviewed")


def _plos_paper():
    """PLOS ONE 10.1371/journal.pone.0033693 as Crossref recorded it, and as an arXiv preprint of the
    same paper whose title is worded otherwise (the arXiv record is made here, by the real mapping)."""
    work = json.loads((RECORDED / "crossref" / "work_10.1371_journal.pone.0033693.json").read_text(encoding="utf-8"))
    published = crossref_source.to_record(work["message"], requested_id="10.1371/journal.pone.0033693",
                                          fetched_at="2026-11-30T00:00:00Z")
    preprint = ax_record("2401.00001", "Methylphenidate exposure: dopamine neuron loss in mice", ["Shankar Sadasivan"],
                         "2011-12-01")
    entry = Entry(key="p", index=0, arxiv=("2401.00001",), doi=("10.1371/journal.pone.0033693",))
    return one(entry, arxiv=preprint, crossref=published)[0]


def test_the_merge_follows_the_table(monkeypatch):
    pub = _plos_paper()
    assert pub.field_sources["title"] == "crossref" and pub.title.startswith("Methylphenidate Exposure Induces")
    assert (pub.venue.label(), pub.field_sources["venue"], pub.year) == ("PLOS ONE", "crossref", 2012)
    assert pub.authors[:2] == ("Shankar Sadasivan", "Brooks B. Pond") and pub.field_sources["authors"] == "crossref"
    table = precedence._table()
    swapped = {**table, "title": {**table["title"], "rules": tuple(precedence.Rule.parse(r) for r in
                                                                   ("config", "arxiv", "crossref:published"))}}
    monkeypatch.setattr(precedence, "_table", lambda: swapped)
    pub = _plos_paper()
    assert (pub.title, pub.field_sources["title"]) == ("Methylphenidate exposure: dopamine neuron loss in mice",
                                                       "arxiv")


def test_a_posted_content_record_is_never_the_venue():
    listing = json.loads((RECORDED / "crossref" / "list_works_query_author.json").read_text(encoding="utf-8"))
    work = next(w for w in listing["message"]["items"] if w["DOI"] == "10.1101/055319")
    record = crossref_source.to_record(work, requested_id="10.1101/055319", fetched_at="2026-11-30T00:00:00Z")
    pub = one(Entry(key="p", index=0, doi=("10.1101/055319",)), crossref=record)[0]
    assert pub.venue is None and pub.section == "preprint"  # a preprint server's deposit names no venue
    # the "crossref:published" rules skip it; the last rules, plain "crossref", still give its title and authors
    assert (pub.title, pub.field_sources["title"]) == (record.title, "crossref") and pub.authors == record.authors
    assert pub.year == 2016 and pub.link_of("link") == "https://doi.org/10.1101/055319"
