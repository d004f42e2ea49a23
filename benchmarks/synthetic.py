"""Synthetic but real-shaped papers and a loopback server that answers for any number of them.

Paper ``i`` has the arXiv ID ``2401.<10000 + i>``, the OpenReview forum ``synth<i:05d>x`` (even
``i`` on API 2, odd on API 1) and a DOI. Answers copy the recorded wire formats field for field:
the arXiv Atom feed of the 2026 recordings, the S2 ``/paper/batch`` list (and ``/paper/{id}`` object),
OpenReview API 2 notes with ``{"value": ...}`` content and API 1 notes with bare values.

The server adds ``latency_s`` to every answer and counts requests per prefix. It serves both the
batched requests pubharvest sends and the one-ID-at-a-time requests of the naive baseline.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from tests.replay import LoopbackServer, OneWriteHandler

VENUES = [("ICLR.cc/{y}/Conference", "ICLR {y} poster"), ("NeurIPS.cc/{y}/Conference", "NeurIPS {y} spotlight"),
          ("ICML.cc/{y}/Conference", "ICML {y} oral")]
S2_VENUES = ["Neural Information Processing Systems", "International Conference on Machine Learning",
             "arXiv.org", "Computer Vision and Pattern Recognition", "Neural Networks"]


def arxiv_id(i: int) -> str:
    return f"2401.{10000 + i:05d}"


def forum_id(i: int) -> str:
    return f"synth{i:05d}x"


def index_of(identifier: str) -> int | None:
    """The paper index behind any synthetic ID, or None."""
    text = identifier.split(":", 1)[-1]
    if text.startswith("2401."):
        return int(text[5:10]) - 10000
    if text.startswith("synth"):
        return int(text[5:10])
    if text.startswith("10.5555/synth."):
        return int(text.rsplit(".", 1)[-1])
    return None


def title(i: int) -> str:
    return f"Synthetic Study {i} of Spiking Networks with $\\ell_{1 + i % 3}$ Regularization"


def authors(i: int) -> list[str]:
    return ["Mingqing Xiao", f"Coauthor{i % 97} Lastname{i % 89}", f"Second{i % 53} Person{i % 41}"]


def arxiv_entry(i: int) -> str:
    vid = f"{arxiv_id(i)}v{1 + i % 3}"
    names = "".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in authors(i))
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{vid}</id>\n"
        f"    <title>{escape(title(i))}</title>\n"
        "    <updated>2024-01-15T12:00:00Z</updated>\n"
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
        "    <summary>Synthetic abstract.</summary>\n"
        '    <category term="cs.NE" scheme="http://arxiv.org/schemas/atom"/>\n'
        "    <published>2024-01-10T12:00:00Z</published>\n"
        '    <arxiv:primary_category term="cs.NE"/>\n'
        f"{names}"
        "  </entry>\n"
    )


def arxiv_feed(ids: list[str]) -> bytes:
    entries = "".join(arxiv_entry(i) for i in (index_of(x) for x in ids) if i is not None)
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/synthetic</id>\n"
        f"  <title>arXiv Query: search_query=&amp;id_list={','.join(ids)}</title>\n"
        "  <updated>2026-11-30T00:00:00Z</updated>\n"
        f"  <opensearch:itemsPerPage>{len(ids)}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{len(ids)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"{entries}</feed>\n"
    ).encode("utf-8")


def s2_paper(i: int) -> dict:
    venue = S2_VENUES[i % len(S2_VENUES)]
    return {
        "paperId": f"{i:040x}",
        "externalIds": {"ArXiv": arxiv_id(i), "DOI": f"10.5555/synth.{i}", "CorpusId": 300000000 + i},
        "publicationVenue": None if venue == "arXiv.org" else {"id": "0", "name": venue, "type": "conference"},
        "title": title(i).replace("$\\ell_", "l").replace("$", ""),
        "venue": venue,
        "year": 2024,
        "publicationTypes": ["JournalArticle"],
        "publicationDate": "2024-01-10",
        "journal": {"name": "ArXiv", "volume": f"abs/{arxiv_id(i)}"} if venue == "arXiv.org" else {"pages": "1-10"},
        "citationCount": i % 97,
        "authors": [{"authorId": str(i), "name": a} for a in authors(i)],
    }


def crossref_work(i: int) -> dict:
    """Paper ``i`` as a Crossref work (the selected fields, in the recorded works' key order)."""
    venue = S2_VENUES[i % len(S2_VENUES)]
    posted = venue == "arXiv.org"
    return {"DOI": f"10.5555/synth.{i}", "title": [title(i).replace("$\\ell_", "l").replace("$", "")],
            "author": [{"given": a.rsplit(" ", 1)[0], "family": a.rsplit(" ", 1)[-1],
                        "sequence": "first" if n == 0 else "additional", "affiliation": []}
                       for n, a in enumerate(authors(i))],
            "container-title": [] if posted else [venue], "short-container-title": [],
            "type": "posted-content" if posted else "proceedings-article",
            "issued": {"date-parts": [[2024, 1, 10]]}, "created": {"date-parts": [[2024, 1, 10]]}}


def or_note(i: int, api: int) -> dict:
    venueid, venue = VENUES[i % len(VENUES)]
    values = {"title": title(i), "authors": authors(i), "venue": venue.format(y=2024),
              "venueid": venueid.format(y=2024)}
    content = {k: ({"value": v} if api == 2 else v) for k, v in values.items()}
    note = {"id": forum_id(i), "forum": forum_id(i), "content": content, "readers": ["everyone"],
            "cdate": 1700000000000, "pdate": 1705000000000}
    if api == 2:
        note.update({"invitations": [f"{values['venueid']}/-/Submission"], "domain": values["venueid"], "version": 2})
    else:
        note.update({"invitation": f"{values['venueid']}/-/Blind_Submission", "replyto": None})
    return note


class SyntheticServer(LoopbackServer):
    """Threaded loopback server answering arXiv, S2 and OpenReview requests for synthetic papers.

    Args:
        latency_s: seconds added to every answer.
        hung: route prefixes ("arxiv", "s2", "or2", "or1") that accept the request and never answer
            (the connection stays open until the server stops).
    """

    def __init__(self, latency_s: float = 0.2, hung: tuple[str, ...] = ()):
        self.latency_s = latency_s
        self.hung = tuple(hung)
        self.counts: dict[str, int] = {}
        self._release = threading.Event()
        self._start_server()

    def __exit__(self, *exc):
        self._release.set()  # hung answers end with the server
        return super().__exit__(*exc)

    def _handler(self):
        server = self

        class Handler(OneWriteHandler):

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                size = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(size)) if size else None
                prefix = parts.path.split("/")[1]
                with server._lock:
                    server.counts[prefix] = server.counts.get(prefix, 0) + 1
                if prefix in server.hung:
                    server._release.wait()
                    return None
                time.sleep(server.latency_s)
                if prefix == "arxiv":
                    ids = [x for x in query.get("id_list", [""])[0].split(",") if x]
                    return self._send(200, arxiv_feed(ids), "application/atom+xml")
                if prefix == "s2" and method == "POST":
                    papers = [s2_paper(i) if (i := index_of(x)) is not None else None for x in payload["ids"]]
                    return self._send(200, json.dumps(papers).encode(), "application/json")
                if prefix == "s2":
                    i = index_of(unquote(parts.path.rsplit("/paper/", 1)[1]))
                    if i is None:
                        return self._send(404, b'{"error": "Paper not found"}', "application/json")
                    return self._send(200, json.dumps(s2_paper(i)).encode(), "application/json")
                if prefix == "crossref":
                    filters = (query.get("filter") or [""])[0].split(",")
                    works = [crossref_work(i) for f in filters if f.startswith("doi:")
                             and (i := index_of(f[4:])) is not None]
                    body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                            "message": {"facets": {}, "total-results": len(works), "items": works,
                                        "items-per-page": len(works), "query": {"start-index": 0, "search-terms": None}}}
                    return self._send(200, json.dumps(body).encode(), "application/json")
                if prefix in ("or1", "or2"):
                    api = int(prefix[-1])
                    ids = (query.get("ids") or query.get("id") or [""])[0].split(",")
                    notes = [or_note(i, api) for x in ids if (i := index_of(x)) is not None and i % 2 == 2 - api]
                    return self._send(200, json.dumps({"notes": notes, "count": len(notes)}).encode(),
                                      "application/json")
                return self._send(404, b'{"error": "unknown route"}', "application/json")

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

        return Handler


def config_text(n: int, base_url: str, *, scale: float, output_dir: str) -> str:
    """A config.toml for papers 0..n-1 (each with an arXiv ID and an OpenReview forum) pointed at the server,
    with the real politeness delays (arXiv 3 s, S2 and OpenReview 1 s) multiplied by ``scale``."""
    lines = ['[owner]', 'name = "Mingqing Xiao"', '[output]', f'dir = "{output_dir}"', '[run]', 'deadline_s = 100000',
             '[sources.arxiv]', f'query_url = "{base_url}/arxiv/api/query"', f'delay_s = {3.0 * scale}',
             '[sources.s2]', f'api_url = "{base_url}/s2"', f'delay_s = {1.0 * scale}',
             '[sources.openreview]', f'api2_url = "{base_url}/or2"', f'api1_url = "{base_url}/or1"',
             f'delay_s = {1.0 * scale}',
             '[sources.crossref]', f'api_url = "{base_url}/crossref"', f'delay_s = {0.5 * scale}']
    for i in range(n):
        lines += ["[[paper]]", f'arxiv = "{arxiv_id(i)}"', f'openreview = "{forum_id(i)}"']
    return "\n".join(lines) + "\n"
