"""The browser dashboard served at ``/dashboard`` by ``smart-spawn serve``.

Server-rendered pages (Jinja2 templates in ``templates/``), SVG charts drawn on the server
(``charts``), and one small script of our own (``static/dashboard.js``): no CDN, no external
fonts, so it works with no network. Pages read through the same services as the API (the
catalog's selector, the spawn log, the ratings store); ``backend.backend`` is the one place that
touches the server's state. ``routes.router`` is registered by ``server.app``.

Importing this package opens nothing; templates load on first render.
"""
