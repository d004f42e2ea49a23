"""Read a venue out of free text: preprint servers, a venue's kind from its wording, the venue a
``journal_ref`` or an arXiv comment names, and the name a CV would print.

Pure functions over strings. The rules are general (wording, punctuation, the phrases authors use)
so that a venue nobody put in the table still comes out under its own name and in the right
section; the table (:mod:`pipeline.venues`) then gives canonical names where it knows the venue.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["is_preprint_server", "kind_from_wording", "clean_venue_name", "acronym", "VenueText",
           "parse_venue_text", "venue_in_comment", "KINDS"]

#: Kinds a venue can have; each goes to a section (see pipeline.merge).
KINDS = ("conference", "workshop", "journal", "book", "thesis")

_YEAR = re.compile(r"(?<![\d.])(19[5-9]\d|20\d\d)(?![\d])")
_ORDINAL = re.compile(r"(?i)\b\d+\s*(st|nd|rd|th)\b\.?")
_ORDINAL_WORDS = re.compile(
    r"(?i)\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
    r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty[- ]\w+|thirtieth|"
    r"fortieth|fiftieth)\b")

# Preprint servers and archives, folded (lower case, letters and digits only).
_PREPRINT_NAMES = {
    "arxiv", "arxivorg", "corr", "arxivcornelluniversity", "biorxiv", "medrxiv", "ssrn", "ssrnelectronicjournal",
    "socialscienceresearchnetwork", "researchsquare", "researchsquareplatformllc", "preprints", "preprintsorg",
    "techrxiv", "chemrxiv", "psyarxiv", "socarxiv", "eartharxiv", "osf", "osfpreprints", "openscienceframework",
    "zenodo", "hal", "halarchivesouvertes", "halopenscience", "authorea", "engrxiv", "edarxiv", "metaarxiv",
    "lawarxiv", "africarxiv", "sportrxiv", "jxiv", "scieloppreprints", "scielopreprints", "essoar",
    "essopenarchive", "advance", "openreviewarchivedirectupload", "coldspringharborlaboratory", "figshare",
    "europepmc", "preprintarxiv", "biorxivthepreprintserverforbiology", "medrxivthepreprintserverforhealthsciences",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).casefold())


@lru_cache(maxsize=65536)
def is_preprint_server(text: str | None) -> bool:
    """True for arXiv/CoRR and every other preprint server or repository, in the spellings sources
    use ("arXiv.org", "ArXiv", "bioRxiv", "Social Science Research Network", "SSRN Electronic
    Journal", "Research Square", "Preprints.org", "TechRxiv", "OSF Preprints", "Zenodo", "HAL", ...)."""
    if not text:
        return False
    folded = _fold(text)
    if folded in _PREPRINT_NAMES or folded.startswith(("arxiv", "ssrn")):
        return True
    if re.search(r"\beJournal\s*$|\(Topic\)\s*$|^[A-Z]{2,4}N:\s", text.strip()):
        return True  # SSRN's subject networks: "Experimental & Empirical Studies eJournal", "ERN: Credit Risk (Topic)"
    return bool(re.fullmatch(r"[a-z]{0,12}r?xiv(preprints?)?", folded))


_MEETING = (r"conferences?|conf\.?|symposi(um|a)|symp\.?|congress|colloquium|meeting|summit|convention|proceedings|proc\.|"
            r"companion|anais|actes|actas|atti|encontro|simp[oó]sio|simposio|congresso|congreso|jornadas|"
            r"conf[ée]rence|semin[aá]rio|tagung")
_WORDING = (  # (pattern, kind); the first that matches decides
    (re.compile(r"(?i)^proceedings of the (ieee|national academy|royal society|american mathematical|london mathematical|"
                r"edinburgh|cambridge philosophical|japan academy|american philosophical|steklov)\b"
                r"(?!.*\b(" + _MEETING + r"|workshops?)\b)"), "journal"),
    (re.compile(r"(?i)\b(workshops?|wksp)\b"), "workshop"),
    (re.compile(r"(?i)\b(" + _MEETING + r")\b"), "conference"),
    (re.compile(r"^(19|20)\d\d\s+(\d+(st|nd|rd|th)\s+)?(IEEE|ACM|IFIP|IAPR|USENIX|SIAM|International|Annual)\b"),
     "conference"),  # "2022 IEEE Information Technologies & Smart Industrial Systems (ITSIS)": a proceedings title
    (re.compile(r"(?i)\b(journals?|j\.|transactions|trans\.|letters?|lett\.|magazine|mag\.|review|reviews|rev\.|"
                r"annals|ann\.|bulletin|bull\.|quarterly|reports?|acta|gazette|newsletter|archives?|chronicle|"
                r"frontiers in|advances in(?! neural information)|cahiers|revista|revue|zeitschrift|rivista|"
                r"monatshefte|notices|communications of|ejournal)\b|\b(research|studies)$"), "journal"),
    (re.compile(r"(?i)\b(lecture notes|lect\.\s*notes|handbook|encyclopedia|encyclopaedia|companion to|book|"
                r"chapter|anthology|edited volume|springer[- ]verlag|\(eds?\.?\)|eds\.|edited by|monograph)\b"), "book"),
    (re.compile(r"(?i)\b(ph\.?\s*d\.?|doctoral|master'?s)\s+(thesis|dissertation)\b|\bdissertation\b"), "thesis"),
)


@lru_cache(maxsize=65536)
def kind_from_wording(name: str | None) -> str | None:
    """The kind a venue name's own words give: "workshop" (Workshop), "conference" (Conference,
    Symposium, Congress, Proceedings of a meeting), "journal" (Journal, Transactions, Letters,
    Review, Annals, Bulletin, Frontiers in, ..., and "Proceedings of the IEEE / National Academy /
    Royal Society"), "book" (Lecture Notes, Handbook, "(Eds.)"), "thesis"; None when nothing says."""
    if not name:
        return None
    for pattern, kind in _WORDING:
        if pattern.search(name):
            return kind
    return None


_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9&+\-/]*[A-Za-z0-9+]")


