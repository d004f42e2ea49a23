"""Score the merge on real-world corpora against their answer keys (tests/fixtures/corpus/).

Every item goes through the real parsers (the ``arxiv`` package's feed parser, each source's
``to_record``) and the merge, as a one-paper config. An item is

* **right** when the section, and for a venue its name (or abbreviation), status, track and award
  agree with the key;
* **unknown** when nothing decided the venue's kind (the paper went to ``[sections] undecided``)
  or OpenReview's status is unknown where the key has one;
* **wrong** otherwise.

``python -m tests.corpus`` prints the counts per corpus and every wrong item; the tests in
``tests/test_corpus_venues.py`` hold the counts.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
T = "2026-12-01T00:00:00Z"
SECTION_OF_KIND = {"conference": "conference", "workshop": "conference", "journal": "journal", "book": "book",
                   "thesis": "book", "preprint": "preprint"}


@dataclass
class Score:
    """Counts of one corpus, and a line for each item that is not right."""

    right: int = 0
    wrong: int = 0
    unknown: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, verdict: str, note: str) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)
        if verdict != "right":
            self.notes.append(f"{verdict}: {note}")

    def line(self, name: str) -> str:
        return f"{name}: {self.right} right, {self.wrong} wrong, {self.unknown} unknown"


def fold(text: str) -> str:
    """Case, accents, punctuation, "the", "proceedings of" and "&"/"and" folded away, for comparing names."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("&", " and ")
    words = [w for w in re.sub(r"[^\w\s]", " ", text).split()
             if w not in ("the", "proceedings", "of", "proc", "ieee", "acm", "cvf", "and", "in", "on")]
    return " ".join(words)


_TABLE = []


def _table():
    from pipeline.venues import default_table

    if not _TABLE:
        _TABLE.append(default_table())
    return _TABLE[0]


def _merge_one(entry, records):
    from pipeline.config import Config, OutputConfig, Owner
    from pipeline.merge import Harvest, merge

    harvest = Harvest()
    for source, record in records.items():
        harvest.records.setdefault(source, {})[record.requested_id] = record
    config = Config(path=None, owner=Owner(name="Nobody Here"), output=OutputConfig(dir=None), papers=(entry,))
    result = merge(config, harvest, _table())
    return result.publications[0], result.warnings


def _undecided(pub) -> bool:
    return "undecided" in (pub.field_sources.get("section") or "")


def _name_ok(pub, names: list[str], abbr: str) -> bool:
    if pub.venue is None:
        return False
    shown = {fold(pub.venue.name), fold(pub.venue.label())}
    table_names = set()
    table = _table()  # a table venue: any of its names counts as the same venue
    for name in names:
        if table.by_name(name) == pub.venue:
            table_names.add(fold(name))
    if any(fold(n) in shown or fold(n) in table_names for n in names):
        return True
    if abbr and fold(pub.venue.name) == fold(abbr):
        return True  # shown under the acronym the source gives ("WNU"), which the key names
    return bool(abbr and pub.venue.abbr and abbr.casefold() == pub.venue.abbr.casefold())


def score_s2() -> Score:
    """Every S2 paper object with a venue string, against ``s2/answers.json``."""
    from harvest import s2_source
    from pipeline.config import Entry

    papers = {p["paper"].get("paperId"): p["paper"] for p in json.loads((CORPUS / "s2" / "papers.json").read_text())}
    score = Score()
    for group in json.loads((CORPUS / "s2" / "answers.json").read_text()):
        for paper_id in group["paperIds"]:
            raw = papers[paper_id]
            paper_id = paper_id or "0" * 40  # one real not-found stub has paperId null
            record = s2_source.to_record(raw, requested_id=paper_id, fetched_at=T)
            pub, _ = _merge_one(Entry(key="p", index=0, s2=(paper_id,)), {"s2": record})
            want = SECTION_OF_KIND[group["kind"]]
            what = (f"group {group['group']} {paper_id[:8]} {group['strings']} -> {pub.section} "
                    f"{pub.venue.label() if pub.venue else None!r} (key: {group['kind']} {group['venue_names'][:1]})")
            if pub.section == want and (want == "preprint" or _name_ok(pub, group["venue_names"], group["abbr"])):
                score.add("right", what)
            elif _undecided(pub):
                score.add("unknown", what)
            else:
                score.add("wrong", what)
    return score


