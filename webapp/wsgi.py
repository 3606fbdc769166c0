"""The WSGI entry point: `gunicorn -c python:webapp.gunicorn_conf webapp.wsgi:app` (what `make serve-pg` runs).
Every gunicorn worker imports this and builds its own engine from DATABASE_URL (its own connection pool)."""

from webapp import create_app

app = create_app()
