"""The renderer process: kept warm and reused, replaced after a failure, limited per render;
what it keeps between renders (parsed stylesheets, fonts) and when it lets go of it."""

import io
import os
import shutil
import subprocess
from urllib.parse import urljoin

import pytest
from pypdf import PdfReader

from cramps.handouts import render

PAGE = '<!doctype html><html lang="en"><title>T</title><p>{}</p></html>'
BASE = "http://testserver/"


@pytest.fixture
def renderer():
    """A renderer of the test's own, stopped afterwards (not the one other tests share)."""
    warm = render.WarmRenderer()
    yield warm
    warm.stop()


def pdf(renderer, text: str = "Hello", **limits) -> bytes:
    limits = {"timeout": 60, "memory_mb": 1024, **limits}
    return renderer.render(html=PAGE.format(text), base_url=BASE, **limits)


def test_renders_reuse_one_warm_process(renderer):
    first = pdf(renderer, "One")
    pid = renderer.pid

    second = pdf(renderer, "Two")

    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert pid is not None and renderer.pid == pid and pid != os.getpid()


def test_a_render_over_time_stops_the_process_and_the_next_one_starts_afresh(renderer):
    pdf(renderer)
    slow = renderer.pid

    with pytest.raises(render.HandoutError, match="took longer than"):
        pdf(renderer, "Slow " * 20000, timeout=0.001)

    assert renderer.pid is None
    assert pdf(renderer).startswith(b"%PDF") and renderer.pid not in (None, slow)


def test_a_render_over_its_memory_limit_fails_and_the_next_one_works(renderer):
    with pytest.raises(render.HandoutError, match="could not be made"):
        pdf(renderer, "Long paragraph of cramps. " * 200000, memory_mb=1)

    assert pdf(renderer).startswith(b"%PDF")


def test_the_process_is_replaced_after_its_share_of_renders():
    renderer = render.WarmRenderer(renders_per_process=2)
    pdf(renderer)
    pid = renderer.pid

    pdf(renderer)
    assert renderer.pid is None  # retired after its second render
    pdf(renderer)

    assert renderer.pid not in (None, pid)
    renderer.stop()


def test_memory_a_large_render_left_mapped_does_not_lift_the_next_renders_limit(renderer):
    """The limit counts from the warm process, not from what an earlier large render left mapped:
    a process that has grown past it retires, and the render runs in a fresh one."""
    pdf(renderer, "Long paragraph of cramps. " * 6000)
    grown = renderer.pid

    assert pdf(renderer, "Short", memory_mb=1).startswith(b"%PDF")
    fresh = renderer.pid
    assert fresh not in (None, grown)

    assert pdf(renderer, "Short").startswith(b"%PDF")
    assert renderer.pid == fresh  # a small render within its limit keeps the process


def page_size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(box.width), round(box.height)


def test_a_stylesheet_is_parsed_once_and_again_when_its_file_changes(renderer, settings, tmp_path):
    settings.STATICFILES_DIRS = [tmp_path]
    sheet = tmp_path / "css" / "probe.css"
    sheet.parent.mkdir()
    sheet.write_text("@page { size: A5 }")

    def styled_page_size() -> tuple[int, int]:
        html = PAGE.format("Styled")
        return page_size(renderer.render(html=html, base_url=BASE, stylesheets=["css/probe.css"],
                                         timeout=60, memory_mb=1024))  # fmt: skip

    assert styled_page_size() == (420, 595)  # A5
    pid = renderer.pid

    # Other rules, but the same size and modification time: to the process, the same file.
    unchanged = sheet.stat()
    sheet.write_text("@page { size: A6 }")
    os.utime(sheet, ns=(unchanged.st_atime_ns, unchanged.st_mtime_ns))
    assert styled_page_size() == (420, 595)

    sheet.write_text("@page { size: letter }")
    assert styled_page_size() == (612, 792)
    assert renderer.pid == pid


def embedded_fonts(pdf: bytes) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }


def test_fonts_a_document_declares_stay_out_of_the_next_render(settings, tmp_path):
    """The renderer process shares one font configuration between renders; a document's own
    ``@font-face`` must not outlive it."""
    settings.STATICFILES_DIRS = [tmp_path]
    (tmp_path / "fonts").mkdir()
    serif = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Serif"], capture_output=True, text=True
    ).stdout
    shutil.copy(serif, tmp_path / "fonts" / "probe.ttf")
    page = (
        '<!doctype html><html lang="en"><head><title>T</title>{}</head>'
        "<body style=\"font-family: Probe, 'DejaVu Sans'\"><p>Text</p></body></html>"
    )
    own_font = (
        f"<style>@font-face {{ font-family: Probe; src: url({settings.STATIC_URL}fonts/probe.ttf) }}</style>"
    )
    styles = render.Styles()

    def pdf(html: str) -> bytes:
        return styles.pdf(
            html=html, base_url=BASE, static_url=urljoin(BASE, settings.STATIC_URL), stylesheets=[]
        )

    assert embedded_fonts(pdf(page.format(own_font))) == {"Probe"}
    assert embedded_fonts(pdf(page.format(""))) == {"DejaVu-Sans"}
