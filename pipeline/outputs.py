"""The files of the ``[formats]`` the owner chose (BibTeX, CSL-JSON, RenderCV, the academicpages
collection, Hugo Blox bundles), and what the tool owns in them.

:mod:`pipeline.emit` renders; this module reads what is on disk and decides what may be written:

- The tool owns the files it created. ``owned.json`` in the output folder records each one (its path
  relative to that folder, so the record holds wherever the repository is cloned) with the
  SHA-256 of the bytes it wrote (and, for a BibTeX file, the keys of its entries), so a later run
  knows its own files from the owner's and sees the owner's edits.
- A file it owns and the owner did not edit is rewritten when its bytes change, and removed when its
  paper leaves config. A file it owns that the owner edited is left as it is, with a warning; so is a
  file of the same name that it did not write, and, in a collection folder, a paper the owner already
  has a file for (the same title). A file it wrote earlier whose record was lost is recognised by its
  bytes.
- A BibTeX file is merged entry by entry (:func:`pipeline.emit.bibtex.merge`).

Pure but for reading files: :func:`plan` returns the writes and removals, the run performs them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .merge import Publication

__all__ = ["OWNED_FILE", "FormatPlan", "plan", "expected_paths"]

OWNED_FILE = "owned.json"
_FORMAT = 1


def _digest(data: bytes) -> str:
    """SHA-256 of ``data`` with CRLF read as LF, so a checkout that converts line ends (git's
    ``core.autocrlf``) is not taken for an edit."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def _rel(config: Config, path: Path) -> str:
    return Path(os.path.relpath(_norm(path), _norm(config.output.dir))).as_posix()


def _norm(path: Path) -> Path:
    """``path`` absolute, with ``..`` and ``.`` resolved (links are not followed)."""
    return Path(os.path.normpath(os.path.abspath(path)))


def _at(config: Config, rel: str) -> Path:
    """The path of an ``owned.json`` entry (relative to the output folder)."""
    return _norm(config.output.dir / rel)


