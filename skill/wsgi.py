"""The WSGI entry point for production servers: `gunicorn skill.wsgi:app` (see gunicorn.conf.py).

Importing this module builds the app from the environment, which is what a WSGI server expects;
nothing else in the project imports it.
"""

from skill.web import create_app

app = create_app()
