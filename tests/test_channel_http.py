"""The shared HTTP layer: where a request failed decides the error type; secrets never leak."""

from __future__ import annotations

import logging
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.http import HttpClient
from outreach.errors import AuthExpired, Rejected, Retryable, UnknownOutcome
from outreach.logs import setup_logging

from fakes import FakeServer, refused_url
from fakes.base import Answer

SECRET = "sk-http-layer-secret-123456"


@pytest.fixture
def server():
    with FakeServer() as fake:
        fake.route("GET", r"/items", lambda req, m: Answer(200, {"items": [1, 2]}))
        fake.route("POST", r"/items", lambda req, m: Answer(201, {"id": "new"}))
        yield fake


def client(url, **kw):
    kw.setdefault("timeout", (0.5, 0.25))
    return HttpClient("test", url, platform="Test", secrets=[SECRET], **kw)


def test_a_read_is_retried_after_a_timeout_but_a_create_is_not(server):
    server.fail("hang", method="GET", path="/items")
    reader = client(server.url, retries=1)
    assert reader.json(reader.get("/items")) == {"items": [1, 2]}
    assert len(server.seen("GET")) == 2
    server.fail("hang", method="POST", path="/items")
    with pytest.raises(UnknownOutcome, match="may have acted"):
        client(server.url, retries=2).post("/items", json_body={})
    assert len(server.seen("POST")) == 1


def test_reset_connection_is_unknown_for_create_and_retryable_for_read(server):
    server.fail("reset", method="POST")
    with pytest.raises(UnknownOutcome):
        client(server.url, retries=0).post("/items")
    server.fail("reset", method="GET")
    with pytest.raises(Retryable):
        client(server.url, retries=0).get("/items")


def test_refused_connection_is_retried_then_retryable():
    with pytest.raises(Retryable, match="nothing was sent"):
        client(refused_url(), retries=1).post("/items")


def test_retry_after_as_http_date(server):
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    server.fail("answer", status=503, body={"message": "maintenance"},
                headers={"Retry-After": format_datetime(when, usegmt=True)})
    with pytest.raises(Retryable) as err:
        client(server.url).post("/items")
    assert 60 < err.value.retry_after <= 90


@pytest.mark.parametrize("status,kind", [(401, AuthExpired), (403, Rejected), (400, Rejected),
                                         (502, UnknownOutcome)])
def test_status_mapping_on_create(server, status, kind):
    server.fail("answer", status=status, body={"error": {"message": "nope"}})
    with pytest.raises(kind, match="nope"):
        client(server.url).post("/items")


def test_secret_in_url_and_body_is_redacted_from_errors_and_logs(server, capsys):
    setup_logging(2)
    try:
        server.fail("answer", status=400, body={"error": {"message": f"bad token {SECRET}"}})
        with pytest.raises(Rejected) as err:
            client(server.url).get(f"/items?access_token={SECRET}")
        assert SECRET not in str(err.value) and SECRET not in repr(err.value.args)
        with pytest.raises(Retryable) as err2:
            client(refused_url(), retries=0).get(f"/x/{SECRET}/y")
        assert SECRET not in str(err2.value)
        logs = capsys.readouterr().err
        assert "http" in logs and SECRET not in logs
    finally:
        logging.getLogger("outreach").handlers.clear()
