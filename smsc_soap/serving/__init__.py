"""Answering as SMS Center does: the server's side of its SOAP and HTTP status interfaces.

What the sandbox (which makes the answers up from its message book) and the gateway (which
gets them from the service) share: the WSGI application's skeleton and routing (``app``), the
uvicorn server both run on (``server``, through the ASGI bridge ``asgi``), reading a request
(its body, its envelope or form) and writing a reply (an envelope, a Fault, status.php in its
four formats).
"""