def acronym(text: str | None) -> bool:
    """True when ``text`` is one word that reads as an acronym: 2-15 characters with at least two
    capitals and no spaces ("ICLR", "NeurIPS", "ESEC/FSE", "IC2E"; not "Sensors", "PLoS ONE")."""
    if not text or " " in text.strip() or not 2 <= len(text.strip()) <= 15:
        return False
    word = text.strip()
    return (bool(_ACRONYM.fullmatch(word)) and sum(c.isupper() for c in word) >= 2
            and not re.search(r"[a-z]{4,}", word))


_LEAD = re.compile(
    r"(?i)^\s*(?:(?:the\s+)?paper\s+)?(?:(?:has been|is|was|will be)\s+)?(?:the\s+)?"
    r"(?:in\s*proceedings\s+of|inproceedings\s+of|in\s+proc\.?\s*(?:of)?|proceedings\s+of|proc\.?\s+(?:of\s+)?|"
    r"published\s+(?:as\s+\w+\s+)?(?:in|at|by|on)|accepted\s+(?:for\s+publication\s+|as\s+[\w\s-]{1,30}?\s+)?(?:at|to|in|by|for|on)|"
    r"to\s+appear\s+(?:in|at|on)|to\s+be\s+published\s+(?:in|at|by)|to\s+be\s+presented\s+at|presented\s+at|"
    r"appear(?:s|ed|ing)?\s+(?:in|at)|will\s+appear\s+(?:in|at)|camera[- ]ready\s+(?:version\s+)?(?:for|of)|"
    r"(?:anais|actes|actas|atti)\s+(?:do|da|de|del|della|dos|das|des|du)|in\s*:|in)\s+(?:the\s+)?")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = re.compile(r"(?i)\b" + _MONTH + r"(?:\s+\d{1,2}(?:st|nd|rd|th)?(?:\s*(?:-|–|to)\s*(?:" + _MONTH +
                   r"\s+)?\d{1,2})?)?(?:\s*,?\s*(?:19|20)\d\d)?\b")
