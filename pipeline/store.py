"""The last known good harvest: ``<output dir>/harvest.json``, committed with the page.

Layout: ``{"format": 1, "sources": {"arxiv": {"<requested id>": <record>}, "openreview": ...,
"s2": ...}}``, records as :meth:`harvest.records.SourceRecord.to_dict` gives them. Written with
sorted keys so that the same records give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from harvest.records import SOURCES, SourceRecord

from .memory import no_cyclic_gc

__all__ = ["StoreError", "load", "dump", "same_content", "checked_path", "lock_path", "load_checked", "dump_checked"]

log = logging.getLogger(__name__)
FORMAT = 1


class StoreError(Exception):
    """The stored harvest cannot be read; the message names the file and says what to do."""


def load(path: Path) -> dict[str, dict[str, SourceRecord]]:
    """Records per source and requested ID; empty when the file does not exist yet.

    Raises StoreError when the file exists but is not a harvest this version can read.
    """
    with no_cyclic_gc():  # 50,000 records: see pipeline.memory
        return _load(path)


def _load(path: Path) -> dict[str, dict[str, SourceRecord]]:
    empty: dict[str, dict[str, SourceRecord]] = {source: {} for source in SOURCES}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty
    except NotADirectoryError:
        raise StoreError(f"{path.parent} is not a folder; set [output] dir to a folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the stored harvest ({exc}); restore it from git, "
                         "or delete it to start from an empty store") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("sources"), dict):
        raise StoreError(f"{path}: not a harvest file of format {FORMAT}; restore it from git or delete it")
    for source in SOURCES:
        records = raw["sources"].get(source) or {}
        if not isinstance(records, dict):
            raise StoreError(f"{path}: sources.{source} is not a table of records; restore the file from git "
                             "or delete it")
        for ident, data in records.items():
            try:
                if not isinstance(data, dict):
                    raise TypeError(f"a {type(data).__name__}, not a record")
                empty[source][ident] = SourceRecord.from_dict(data)
            except (KeyError, TypeError) as exc:
                log.warning("%s: skipping stored %s record %s (%s)", path, source, ident, exc)
    return empty


def dump(records: dict[str, dict[str, SourceRecord]]) -> bytes:
    """The bytes of ``harvest.json`` for ``records`` (sorted, indented, UTF-8, trailing newline)."""
    data = {"format": FORMAT,
            "sources": {source: {ident: records[source][ident].to_dict() for ident in sorted(records[source])}
                        for source in SOURCES}}
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def same_content(a: SourceRecord, b: SourceRecord) -> bool:
    """True when two records differ at most in ``fetched_at``."""
    left, right = a.to_dict(), b.to_dict()
    left.pop("fetched_at")
    right.pop("fetched_at")
    return left == right


# ---- when each ID was last checked -----------------------------------------------------------
# Machine-local run state, kept out of the output folder so that re-checking an unchanged paper
# changes no committed file: $XDG_CACHE_HOME/pubharvest/checked-<hash of the output dir>.json.

def checked_path(out_dir: Path) -> Path:
    """Where the last-checked times of ``out_dir``'s harvest are kept (a per-user cache file)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pubharvest"
    digest = hashlib.sha1(str(Path(out_dir).resolve()).encode()).hexdigest()[:16]
    return base / f"checked-{digest}.json"


def lock_path(out_dir: Path) -> Path:
    """The lock file of runs on ``out_dir`` (beside the last-checked cache, outside the output folder)."""
    return checked_path(out_dir).with_name(checked_path(out_dir).name.replace("checked-", "lock-").replace(".json", ""))


def emitted_path(out_dir: Path) -> Path:
    """Where what the last run on this machine wrote to ``out_dir`` is remembered (see
    :func:`pipeline.run.csv_bytes`), beside the last-checked cache."""
    return checked_path(out_dir).with_name(checked_path(out_dir).name.replace("checked-", "emitted-"))


def load_emitted(path: Path) -> dict[str, str]:
    """The remembered fingerprints (name -> hex digest); empty when unknown or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def load_checked(path: Path) -> dict[str, dict[str, str]]:
    """source -> requested ID -> ISO time the source last answered for it; empty when unknown or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {s: dict(v) for s, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def dump_checked(checked: dict[str, dict[str, str]]) -> bytes:
    """The bytes of the last-checked file (sorted, so unchanged times give unchanged bytes)."""
    return (json.dumps(checked, indent=1, sort_keys=True) + "\n").encode("utf-8")
