"""Session fixtures: tiny random VLMs built on the spot (seconds, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_llava_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from docpipe.devtools.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_llava"), family="llava")


@pytest.fixture(scope="session")
def tiny_idefics3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from docpipe.devtools.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_idefics3"), family="idefics3")


# -- object storage: a local S3-compatible server (moto in server mode) on 127.0.0.1 only ----------

S3_ENV = {"AWS_ACCESS_KEY_ID": "docpipe-test", "AWS_SECRET_ACCESS_KEY": "docpipe-test-secret",
          "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """http://127.0.0.1:PORT of a moto S3 server started for this test session.

    The standard AWS variables (keys, region, AWS_ENDPOINT_URL) are set in this process's
    environment, so that every client (s3fs here, docpipe subprocesses, Ray nodes started by the
    tests) is addressed at 127.0.0.1 and nowhere else.
    """
    import logging
    import os

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in (*S3_ENV, "AWS_ENDPOINT_URL")}
    os.environ.update(S3_ENV)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def bucket(s3_endpoint, request):
    """A fresh, empty bucket name (the test's own); the s3fs filesystem is docpipe's."""
    import re
    import uuid

    from docpipe.storage.uri import filesystem

    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-")
    name = f"{name}-{uuid.uuid4().hex[:8]}"
    fs, _ = filesystem(f"s3://{name}")
    fs.mkdir(name)
    return name
