"""The web app (网页端): ``create_app(store)``; ``healthplan serve`` runs it with uvicorn.

Modules: ``app`` (factory, middleware, errors), ``pages`` (HTML), ``api`` (JSON under /api),
``data`` (scoped reads and writes shared by both), ``users`` (accounts, roles, scope), ``security``
(session, CSRF, login rate limit), ``i18n`` (Chinese / English words), ``cli`` (serve, user add).
"""

from .app import create_app

__all__ = ["create_app"]
