"""The renderer process ``render.WarmRenderer`` starts: ``python -m cramps.handouts.render_worker FD``.

It sets Django up, renders one small handout to warm WeasyPrint (fonts, our stylesheet), says
"ready" on the socket it was given, then renders each request it receives, within that
request's limits, until the socket closes (its parent is gone or stopped it). A render may use
``memory_mb`` beyond what the process held once warm; when the process has grown past that
already (memory a larger render left mapped), it answers "retire" and exits instead.

Garbage collection runs between renders, once each answer is sent, never during one: what the
warm process holds (Django, WeasyPrint) is frozen and not scanned again. Full collections over
all of it came in most renders and cost about a quarter of the render's time; the memory limit
still bounds a render.
"""

import faulthandler
import gc
import sys
from multiprocessing.connection import Connection
from urllib.parse import urljoin

WARM_UP_HTML = (
    '<!doctype html><html lang="en"><head><title>Warm-up</title></head>'
    "<body><h1>Warm-up</h1><p>A <em>paragraph</em> in the handout style.</p></body></html>"
)
WARM_UP_BASE = "http://renderer.invalid/"
WARM_UP_MB = 512
# Address space a render may reserve beyond its ``memory_mb`` for the helper threads Pango and
# GLib start (8 MB of stack reserved each, hardly touched): a tight limit must not make their
# creation fail, which aborts the whole process instead of raising MemoryError.
THREAD_STACKS_MB = 64
MB = 1024 * 1024


def serve(connection: Connection) -> None:
    import django

    django.setup()
    from django.conf import settings

    from .document import STYLESHEET
    from .render import Styles, address_space_bytes, render_limited, stylesheet_files

    styles = Styles()
    static_url = urljoin(WARM_UP_BASE, settings.STATIC_URL)
    render_limited(styles=styles, html=WARM_UP_HTML, base_url=WARM_UP_BASE, static_url=static_url,
                   stylesheets=stylesheet_files([STYLESHEET], static_url), timeout=60,
                   address_space=address_space_bytes() + WARM_UP_MB * MB)  # fmt: skip
    gc.collect()
    gc.freeze()
    gc.disable()
    warm = address_space_bytes()
    connection.send("ready")
    while True:
        gc.collect()  # the last render's garbage, once its answer is on its way
        try:
            html, base_url, static_url, stylesheets, timeout, memory_mb = connection.recv()
        except (EOFError, OSError):
            return
        limit = warm + memory_mb * MB
        if address_space_bytes() >= limit:
            connection.send(("retire", None))
            return
        try:
            pdf = render_limited(styles=styles, html=html, base_url=base_url, static_url=static_url,
                                 stylesheets=stylesheets, timeout=timeout,
                                 address_space=limit + THREAD_STACKS_MB * MB)  # fmt: skip
            connection.send(("pdf", pdf))
        except MemoryError:
            connection.send(("error", f"MemoryError: the render needed more than {memory_mb} MB"))
        except Exception as error:  # everything must reach the parent as text
            connection.send(("error", f"{type(error).__name__}: {error}"))


if __name__ == "__main__":
    # A process stopped at its memory or CPU limit is expected: no traceback dump on stderr.
    faulthandler.disable()
    serve(Connection(int(sys.argv[1])))
