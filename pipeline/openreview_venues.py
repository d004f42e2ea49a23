"""What an OpenReview note's ``content.venueid`` and ``content.venue`` say: status, track, decision.

Pure functions over the two strings, following the scheme OpenReview's server code writes
(openreview-py @ e25fd7d; the file and line of each rule are in the project's research notes,
``openreview-venues.md``):

* **Conferences (API 2).** ``<venue_id>`` is accepted; ``<venue_id>/<stage>`` (``Submission`` by
  default, but a venue may rename its stage) is under review; ``Rejected_<stage>``,
  ``Withdrawn_<stage>``, ``Desk_Rejected_<stage>`` are rejected, withdrawn, desk rejected. The
  venue text of a staged note is ``pretty_id(venueid)`` ("ICLR 2024 Conference Submission");
  of an accepted one ``<short name> <decision word>`` ("ICLR 2024 Oral", "ICML 2023"); of a
  rejected one "Submitted to <short name>".
* **API 1 conferences** write the bare venue id on rejected papers too, so there the venue text
  decides: "Submitted to ICLR 2022" or "ICLR 2022 Submitted" is a rejection.
* **Journals** (``TMLR``, ``TACL``, ``JMLR``, ...): ``<J>`` accepted ("Accepted by TMLR");
  ``Submitted``, ``Under_Review``, ``Decision_Pending``, ``Assigning_AE``, ``Assigned_AE`` under
  review; ``Rejected``, ``Desk_Rejected``, ``Withdrawn_Submission``, ``Retracted_Acceptance``.
* **Tracks and workshops** are groups beside ``/Conference``: ``Datasets_and_Benchmarks_Track``,
  ``Track/Datasets_and_Benchmarks``, ``Position_Paper_Track``, ``Creative_AI_Track``,
  ``TinyPapers``, ``BlogPosts``, ``Workshop/<name>`` (also ``Workshop_<City>/<name>``), and a
  workshop with its own id placed under a host conference (``PRL/2023/ICAPS``).
* ``OpenReview.net/Archive`` ("OpenReview Archive Direct Upload") is an author's own upload: no
  venue and no status.

The venueid is read first and the venue text second; a venueid with a segment this scheme does
not know is ``unknown``, never ``accepted``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ReadVenue", "read_openreview", "decision_award", "pretty_id", "STATUSES", "NOT_ACCEPTED"]

#: Every status :func:`read_openreview` gives.
STATUSES = ("accepted", "under review", "rejected", "withdrawn", "desk rejected", "retracted", "archive", "unknown")
#: Statuses of a paper that is (still) a preprint.
NOT_ACCEPTED = frozenset(STATUSES) - {"accepted"}

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_JOURNAL_STAGES = {
    "submitted": "under review", "under_review": "under review", "decision_pending": "under review",
    "assigning_ae": "under review", "assigned_ae": "under review", "rejected": "rejected",
    "desk_rejected": "desk rejected", "withdrawn_submission": "withdrawn", "retracted_acceptance": "retracted",
}
_STAGE_PREFIXES = (("desk_rejected_", "desk rejected"), ("rejected_", "rejected"), ("withdrawn_", "withdrawn"))
_ARCHIVE_IDS = ("openreview.net/archive",)
_ARCHIVE_TEXT = ("openreview archive direct upload",)

# Tracks beside /Conference: venueid segment (folded) -> shown name and kind.
_TRACKS = {
    "tinypapers": ("Tiny Papers Track", "workshop"),
    "blogposts": ("Blogpost Track", "workshop"),
    "datasets_and_benchmarks": ("Datasets and Benchmarks Track", "conference"),
    "datasets_and_benchmarks_track": ("Datasets and Benchmarks Track", "conference"),
    "evaluations_and_datasets_track": ("Evaluations and Datasets Track", "conference"),
    "position_paper_track": ("Position Paper Track", "conference"),
    "creative_ai_track": ("Creative AI Track", "workshop"),
    "competition_track": ("Competition Track", "workshop"),
}
# The same tracks as venue texts name them: pattern -> (track, kind).
_TEXT_TRACKS = (
    (re.compile(r"\btiny\s*papers?\b", re.I), ("Tiny Papers Track", "workshop")),
    (re.compile(r"\b(blog\s*posts?|blogpost)(\s+track)?\b|\bBT\s*@", re.I), ("Blogpost Track", "workshop")),
    (re.compile(r"\bdatasets?\s+(and|&)\s+benchmarks?(\s+track)?\b", re.I), ("Datasets and Benchmarks Track", "conference")),
    (re.compile(r"\bevaluations?\s+and\s+datasets?(\s+track)?\b", re.I), ("Evaluations and Datasets Track", "conference")),
    (re.compile(r"\bposition\s+paper(\s+track)?\b", re.I), ("Position Paper Track", "conference")),
    (re.compile(r"\bcreative\s+ai(\s+track)?\b", re.I), ("Creative AI Track", "workshop")),
    (re.compile(r"\binvite\s*(d)?\s*to\s*workshop(\s+track)?\b|\bworkshop\s+track\b", re.I), ("Workshop Track", "workshop")),
)
_CONFERENCE_SEGMENTS = {"conference"}

#: Decision words that are awards, folded (lower case, letters, digits and % only) -> award.
_AWARD_WORDS = (
    (re.compile(r"notabletop5%?"), "Oral"),        # ICLR 2023's name for an oral
    (re.compile(r"notabletop25%?"), "Spotlight"),  # ICLR 2023's name for a spotlight
    (re.compile(r"oral"), "Oral"),                 # "Oral", "OralPoster" (decision_to_venue glues words)
    (re.compile(r"spotlight"), "Spotlight"),       # "spotlightposter", "Spotlight Poster"
)
_CLEAR_AWARD = re.compile(r"(?i)\b(best|outstanding|distinguished|honou?rable|award|prize|top\s*\d+(\.\d+)?\s*%)")
#: Decision words that say "accepted" and nothing more (folded, any combination).
_PLAIN_WORDS = ("poster", "accept", "accepted", "acceptance", "decision", "regular", "conditional", "present", "archive",
                "invite", "inviteto", "to", "main", "conference", "track", "paper", "papers", "publication",
                "published", "camera", "ready", "short", "long", "full", "presentation")


def pretty_id(group_id: str) -> str:
    """OpenReview's display form of a group id: tokens split on ``/``, each cut at its first ``.``,
    ``-`` removed, ``_`` as a space; all-lower-case letter tokens dropped.

    >>> pretty_id("ICLR.cc/2024/Conference/Withdrawn_Submission")
    'ICLR 2024 Conference Withdrawn Submission'
    """
    out = []
    for token in group_id.split("/"):
        shown = re.sub(r"\..+", "", token).replace("-", "").replace("_", " ")
        letters = re.sub(r"\d|\W", "", shown)
        if letters != shown.lower() or (shown and not re.search(r"[a-zA-Z0-9]", shown)):
            out.append(shown)
    return " ".join(out)


@dataclass(frozen=True, kw_only=True)
class ReadVenue:
    """What an OpenReview venueid / venue text pair says.

    Attributes:
        status: one of :data:`STATUSES`.
        why: the rule that decided the status (for the run report and ``field_sources``).
        host: the conference or journal the group belongs to, as its id's first segment shows it
            (``ICLR`` of ``ICLR.cc/2024/Conference``, ``TMLR``), or the venue text's short name.
        host_id: that first segment as written (``ICLR.cc``), or None.
        year: the year in the venueid, else in the venue text, else None.
        track: a track other than the main conference ("Datasets and Benchmarks Track", "Tiny
            Papers Track", "Workshop Track"), or None.
        workshop: a workshop's name (``ICBINB`` of ``ICLR.cc/2025/Workshop/ICBINB``), or None.
        kind: "conference", "workshop" or "journal" when the id or text says so, else None.
        decision: the decision words after the short name ("Oral", "spotlightposter"), or None.
        group: the venueid without its stage (``ICLR.cc/2024/Conference``), or None.
        short_name: the venue text's short name without year ("ICLR", "PRL ICAPS"), or None.
    """

    status: str
    why: str
    host: str | None = None
    host_id: str | None = None
    year: int | None = None
    track: str | None = None
    workshop: str | None = None
    kind: str | None = None
    decision: str | None = None
    group: str | None = None
    short_name: str | None = None


def _status_from_text(text: str) -> tuple[str, str] | None:
    """(status, why) from the venue text alone, for what it says outright; None when it says no stage."""
    folded = " ".join(text.casefold().split())
    if not folded:
        return None
    if folded in _ARCHIVE_TEXT:
        return "archive", "venue text: an author's direct upload"
    rules = (
        (r"^accepted by\b", "accepted"), (r"^under review (for|at)\b", "under review"),
        (r"^decision pending (for|at)\b", "under review"), (r"^desk[ _-]rejected by\b", "desk rejected"),
        (r"^rejected by\b", "rejected"), (r"^withdrawn by\b", "withdrawn"), (r"^retracted by\b", "retracted"),
        (r"\bassign(ing|ed) ae$", "under review"), (r"^submitted to\b", "rejected"), (r"\bsubmitted$", "rejected"),
        (r"\bdesk rejected submission$", "desk rejected"), (r"\bwithdrawn submission$", "withdrawn"),
        (r"\brejected submission$", "rejected"), (r"\bsubmission$", "under review"),
    )
    for pattern, status in rules:
        if re.search(pattern, folded):
            return status, f"venue text {text!r}"
    return None


def _short_name_and_decision(text: str, year: int | None) -> tuple[str | None, str | None]:
    """Split ``<short name> <decision>`` ("ICLR 2024 Oral", "PRL ICAPS 2023") at the (last) year,
    or, without a year, before a last word that is a decision ("VIPriors Poster"). The short
    name is returned without its year ("ICLR", "PRL ICAPS")."""
    match = None
    for match in _YEAR.finditer(text):
        pass  # the last year: "Tiny Papers @ ICLR 2024 Notable"
    if match is None:
        words = text.split()
        if len(words) > 1 and (_plain_decision(words[-1]) or decision_award(words[-1])[0]):
            return " ".join(words[:-1]), words[-1]
        return (text.strip() or None), None
    short = _YEAR.sub(" ", text[:match.end()])
    short = " ".join(short.split()).strip(" -,:@")
    decision = text[match.end():].strip(" ()-,:")
    return short or None, decision or None


def _journal_like(segment: str) -> bool:
    """A first segment with no domain part and no year after it is a journal id (``TMLR``, ``TACL``)."""
    return "." not in segment


@lru_cache(maxsize=65536)
def read_openreview(venueid: str | None, venue: str | None) -> ReadVenue:
    """Read status, host, year, track, workshop and decision from ``content.venueid`` and ``content.venue``.

    Either may be None or empty. The venueid decides the status where it can (see the module
    docstring); the text decides the rest and breaks API 1's ties (rejected papers there carry the
    bare venue id).
    """
    venueid = (venueid or "").strip().strip("/")
    text = " ".join((venue or "").split())
    if venueid.casefold().startswith(_ARCHIVE_IDS) or text.casefold() in _ARCHIVE_TEXT:
        return ReadVenue(status="archive", why="OpenReview Archive: an author's direct upload, not a venue")
    year_match = _YEAR.search(venueid) or _YEAR.search(text)
    year = int(year_match.group(0)) if year_match else None
    short, decision = _short_name_and_decision(text, year) if text else (None, None)
    journal_text = re.match(r"(?i)^(accepted by|under review for|decision pending for|rejected by|desk rejected by|"
                            r"submitted to)\s+(.+)$", text)
    if journal_text:  # "Accepted by TMLR": the short name is the journal's
        short, decision = _YEAR.sub("", journal_text.group(2)).strip() or None, None
    from_text = _status_from_text(text)
    if not venueid:
        if from_text:
            status, why = from_text
        elif text and (year is not None or decision_award(text)[0] or _plain_decision(text.split()[-1])):
            status, why = "accepted", f"venue text {text!r} names a venue and a decision"
        else:
            status, why = "unknown", "no venueid, and the venue text says no stage" if text else "no venue given"
        return _with_track(ReadVenue(status=status, why=why, host=short, year=year, decision=decision, short_name=short,
                                     kind="journal" if status == "accepted" and text.casefold().startswith("accepted by")
                                     else None), text, None)

    parts = venueid.split("/")
    last = parts[-1]
    folded_last = last.casefold()
    year_at = next((n for n, p in enumerate(parts) if _YEAR.fullmatch(p)), None)
    prefix_parts = parts[:year_at] if year_at else parts[:1]  # "colmweb.org/COLM" of colmweb.org/COLM/2024/...
    host_id = "/".join(prefix_parts)
    host = re.sub(r"\..*", "", prefix_parts[-1])
    stage_status = None
    if len(parts) >= 2 and folded_last in _JOURNAL_STAGES and (_journal_like(host_id) or len(parts) == 2):
        stage_status = _JOURNAL_STAGES[folded_last], f"venueid stage {last!r}"
    elif len(parts) >= 2 and folded_last == "submission":
        stage_status = "under review", f"venueid stage {last!r}"
    else:
        for prefix, status in _STAGE_PREFIXES:
            if folded_last.startswith(prefix) and len(parts) >= 2:
                stage_status = status, f"venueid stage {last!r}"
                break
    group_parts = parts[:-1] if stage_status else parts
    after_year = group_parts[year_at + 1:] if year_at else group_parts[len(prefix_parts):]
    workshop = None
    track = kind = None
    for n, part in enumerate(after_year):
        low = part.casefold()
        if low.startswith("workshop") and n + 1 < len(after_year):
            workshop = after_year[n + 1].replace("_", " ")
            kind = "workshop"
            break
        if low in _TRACKS:
            track, kind = _TRACKS[low]
            break
        if low == "track" and n + 1 < len(after_year):  # NeurIPS.cc/2023/Track/Datasets_and_Benchmarks
            track, kind = _TRACKS.get(after_year[n + 1].casefold(),
                                      (after_year[n + 1].replace("_", " ") + " Track", "conference"))
            break
    if stage_status is None and not track and not workshop:
        known = not after_year or (len(after_year) == 1 and (
            after_year[0].casefold() in _CONFERENCE_SEGMENTS or _YEAR.search(venueid) is not None))
        if len(after_year) == 1 and after_year[0].casefold() not in _CONFERENCE_SEGMENTS:
            # <org>/<year>/<Name>: a workshop or a venue with its own id under a host (PRL/2023/ICAPS),
            # or a track this module does not know ("High_School_Projects_Track")
            name = after_year[0]
            if name.casefold().endswith("_track") or "_" in name:
                track, kind = name.replace("_", " "), "workshop"
            elif text and text.casefold() == pretty_id(venueid).casefold():
                stage_status = "under review", f"venueid {venueid!r}: its venue text is the id's own name, " \
                                               "as for a (renamed) submission stage"
            else:
                workshop, kind = host, "workshop"
                host_id, host = name, name  # PRL/2023/ICAPS: the PRL workshop at ICAPS
        elif not known:
            if text and text.casefold() == pretty_id(venueid).casefold() and len(parts) >= 2:
                stage_status = "under review", f"venueid {venueid!r}: its venue text is the id's own name, " \
                                               "as for a (renamed) submission stage"
            else:
                return ReadVenue(status="unknown", why=f"venueid {venueid!r} has a segment OpenReview's scheme "
                                                       "does not name", host=host, host_id=host_id, year=year,
                                 group=venueid)
        if kind is None:
            kind = "journal" if _journal_like(parts[0]) and len(parts) == 1 else "conference"
    if stage_status is None and len(parts) >= 2 and not _YEAR.search(venueid) and not track and not workshop \
            and text and text.casefold() == pretty_id(venueid).casefold():
        stage_status = "under review", f"venueid {venueid!r}: its venue text is the id's own name (a renamed stage)"
    if stage_status is not None:
        status, why = stage_status
    elif from_text and from_text[0] != "accepted":
        status, why = from_text[0], f"{from_text[1]} (API 1 keeps the venue id on decided papers)"
    else:
        status, why = "accepted", f"venueid {venueid!r} is the venue itself"
    if kind is None and _journal_like(parts[0]) and len(group_parts) == 1:
        kind = "journal"
    if track and decision:
        pattern = next((p for p, (name, _) in _TEXT_TRACKS if name == track), None)
        decision = _without_track(decision, pattern) if pattern else _without_track(decision, re.compile(
            r"(?i)\b" + r"\s+".join(map(re.escape, track.split()[:-1] or track.split())) + r"\b"))
    result = ReadVenue(status=status, why=why, host=host, host_id=host_id, year=year, track=track,
                       workshop=workshop, kind=kind, decision=decision if status == "accepted" else None,
                       group="/".join(group_parts), short_name=short)
    return _with_track(result, text, venueid) if not (track or workshop) else result


def _with_track(read: ReadVenue, text: str, venueid: str | None) -> ReadVenue:
    """Tracks and workshops that only the venue text names ("Tiny Papers @ ICLR 2024 Notable",
    "BT@ICLR2024", "ICLR 2017 Invite to Workshop", "ICML 2025 Position Paper Track spotlightposter")."""
    if not text or read.status not in ("accepted", "unknown"):
        return read
    for pattern, (track, kind) in _TEXT_TRACKS:
        match = pattern.search(text)
        if match:
            return ReadVenue(status=read.status, why=read.why, host=_text_host(text, read, venueid),
                             host_id=read.host_id, year=read.year, track=track, kind=kind,
                             decision=_without_track(read.decision, pattern), group=read.group,
                             short_name=read.short_name)
    if re.search(r"\bworkshop\b", text, re.I) and read.status == "accepted" and not read.workshop:
        name = re.sub(r"(?i).*?\bworkshop\s+(on\s+)?", "", text)
        name = _YEAR.sub("", name).strip(" -,:@") or None
        return ReadVenue(status=read.status, why=read.why, host=read.host, host_id=read.host_id, year=read.year,
                         workshop=name, kind="workshop", decision=None, group=read.group, short_name=read.short_name)
    return read


def _text_host(text: str, read: ReadVenue, venueid: str | None) -> str | None:
    """The host conference a track's venue text names ("Tiny Papers @ ICLR 2024" -> ICLR, "BT@ICLR2024")."""
    if venueid and read.host:
        return read.host
    named = re.search(r"([A-Z][A-Za-z]*[A-Z][A-Za-z]*)\s*['’]?\s*(?:19|20)\d\d", text.replace("@", " "))
    return named.group(1) if named else read.host


