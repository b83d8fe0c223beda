"""The session a built-in transport makes for itself when the caller gives none.

requests reads the environment on every call of a session that trusts it: the proxy variables
and ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, and ``~/.netrc`` from disk, a
quarter of its time per lookup. The service's URL is fixed for the transport's life, so these
are read once, here, set on the session, and the session stops reading the environment.
"""

from __future__ import annotations

import requests
from requests.utils import get_netrc_auth

__all__ = ["own_session"]


def own_session(url: str) -> requests.Session:
    """A session for requests to ``url``, with the environment's settings for it read now."""
    session = requests.Session()
    session.headers["User-Agent"] = "smsc-soap"  # a caller's session keeps its own
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    session.auth = get_netrc_auth(url)
    session.trust_env = False
    return session