_TAIL = re.compile(
    r"(?i)(?:,|\s)\s*(?:vol(?:ume)?\.?\s*:?\s*\d|no\.\s*\d|issue\s*:?\s*\d|pp\.?\s*\d|pages?\s+\d|art(?:icle)?\.?\s*(?:no\.?)?\s*\d|"
    r"doi\s*:|https?://|isbn|issn|\(\s*volume\b|\(\s*pp\.?).*$")
_VOLUME_TAIL = re.compile(r",?\s*\d+\s*\(\s*\d+[\-–]?\d*\s*\)\s*(?::\s*\S+)?.*$|\s+\d+\s*[-–]\s*\d+\s*$")
_ABBREVIATED_REF = re.compile(r"(?<=[A-Za-z.])\s*\d+\s*[(:,].*$")  # Phys.Lett.B573:94-100,2003
_PAREN_ACRONYM = re.compile(r"\(\s*([A-Z][A-Za-z0-9&+/\-]*[A-Za-z0-9+])(?:\s*@\s*[A-Z][A-Za-z0-9]*)?\s*"
                            r"(?:['’\-]?\s*(?:19|20)?\d{2})?\s*\)")
_LEAD_ACRONYM = re.compile(r"^([A-Z][A-Za-z0-9&+/\-]*[A-Za-z0-9])\s*['’]?\s*(?:(?:19|20)?\d{2})\s*[:\-]?\s+(?=\S)")
_PUBLISHER_TAIL = re.compile(r"(?i)[,.]?\s*(?:ACM|IEEE|Springer(?:[- ]Verlag)?(?:\s*\(Eds?\.?\))?|Elsevier|ACM Press|IEEE Press|"
                             r"IEEE Computer Society|Morgan Kaufmann|MIT Press|AAAI Press)\s*[,.]?\s*$")
_COUNTRIES = ("USA|U\\.S\\.A\\.|US|UK|U\\.K\\.|Canada|China|Germany|France|Italy|Japan|Korea|South Korea|Spain|Australia|Brazil|"
              "India|Portugal|Sweden|Norway|Finland|Denmark|Austria|Switzerland|Netherlands|The Netherlands|Belgium|"
              "Greece|Poland|Ireland|Singapore|Israel|Mexico|Chile|Argentina|Colombia|Turkey|Russia|Czech Republic|"
              "Hungary|Romania|Estonia|Luxembourg|New Zealand|South Africa|Egypt|Morocco|Taiwan|Hong Kong|Thailand|"
              "Vietnam|Malaysia|Indonesia|Iran|Pakistan|UAE|Qatar|Saudi Arabia|Croatia|Slovenia|Serbia|Bulgaria|"
              "Ukraine|Iceland|Cyprus|Malta|Scotland|England|Wales")
_PLACE_TAIL = re.compile(r"(?:,\s*[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,2})?(?:,\s*[A-Z]{2})?,\s*(?:" + _COUNTRIES +
                         r")\s*\.?\s*$|,\s*(?:[A-Z][a-z]+\s*){1,2},\s*[A-Z]{2}\s*$")
_HOST_SPLIT = re.compile(r"(?i),?\s+(?:part of|co-?located with|held (?:in conjunction )?with|in conjunction with|"
                         r"satellite (?:event|workshop) of|colocated with)\b.*$")
_TRACK = re.compile(r",\s*((?:(?:[A-Z][\w&\-]*|and|of|for|on|in|the|&)\s+){0,8}Track)\b")


_VENUE_WORDS_RE = re.compile(r"(?i)\b(workshop|conference|symposium|journal|transactions|proceedings)\b")


