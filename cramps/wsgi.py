"""The web application gunicorn serves (``gunicorn -c gunicorn.conf.py cramps.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cramps.settings")
application = get_wsgi_application()

from cramps.checks import require_secret_key  # noqa: E402  (needs the settings set up above)

require_secret_key()
