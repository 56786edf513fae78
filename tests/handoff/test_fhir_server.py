"""The test FHIR server itself: a client that leaves while its request waits must not stall it."""

import socket
import threading
import time

import httpx

from tests.handoff.conftest import FhirServerProcess


def test_a_client_gone_while_its_request_waits_does_not_stall_the_server(
    own_fhir_server: FhirServerProcess,
) -> None:
    # The first request is stalled, so the next ones wait their turn behind it.
    own_fhir_server.faults(delay_ms=1500, count=1)
    stalled = threading.Thread(
        target=lambda: httpx.get(f"{own_fhir_server.url}/Patient", timeout=10), daemon=True
    )
    stalled.start()
    time.sleep(0.3)
    # A worker killed mid-request: its headers promised a body that never comes.
    with socket.create_connection(("127.0.0.1", own_fhir_server.port)) as gone:
        gone.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        time.sleep(0.2)
    stalled.join(timeout=10)

    answer = httpx.get(f"{own_fhir_server.url}/_test/stats", timeout=5)

    assert answer.status_code == 200
    assert answer.json()["requests"] >= 1
