"""The only code that writes files: atomic replacement, and the marker splice of the homepage.

Every write goes to a temporary file in the target's folder, is flushed to disk, and is renamed
over the target, so a reader (or a crash) sees the old file or the new one, never a part. A file
whose bytes would not change is not written at all, so its mtime stays and a scheduled job has
nothing to commit.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

__all__ = ["MarkerError", "WriteError", "write_atomic", "write_all", "splice", "find_markers", "remove_stale_temps",
           "remove_files", "RunLock", "BusyError"]

log = logging.getLogger(__name__)
# A temporary file of write_all: "." + the file's name + "." + mkstemp's random part + ".tmp"
_TEMP = re.compile(r"^\.(.+)\.[^.]+\.tmp$", re.S)


class MarkerError(Exception):
    """The homepage's markers are missing, repeated or out of order; the message names file and line."""


class WriteError(Exception):
    """A file could not be written; the message names it. Files not yet replaced are untouched."""


def _new_file_mode() -> int:
    # mkstemp creates 0600 files; a new output file gets the usual 0666 less the umask.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _stage(path: Path, data: bytes, *, fsync: bool = True, made: set[Path] | None = None) -> tuple[Path, str] | None:
    """Write ``data`` to a temporary file beside ``path`` (a symlink's target); None when unchanged.
    ``fsync``: flush it to disk now (else the caller syncs once for many files); ``made``: folders
    known to exist already."""
    path = Path(os.path.realpath(path))  # replace what a symlink points at, keep the link
    try:
        if path.read_bytes() == data:
            return None
        mode = path.stat().st_mode & 0o777
        if not os.access(path, os.W_OK):
            raise WriteError(f"cannot write {path}: not writable")
    except FileNotFoundError:
        mode = _new_file_mode()
    except IsADirectoryError:
        raise WriteError(f"cannot write {path}: it is a folder") from None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if made is None or path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            if made is not None:
                made.add(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path, tmp


def remove_stale_temps(paths: list[Path]) -> list[Path]:
    """Remove the temporary files an earlier, killed run left beside ``paths`` (``.<name>.*.tmp``,
    as :func:`write_all` names them). Call while holding the :class:`RunLock`; returns what was removed.
    Each folder is listed once, however many of ``paths`` it holds."""
    names: dict[Path, set[str]] = {}
    for path in paths:
        target = Path(os.path.realpath(path))
        names.setdefault(target.parent, set()).add(target.name)
    removed = []
    for folder, wanted in names.items():
        try:
            entries = [e for e in os.scandir(folder) if e.name.startswith(".") and e.name.endswith(".tmp")]
        except OSError:  # no such folder (yet), or not one
            continue
        for entry in entries:
            match = _TEMP.match(entry.name)
            if match and match.group(1) in wanted:
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except OSError:
                    continue
    return removed


def remove_files(paths: list[Path]) -> list[Path]:
    """Delete ``paths`` (files the tool wrote and no longer writes), then each folder of theirs left
    empty (a Hugo bundle); returns what was deleted. A file that cannot be deleted is left (logged)."""
    removed = []
    for path in paths:
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc.strerror or exc)
            continue
        try:
            path.parent.rmdir()  # only when empty
        except OSError:
            pass
    return removed


class BusyError(Exception):
    """Another run holds the lock on the same output folder; the message says which and what to do."""


class RunLock:
    """An exclusive lock on an output folder for the length of a run, so that two runs never write
    the same files at once. The lock is an ``flock`` on a file in the user's cache folder (not in the
    output folder, which a scheduled job commits): the kernel releases it when the holder exits, even
    when it is killed, so no stale lock can block later runs.

    Args:
        path: the lock file. wait_s: seconds to wait for another run to finish before giving up.
    """

    def __init__(self, path: Path, *, wait_s: float = 30.0):
        self.path = Path(path)
        self.wait_s = wait_s
        self._handle = None

    def __enter__(self) -> "RunLock":
        try:
            import fcntl
        except ImportError:  # no flock (Windows): runs are not serialised
            return self
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    handle.close()
                    raise BusyError(f"another run is writing the same output folder ({holder}); waited "
                                    f"{self.wait_s:g} s. Try again when it has finished") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the flock
            self._handle = None


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


#: Above this many files, write_all syncs once (``os.sync``) instead of once per file.
_ONE_SYNC = 32


