"""The renderer process: kept warm and reused, replaced after a failure, limited per render."""

import os

import pytest

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
