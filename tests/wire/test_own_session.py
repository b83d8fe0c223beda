"""A session the client makes reads the environment once, when built; a caller's is left as is."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests
import requests_mock

from smsc_soap import InstantClock, StatusClient

from support.soap_replies import ENDPOINT, soap_reply

PROXY = "http://proxy.example:3128"
BUNDLE = "/etc/ssl/company-ca.pem"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A proxy, a CA bundle and a .netrc entry for the service, as a deployment sets them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine smsc.ru login netrc-user password netrc-pass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", BUNDLE)
    return monkeypatch


def changed_afterwards(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HTTPS_PROXY", "http://another-proxy.example:8080")
    environment.setenv("REQUESTS_CA_BUNDLE", "/elsewhere.pem")
    environment.delenv("NETRC")


def look_up(client: StatusClient, http_mock: requests_mock.Mocker) -> None:
    http_mock.post(ENDPOINT, content=soap_reply([("status", "1")]))
    client.get_status("79991234567", "1")


def test_the_clients_own_session_keeps_the_environment_it_was_built_in(
    environment: pytest.MonkeyPatch, http_mock: requests_mock.Mocker
) -> None:
    client = StatusClient("demo", "secret", clock=InstantClock())
    changed_afterwards(environment)
    look_up(client, http_mock)

    sent = http_mock.last_request

    assert sent.proxies["https"] == PROXY
    assert sent.verify == BUNDLE
    basic = base64.b64encode(b"netrc-user:netrc-pass").decode()
    assert sent.headers["Authorization"] == f"Basic {basic}"


def test_no_proxy_for_the_service_is_honoured(
    environment: pytest.MonkeyPatch, http_mock: requests_mock.Mocker
) -> None:
    environment.setenv("NO_PROXY", "smsc.ru")
    client = StatusClient("demo", "secret", clock=InstantClock())
    environment.delenv("NO_PROXY")
    look_up(client, http_mock)

    sent = http_mock.last_request

    assert "https" not in sent.proxies


def test_a_callers_session_reads_the_environment_as_requests_does(
    environment: pytest.MonkeyPatch, http_mock: requests_mock.Mocker
) -> None:
    client = StatusClient("demo", "secret", session=requests.Session(), clock=InstantClock())
    changed_afterwards(environment)
    look_up(client, http_mock)

    sent = http_mock.last_request

    assert sent.proxies["https"] == "http://another-proxy.example:8080"
    assert sent.verify == "/elsewhere.pem"
    assert "Authorization" not in sent.headers


def test_a_callers_session_without_trust_in_the_environment_stays_so(
    environment: pytest.MonkeyPatch, http_mock: requests_mock.Mocker
) -> None:
    session = requests.Session()
    session.trust_env = False
    client = StatusClient("demo", "secret", session=session, clock=InstantClock())
    look_up(client, http_mock)

    sent = http_mock.last_request

    assert "https" not in sent.proxies
    assert sent.verify is True
    assert "Authorization" not in sent.headers