def load_owned(config: Config) -> dict:
    """``owned.json`` as ``{"files": {path: sha256}, "bibtex": {path: {key: fingerprint}}}`` (paths
    relative to the output folder);
    empty tables when it is missing or unreadable (then the tool's files are recognised by their bytes)."""
    try:
        raw = json.loads((config.output.dir / OWNED_FILE).read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("format") == _FORMAT:
            return {"files": dict(raw.get("files") or {}), "bibtex": dict(raw.get("bibtex") or {})}
    except (OSError, ValueError):
        pass
    return {"files": {}, "bibtex": {}}


def dump_owned(owned: dict) -> bytes:
    """The bytes of ``owned.json``."""
    data = {"format": _FORMAT, "files": dict(sorted(owned["files"].items())),
            "bibtex": {k: dict(sorted(v.items())) for k, v in sorted(owned["bibtex"].items())}}
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class FormatPlan:
    """What a run writes and removes for the chosen formats.

    Attributes:
        files: (path, bytes) to write atomically (unchanged ones are skipped by the writer).
        remove: the tool's files whose papers left config, to delete after the writes.
        owned: the new ``owned.json`` tables.
        warnings: the owner's files left alone, hand edits kept, papers not written.
        notes: entries added to or removed from a BibTeX file.
    """

    files: list[tuple[Path, bytes]] = field(default_factory=list)
    remove: list[Path] = field(default_factory=list)
    owned: dict = field(default_factory=lambda: {"files": {}, "bibtex": {}})
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _title_key(title: str) -> str:
    return re.sub(r"[\W_]+", "", title.casefold())


def _front_title(path: Path) -> str | None:
    """The ``title`` of a Markdown file's YAML front matter, or None."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.match(r"---\r?\n(.*?)\r?\n---", text, re.S)
    if not match:
        return None
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    title = front.get("title") if isinstance(front, dict) else None
    return str(title) if title else None


class _Owner:
    """The ownership decisions of one run, recorded as it goes."""

    def __init__(self, config: Config, previous: dict, result: FormatPlan):
        self.config, self.previous, self.result = config, previous, result

    def offer(self, path: Path, data: bytes, what: str) -> bool:
        """Write ``data`` to ``path`` if the tool may; True when the file is (or stays) the tool's."""
        rel = _rel(self.config, path)
        recorded = self.previous["files"].get(rel)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            self.result.warnings.append(f"{path}: cannot read it ({exc.strerror or exc}); {what} not written")
            return False
        if current is not None and current != data:
            if recorded is None:
                self.result.warnings.append(f"{path} exists and pubharvest did not write it; left as it is, so {what} "
                                            "is not written. Move or delete the file to let pubharvest write it")
                return False
            if _digest(current) != recorded:
                self.result.warnings.append(f"{path} was edited by hand since pubharvest wrote it; left as it is "
                                            f"({what} is not updated). Delete it to let pubharvest write it again")
                self.result.owned["files"][rel] = recorded
                return True
        if current != data:  # unchanged files are not handed to the writer, which would read them again
            self.result.files.append((path, data))
        self.result.owned["files"][rel] = _digest(data)
        return True

    def edited_leaving(self, folder: Path, expected: set[Path]) -> set[Path]:
        """The tool's files under ``folder`` that this run does not write (their paper left config, or
        its key was renamed) and that the owner edited: they become the owner's now, so a paper they
        describe (same title) gets no second file."""
        prefix = _rel(self.config, folder).rstrip("/") + "/"
        out = set()
        for rel, digest in self.previous["files"].items():
            path = _at(self.config, rel)
            if rel.startswith(prefix) and path not in expected:
                try:
                    if _digest(path.read_bytes()) != digest:
                        out.add(path)
                except OSError:
                    continue
        return out

    def release(self, folder: Path, keep: set[str]) -> None:
        """Remove the tool's files under ``folder`` that are not in ``keep`` (relative paths) and
        were not edited; report each."""
        prefix = _rel(self.config, folder).rstrip("/") + "/"
        for rel, digest in self.previous["files"].items():
            if not rel.startswith(prefix) or rel in keep:
                continue
            path = _at(self.config, rel)
            try:
                current = path.read_bytes()
            except OSError:
                continue  # already gone
            if _digest(current) == digest:
                self.result.remove.append(path)
                self.result.notes.append(f"removed {path}: its paper is no longer in config")
            else:
                self.result.warnings.append(f"{path}: its paper is no longer in config, but the file was edited by "
                                            "hand; left as it is, now yours")


def _owners_titles(folder: Path, pattern: str, mine: set[Path]) -> dict[str, Path]:
    """Normalised title -> file, for the owner's own files of a collection folder."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob(pattern)):
        if path in mine or not path.is_file():
            continue
        title = _front_title(path)
        if title:
            found.setdefault(_title_key(title), path)
    return found


def plan(config: Config, publications: list[Publication]) -> FormatPlan:
    """The writes, removals and ``owned.json`` of the formats in ``config.formats`` for ``publications``
    (in page order). Reads the current files and ``owned.json``; writes nothing."""
    from .emit import ordered

    formats = config.formats
    result = FormatPlan()
    if not formats.paths():
        return result
    pubs = [pub for group in ordered(publications, config.section_order).values() for pub in group]
    previous = load_owned(config)
    owner = _Owner(config, previous, result)
    mine = {_at(config, rel) for rel in previous["files"]}

    if formats.bibtex:
        from .emit import bibtex

        path, rel = formats.bibtex, _rel(config, formats.bibtex)
        existing: str | None | bool = None
        try:
            raw = path.read_bytes()
            existing = raw.decode("utf-8")  # line ends as they are: a CRLF file stays CRLF
        except FileNotFoundError:
            existing = None
        except UnicodeDecodeError as exc:
            existing = False
            line = raw[:exc.start].count(b"\n") + 1
            result.warnings.append(f"{path}:{line}: not UTF-8 text ({exc.reason}); "
                                   "pubharvest does not write into it. Save the file as UTF-8")
        except OSError as exc:
            existing = False
            result.warnings.append(f"{path}: cannot read it ({exc.strerror or exc}); not written")
        merged = None
        if existing is not False:
            try:
                merged = bibtex.merge(existing, pubs, previous["bibtex"].get(rel, {}), name=str(path))
            except ValueError as exc:
                result.warnings.append(str(exc))
        if merged is None:
            result.owned["bibtex"][rel] = previous["bibtex"].get(rel, {})
        else:
            result.files.append((path, merged.text.encode("utf-8")))
            result.owned["bibtex"][rel] = merged.owned
            result.warnings += merged.warnings
            result.notes += [f"{path}: removed the entry {key} (no longer in config)" for key in merged.removed]
            result.notes += merged.notes
    if formats.csl_json:
        from .emit import csl

        owner.offer(formats.csl_json, csl.render(pubs).encode("utf-8"), "the CSL-JSON")
    if formats.rendercv:
        from .emit import rendercv

        owner.offer(formats.rendercv, rendercv.render(pubs, config.owner.name).encode("utf-8"), "the RenderCV file")
    if formats.academicpages:
        from .emit import academicpages

        folder = _norm(formats.academicpages)
        expected = {folder / academicpages.file_name(pub) for pub in pubs}
        theirs = _owners_titles(folder, "*.md", mine - owner.edited_leaving(folder, expected))
        keep = set()
        for pub in pubs:
            path = folder / academicpages.file_name(pub)
            own = theirs.get(_title_key(pub.title))
            if own is not None and own != path:
                result.warnings.append(f"{pub.key}: {own} is your own file for this paper; pubharvest leaves it and "
                                       "writes no other")
                continue
            if owner.offer(path, academicpages.render_file(pub).encode("utf-8"), f"{pub.key}'s page"):
                keep.add(_rel(config, path))
        owner.release(folder, keep)
    if formats.hugo:
        from .emit import hugo

        folder = _norm(formats.hugo)
        expected = {folder / pub.key / name for pub in pubs for name in ("index.md", "cite.bib")}
        theirs = _owners_titles(folder, "*/index.md", mine - owner.edited_leaving(folder, expected))
        keep = set()
        for pub in pubs:
            bundle = hugo.render_bundle(pub, formats.hugo_author)
            index = folder / f"{pub.key}/index.md"
            own = theirs.get(_title_key(pub.title))
            if own is not None and own != index:
                result.warnings.append(f"{pub.key}: {own.parent} is your own bundle for this paper; pubharvest leaves "
                                       "it and writes no other")
                continue
            for name, data in bundle.items():
                if owner.offer(folder / name, data, f"{pub.key}'s bundle"):
                    keep.add(_rel(config, folder / name))
        owner.release(folder, keep)
    result.files.append((config.output.dir / OWNED_FILE, dump_owned(result.owned)))
    return result


def expected_paths(config: Config) -> list[Path]:
    """Every file the formats may write or remove, for ``paths`` (and so for the scheduled job's
    ``git add``): the single files, ``owned.json``, the tool's recorded files and each config paper's
    file in a collection folder unless the owner has a file of that name the tool did not write.
    Each path once, ``..`` resolved."""
    formats = config.formats
    if not formats.paths():
        return []
    previous = load_owned(config)
    candidates = [p for p in (formats.bibtex, formats.csl_json, formats.rendercv) if p is not None]
    candidates.append(config.output.dir / OWNED_FILE)
    recorded = {_at(config, rel) for rel in previous["files"]}
    candidates += sorted(recorded)
    names = []
    if formats.academicpages:
        names += [formats.academicpages / f"{entry.key}.md" for entry in config.papers]
    if formats.hugo:
        names += [formats.hugo / entry.key / name for entry in config.papers for name in ("index.md", "cite.bib")]
    candidates += [p for p in names if _norm(p) not in recorded and not p.exists()]
    out, seen = [], set()
    for path in candidates:
        if _norm(path) not in seen:
            seen.add(_norm(path))
            out.append(path)
    return out