def _without_track(decision: str | None, pattern: re.Pattern) -> str | None:
    """Decision words without the track's own words ("Position Paper Track spotlightposter" -> "spotlightposter")."""
    if not decision:
        return None
    rest = re.sub(r"(?i)\bround\s*\d+\b|\btrack\b", " ", pattern.sub(" ", decision))
    return " ".join(rest.split()).strip(" ()-,:@") or None


def _fold_decision(text: str) -> str:
    return re.sub(r"[^a-z0-9%]", "", text.casefold())


def _plain_decision(word: str) -> bool:
    """True for decision text made only of plain acceptance words ("Poster", "Accept", "regular",
    "conditional poster", "InvitetoArchive")."""
    folded = _fold_decision(word)
    if not folded:
        return True
    for plain in sorted(_PLAIN_WORDS, key=len, reverse=True):
        folded = folded.replace(plain, "")
    return folded == ""


@lru_cache(maxsize=65536)
def decision_award(decision: str | None) -> tuple[str | None, str | None]:
    """The award in OpenReview decision words, and the words when they are neither award nor plain.

    Returns (award, unclear): ``("Oral", None)`` for "Oral", "OralPoster", "conditional oral", "notable
    top 5%"; ``("Spotlight", None)`` for "spotlight", "spotlightposter", "notable top 25%";
    ``(None, None)`` for plain acceptances (poster, accept, regular, conditional, present, archive);
    other words are returned as ``unclear`` for the caller to report, and as the award too when
    they are clearly one ("Best Paper", "Outstanding Paper Award", "Top 1%"), but not otherwise
    ("Notable").
    """
    if not decision or not decision.strip():
        return None, None
    folded = _fold_decision(decision)
    for pattern, award in _AWARD_WORDS:
        if pattern.search(folded):
            return award, None
    if _plain_decision(decision):
        return None, None
    words = " ".join(decision.split()).strip(" ()-,:")
    if _CLEAR_AWARD.search(words):
        return (words.title() if words.islower() else words), words
    return None, words
