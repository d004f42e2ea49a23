"""Command line: ``python -m pipeline run``.

Heavy modules (pandas, the API clients) are imported inside commands, so ``--help`` stays fast.
Our errors become one line on stderr and a documented exit code; a bug keeps its traceback.

Exit codes: 0 success; 4 success, but stored records stood in for a source that failed (or a
paper kept its previous entry); 5 another run on the same output folder did not finish within
30 s (nothing written); 3 config or homepage error (nothing written); 2 bad command line; 1
failure (a file could not be written, the stored harvest is unreadable).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]

EXIT_FAILURE = 1
EXIT_CONFIG = 3
EXIT_BUSY = 5


def _add_log_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    # Accepted before or after the command; the subcommand's copy must not reset the main one's value.
    default = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument("-v", "--verbose", action="count", help="more log output (-vv for debug)",
                        **({"default": 0} if defaults else default))
    parser.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors (stderr)",
                        **({"default": False} if defaults else default))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every command and option has help text."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Harvest paper metadata from arXiv, OpenReview and Semantic Scholar into an academicpages "
                    "Publications section and a CSV.",
        epilog="Exit codes: 0 success; 4 success with stored (stale) records standing in for a failed source; "
               "5 another run holds the output folder; 3 config error; 2 bad command line; 1 failure.")
    _add_log_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, help="what to do")
    run = commands.add_parser("run", help="fetch, merge and emit the publication list",
                              description="Fetch every paper in config.toml, merge the sources, and write "
                                          "output/publications.{md,csv,json}, output/harvest.json and the "
                                          "homepage section between its markers.")
    _add_log_options(run, defaults=False)
    run.add_argument("--config", default="config.toml", metavar="PATH", help="config file (default: config.toml)")
    fetch_mode = run.add_mutually_exclusive_group()
    fetch_mode.add_argument("--offline", action="store_true",
                     help="send no request; build the section from the stored harvest (harvest.json in the "
                          "output folder)")
    fetch_mode.add_argument("--refresh", action="store_true",
                     help="ask every source for every paper, even those answered within [run] max_age_h")
    run.add_argument("--dry-run", action="store_true",
                     help="fetch and merge, print the change report and a diff of the section, write nothing")
    run.add_argument("--summary-md", metavar="PATH",
                     help="append the run summary as Markdown to PATH (e.g. $GITHUB_STEP_SUMMARY)")
    run.add_argument("--commit-message", metavar="PATH",
                     help="write a commit message listing added, removed and changed entries to PATH")
    run.add_argument("--commit-message-base", metavar="FILE",
                     help="with --commit-message: list the changes against this publications.json (the one the "
                          "repository holds; a missing or empty FILE: none), not against the last run's")
    init = commands.add_parser(
        "init", help="write config.toml from an existing Publications section or _publications/ folder",
        description="Read the publication list you already have (an academicpages page, or its _publications/ "
                    "collection) and write a config.toml with every ID its links give.")
    _add_log_options(init, defaults=False)
    init.add_argument("--from-homepage", required=True, metavar="PATH",
                      help="the page (e.g. _pages/about.md) or the _publications folder to read")
    init.add_argument("--config", default="config.toml", metavar="PATH", help="config file to write (default: config.toml)")
    init.add_argument("--owner", metavar="NAME", help="your name as authors lists write it (default: the bold author)")
    init.add_argument("--write-markers", action="store_true",
                      help="also put the two marker lines around the section in the page (atomically)")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    init.add_argument("--offline", action="store_true",
                      help="do not ask the sources; write the IDs and the page's manual entries only")
    init.add_argument("--prefer", choices=("page", "sources"), default="page",
                      help="where page and sources word the same thing differently: keep the page's words "
                           "(default) or take the sources'")
    init.add_argument("--sources-from", metavar="FILE",
                      help="take the [sources.*] tables of FILE (where each API is, politeness), as run would")
    discover = commands.add_parser(
        "discover", help="list the papers of yours that config.toml does not list yet (from your S2 author ID, "
                         "OpenReview profile and arXiv name)",
        description="Ask Semantic Scholar (owner.s2_author_id), OpenReview (owner.openreview_id) and arXiv (your "
                    "name, counted only with a co-author of your listed papers) for your papers, and list those "
                    "config.toml does not list by any of their IDs or their title.")
    _add_log_options(discover, defaults=False)
    discover.add_argument("--config", default="config.toml", metavar="PATH", help="config file (default: config.toml)")
    discover.add_argument("--add", action="store_true",
                          help="append a [[paper]] table for each to the config file (comments and layout kept)")
    discover.add_argument("--refresh", action="store_true", help="ask again even when the last answer is fresh")
    discover.add_argument("--offline", action="store_true", help="use the stored answers (output/discovered.json)")
    paths = commands.add_parser("paths", help="print the files a run writes, one per line (for git add)",
                                description="Print every file a run writes (the output files and the homepage), "
                                            "one per line, so a script can stage exactly what a run changes.")
    _add_log_options(paths, defaults=False)
    paths.add_argument("--config", default="config.toml", metavar="PATH", help="config file (default: config.toml)")
    paths.add_argument("--inside", metavar="DIR",
                       help="refuse (exit 3, naming the config line) when a file a run writes is outside DIR, "
                            "e.g. the repository the scheduled job commits to")
    return parser


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.INFO if verbose == 1 else
                                           logging.DEBUG if verbose > 1 else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # The S2 client logs request headers (the API key) at DEBUG, and each batch's not-found IDs in one
    # 10 KB warning (the summary lists them); never let it below ERROR.
    logging.getLogger("semanticscholar").setLevel(logging.ERROR)
    for name in ("httpcore", "urllib3"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def _load_config(path: str):
    """The checked config, or None after printing the config error."""
    from . import config as config_module
    from .memory import no_cyclic_gc

    try:
        with no_cyclic_gc():  # a config of 20,000 papers: see pipeline.memory
            return config_module.load(path)
    except config_module.ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    from . import config as config_module
    from . import store, writer
    from .run import run

    config = _load_config(args.config)
    if config is None:
        return EXIT_CONFIG
    protected = [Path(args.config), *([config.output.homepage] if config.output.homepage else [])]
    for option, value in (("--summary-md", args.summary_md), ("--commit-message", args.commit_message)):
        if not value:
            continue
        target = Path(value).resolve()
        if any(target == p.resolve() for p in protected) or config.output.dir.resolve() in target.parents:
            print(f"error: {option} {value} would overwrite the config, the homepage or an output file; "
                  "give a scratch path", file=sys.stderr)
            return 2
    try:
        report = run(config, offline=args.offline, refresh=args.refresh, dry_run=args.dry_run, started=_STARTED[0])
    except writer.BusyError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_BUSY
    except (writer.MarkerError, config_module.ConfigError) as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_CONFIG
    except store.StoreError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    except writer.WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(report.render())
    if args.dry_run:
        print(report.diff or "The section would not change.")
    try:
        if args.summary_md:
            with open(args.summary_md, "a", encoding="utf-8") as handle:
                handle.write(report.render_markdown())
        if args.commit_message and not args.dry_run:
            if args.commit_message_base is not None:
                report.committed_changes = _changes_since(Path(args.commit_message_base), config)
            writer.write_atomic(Path(args.commit_message), report.commit_message().encode("utf-8"))
    except (OSError, writer.WriteError) as exc:
        print(f"error: cannot write the summary or commit message: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return report.exit_code()


def _changes_since(base: Path, config) -> list:
    """The entries added, removed or changed between ``base`` (a publications.json; missing or empty:
    no papers) and the one this run left in the output folder."""
    import json

    from .run import PreviousPapers, section_changes

    try:
        old = base.read_bytes()
    except FileNotFoundError:
        old = b""
    now = config.output.dir / "publications.json"
    papers = json.loads(now.read_text(encoding="utf-8"))["papers"]
    return section_changes(PreviousPapers(old or None, [], base), papers)


def _init(args: argparse.Namespace) -> int:
    import os

    from . import init, writer
    from .config import OutputConfig

    source = Path(args.from_homepage)
    target = Path(args.config)
    if target.exists() and not args.force:
        print(f"error: {target} exists; pass --force to overwrite it, or --config to write elsewhere", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if source.is_dir():
            result = init.from_collection(source, owner=args.owner)
            page_text = None
        else:
            with open(source, encoding="utf-8", newline="") as handle:
                page_text = handle.read()
            result = init.from_homepage(page_text, name=str(source))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {source}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not result.papers:
        print(f"error: {source}: no publication entries found (numbered lists under headings, or _publications/*.md)",
              file=sys.stderr)
        return EXIT_CONFIG
    owner = args.owner or result.owner
    if args.owner and result.owner and args.owner != result.owner:
        result.unmapped.append(f"--owner {args.owner!r} differs from the bold author on the page ({result.owner!r}); "
                               "add the page's spelling to owner.variants if both are you")
    if not owner:
        print("error: no bold author found to take as the owner; pass --owner \"Your Name\"", file=sys.stderr)
        return EXIT_CONFIG
    if not target.resolve().parent.is_dir():
        print(f"error: {target.parent} is not a folder; create it first or choose another --config path",
              file=sys.stderr)
        return EXIT_CONFIG
    homepage = None if page_text is None else os.path.relpath(source.resolve(), target.resolve().parent)
    if homepage and not args.write_markers and OutputConfig(dir=Path(".")).start_marker not in page_text:
        result.unmapped.append(f"{source} has no markers, so the config names no homepage and runs only write "
                               f"output/; run init again with --write-markers (or add the markers) and set "
                               f"homepage = {homepage!r} under [output] to let runs update the page")
        homepage = None
    from . import reconcile
    from .config import ConfigError, load_sources

    sources = None
    if args.sources_from:
        try:
            sources = load_sources(args.sources_from)
        except ConfigError as exc:
            print(f"error: --sources-from: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    try:
        comparison = reconcile.compare_with_sources(result, owner=owner, path=target, sources=sources,
                                                    prefer=args.prefer, offline=args.offline)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    files = [(target, init.render_config(result, owner=owner, homepage=homepage,
                                         identities=comparison.identities).encode("utf-8"))]
    if args.write_markers and page_text is not None:
        markers = OutputConfig(dir=Path("."))
        if markers.start_marker in page_text:
            print(f"{source}: markers already present; left as they are")
        else:
            try:
                marked = init.insert_markers(page_text, markers.start_marker, markers.end_marker)
            except ValueError as exc:
                print(f"error: {source}: {exc}", file=sys.stderr)
                return EXIT_CONFIG
            files.insert(0, (source, marked.encode("utf-8")))
    try:
        writer.write_all(files)
    except writer.WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for note in [*result.unmapped, *comparison.identity_notes]:
        print(f"note: {note}")
    for line in _init_account(result, comparison, target, owner):
        print(line)
    return 0


def _init_account(result, comparison, target: Path, owner: str) -> list[str]:
    """init's closing account: entries read, IDs found, fields kept as written, news."""
    from collections import Counter

    kinds = Counter(kind for p in result.papers for kind in ("arxiv", "openreview", "doi", "pii") if kind in p)
    with_ids = sum(1 for p in result.papers if any(k in p for k in ("arxiv", "openreview", "doi")))
    labels = sum(1 for p in result.papers if p.get("labels"))
    ids = ", ".join(f"{n} {name}" for name, n in (("arXiv", kinds["arxiv"]), ("OpenReview", kinds["openreview"]),
                                                  ("DOI", kinds["doi"]), ("PII", kinds["pii"])) if n)
    lines = [f"wrote {target}: {len(result.papers)} papers ({with_ids} with IDs, {len(result.papers) - with_ids} manual), "
             f"owner {owner}",
             f"read {len(result.papers)} entries; IDs found: {ids or 'none'}"
             + (f"; link labels kept as written on {labels} entries" if labels else "")]
    if comparison.offline:
        lines.append(f"not compared with the sources: {comparison.offline}")
        return lines
    kept = Counter(item.split(": ", 1)[1].split(" (")[0] for item in comparison.kept)
    lines.extend(f"  found: {item}" for item in comparison.found)
    lines.append(f"compared with the sources: {comparison.compared} entries; kept as you wrote them: "
                 + (", ".join(f"{field} {n}" for field, n in sorted(kept.items())) or "nothing needed"))
    lines.extend(f"  kept: {item}" for item in comparison.kept)
    for failure in comparison.failed:
        lines.append(f"a source failed, so what it alone knows was not compared: {failure}")
    if comparison.unknown:
        what = "no source answered for" if comparison.failed else "no source knows"
        lines.append(f"{what} {len(comparison.unknown)} entries yet; the page's text stands in until one "
                     f"does: {', '.join(comparison.unknown)}")
    lines.append(f"news the first run will show: {len(comparison.news) or 'none'}")
    lines.extend(f"  {item}" for item in comparison.news)
    return lines