def write_all(files: list[tuple[Path, bytes]]) -> list[Path]:
    """Write several files so that a failure leaves them all as they were, as far as a file system allows.

    Every changed file is first written to a temporary file beside it and flushed to disk (each with
    fsync; above :data:`_ONE_SYNC` files, one ``os.sync`` for all: a collection of thousands of pages);
    only when all of them are ready are they renamed into place, in the given order (put the file
    most likely to refuse, such as the user's homepage, first). Returns the paths that changed.

    Raises WriteError naming the file when one cannot be written; then no file has been replaced
    (or, if a rename itself fails, only those before it).
    """
    staged: list[tuple[Path, str]] = []
    many = len(files) > _ONE_SYNC
    made: set[Path] = set()
    try:
        for path, data in files:
            ready = _stage(Path(path), data, fsync=not many, made=made)
            if ready:
                staged.append(ready)
        if many and staged:
            os.sync()  # the temporary files' data, before any rename
    except BaseException:
        for _, tmp in staged:
            _discard(tmp)
        raise
    done: list[Path] = []
    for n, (path, tmp) in enumerate(staged):
        try:
            os.replace(tmp, path)
        except OSError as exc:
            for _, rest in staged[n:]:
                _discard(rest)
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}"
                             + (f" ({', '.join(map(str, done))} already replaced)" if done else "")) from None
        done.append(path)
    return done


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically; return False (and touch nothing) when unchanged.

    The file keeps its permission bits when it existed; a symlink keeps pointing at the new file.
    Raises WriteError naming the file when it cannot be written.
    """
    return bool(write_all([(Path(path), data)]))


def _front_matter_end(lines: list[str]) -> int:
    """The line number of the ``---`` that closes a Jekyll front matter opened on line 1, or 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    return next((n for n, line in enumerate(lines[1:], 2) if line.strip() in ("---", "...")), 0)


def find_markers(text: str, start: str, end: str, *, name: str) -> tuple[int, int]:
    """Character offsets (end of the start-marker line, start of the end-marker line).

    A marker counts when it stands alone on its line (surrounding spaces allowed), outside fenced
    code blocks. Raises MarkerError naming ``name`` and the line when either marker is missing,
    repeated or inside the front matter, or the end marker comes first.
    """
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + [lines[-1]]  # only \n ends a line, as editors count
    found: dict[str, list[tuple[int, int]]] = {start: [], end: []}
    front_end = _front_matter_end(lines)
    offset = 0
    fence = ""
    shown: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        bare = line.strip()
        opener = re.match(r"(`{3,}|~{3,})", bare)
        if fence:  # a marker shown in a fenced code block is an example, not the section's place
            if bare in found:
                shown.setdefault(bare, number)
            if opener and bare.startswith(fence) and not bare.strip(fence[0]):
                fence = ""
        elif opener and number > front_end:
            fence = opener.group(1)
        elif bare in found:
            if number <= front_end:
                raise MarkerError(f"{name}:{number}: marker {bare!r} is inside the front matter (lines 1-{front_end}); "
                                  "move both markers into the page body, around the Publications section")
            found[bare].append((number, offset))
        offset += len(line)
    for marker in (start, end):
        places = found[marker]
        if not places and marker in shown:
            raise MarkerError(f"{name}:{shown[marker]}: marker {marker!r} is inside a fenced code block, where it is "
                              "shown, not used; put it on its own line outside the block")
        if not places and any(marker in line for line in lines):
            number = next(n for n, line in enumerate(lines, 1) if marker in line)
            raise MarkerError(f"{name}:{number}: marker {marker!r} must stand alone on its line")
        if not places:
            raise MarkerError(f"{name}: marker {marker!r} not found; put {start!r} and {end!r} on their own lines "
                              "around the Publications section")
        if len(places) > 1:
            raise MarkerError(f"{name}:{places[1][0]}: marker {marker!r} appears again (first on line "
                              f"{places[0][0]}); keep exactly one")
    (start_line, start_at), (end_line, end_at) = found[start][0], found[end][0]
    if end_at < start_at:
        raise MarkerError(f"{name}:{end_line}: end marker {end!r} comes before the start marker on line {start_line}")
    start_len = len(lines[start_line - 1])
    return start_at + start_len, end_at


def splice(text: str, section: str, start: str, end: str, *, name: str) -> str:
    """``text`` with everything between the marker lines replaced by ``section``.

    The marker lines and every byte outside them are kept; a blank line separates the section
    from each marker; the file's line ending (``\\r\\n`` or ``\\n``) is used for the new text.
    Raises MarkerError as :func:`find_markers` does.
    """
    inner_start, inner_end = find_markers(text, start, end, name=name)
    newline = "\r\n" if "\r\n" in text else "\n"
    before = text[:inner_start]
    if not before.endswith(("\n", "\r")):
        before += newline
    body = newline + section.rstrip("\n").replace("\n", newline) + newline + newline
    return before + body + text[inner_end:]
