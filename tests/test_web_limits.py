"""Heavy work on the web has a limit (issue 16): a report is rendered in a child process
killed at the time limit (503 in German, no process left), and an upload over 5 MB is refused
before its body is read (413 in German), whether it declares its length or comes chunked.

Against a real uvicorn on a loopback port: only a real server shows what is read from the
socket and that a stopped report leaves the server answering.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import httpx
import pytest
import sqlalchemy as sa

from tests.test_web_browser import free_port
from tests.webworld import PASSWORD, Clock, RecordingFlows, build_world, csrf_of, visible_text

UPLOAD = "/cycles/2027/departments/umwelt/submissions"
MB = 1024 * 1024


@dataclass
class Server:
    url: str
    port: int
    app: object

    def login(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=120)
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, visible_text(response.text)
        return client

    def limit_reports(self, seconds: float) -> None:
        state = self.app.state  # type: ignore[attr-defined]
        state.settings = replace(state.settings, report_seconds=seconds)


@pytest.fixture
def server(database_url: str, engine: sa.Engine, loerrach) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    import uvicorn

    from web.app import create_app
    from web.settings import WebSettings

    build_world(engine)
    app = create_app(WebSettings(database_url=database_url), clock=Clock(), flows=RecordingFlows())
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", port, app)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def test_a_report_over_its_time_limit_is_503_in_german_and_its_process_is_gone(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    server.limit_reports(0.5)  # the PDF takes seconds
    client = server.login("controlling")
    caplog.set_level(logging.WARNING, logger="web.report_worker")
    start = time.monotonic()
    response = client.get("/cycles/2027/report.pdf")
    assert time.monotonic() - start < 10
    assert response.status_code == 503
    assert response.headers["retry-after"] == "120"
    text = visible_text(response.text)
    assert "Der Bericht konnte nicht in 0,5 Sekunden erstellt werden und wurde abgebrochen." in (
        text
    )
    assert "kreislauf report 2027" in text
    [record] = [r for r in caplog.records if "killed" in r.getMessage()]
    pid = int(record.args[0])  # type: ignore[index]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped: nothing keeps rendering
    assert client.get("/cycles/2027").status_code == 200


def test_a_report_within_its_limit_is_the_document_and_the_server_answers_meanwhile(
    server: Server,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = server.login("controlling")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.get, "/cycles/2027/report.pdf")
        time.sleep(1)  # the child is rendering
        start = time.monotonic()
        assert httpx.get(f"{server.url}/login").status_code == 200
        assert time.monotonic() - start < 5  # the report alone takes longer
        pdf = pending.result()
    assert pdf.status_code == 200, visible_text(pdf.text)
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == 'attachment; filename="zielerreichung-2026.pdf"'
    xlsx = client.get("/cycles/2027/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_an_error_of_the_report_process_reaches_the_server() -> None:
    """The child's exception is raised in the server (not swallowed, no hang)."""
    from models.errors import KreislaufError
    from web.report_worker import render_report_limited

    with pytest.raises(KreislaufError, match="Die Datenbank .* gibt es nicht"):
        render_report_limited(
            database_url="sqlite:////nirgends/kreislauf.db",
            body_id=1,
            year=2027,
            fmt="docx",
            now=Clock()(),
            seconds=60,
        )


def raw_request(port: int, head: str) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(head.encode())
    return connection


def read_response(connection: socket.socket) -> tuple[str, str]:
    """Status line and the page's text, read until the server closes the connection."""
    data = b""
    try:
        while chunk := connection.recv(65536):
            data += chunk
    except ConnectionResetError:  # the server closed with the unread body still in its buffer
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode().splitlines()[0], visible_text(body.decode(errors="replace"))


def test_an_upload_declaring_50_mb_is_refused_before_its_body_is_sent(server: Server) -> None:
    connection = raw_request(
        server.port,
        f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=grenze\r\n"
        f"Content-Length: {50 * MB}\r\n\r\n",
    )
    start = time.monotonic()
    with connection:
        status, text = read_response(connection)  # no byte of the body was sent
    assert time.monotonic() - start < 5
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert "Die Datei ist größer als 5 MB und wurde nicht gelesen; nichts wurde gespeichert." in (
        text
    )


