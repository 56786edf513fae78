"""The real OpenID Provider of tests/oidc_provider (panva's oidc-provider on Node.js).

``running_provider`` starts it on a free port for a given callback URL; ``sign_in_at_provider``
walks its login and consent pages the way a browser does and returns the callback URL the
provider sends the browser back to.
"""

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.conftest import REPO, require

PROVIDER_DIR = REPO / "tests" / "oidc_provider"
CLIENT_ID = "chartdraft"
CLIENT_SECRET = "test-only-client-secret-0123456789"
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.DOTALL)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@contextmanager
def running_provider(redirect_uri: str, log: Path) -> Iterator[str]:
    """Run the provider for ``redirect_uri`` until the block ends; yield its issuer URL."""
    node = shutil.which("node")
    require(node is not None and (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
            "Node.js and tests/oidc_provider/node_modules (make test runs npm ci there)")  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    issuer = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen([str(node), "server.js", str(port), redirect_uri],
                                   cwd=PROVIDER_DIR, stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            pytest.fail(f"the OpenID Provider did not start: {log.read_text()[-2000:]}")
        if process.poll() is not None:
            pytest.fail(f"the OpenID Provider stopped: {log.read_text()[-2000:]}")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_at_provider(
    authorization_url: str, login: str, redirect_uri: str, *, cancel: bool = False
) -> str:
    """Sign in as ``login`` (any password) and consent, or cancel; return the callback URL."""
    with httpx.Client(timeout=10) as browser:
        url = authorization_url
        for _ in range(20):
            if url.startswith(redirect_uri):
                return url
            page = browser.get(url)
            if page.is_redirect:
                url = urljoin(url, page.headers["location"])
                continue
            assert page.status_code == 200, page.text
            if cancel:
                abort = re.search(r'href="([^"]+/abort)"', page.text)
                assert abort, page.text
                url = unescape(abort.group(1))
                continue
            url = _submit(browser, url, page.text, login)
        pytest.fail(f"the provider never sent the browser back (last at {url})")


def _submit(browser: httpx.Client, url: str, html: str, login: str) -> str:
    form = _FORM.search(html)
    assert form, html
    fields = dict(_HIDDEN.findall(form.group(2)))
    if 'name="login"' in form.group(2):
        fields.update(login=login, password="any password")  # dev interactions take any
    answer = browser.post(urljoin(url, unescape(form.group(1))), data=fields)
    assert answer.is_redirect, answer.text
    return urljoin(url, answer.headers["location"])