def _paren_is_acronym(inner: str) -> bool:
    head = re.split(r"[\s@'’,]", inner.strip(), maxsplit=1)[0]
    return acronym(head)


@lru_cache(maxsize=65536)
def clean_venue_name(text: str) -> str:
    """The name a CV prints for a venue string: entities decoded once, no year, ordinal, "Proceedings
    of the", volume, pages, date, publisher or place, no noise such as "(Print)", "(Basel,
    Switzerland)", "(Ed. impresa)" or a translation after " = "; an acronym in parentheses is kept.

    >>> clean_venue_name("2024 11th International Conference on Signal Processing and Integrated Networks (SPIN)")
    'International Conference on Signal Processing and Integrated Networks (SPIN)'
    """
    name = " ".join(html.unescape(text).split())
    name = re.sub(r"\s+=\s+.*$", "", name)  # "South African medical journal = Suid-Afrikaanse tydskrif ..."
    name = re.sub(r"(?i)\s*:\s*(?:an?\s+)?(?:official|open access|the official)\b.*$", "", name)
    name = re.sub(r"\s*:\s*([A-Z][A-Z0-9&]{1,9})\s*$", r" (\1)", name)  # "... Association : JAMIA" -> "(JAMIA)"
    name = re.sub(r"\s+[“\"][^”\"]{3,}[”\"]\s*$", "", name)  # a quoted theme after the name
    for _ in range(2):
        name = _LEAD.sub("", name)
    name = _TAIL.sub("", name)
    if not re.search(r"\s", name.strip()) or re.match(r"^[A-Z][a-z]*\.[A-Z]", name):
        name = _ABBREVIATED_REF.sub("", name)  # Phys.Lett.B573:94-100,2003 -> Phys.Lett.B
    name = _VOLUME_TAIL.sub("", name)
    name = _HOST_SPLIT.sub("", name)
    head, colon, rest = name.partition(":")
    if colon and re.search(r"(?i)\b(workshop|conference|symposium)\s*$", head) and not _VENUE_WORDS_RE.search(rest):
        name = head  # "Group Testing Workshop: Algorithms and Data Structures for ..." (a theme after the name)
    meeting = kind_from_wording(name) in ("conference", "workshop")
    if meeting:
        name = _DATE.sub(" ", name)
    name = re.sub(r"\(\s*\)", "", _YEAR.sub(" ", name))
    name = _ORDINAL.sub(" ", name)
    if meeting:
        name = _ORDINAL_WORDS.sub(" ", name)
        name = re.sub(r"^\s*(?:The\s+)?[IVXLC]{1,6}\s+(?=[A-Z])", "", name)  # "XIX Encontro Nacional ..."
    name = re.sub(r"^\s*the\s+", "", name, flags=re.I)
    while True:  # trailing notes in parentheses that are not an acronym: "(Print)", "(Boston)", "(Ed. impresa)"
        tail = re.search(r"\s*\(([^()]*)\)\s*$", name)
        if not tail or _paren_is_acronym(tail.group(1)):
            break
        name = name[:tail.start()]
    name = re.sub(r"\s*,\s*(?:,\s*)+", ", ", name)
    name = _PLACE_TAIL.sub("", name.strip(" ,"))
    name = _PUBLISHER_TAIL.sub("", name.strip())
    name = re.sub(r"\s+([,;)])", r"\1", " ".join(name.split()))
    name = re.sub(r"\(\s+", "(", name)
    stripped = name.strip(" ,;:-–@'\"“”‘’")
    if stripped.endswith(".") and not re.search(r"\b[A-Za-z]{1,6}\.$", stripped):
        stripped = stripped[:-1].strip(" ,;:-–@'\"“”‘’")  # "... Workshops, 2003." -> "... Workshops"
    return stripped.strip()


