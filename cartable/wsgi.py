"""The WSGI application the server runs (``cartable serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
application = get_wsgi_application()
