"""Loopback HTTP server that replays recorded API answers to the real clients, or records them.

One server stands in for all three APIs, each under its own path prefix:

==========  =================================  ==========================================
prefix      stands in for                      point the client at
==========  =================================  ==========================================
/arxiv      https://export.arxiv.org           ``query_url = <base>/arxiv/api/query``
/s2         https://api.semanticscholar.org    ``api_url = <base>/s2``
/or2        https://api2.openreview.net        ``api2_url = <base>/or2``
/or1        https://api.openreview.net         ``api1_url = <base>/or1``
==========  =================================  ==========================================

A fixture folder holds ``manifest.json`` (``{"interactions": [...]}``, each with method, path,
query, json body, status, headers, file) and the body files it names. A request matches an
interaction on method, path, query (order-free) and JSON body. A request that matches nothing
gets HTTP 501 with a message naming what is missing, and is kept in ``unmatched`` so that a
test fails loudly.

``faults`` lets a test make a route misbehave (status, delay, dropped connection, truncated or
malformed body) without a recording; see :class:`Fault`.

Record mode (on a machine with internet)::

    python -m tests.replay record --config config.toml --out tests/fixtures/seed-live

forwards every request to the real API, saves each answer in the same layout, and runs the
pipeline through it, so a recording is made by the very requests the pipeline sends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

UPSTREAMS = {
    "arxiv": "https://export.arxiv.org",
    "s2": "https://api.semanticscholar.org",
    "or2": "https://api2.openreview.net",
    "or1": "https://api.openreview.net",
    "crossref": "https://api.crossref.org",
}


@dataclass
class Fault:
    """How a route misbehaves, for fault-injection tests.

    Args:
        status: answer with this HTTP status (and ``body``) instead of the recording.
        body: bytes to send with ``status``.
        headers: extra headers (e.g. ``{"Retry-After": "1"}``).
        delay_s: sleep this long before answering (a timeout when longer than the client's).
        drop: close the connection without answering.
        truncate: send only the first half of the recorded body (Content-Length of the whole).
        times: how many requests the fault applies to (None: all).
    """

    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False
    truncate: bool = False
    times: int | None = None


GATE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openreview_gate"


@dataclass
class Gate:
    """OpenReview's 2026 login gate, played on ``/or1`` and ``/or2`` (see fixtures/openreview_gate).

    A request without a valid ``Authorization: Bearer`` token gets 403 ``ChallengeRequiredError``;
    ``POST /login`` answers a fresh token for a known account, 400 "Invalid username or password"
    otherwise, and ``mfaPending`` for an account in ``mfa``.

    Args:
        accounts: username -> password.
        mfa: usernames whose login answers ``mfaPending``.
        token_uses: requests a token is good for before it is refused like an absent one (None: no limit).
        tokens: extra valid tokens (e.g. one handed to the client as ``OPENREVIEW_TOKEN``).

    Attributes:
        logins: the prefix (``or1``/``or2``) of every login request, in order.
    """

    accounts: dict[str, str] = field(default_factory=dict)
    mfa: set[str] = field(default_factory=set)
    token_uses: int | None = None
    tokens: dict[str, int | None] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    def answer(self, method: str, path: str, headers: dict[str, str], body: object) -> tuple[int, bytes] | None:
        """(status, body) for a gated request, or None to let it through to the recordings."""
        prefix = path.lstrip("/").split("/", 1)[0]
        if prefix not in ("or1", "or2"):
            return None
        if method == "POST" and path == f"/{prefix}/login":
            self.logins.append(prefix)
            user = body.get("id") if isinstance(body, dict) else None
            password = body.get("password") if isinstance(body, dict) else None
            if user in self.mfa and self.accounts.get(user) == password:
                return 200, (GATE_FIXTURES / "login_mfa_pending_200.json").read_bytes()
            if not user or self.accounts.get(user) != password:
                return 400, (GATE_FIXTURES / "login_invalid_400.json").read_bytes()
            token = f"tok-{prefix}-{len(self.logins)}"
            self.tokens[token] = self.token_uses
            return 200, (GATE_FIXTURES / "login_ok_200.json").read_bytes().replace(b"TOKEN-PLACEHOLDER", token.encode())
        auth = headers.get("authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        uses = self.tokens.get(token, 0) if token else 0
        if token in self.tokens and (uses is None or uses > 0):
            if uses is not None:
                self.tokens[token] = uses - 1
            return None
        return 403, (GATE_FIXTURES / "challenge_403.json").read_bytes()


def _query(raw: str) -> dict[str, list[str]]:
    """A query string as a comparable value: keys sorted, and the parts of a Crossref ``filter``
    (``doi:A,doi:B``, OR-ed, so their order does not matter) sorted too."""
    parsed = {k: sorted(v) for k, v in sorted(parse_qs(raw, keep_blank_values=True).items())}
    if "filter" in parsed:
        parsed["filter"] = sorted(",".join(sorted(v.split(","))) for v in parsed["filter"])
    return parsed


class OneWriteHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler that sends each answer (status line, headers, body) in one write with
    ``TCP_NODELAY``: split writes of a small answer on a kept-alive connection stall about 40 ms
    (Nagle's algorithm against the client's delayed ACK)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 20  # buffered: the handler's writes go out together when the request ends

    def log_message(self, *args) -> None:  # quiet
        pass


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) run in a thread; use as a context manager.

    Subclasses give ``_handler()``, which returns the request handler class. The serving loop
    checks for shutdown every 10 ms, so leaving the context takes no longer than that.
    """

    POLL_S = 0.01

    def _start_server(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": self.POLL_S},
                                        daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ReplayServer(LoopbackServer):
    """A threaded loopback server; use as a context manager.

    Args:
        fixtures: folders each holding a ``manifest.json`` (later folders win on equal requests).
        record_to: when set, forward every request upstream and save the answers here instead.
        upstreams: prefix -> real base URL, for record mode.
    """

    def __init__(self, fixtures: list[Path] = (), *, record_to: Path | None = None,
                 upstreams: dict[str, str] | None = None):
        self.interactions: list[dict] = []
        for folder in fixtures:
            manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
            for item in manifest["interactions"]:
                self.interactions.append({**item, "_dir": Path(folder)})
        self.record_to = Path(record_to) if record_to else None
        self.upstreams = upstreams or UPSTREAMS
        self.recorded: list[dict] = []
        self.log: list[dict] = []
        self.unmatched: list[str] = []
        self.used: set[int] = set()
        self.faults: dict[str, Fault] = {}
        self.gate: Gate | None = None
        self._start_server()

    def sources_config(self, **overrides: dict) -> dict[str, dict]:
        """``[sources.*]`` tables pointing every client here, with no politeness delays and short backoff."""
        base = self.base_url
        tables = {
            "arxiv": {"query_url": f"{base}/arxiv/api/query", "delay_s": 0.0, "timeout_s": 5.0, "backoff_s": 0.05},
            "s2": {"api_url": f"{base}/s2", "delay_s": 0.0, "timeout_s": 5.0, "backoff_s": 0.05},
            "openreview": {"api2_url": f"{base}/or2", "api1_url": f"{base}/or1", "delay_s": 0.0,
                           "timeout_s": 5.0, "backoff_s": 0.05},
            "crossref": {"api_url": f"{base}/crossref", "delay_s": 0.0, "timeout_s": 5.0, "backoff_s": 0.05},
        }
        for name, values in overrides.items():
            tables[name].update(values)
        return tables

    def add_answer(self, method: str, path: str, query_string: str, *, body: bytes, status: int = 200,
                   json_body: object = None, headers: dict[str, str] | None = None) -> None:
        """Answer one more request with ``body`` (for tests that need an answer no recording has)."""
        with self._lock:
            self.interactions.append({"method": method, "path": path, "query_string": query_string,
                                      "json": json_body, "status": status, "_body": body,
                                      "headers": headers or {"Content-Type": "application/json"},
                                      "file": f"<inline {method} {path}?{query_string}>"})

    def requests_to(self, prefix: str) -> int:
        """How many requests reached ``/prefix`` (``arxiv``, ``s2``, ``or2``, ``or1``)."""
        return sum(1 for r in self.log if r["path"].startswith(f"/{prefix}/"))

    def unused(self) -> list[str]:
        """Files of interactions no request has used."""
        return [i["file"] for n, i in enumerate(self.interactions) if n not in self.used]

    # -- matching -----------------------------------------------------------------------------
    def _match(self, method: str, path: str, query: dict, body: object) -> int | None:
        found = None
        for n, item in enumerate(self.interactions):
            if (item["method"] == method and item["path"] == path and _query(item.get("query_string", "")) == query
                    and item.get("json") == body):
                found = n
        return found

    def _permuted_batch(self, method: str, path: str, query: dict, body: object) -> bytes | None:
        """The answer to an S2 ``POST /paper/batch`` whose IDs are among a recorded batch's, in any
        order: the recorded papers (or nulls) of the IDs asked, in the order asked (S2 answers each ID
        on its own, in request order), as the real API would."""
        if method != "POST" or not path.endswith("/paper/batch") or not isinstance(body, dict):
            return None
        ids = body.get("ids")
        for n, item in enumerate(self.interactions):
            recorded = (item.get("json") or {}).get("ids") if isinstance(item.get("json"), dict) else None
            if (item["method"] == method and item["path"] == path and recorded and isinstance(ids, list)
                    and set(ids) <= set(recorded) and _query(item.get("query_string", "")) == query):
                self.used.add(n)
                data = item["_body"] if "_body" in item else (item["_dir"] / item["file"]).read_bytes()
                papers = dict(zip(recorded, json.loads(data)))
                return json.dumps([papers[i] for i in ids]).encode()
        return None

    def _filtered_works(self, method: str, path: str, query: dict) -> tuple[bytes, dict[str, str]] | None:
        """The answer to a Crossref ``GET /works?filter=doi:A,...`` (or ``alternative-id:``) that no
        interaction records exactly: the works of the manifest's work lists marked ``filter_index``
        that the filter names, in a work list shaped as those lists are, as Crossref would answer."""
        filters = (query.get("filter") or [""])[0].split(",")
        if method != "GET" or not path.endswith("/works") or not filters[0] or \
                not all(f.startswith(("doi:", "alternative-id:")) for f in filters):
            return None
        dois = {f[4:].lower() for f in filters if f.startswith("doi:")}
        piis = {f[len("alternative-id:"):].upper() for f in filters if f.startswith("alternative-id:")}
        envelope, headers, works = None, None, []
        for n, item in enumerate(self.interactions):
            if not item.get("filter_index") or item["path"] != path:
                continue
            data = json.loads(item["_body"] if "_body" in item else (item["_dir"] / item["file"]).read_bytes())
            message = data.get("message") or {}
            # a work list's items, or a recorded single work (GET /works/{doi}: message-type "work")
            candidates = message.get("items", []) if data.get("message-type") == "work-list" else [message]
            if data.get("message-type") == "work-list" and envelope is None:
                envelope, headers = data, item.get("headers")
            hits = [w for w in candidates if str(w.get("DOI", "")).lower() in dois
                    or piis & {str(a).upper() for a in w.get("alternative-id") or []}]
            if hits:
                self.used.add(n)
                works.extend(hits)
                headers = headers or item.get("headers")
        if envelope is None and not works:
            return None
        rows = int((query.get("rows") or ["20"])[0])
        envelope = envelope or {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                                "message": {"facets": {}, "items": [], "query": {"start-index": 0, "search-terms": None}}}
        answer = {**envelope, "message": {**envelope["message"], "total-results": len(works), "items": works[:rows],
                                          "items-per-page": rows}}
        return json.dumps(answer).encode(), headers or {"Content-Type": "application/json"}

    def _fault(self, path: str) -> Fault | None:
        for prefix, fault in self.faults.items():
            if path.startswith(prefix):
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None

    def _handler(self):
        server = self

        class Handler(OneWriteHandler):
            def _answer(self, status: int, body: bytes, headers: dict[str, str], *, length: int | None = None) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(size) if size else b""
                try:
                    body = json.loads(raw_body) if raw_body else None
                except ValueError:
                    body = raw_body.decode("latin-1")
                query = _query(parts.query)
                with server._lock:
                    server.log.append({"method": method, "path": parts.path, "query": query, "json": body,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}})
                    fault = server._fault(parts.path)
                if fault and fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault and fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault and fault.status is not None:
                    self._answer(fault.status, fault.body, {"Content-Type": "application/json", **fault.headers})
                    return
                if server.record_to is not None:
                    self._record(method, parts, raw_body, body)
                    return
                gated = server.gate.answer(method, parts.path, {k.lower(): v for k, v in self.headers.items()}, body) \
                    if server.gate else None
                if gated is not None:
                    self._answer(gated[0], gated[1], {"Content-Type": "application/json; charset=utf-8"})
                    return
                with server._lock:
                    n = server._match(method, parts.path, query, body)
                    if n is not None:
                        server.used.add(n)
                    permuted = None if n is not None else server._permuted_batch(method, parts.path, query, body)
                    indexed = None if n is not None or permuted is not None else \
                        server._filtered_works(method, parts.path, query)
                if permuted is not None:
                    self._answer(200, permuted, {"Content-Type": "application/json"})
                    return
                if indexed is not None:
                    if fault and fault.truncate:
                        self._answer(200, indexed[0][: len(indexed[0]) // 2], indexed[1], length=len(indexed[0]))
                        self.close_connection = True
                        return
                    self._answer(200, *indexed)
                    return
                if n is None:
                    message = (f"replay: no recorded answer for {method} {parts.path}?{parts.query}"
                               f"{' with body ' + json.dumps(body) if body is not None else ''}; record one "
                               "(python -m tests.replay record) or add it to a manifest.json")
                    with server._lock:
                        server.unmatched.append(message)
                    self._answer(501, json.dumps({"error": message}).encode(), {"Content-Type": "application/json"})
                    return
                item = server.interactions[n]
                data = item["_body"] if "_body" in item else (item["_dir"] / item["file"]).read_bytes()
                if fault and fault.truncate:
                    self._answer(item["status"], data[: len(data) // 2], item.get("headers", {}), length=len(data))
                    self.close_connection = True
                    return
                self._answer(item["status"], data, item.get("headers", {}))

            def _record(self, method: str, parts, raw_body: bytes, body: object) -> None:
                import requests

                prefix, _, rest = parts.path.lstrip("/").partition("/")
                upstream = server.upstreams[prefix] + "/" + rest + (f"?{parts.query}" if parts.query else "")
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("x-api-key", "authorization", "content-type", "user-agent")}
                response = requests.request(method, upstream, data=raw_body or None, headers=headers, timeout=60)
                if rest == "login":  # holds a session token: forwarded to the pipeline, never saved
                    self._answer(response.status_code, response.content,
                                 {k: v for k, v in response.headers.items() if k.lower() == "content-type"})
                    return
                digest = hashlib.sha1(f"{method} {parts.path}?{parts.query} {raw_body!r}".encode()).hexdigest()[:12]
                ext = "xml" if prefix == "arxiv" else "json"
                name = f"{prefix}/{rest.replace('/', '_')}_{digest}.{ext}"
                target = server.record_to / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(response.content)
                keep = {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "retry-after")}
                with server._lock:
                    server.recorded.append({"method": method, "path": parts.path, "query_string": parts.query,
                                            "json": body, "status": response.status_code, "headers": keep,
                                            "file": name, "upstream": upstream.split("?")[0],
                                            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                self._answer(response.status_code, response.content, keep)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        return Handler

    def save_recording(self) -> Path:
        """Write ``manifest.json`` for what record mode saved; returns its path."""
        path = self.record_to / "manifest.json"
        path.write_text(json.dumps({"interactions": self.recorded}, indent=1) + "\n", encoding="utf-8")
        return path


def _record_command(args: argparse.Namespace) -> int:
    import tomllib

    import tomli_w

    config_path = Path(args.config).resolve()
    data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    upstreams = dict(UPSTREAMS)
    for item in args.upstream or []:
        prefix, _, url = item.partition("=")
        upstreams[prefix] = url.rstrip("/")
    with ReplayServer(record_to=out, upstreams=upstreams) as server, tempfile.TemporaryDirectory() as tmp:
        tables = server.sources_config()
        local = all(urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1") for url in upstreams.values())
        for name in tables if not local else ():  # keep real politeness while recording the real APIs
            tables[name].pop("delay_s")
            tables[name].pop("backoff_s")
        data["sources"] = tables
        data.setdefault("output", {})["dir"] = str(Path(tmp) / "output")
        data["output"].pop("homepage", None)
        tmp_config = Path(tmp) / "config.toml"
        tmp_config.write_text(tomli_w.dumps(data), encoding="utf-8")
        code = subprocess.call([sys.executable, "-m", "pipeline", "run", "--config", str(tmp_config)],
                               env={**os.environ})
        print(f"recorded {len(server.recorded)} answers into {server.save_recording()} (pipeline exit {code})")
    return 0 if server.recorded else 1


def _serve_command(args: argparse.Namespace) -> int:
    import tomli_w

    with ReplayServer([Path(p) for p in args.fixtures]) as server:
        # TOML on stdout: save it to a file for `init --sources-from FILE`, or paste it into config.toml
        print(tomli_w.dumps({"sources": server.sources_config()}), flush=True)
        print(f"replaying on {server.base_url}; Ctrl-C stops", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.replay record|serve``."""
    parser = argparse.ArgumentParser(prog="python -m tests.replay", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record = commands.add_parser("record", help="run the pipeline against the real APIs and save every answer")
    record.add_argument("--config", default="config.toml", help="config whose papers to fetch")
    record.add_argument("--out", required=True, help="fixture folder to write (manifest.json and bodies)")
    record.add_argument("--upstream", action="append", metavar="PREFIX=URL",
                        help="send PREFIX (arxiv, s2, or2, or1) elsewhere than the real API (for testing)")
    serve = commands.add_parser("serve", help="replay fixture folders on a loopback port until Ctrl-C")
    serve.add_argument("fixtures", nargs="+", help="fixture folders holding manifest.json")
    args = parser.parse_args(argv)
    return _record_command(args) if args.command == "record" else _serve_command(args)


if __name__ == "__main__":
    raise SystemExit(main())
