"""The renderer process ``render.WarmRenderer`` starts: ``python -m cramps.handouts.render_worker FD``.

It sets Django up, renders one small handout to warm WeasyPrint (fonts, stylesheets), says
"ready" on the socket it was given, then renders each request it receives, within that
request's limits, until the socket closes (its parent is gone or stopped it). A render may use
``memory_mb`` beyond what the process held once warm; when the process has grown past that
already (memory a larger render left mapped), it answers "retire" and exits instead.
"""

import faulthandler
import sys
from multiprocessing.connection import Connection
from urllib.parse import urljoin

WARM_UP_HTML = (
    '<!doctype html><html lang="en"><head><link rel="stylesheet" href="{static_url}css/handout.css">'
    "</head><body><h1>Warm-up</h1><p>A <em>paragraph</em> in the handout style.</p></body></html>"
)
WARM_UP_BASE = "http://renderer.invalid/"
WARM_UP_MB = 512
MB = 1024 * 1024


def serve(connection: Connection) -> None:
    import django

    django.setup()
    from django.conf import settings

    from .render import address_space_bytes, render_limited

    static_url = urljoin(WARM_UP_BASE, settings.STATIC_URL)
    warm_up = WARM_UP_HTML.format(static_url=static_url)
    render_limited(html=warm_up, base_url=WARM_UP_BASE, static_url=static_url, timeout=60,
                   address_space=address_space_bytes() + WARM_UP_MB * MB)  # fmt: skip
    warm = address_space_bytes()
    connection.send("ready")
    while True:
        try:
            html, base_url, static_url, timeout, memory_mb = connection.recv()
        except (EOFError, OSError):
            return
        limit = warm + memory_mb * MB
        if address_space_bytes() >= limit:
            connection.send(("retire", None))
            return
        try:
            pdf = render_limited(
                html=html, base_url=base_url, static_url=static_url, timeout=timeout, address_space=limit
            )
            connection.send(("pdf", pdf))
        except MemoryError:
            connection.send(("error", f"MemoryError: the render needed more than {memory_mb} MB"))
        except Exception as error:  # everything must reach the parent as text
            connection.send(("error", f"{type(error).__name__}: {error}"))


if __name__ == "__main__":
    # A process stopped at its memory or CPU limit is expected: no traceback dump on stderr.
    faulthandler.disable()
    serve(Connection(int(sys.argv[1])))
