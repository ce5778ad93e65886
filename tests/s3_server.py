"""A real S3 API on loopback for the object-storage landing tests: moto's S3 server
(`moto[server]`, the test extra) on a free port, reached through s3fs (the `objectstore`
extra) exactly as a deployment reaches AWS or MinIO, over HTTP. Each test gets a bucket of
its own; the server lives for the session."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

KEY, SECRET = "carewire-test", "carewire-test-secret"
"""moto accepts any credentials; they are only ever sent to the loopback server."""


def _missing() -> str | None:
    for module, package in (("moto.server", "moto[server]"), ("s3fs", "s3fs"),
                            ("boto3", "boto3")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed: pip install -e '.[test,objectstore]'"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a running moto S3 server; skipped (failed in CI) where moto is missing."""
    if (reason := _missing()) is not None:
        if os.environ.get("CAREWIRE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (CAREWIRE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_landing(s3_endpoint) -> tuple[str, dict]:
    """A fresh bucket: the landing URL under it and the storage options that reach it."""
    import boto3

    bucket = f"carewire-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=KEY,
                 aws_secret_access_key=SECRET, region_name="us-east-1").create_bucket(
        Bucket=bucket)
    return f"s3://{bucket}/carewire/landing", {"endpoint_url": s3_endpoint, "key": KEY,
                                               "secret": SECRET}
