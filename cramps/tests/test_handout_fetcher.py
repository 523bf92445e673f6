"""The handout renderer loads only our own static files and data: images, whatever the HTML says.

Each refusal is checked against a control: the same HTML rendered with WeasyPrint's default
fetcher does load the resource, so a passing test means our fetcher stopped it.
"""

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import weasyprint
from django.conf import settings as django_settings
from pypdf import PdfReader

from cramps.handouts.render import StaticOnlyURLFetcher, URLRefused, pdf_render

from .factories import make_article

BASE_URL = "http://testserver/"
STATIC_URL = "http://testserver/static/"


def badge(text: str) -> bytes:
    """An SVG image whose text shows up in the PDF's text when the image is embedded."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
        f'<text x="5" y="25" font-size="16">{text}</text></svg>'
    ).encode()


class Listener:
    """A real HTTP server on 127.0.0.1 that records every request it receives.

    ``/badge.svg`` is an image reading FROM-LOOPBACK, ``/evil.css`` a stylesheet that adds the
    text INJECTED-CSS, and ``/redirect`` sends the client on to ``/badge.svg``.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append(self.path)
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", f"{listener.url}/badge.svg")
                    self.end_headers()
                    return
                body, content_type = {
                    "/badge.svg": (badge("FROM-LOOPBACK"), "image/svg+xml"),
                    "/evil.css": (b'h1::after { content: "INJECTED-CSS"; }', "text/css"),
                }.get(self.path, (b"", "text/plain"))
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secret_svg(tmp_path) -> Path:
    path = tmp_path / "secret.svg"
    path.write_bytes(badge("SERVER-SECRET-4711"))
    return path


def document(body: str, *, head: str = "", paper: str = "a4") -> str:
    return (
        f'<!doctype html><html lang="en" class="paper-{paper}"><head><title>Test</title>{head}'
        f'<link rel="stylesheet" href="/static/css/handout.css"></head>'
        f"<body><h1>Handout</h1>{body}<p>The end.</p></body></html>"
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def default_render(html: str) -> bytes:
    """The control: WeasyPrint's own fetcher, which loads whatever it is given."""
    return weasyprint.HTML(string=html, base_url=BASE_URL).write_pdf()


def test_our_stylesheet_is_read_from_disk():
    fetcher = StaticOnlyURLFetcher(static_url=STATIC_URL)

    response = fetcher.fetch(f"{STATIC_URL}css/handout.css")

    assert response.content_type == "text/css"
    assert response.read() == (Path(django_settings.BASE_DIR) / "static/css/handout.css").read_bytes()


def test_our_stylesheet_shapes_the_page():
    pdf = pdf_render(html=document("", paper="letter"), base_url=BASE_URL)

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "http://127.0.0.1/x.png",
        "http://localhost:8000/static/css/handout.css",
        "http://[::1]/x.png",
        "https://example.org/x.png",
        "https://testserver.example.org/static/css/handout.css",
        "http://testserver@127.0.0.1/static/css/handout.css",
        "http://testserver/media/handouts/x.pdf",
        "http://testserver/admin/",
        "http://testserver/static/../cramps/settings.py",
        "http://testserver/static/%2e%2e/cramps/settings.py",
        "http://testserver/static/css/%2e%2e/%2e%2e/cramps/settings.py",
        "http://testserver/static/",
        "http://testserver/static/css",
        "http://testserver/static/css/nothing-here.css",
        "ftp://example.org/x.png",
        "data:text/css,h1{color:red}",
        "data:text/html,<p>hi</p>",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files_and_data_images(url):
    with pytest.raises(URLRefused):
        StaticOnlyURLFetcher(static_url=STATIC_URL).fetch(url)


def test_data_images_are_embedded():
    image = "data:image/svg+xml;base64," + base64.b64encode(badge("DATA-IMAGE")).decode()

    pdf = pdf_render(html=document(f'<img src="{image}" alt="">'), base_url=BASE_URL)

    assert "DATA-IMAGE" in text_of(pdf)


def test_file_urls_are_refused_and_the_pdf_still_renders(secret_svg):
    url = secret_svg.as_uri()
    html = document(
        f'<img src="{url}" alt=""><a rel="attachment" href="{url}">notes</a>',
        head=f'<link rel="attachment" href="{url}" title="secret">',
    )
    control = default_render(html)
    assert "SERVER-SECRET-4711" in text_of(control) and PdfReader(io.BytesIO(control)).attachments

    pdf = pdf_render(html=html, base_url=BASE_URL)

    assert "The end." in text_of(pdf)
    assert "SERVER-SECRET-4711" not in text_of(pdf)
    assert b"SERVER-SECRET-4711" not in pdf
    assert not PdfReader(io.BytesIO(pdf)).attachments


def test_loopback_is_never_contacted(listener):
    html = document(f'<img src="{listener.url}/badge.svg" alt="">')
    assert "FROM-LOOPBACK" in text_of(default_render(html)) and listener.requests == ["/badge.svg"]
    listener.requests.clear()

    pdf = pdf_render(html=html, base_url=BASE_URL)

    assert listener.requests == []
    assert "The end." in text_of(pdf) and "FROM-LOOPBACK" not in text_of(pdf)


def test_redirects_are_never_followed(listener):
    html = document(f'<img src="{listener.url}/redirect" alt="">')
    assert "FROM-LOOPBACK" in text_of(default_render(html))
    assert listener.requests == ["/redirect", "/badge.svg"]
    listener.requests.clear()

    pdf = pdf_render(html=html, base_url=BASE_URL)

    assert listener.requests == []
    assert "The end." in text_of(pdf)


def test_css_import_from_elsewhere_is_refused_and_our_css_still_applies(listener):
    html = document("", head=f'<style>@import url("{listener.url}/evil.css");</style>', paper="letter")
    assert "INJECTED-CSS" in text_of(default_render(html)) and listener.requests == ["/evil.css"]
    listener.requests.clear()

    pdf = pdf_render(html=html, base_url=BASE_URL)

    assert listener.requests == []
    assert "INJECTED-CSS" not in text_of(pdf)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


@pytest.mark.django_db
def test_what_an_editor_writes_cannot_reach_the_server_or_the_network(
    client, settings, tmp_path, listener, secret_svg
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_article(
        title="Sneaky",
        slug="sneaky",
        body=(
            f"![badge]({listener.url}/badge.svg)\n\n"
            f'<img src="{listener.url}/redirect"> <img src="{secret_svg.as_uri()}">\n\n'
            '<img src="/static/../cramps/settings.py"> <img src="http://localhost/admin/">\n\n'
            '<a rel="attachment" href="/static/css/handout.css">styles</a>\n\nStill here.'
        ),
    )

    response = client.get("/articles/sneaky/handout.pdf")

    assert response.status_code == 200
    pdf = response.getvalue()
    assert "Still here." in text_of(pdf)
    assert listener.requests == []
    assert "SERVER-SECRET-4711" not in text_of(pdf) and "FROM-LOOPBACK" not in text_of(pdf)
    assert not PdfReader(io.BytesIO(pdf)).attachments
