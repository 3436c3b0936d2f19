import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings")
application = get_wsgi_application()

from connector_site.warmup import warm_up  # noqa: E402  (needs the settings above)

warm_up()
# gunicorn forks its workers from this process (preload_app): none of them may share a connection made here.
connections.close_all()