@dataclass(frozen=True)
class VenueText:
    """A venue read from free text: ``name`` as a CV prints it (without the acronym), ``abbr`` ("" for
    none), ``year`` (or None), ``kind`` from the wording (or None), ``track`` ("Industry Track", "")."""

    name: str
    abbr: str = ""
    year: int | None = None
    kind: str | None = None
    track: str = ""


@lru_cache(maxsize=65536)
def parse_venue_text(text: str | None) -> VenueText | None:
    """Read ``name``, acronym, year and kind out of a venue phrase ("In Proc. ACM SIGSOFT
    International Symposium on Software Testing and Analysis (ISSTA 2020), pages 14-26. ACM, 2020").
    Returns None when no name of three letters or more is left."""
    if not text or not text.strip():
        return None
    raw = " ".join(html.unescape(text).split())
    year_match = None
    for year_match in _YEAR.finditer(raw):
        break
    year = int(year_match.group(0)) if year_match else None
    abbr = ""
    lead = _LEAD_ACRONYM.match(_LEAD.sub("", raw))
    if lead and acronym(lead.group(1)):
        abbr = lead.group(1)
        raw = _LEAD.sub("", raw)[lead.end():]
    if "@" in raw and not raw.lstrip().startswith("@"):  # "Workshop Name @ 2022 Host Conference (HOST)"
        head = raw.split("@")[0]
        if re.search(r"[A-Za-z]{3}", head) and not _PAREN_ACRONYM.search(head + ")"):
            raw = head if re.search(r"\s", head.strip()) else raw
    satellite = _HOST_SPLIT.search(raw) is not None  # "X, part of the 15th IEEE ICST": a workshop at a host
    raw = _HOST_SPLIT.sub("", raw)
    parens = [m for m in _PAREN_ACRONYM.finditer(raw) if acronym(m.group(1))]
    if parens:
        abbr = abbr or parens[-1].group(1)
        for m in reversed(parens):
            raw = raw[:m.start()] + raw[m.end():]
    track = ""
    found = _TRACK.search(raw)
    if found and not re.search(r"(?i)\b(conference|symposium|workshop)\b", found.group(1)):
        track = found.group(1).strip()
        raw = raw[:found.start()] + raw[found.end():]
    name = clean_venue_name(raw)
    name = re.sub(r"\s*[,;]\s*$", "", name)
    if sum(c.isalpha() for c in name) < 3:
        if abbr:
            return VenueText(name=abbr, abbr="", year=year, kind="workshop" if satellite else kind_from_wording(text))
        return None
    kind = kind_from_wording(name) or ("workshop" if satellite else kind_from_wording(text))
    return VenueText(name=name, abbr=abbr, year=year, kind=kind, track=track)


_CLAUSE_SPLIT = re.compile(r"\s*(?:;|\||\n|(?<![A-Z][a-z])(?<!\b[A-Z])(?<!Proc)(?<!Vol)(?<!No)(?<!pp)(?<!Int)"
                           r"(?<!Conf)(?<!Symp)(?<!Intl)(?<!Trans)(?<!vs)(?<!\bal)\.\s+(?=[A-Z0-9(\"'“]))\s*")
_ACCEPTED = re.compile(
    r"(?i)\b(accepted|to appear|to be published|to be presented|will appear|appears in|appeared in|published|"
    r"presented at|in proceedings of|inproceedings of|proceedings of|in proc\b|camera[- ]ready (?:version )?(?:for|of)|"
    r"final version (?:for|of|in))\b")
_NOT_YET = re.compile(r"(?i)\b(submitted|under review|in submission|under submission|in preparation|in review|"
                      r"under consideration|revised and resubmitted|rejected)\b")
_OTHER_VERSION = re.compile(r"(?i)\b(extended|full|long|journal|conference|short|preliminary|earlier|previous)\s+"
                            r"version\s+of\b|\bextension of\b|\bextends?\s+(our|the)\b|\btechnical report\b|"
                            r"\bsupersedes\b|\bpreviously circulated\b|\boverlap with\b")
