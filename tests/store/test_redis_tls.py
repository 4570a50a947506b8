"""``rediss://`` against a real redis-server listening with TLS (certificates made by the test with
``cryptography``): the store and the fleet's queue work through it with ``ca_file``; without the CA
the connection is refused with a sentence to act on."""

from __future__ import annotations

import datetime
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wwiseflowd.config import settings_for_tests
from wwiseflowd.fleet.queue import WorkQueue
from wwiseflowd.store import StoreUnavailable, open_store
from wwiseflowd.store.redis_store import RedisStore, connect
from wwiseflowd.testing import RedisServer


def _key_and_name(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Name]:
    return ec.generate_private_key(ec.SECP256R1()), x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                                    common_name)])


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_certificates(folder: Path) -> dict[str, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, ca_name = _key_and_name("wwiseflowd test CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key, name = _key_and_name("127.0.0.1")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    return {
        "ca": _write(folder / "ca.pem", ca.public_bytes(pem)),
        "cert": _write(folder / "redis.pem", cert.public_bytes(pem)),
        "key": _write(folder / "redis.key", key.private_bytes(pem, serialization.PrivateFormat.PKCS8, plain)),
    }


@dataclass
class TlsRedis:
    """A redis-server with a TLS port besides its plain one (which only its readiness check uses)."""

    server: RedisServer
    tls_port: int
    ca_file: Path

    @property
    def url(self) -> str:
        return f"rediss://127.0.0.1:{self.tls_port}/0"


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Iterator[TlsRedis]:
    """(``redis_server`` first: it skips, or fails under CI, when redis-server is not installed.)"""
    certs = make_certificates(tmp_path_factory.mktemp("tls"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        tls_port = probe.getsockname()[1]
    server = RedisServer(extra_args=(
        "--tls-port", str(tls_port), "--tls-cert-file", str(certs["cert"]), "--tls-key-file",
        str(certs["key"]), "--tls-ca-cert-file", str(certs["ca"]), "--tls-auth-clients", "no"))
    try:
        server.start()
    except RuntimeError as exc:  # built without TLS: it refuses --tls-port and exits
        pytest.skip(f"this redis-server does not start with TLS ({exc}); Debian's package does")
    yield TlsRedis(server, tls_port, certs["ca"])
    server.stop()


def test_the_store_and_the_work_queue_work_over_tls_with_the_private_ca(
    tls_redis: TlsRedis, tmp_path: Path,
) -> None:
    settings = settings_for_tests(tmp_path, store={
        "backend": "redis", "url": tls_redis.url, "password": tls_redis.server.password,
        "ca_file": str(tls_redis.ca_file), "key_prefix": tls_redis.server.prefix()})
    store = open_store(settings)
    assert isinstance(store, RedisStore)
    assert store.client.connection_pool.connection_kwargs.get("ssl_ca_certs") == str(tls_redis.ca_file)
    store.ledger_record({"executionId": "exec_tls", "startedAt": "2026-12-02T07:00:00Z", "ok": True},
                        "succeeded")
    assert (store.ledger_get("exec_tls") or {})["status"] == "succeeded"
    queue = WorkQueue(store.client, settings.store.key_prefix)
    queue.submit("GameA", "exec_q", {"document": {}})
    job = queue.take("agent-a", ["GameA"], 100)
    assert job is not None and queue.finish("agent-a", job)
    store.close()


def test_without_the_ca_the_tls_connection_is_refused_with_a_sentence(tls_redis: TlsRedis) -> None:
    with pytest.raises(StoreUnavailable, match=r"does not answer .*certificate verify failed"):
        connect(tls_redis.url, tls_redis.server.password)