def _paths(args: argparse.Namespace) -> int:
    from .run import output_paths

    from . import config as config_module

    config = _load_config(args.config)
    if config is None:
        return EXIT_CONFIG
    if args.inside:
        try:
            config_module.require_inside(config, args.inside)
        except config_module.ConfigError as exc:
            print(f"config error: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    try:
        for path in output_paths(config):
            print(path)
        sys.stdout.flush()
    except BrokenPipeError:  # `paths | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")
    return 0


def _discover(args: argparse.Namespace) -> int:
    from . import discover, store, writer

    config = _load_config(args.config)
    if config is None:
        return EXIT_CONFIG
    if not discover.query_keys(config):
        print("config error: discover needs s2_author_id or openreview_id under [owner] (README, 'Keeping the list "
              "complete'); init proposes them from your page's papers", file=sys.stderr)
        return EXIT_CONFIG
    try:  # one command at a time per output folder, as run: never two appending the same papers
        with writer.RunLock(store.lock_path(config.output.dir)):
            return _discover_locked(args, config)
    except writer.BusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY


def _discover_locked(args: argparse.Namespace, config) -> int:
    import time

    from . import discover, store, writer

    try:
        stored = discover.listed_records(config, store.load(config.output.dir / "harvest.json"))
        answers = discover.ask(config, refresh=args.refresh, offline=args.offline,
                               deadline=(_STARTED[0] or time.monotonic()) + config.deadline_s)
    except (store.StoreError, discover.DiscoveredError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    found = discover.new_papers(config, stored, answers)
    try:
        for line in discover.summary_lines(answers, found, config):
            print(line)
        files = [(config.output.dir / discover.DISCOVERED_FILE, discover.dump(answers))]
        if args.add and found:
            try:
                files.insert(0, (Path(args.config), discover.add_to_config(Path(args.config), found).encode("utf-8")))
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_CONFIG
        try:
            writer.write_all(files)
        except writer.WriteError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        if args.add and found:
            print(f"added {len(found)} [[paper]] table{'s' if len(found) != 1 else ''} to {args.config}; the next "
                  "run lists them")
        sys.stdout.flush()
    except BrokenPipeError:  # `discover | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")
    return 4 if answers.errors else 0


_STARTED: list[float | None] = [None]


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    import time

    _STARTED[0] = time.monotonic()  # the run's deadline covers everything after start-up
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    if args.command == "run":
        return _run(args)
    if args.command == "paths":
        return _paths(args)
    if args.command == "init":
        return _init(args)
    if args.command == "discover":
        return _discover(args)
    raise AssertionError(f"unhandled command {args.command}")