def _arxiv_results():
    import arxiv._feed

    feeds = json.loads((CORPUS / "arxiv" / "feeds.json").read_text())
    results = {}
    for feed in feeds:
        for result in arxiv._feed.parse(feed["xml"].encode("utf-8")).results:
            results[result.get_short_id()] = result
    return results


def score_arxiv() -> Score:
    """Every real arXiv entry, against ``arxiv/answers.json``."""
    from harvest import arxiv_source
    from pipeline.config import Entry

    results = _arxiv_results()
    score = Score()
    for answer in json.loads((CORPUS / "arxiv" / "answers.json").read_text()):
        record = arxiv_source.to_record(results[answer["arxiv_id"]], fetched_at=T)
        pub, _ = _merge_one(Entry(key="p", index=0, arxiv=(record.arxiv_id,)), {"arxiv": record})
        want = SECTION_OF_KIND[answer["kind"]]
        what = (f"{answer['arxiv_id']} jr={answer['journal_ref']!r} c={(answer['comment'] or '')[:90]!r} -> "
                f"{pub.section} {pub.venue.label() if pub.venue else None!r} (key: {answer['kind']} "
                f"{answer['venue_names'][:1]})")
        if pub.section == want and (want == "preprint" or _name_ok(pub, answer["venue_names"], answer["abbr"])):
            score.add("right", what)
        elif _undecided(pub):
            score.add("unknown", what)
        else:
            score.add("wrong", what)
    return score


def score_openreview() -> Score:
    """Every (venueid, venue) pair of ``openreview/answers.json`` as an API 2 note."""
    from harvest import openreview_source
    from pipeline.config import Entry

    score = Score()
    for n, answer in enumerate(json.loads((CORPUS / "openreview" / "answers.json").read_text())):
        content = {"title": {"value": "A Paper"}, "authors": {"value": ["Nobody Here"]}}
        if answer["venue"] is not None:
            content["venue"] = {"value": answer["venue"]}
        if answer["venueid"] is not None:
            content["venueid"] = {"value": answer["venueid"]}
        forum = f"forum{n:05d}"
        record = openreview_source.to_record({"id": forum, "forum": forum, "content": content}, api=2, fetched_at=T)
        pub, _ = _merge_one(Entry(key="p", index=0, openreview=(forum,)), {"openreview": record})
        status = getattr(pub, "status", None)
        if not hasattr(pub, "status"):  # the merge before statuses were kept (for "before" figures)
            from pipeline.venues import openreview_status
            status = openreview_status(answer["venueid"], answer["venue"])
        what = (f"{answer['venueid']!r} {answer['venue']!r} -> {status}, {pub.section}, "
                f"{pub.venue.label() if pub.venue else None!r}, award {pub.award!r} (key: {answer['status']}, "
                f"{answer.get('venue_abbr') or answer.get('venue_name')}, {answer.get('track')}, {answer.get('award')})")
        ok = status == answer["status"] or (answer["status"] != "accepted" and status not in ("accepted", "?")
                                            and pub.section == "preprint" and answer["status"] == status)
        if ok and answer["status"] == "accepted":
            venue = pub.venue
            ok = venue is not None and pub.section == answer["section"] and pub.award == answer.get("award")
            if ok and answer.get("venue_abbr"):
                ok = answer["venue_abbr"] in (venue.abbr, venue.name)
            if ok and answer.get("venue_name"):
                ok = fold(answer["venue_name"]) in fold(venue.label())
            if ok and answer.get("track"):
                ok = getattr(venue, "track", "") == answer["track"]
            if ok and answer.get("workshop"):
                ok = venue.kind == "workshop" and fold(answer["workshop"]) in fold(venue.label())
            if ok and answer.get("year"):
                ok = pub.year == answer["year"]
        elif ok:
            ok = pub.section == "preprint"
        if ok:
            score.add("right", what)
        elif status == "unknown" and answer["status"] != "unknown":
            score.add("unknown", what)
        else:
            score.add("wrong", what)
    return score


def main(argv: list[str] | None = None) -> int:
    """Print right/wrong/unknown per corpus; with ``-v``, every item that is not right."""
    verbose = "-v" in (argv if argv is not None else sys.argv[1:])
    for name, scorer in (("OpenReview pairs", score_openreview), ("arXiv entries", score_arxiv),
                         ("S2 papers", score_s2)):
        score = scorer()
        print(score.line(name))
        if verbose:
            for note in score.notes:
                print("   ", note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