_VENUE_WORD = re.compile(r"(?i)\b(conference|symposium|workshop|journal|transactions|proceedings|letters|congress|"
                         r"review|magazine|annals)\b")
_PAGES_LEAD = re.compile(r"(?i)^(?:\s*(?:\d+|[a-z]+)\s*(?:pages?|pp|figures?|figs?|tables?|appendi(?:x|ces))\b[\s,.+]*)+")


@lru_cache(maxsize=65536)
def venue_in_comment(comment: str | None) -> tuple[str, bool] | None:
    """The venue phrase an arXiv comment gives for the paper itself, and whether it says accepted.

    Returns ``(phrase, True)`` for "Accepted at X", "to appear in X", "Published at X", "In
    proceedings of X", or a clause that is itself a venue line ("2021 IEEE Conference on Artificial
    Intelligence Testing (AITest 2021)"); ``(phrase, False)`` for "submitted to X" / "under review
    at X"; None when the comment names no venue of this paper (page counts, keywords, "extended
    version of <another paper>").
    """
    if not comment:
        return None
    text = " ".join(html.unescape(comment).split())
    found: tuple[str, bool] | None = None
    for clause in _CLAUSE_SPLIT.split(text):
        clause = _PAGES_LEAD.sub("", clause).strip(" ,.")
        if not clause:
            continue
        accepted = _ACCEPTED.search(clause)
        if _OTHER_VERSION.search(clause) and not re.search(r"(?i)\b(to appear|accepted|will appear)\b", clause):
            continue
        if accepted:
            phrase = clause[accepted.start():]
            if re.search(r"(?i)\babridged version\b", clause[:accepted.start()]) or True:
                pass
            # text after the verb: "Accepted at X", "to appear in 'X'"; stop at the next sentence.
            phrase = re.sub(r"(?i)^(accepted|to appear|to be published|to be presented|will appear|appears in|"
                            r"appeared in|published|presented at|camera[- ]ready|final version)\b", "", phrase)
            phrase = re.sub(r"(?i)^\s*(?:for publication|as (?:a |an )?[\w\s-]{1,25}?paper|as (?:a |an )?(?:oral|poster|"
                            r"spotlight)(?: presentation)?)?\s*(?:at|to|in|by|for|on|in the|at the)?\s*", "", phrase)
            phrase = re.sub(r"(?i)^(?:the\s+)?(?:main\s+track\s+of\s+|industry\s+track\s+of\s+)", "", phrase)
            phrase = phrase.strip(" \"'“”‘’:,")
            if not phrase or not re.search(r"[A-Za-z]{2}", phrase):
                continue
            phrase = re.sub(r"\s+(journal|conference|workshop)$", "", phrase)  # "Accepted for X journal"
            if _NOT_YET.search(clause[:accepted.start()]):
                found = found or (phrase, False)
                continue
            return phrase, True
        if _NOT_YET.search(clause):
            m = re.search(r"(?i)\b(?:submitted|under review|in submission|under consideration)\s*(?:to|at|for|in|with)?\s*"
                          r"(?:the\s+)?(.+)$", clause)
            if m and _VENUE_WORD.search(m.group(1) or "") or (m and acronym((m.group(1) or "").split()[0] if m.group(1) else "")):
                found = found or (m.group(1).strip(" \"'“”‘’:,."), False)
            continue
        if _VENUE_WORD.search(clause) and (_YEAR.search(clause) or _PAREN_ACRONYM.search(clause)
                                           or _ORDINAL.search(clause) or _ORDINAL_WORDS.search(clause)) \
                and not re.search(r"(?i)\b(keywords?|key words)\b", clause) and len(clause) < 220:
            return clause, True
        lead = re.match(r"^([A-Z][A-Za-z0-9&+/\-]*[A-Z0-9])\s*['’]\s*\d{2}\s*:\s*(.+)$", clause)  # "MET'24: 9th ACM ..."
        if lead and _VENUE_WORD.search(lead.group(2)):
            return clause, True
    return found
