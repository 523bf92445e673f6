"""The web application gunicorn serves (``gunicorn -c gunicorn.conf.py cramps.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cramps.settings")
application = get_wsgi_application()

from cramps.checks import require_secret_key  # noqa: E402  (needs the settings set up above)

require_secret_key()

# Hash the design once here: under gunicorn's preload_app every worker forked later inherits it.
from cramps.pagecache import design_version  # noqa: E402

design_version()
