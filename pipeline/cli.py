"""Command line: ``python -m pipeline run``.

Heavy modules (pandas, the API clients) are imported inside commands, so ``--help`` stays fast.
Our errors become one line on stderr and a documented exit code; a bug keeps its traceback.

Exit codes: 0 success; 4 success, but stored records stood in for a source that failed;
3 config error (nothing written); 2 bad command line; 1 failure (nothing written).
"""

from __future__ import annotations

import argparse
import logging
import sys

__all__ = ["main", "build_parser"]

EXIT_FAILURE = 1
EXIT_CONFIG = 3


def _add_log_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    # Accepted before or after the command; the subcommand's copy must not reset the main one's value.
    default = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument("-v", "--verbose", action="count", help="more log output (-vv for debug)",
                        **({"default": 0} if defaults else default))
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr",
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
                     help="send no request; build the section from the stored harvest (output/harvest.json)")
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
        report = run(config, offline=args.offline)
    except writer.MarkerError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_CONFIG
    except store.StoreError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(report.render())
    return report.exit_code()


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    if args.command == "run":
        return _run(args)
    raise AssertionError(f"unhandled command {args.command}")
