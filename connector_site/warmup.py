"""Loads, once, what a process would otherwise load on its first request or task.

Django imports the URLconf (and with it every view module, DRF and the admin's views) on a process's first
request, and pycountry reads its ISO tables on first use: ~0.3 s each time a fresh gunicorn worker or qcluster
process meets its first webhook, page or order. Called where the web application is loaded
(`connector_site/wsgi.py`: in gunicorn's master with `preload_app`, so every worker, recycled ones too, starts
warm) and by each qcluster worker as it is spawned, before its first task (`sync/apps.py`).
"""
import pycountry
from django.urls import get_resolver


def warm_up() -> None:
    get_resolver().url_patterns  # imports the URLconf and every view module it names
    len(pycountry.subdivisions)  # reads the ISO 3166 tables (countries and subdivisions)
