"""A local HTTP server that answers like EFetch and Crossref from the recorded samples.

``lookup`` talks to it exactly as it talks to NCBI and Crossref, so tests exercise the real
HTTP client (headers, quoting, errors, redirects) without touching the internet.
"""

import copy
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

Responder = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class SeenRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class SampleServer:
    """Serves ``samples/pubmed-xml`` at /efetch.fcgi and /esearch.fcgi, ``samples/crossref-json`` at /works/<doi>.

    An EFetch for exactly the PMIDs of one file gets that file byte for byte; any other set gets
    those files' articles regrouped, and unknown PMIDs are left out, as NCBI does. An ESearch
    (``retmode=json``) answers in NCBI's JSON shape with the PMIDs of the sample articles whose
    title has every ``word[ti]`` of the term, an author with the ``name[au]`` family name and the
    ``year[dp]`` year. Anything else is a 404. ``respond_with`` replaces the answer for a path, to
    stage failures.
    """

    def __init__(self, samples: Path):
        self.requests: list[SeenRequest] = []
        self.responders: dict[str, Responder] = {}
        self._pubmed_files: dict[frozenset[str], bytes] = {}
        self._pubmed_articles: dict[str, etree._Element] = {}
        for path in sorted((samples / "pubmed-xml").glob("*.xml")):
            data = path.read_bytes()
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
            articles = root.iter("PubmedArticle")
            pmids = {article.findtext("MedlineCitation/PMID"): article for article in articles}
            if pmids:
                self._pubmed_files[frozenset(pmids)] = data
                self._pubmed_articles.update(pmids)
        self._crossref_files: dict[str, bytes] = {}
        for path in sorted((samples / "crossref-json").glob("*.json")):
            data = path.read_bytes()
            work = json.loads(data)
            self._crossref_files[work.get("message", work)["DOI"].lower()] = data
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond_with(self, path: str, responder: Responder) -> None:
        self.responders[path] = responder

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        self.requests.append(
            SeenRequest(split.path, urllib.parse.parse_qs(split.query), dict(handler.headers.items()))
        )
        if split.path in self.responders:
            self.responders[split.path](handler)
        elif split.path == "/esearch.fcgi":
            term = urllib.parse.parse_qs(split.query).get("term", [""])[0]
            send(handler, 200, self._esearch(term), "application/json; charset=UTF-8")
        elif split.path == "/efetch.fcgi":
            pmids = ",".join(urllib.parse.parse_qs(split.query).get("id", [])).split(",")
            send(handler, 200, self._efetch(pmids), "text/xml; charset=UTF-8")
        elif split.path.startswith("/works/"):
            doi = urllib.parse.unquote(split.path.removeprefix("/works/")).lower()
            if doi in self._crossref_files:
                send(handler, 200, self._crossref_files[doi], "application/json")
            else:
                send(handler, 404, b"Resource not found.", "text/plain")
        else:
            send(handler, 404, b"Not found", "text/plain")

    def _efetch(self, pmids: list[str]) -> bytes:
        wanted = frozenset(pmid for pmid in pmids if pmid)
        if wanted in self._pubmed_files:
            return self._pubmed_files[wanted]
        answer = etree.Element("PubmedArticleSet")
        for pmid in pmids:
            if pmid in self._pubmed_articles:
                answer.append(copy.deepcopy(self._pubmed_articles[pmid]))
        return etree.tostring(answer, xml_declaration=True, encoding="UTF-8")

    def _esearch(self, term: str) -> bytes:
        wanted: dict[str, list[str]] = {"ti": [], "au": [], "dp": []}
        for part in term.split(" AND "):
            match = re.fullmatch(r"(.+)\[(ti|au|dp)\]", part.strip())
            if match:
                wanted[match.group(2)].append(match.group(1).casefold())
        found = [pmid for pmid, article in self._pubmed_articles.items() if _esearch_matches(article, wanted)]
        answer = {
            "header": {"type": "esearch", "version": "0.3"},
            "esearchresult": {"count": str(len(found)), "retmax": str(len(found)), "retstart": "0",
                              "idlist": found, "translationset": [], "querytranslation": term},
        }  # fmt: skip
        return json.dumps(answer).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _esearch_matches(article: etree._Element, wanted: dict[str, list[str]]) -> bool:
    title_words = set(re.findall(r"[^\W_]+", "".join(article.find(".//ArticleTitle").itertext()).casefold()))
    families = {name.casefold() for name in article.xpath(".//AuthorList/Author/LastName/text()")}
    years = set(
        re.findall(r"\d{4}", " ".join(article.xpath(".//Article/Journal/JournalIssue/PubDate//text()")))
    )
    return (
        all(word in title_words for word in wanted["ti"])
        and all(name in families for name in wanted["au"])
        and all(year in years for year in wanted["dp"])
    )


def send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **headers: str
) -> None:
    """Answer ``handler``'s request; ``headers`` add to Content-Type and Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def slow_answer(seconds: float) -> Responder:
    """A responder that answers an empty PubMed set only after ``seconds`` (for timeout tests)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        try:
            send(handler, 200, b"<PubmedArticleSet/>", "text/xml")
        except OSError:
            pass  # the client has already given up

    return respond
