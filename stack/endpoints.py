"""Where a real deploy (or traffic, or the grader over HTTP) goes: an explicit, checked target.

Three kinds, each chosen on the command line, never by the environment:

- ``moto-server``: a moto server subprocess this process starts on a free loopback port and stops
  afterwards (:class:`MotoServer`; needs the ``moto[server]`` extra);
- an endpoint URL: a running moto server or LocalStack. A URL on AWS's own domains is refused (that
  is real AWS, which needs ``--real-aws``);
- real AWS (``real_aws=True``): AWS's endpoints with the caller's credentials and region.

Clients of a non-AWS target get fake credentials and the endpoint explicitly, so nothing from the
shell (profile, session token, ``AWS_ENDPOINT_URL*``) can send them elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config

MOTO_SERVER = "moto-server"
ACCOUNT = "111111111111"  # the account a moto server we start reports (the labs' account)
REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".aws.dev")
START_TIMEOUT_S = 30.0


class EndpointError(ValueError):
    """A target this command refuses (with why)."""


def is_aws_host(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return any(host == d.lstrip(".") or host.endswith(d) for d in _AWS_DOMAINS)


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


@dataclass(frozen=True)
class Target:
    """An explicit deploy target: an endpoint URL, or real AWS (``endpoint_url`` None)."""

    endpoint_url: str | None
    region: str = REGION
    real_aws: bool = False

    def __post_init__(self) -> None:
        if self.real_aws == (self.endpoint_url is not None):
            raise EndpointError("a target is either an endpoint URL or real AWS, exactly one")
        if self.endpoint_url is not None:
            if urlparse(self.endpoint_url).scheme not in ("http", "https"):
                raise EndpointError(f"endpoint {self.endpoint_url!r} must be an http(s) URL")
            if is_aws_host(self.endpoint_url):
                raise EndpointError(f"{self.endpoint_url} is an AWS endpoint: that is real AWS and needs --real-aws")

    @property
    def emulated(self) -> bool:
        """A moto server or LocalStack (fake credentials, buckets created on demand)."""
        return not self.real_aws

    def describe(self) -> str:
        return f"REAL AWS, region {self.region}" if self.real_aws else f"endpoint {self.endpoint_url}"

    def session(self) -> boto3.session.Session:
        if self.real_aws:
            return boto3.session.Session(region_name=self.region)
        return boto3.session.Session(region_name=self.region, **FAKE_CREDENTIALS)

    def client(self, service: str, session: boto3.session.Session | None = None) -> Any:
        """A client of ``service`` at this target (retries kept low: a dead server fails fast)."""
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60)
        extra = {} if self.real_aws else {"endpoint_url": self.endpoint_url}
        return (session or self.session()).client(service, config=config, **extra)

    def environment(self) -> dict[str, str]:
        """Variables that point boto3 code run in this process (handlers) at this target."""
        if self.real_aws:
            return {"AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}
        return {"AWS_ENDPOINT_URL": str(self.endpoint_url), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region, "AWS_EC2_METADATA_DISABLED": "true"}


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback (never a fixed port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_direct(request: str | urllib.request.Request, timeout: float) -> Any:
    """``urllib`` without the shell's ``HTTP(S)_PROXY``: an endpoint is reached directly, never via a proxy."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=timeout)


def is_moto(url: str) -> bool:
    """True when ``url`` answers like a moto server (its ``/moto-api`` exists)."""
    try:
        with open_direct(f"{url.rstrip('/')}/moto-api/config", timeout=2) as response:
            return 200 <= response.status < 300
    except (OSError, ValueError):
        return False


class MotoServer:
    """A moto server subprocess on ``127.0.0.1:<free port>``; stopped (and reaped) on exit, always."""

    def __init__(self, account: str = ACCOUNT, region: str = REGION) -> None:
        self.account, self.region = account, region
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def target(self) -> Target:
        return Target(self.url, self.region)

    def start(self) -> MotoServer:
        try:
            import flask  # noqa: F401 - moto[server] brings it
        except ImportError:
            raise EndpointError('a moto server needs the moto[server] extra: pip install -e ".[deploy]"') from None
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": self.region,
                "MOTO_ACCOUNT_ID": self.account, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        for _ in range(3):  # a port found free may be taken before the server binds it: try another
            self.port = free_port()
            self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            self.stop()
        raise EndpointError("the moto server did not start (is moto[server] installed?)")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            if is_moto(self.url):
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def opened(endpoint: str | None, real_aws: bool, region: str = REGION) -> Iterator[Target]:
    """The target a command asked for; a ``moto-server`` lives exactly as long as the block."""
    if real_aws and endpoint:
        raise EndpointError("give either --endpoint or --real-aws, not both")
    if real_aws:
        yield Target(None, region, real_aws=True)
        return
    if not endpoint:
        raise EndpointError("no target: give --endpoint moto-server, --endpoint URL or --real-aws")
    if endpoint == MOTO_SERVER:
        with MotoServer(region=region) as server:
            yield server.target()
        return
    yield Target(endpoint.rstrip("/"), region)
