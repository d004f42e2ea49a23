"""Command line: ``python -m pipeline run``.

Heavy modules (pandas, the API clients) are imported inside commands, so ``--help`` stays fast.
Our errors become one line on stderr and a documented exit code; a bug keeps its traceback.

Exit codes: 0 success; 4 success, but stored records stood in for a source that failed (or a
paper kept its previous entry); 3 config or homepage error (nothing written); 2 bad command
line; 1 failure (a file could not be written, the stored harvest is unreadable).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]

EXIT_FAILURE = 1
EXIT_CONFIG = 3


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
               "3 config error; 2 bad command line; 1 failure.")
    _add_log_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, help="what to do")
    run = commands.add_parser("run", help="fetch, merge and emit the publication list",
                              description="Fetch every paper in config.toml, merge the sources, and write "
                                          "output/publications.{md,csv,json}, output/harvest.json and the "
                                          "homepage section between its markers.")
    _add_log_options(run, defaults=False)
    run.add_argument("--config", default="config.toml", metavar="PATH", help="config file (default: config.toml)")
    run.add_argument("--offline", action="store_true",
                     help="send no request; build the section from the stored harvest (harvest.json in the "
                          "output folder)")
    run.add_argument("--refresh", action="store_true",
                     help="ask every source for every paper, even those answered within [run] max_age_h")
    run.add_argument("--dry-run", action="store_true",
                     help="fetch and merge, print the change report and a diff of the section, write nothing")
    run.add_argument("--summary-md", metavar="PATH",
                     help="append the run summary as Markdown to PATH (e.g. $GITHUB_STEP_SUMMARY)")
    run.add_argument("--commit-message", metavar="PATH",
                     help="write a commit message listing added, removed and changed entries to PATH")
    paths = commands.add_parser("paths", help="print the files a run writes, one per line (for git add)",
                                description="Print the output folder and the homepage file of a config, one "
                                            "per line, so a script can stage exactly what a run changes.")
    _add_log_options(paths, defaults=False)
    paths.add_argument("--config", default="config.toml", metavar="PATH", help="config file (default: config.toml)")
    return parser


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.INFO if verbose == 1 else
                                           logging.DEBUG if verbose > 1 else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # The S2 client logs request headers (the API key) at DEBUG; never let it.
    for name in ("semanticscholar", "httpcore", "urllib3"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))


def _run(args: argparse.Namespace) -> int:
    from . import config as config_module
    from . import store, writer
    from .run import run

    try:
        config = config_module.load(args.config)
    except config_module.ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        report = run(config, offline=args.offline, refresh=args.refresh, dry_run=args.dry_run)
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
            writer.write_atomic(Path(args.commit_message), report.commit_message().encode("utf-8"))
    except (OSError, writer.WriteError) as exc:
        print(f"error: cannot write the summary or commit message: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return report.exit_code()


def _paths(args: argparse.Namespace) -> int:
    from . import config as config_module

    try:
        config = config_module.load(args.config)
    except config_module.ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(config.output.dir)
    if config.output.homepage:
        print(config.output.homepage)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    if args.command == "run":
        return _run(args)
    if args.command == "paths":
        return _paths(args)
    raise AssertionError(f"unhandled command {args.command}")
