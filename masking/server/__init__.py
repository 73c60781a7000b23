"""The security office's evidence service: an ASGI application (Starlette on uvicorn) over PostgreSQL.

Imported only by ``exportguard server ...`` and the service itself; a workstation never loads it (it
needs the ``server`` extra: starlette, uvicorn, psycopg, psycopg_pool).
"""