def test_a_chunked_upload_is_stopped_after_the_limit(server: Server) -> None:
    """Sent without a length: the server stops reading after 5 MB and answers 413 while
    the client is still sending (at most the socket buffers' worth more)."""
    import select

    connection = raw_request(
        server.port,
        f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=grenze\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
    )
    part = (
        b'--grenze\r\nContent-Disposition: form-data; name="workbook"; filename="gross.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x;1\n" * 16 * 1024)
    sent = 0
    with connection:
        connection.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        while sent < 60 * MB:
            readable, writable, _ = select.select([connection], [connection], [], 10)
            if readable:
                break
            assert writable, "the server neither reads nor answers"
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 64 * 1024
        assert sent < 30 * MB, "the server read on after the limit"
        status, text = read_response(connection)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert "größer als 5 MB" in text


def test_an_upload_within_the_limit_is_read_and_checked(server: Server) -> None:
    client = server.login("umwelt")
    token = csrf_of(client.get("/cycles/2027/departments/umwelt").text)
    response = client.post(
        UPLOAD,
        data={"csrf_token": token},
        files={"workbook": ("umwelt.csv", b"kein;Inhalt\n" * 1000, "text/csv")},
    )
    assert response.status_code == 400
    assert "Datei ist größer" not in visible_text(response.text)


@pytest.mark.parametrize("text", ["0", "-5", "abc", "nan", "inf", "3601", "1e9"])
def test_a_report_limit_out_of_range_is_refused_in_german(text: str) -> None:
    from models.errors import KreislaufError
    from web.settings import report_seconds

    with pytest.raises(KreislaufError, match="zwischen 1 und 3600") as refused:
        report_seconds(text)
    assert refused.value.field == "KREISLAUF_REPORT_SECONDS"


def test_the_report_limit_defaults_to_two_minutes() -> None:
    from web.settings import report_seconds

    assert report_seconds("") == 120
    assert report_seconds(" 30 ") == 30
    assert report_seconds("2,5") == 2.5


def test_the_report_process_stops_itself_at_the_limit_without_the_server(
    database_url: str, engine: sa.Engine, loerrach
) -> None:  # type: ignore[no-untyped-def]
    """Should the server die before it kills the child, the child's own CPU limit ends it:
    here the server would wait 60 s, the child stops after about 1 s of CPU."""
    import pickle

    from web.report_worker import _run_child

    build_world(engine)
    request = pickle.dumps((database_url, loerrach.id, 2027, "pdf", Clock()(), 1.0))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"ended \(-24\) without a result"):  # SIGXCPU
        _run_child(request, timeout=60, limit=60)
    assert time.monotonic() - start < 30


def test_a_login_declaring_60_mb_is_refused_before_its_body_is_sent(server: Server) -> None:
    """/login is reachable without a login and its CSRF check reads the whole form: every
    form but the upload is bounded to 64 KiB."""
    connection = raw_request(
        server.port,
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=grenze\r\n"
        f"Content-Length: {60 * MB}\r\n\r\n",
    )
    start = time.monotonic()
    with connection:
        status, text = read_response(connection)  # no byte of the body was sent
    assert time.monotonic() - start < 5
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert "Die Formulardaten sind größer als 64 KB und wurden nicht gelesen" in text


def test_a_chunked_login_is_stopped_after_the_form_limit(server: Server) -> None:
    import select

    connection = raw_request(
        server.port,
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
    )
    chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"username=" + b"x" * (16 * 1024 - 9))
    sent = 0
    with connection:
        while sent < 60 * MB:
            readable, writable, _ = select.select([connection], [connection], [], 10)
            if readable:
                break
            assert writable, "the server neither reads nor answers"
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 16 * 1024
        assert sent < 20 * MB, "the server read on after the limit"
        status, text = read_response(connection)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert "größer als 64 KB" in text


def test_forms_within_the_default_limit_still_work(server: Server) -> None:
    """A login and an admin form (with a long comment) pass the 64 KiB limit."""
    client = server.login("verwaltung")
    token = csrf_of(client.get("/admin").text)
    response = client.post(
        "/admin/convene",
        data={"csrf_token": token, "year": "2027", "reason": "Haushaltssperre. " * 1000},
    )
    assert response.status_code in (200, 303, 400, 409), visible_text(response.text)
    assert "größer als" not in visible_text(response.text)


def test_the_change_set_form_has_its_own_larger_limit(server: Server) -> None:
    client = server.login("verwaltung")
    token = csrf_of(client.get("/admin").text)
    changes = '# Kommentar "ä"\n' * 20_000  # 320.000 characters, over 64 KiB encoded
    response = client.post(
        "/admin/session",
        data={"csrf_token": token, "year": "2027", "held_on": "2027-03-01", "changes": changes},
    )
    assert response.status_code != 413
    assert "größer als" not in visible_text(response.text)
