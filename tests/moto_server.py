"""moto's DynamoDB in server mode for tests: a real HTTP endpoint on 127.0.0.1, dummy credentials.

Not a conftest: import `moto_server` and wrap it in a fixture of the scope you need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # Never read the developer's ~/.aws, never ask an instance metadata service.
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
)


@contextmanager
def moto_server() -> Iterator[str]:
    """Run moto's server on a free local port with dummy AWS settings in the environment.

    Yields the endpoint URL; the environment is restored and the server stopped on exit.
    """
    from moto.server import ThreadedMotoServer  # heavy; only when a test needs it

    with pytest.MonkeyPatch.context() as env:
        for name, value in DUMMY_AWS_ENV.items():
            env.setenv(name, value)
        for name in _UNSET:
            env.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()
