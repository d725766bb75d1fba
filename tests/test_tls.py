"""HTTPS against real TLS servers (nginx with ssl, and a strict stdlib `ssl` server) with certificates
made at test time: verification, every bad-certificate case as its own error class, --insecure,
mutual TLS, version bounds, session resumption, and bad TLS input rejected when the test is built.
"""

from __future__ import annotations

import shutil

import pytest

import horde as h
from certs import Pki
from cli import horde
from conformance import ClientCertServer
from conformance import Nginx as TlsNginx


def attack(url: str, **kwargs) -> h.Result:
    kwargs.setdefault("requests", 40)
    kwargs.setdefault("connections", 2)
    return h.attack(url, progress=None, **kwargs)


@pytest.fixture(scope="module")
def good(pki: Pki):
    with TlsNginx().start(tls=pki) as server:
        yield server


def test_a_verified_https_run_succeeds_and_times_the_handshake(good, pki):
    r = attack(good.url("/hello", host="localhost"), tls=h.Tls(ca=pki.ca))
    assert r.requests == 40 and r.errors == {} and r.status == {"200": 40}
    assert r.generator["tls_handshakes"] == r.generator["connections_opened"] >= 2
    tls = r.histogram("http_req_tls_handshaking")
    assert tls.count == r.generator["tls_handshakes"] and tls.max > 0
    assert r.warnings == [] or all("INSECURE" not in w for w in r.warnings)
    assert "TLS handshakes" in r.summary()


def test_an_ip_url_is_verified_against_the_certificates_ip_address(good, pki):
    r = attack(good.url("/hello"), tls=h.Tls(ca=pki.ca))
    assert r.errors == {} and r.status == {"200": 40}


@pytest.mark.parametrize(
    ("cert", "tls_kwargs", "expected"),
    [
        ("server", {}, "tls_untrusted_certificate"),  # our CA is not given
        ("untrusted", {"ca": "ca"}, "tls_untrusted_certificate"),
        ("expired", {"ca": "ca"}, "tls_expired_certificate"),
        ("wrong_name", {"ca": "ca"}, "tls_hostname_mismatch"),
    ],
)
def test_each_bad_certificate_has_its_own_error_class(pki, cert, tls_kwargs, expected):
    kwargs = {k: getattr(pki, v) for k, v in tls_kwargs.items()}
    with TlsNginx(cert=cert).start(tls=pki) as server:
        r = attack(server.url("/hello", host="localhost"), tls=h.Tls(**kwargs))
    assert r.errors == {expected: 40}, r.errors
    assert r.status == {}
    summary = r.summary()
    assert summary.count(expected) == 1, "one line in the summary, not one per request"


@pytest.mark.parametrize(
    ("protocols", "tls_kwargs"),
    [("TLSv1.3", {"max_version": "1.2"}), ("TLSv1.2", {"min_version": "1.3"})],
)
def test_no_tls_version_in_common_is_a_version_mismatch(pki, protocols, tls_kwargs):
    with TlsNginx(protocols=protocols).start(tls=pki) as server:
        r = attack(server.url("/hello", host="localhost"), tls=h.Tls(ca=pki.ca, **tls_kwargs))
    assert r.errors == {"tls_version_mismatch": 40}, r.errors


def test_version_bounds_that_meet_the_server_succeed(pki):
    with TlsNginx(protocols="TLSv1.2").start(tls=pki) as server:
        r = attack(server.url("/hello", host="localhost"), tls=h.Tls(ca=pki.ca, max_version="1.2"))
    assert r.errors == {} and r.status == {"200": 40}


def test_a_server_that_does_not_speak_tls_is_named(nginx):
    plain = nginx.url().replace("http://", "https://")
    r = attack(plain)
    assert r.errors == {"tls_not_tls": 40}, r.errors


def test_ssl_cert_file_is_trusted_like_curl_and_openssl(good, pki, monkeypatch):
    url = good.url("/hello", host="localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))
    r = attack(url)  # no ca=: the system store is SSL_CERT_FILE
    assert r.errors == {} and r.status == {"200": 40}
    # Only the bundled roots: the variable is not read.
    r = attack(url, tls=h.Tls(trust="bundled"))
    assert r.errors == {"tls_untrusted_certificate": 40}
    p = horde("attack", url, "-n", "5", "-c", "1", "-q")
    assert p.returncode == 0 and "200" in p.stdout, p.stdout + p.stderr
    p = horde("attack", url, "-n", "5", "-c", "1", "-q", "--trust", "bundled")
    assert "tls_untrusted_certificate" in p.stdout


def test_ssl_cert_dir_and_only_one_source(good, pki, tmp_path, monkeypatch):
    url = good.url("/hello", host="localhost")
    shutil.copy(pki.ca, tmp_path / "company.pem")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert attack(url, tls=h.Tls(trust="system")).status == {"200": 40}
    # trust=[] leaves only ca: nothing here.
    assert attack(url, tls=h.Tls(trust=[], ca=pki.ca)).status == {"200": 40}


def test_a_bad_trust_source_names_the_field_and_the_variable(tmp_path, monkeypatch):
    with pytest.raises(h.PlanError, match=r"tls.trust: .*\"bundled\" or \"system\", got \"os\""):
        h.Tls(trust=["os"])
    with pytest.raises(h.PlanError, match=r"tls.trust: trusts no CA at all"):
        h.Tls(trust=[])
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "gone.pem"))
    with pytest.raises(h.PlanError, match=r"tls.trust: .*SSL_CERT_FILE=.*gone.pem"):
        h.Tls()
    p = horde("attack", "https://127.0.0.1:1/", "-n", "1", "-q")
    assert p.returncode == 2 and "SSL_CERT_FILE" in p.stderr and "Traceback" not in p.stderr


def test_insecure_succeeds_and_is_flagged_loudly(pki):
    with TlsNginx(cert="untrusted").start(tls=pki) as server:
        r = attack(server.url("/hello", host="localhost"), insecure=True)
    assert r.errors == {} and r.status == {"200": 40}
    assert r.warnings and r.warnings[0].startswith("INSECURE")
    assert "! INSECURE" in r.summary()


def test_insecure_from_the_cli_is_flagged(pki):
    with TlsNginx(cert="expired").start(tls=pki) as server:
        p = horde("attack", server.url("/hello", host="localhost"), "-n", "20", "-c", "1", "--insecure", "-q")
    assert p.returncode == 0, p.stderr
    assert "INSECURE: TLS certificates were not verified" in p.stdout


def test_mutual_tls_with_nginx_accepts_the_right_certificate(pki):
    with TlsNginx(verify_client="on").start(tls=pki) as server:
        url = server.url("/hello", host="localhost")
        ok = attack(url, tls=h.Tls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key))
        without = attack(url, tls=h.Tls(ca=pki.ca))
    assert ok.errors == {} and ok.status == {"200": 40}
    # nginx finishes the handshake and answers 400 "No required SSL certificate was sent".
    assert without.status == {"400": 40} and without.failed == 40


def test_a_strict_tls_server_rejects_a_client_without_certificate_in_tls(pki):
    with ClientCertServer(pki, version="TLSv1.3").start() as server:
        url = server.url()
        ok = attack(url, tls=h.Tls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key), requests=10)
        without = attack(url, tls=h.Tls(ca=pki.ca), requests=10)
        wrong = attack(
            url, tls=h.Tls(ca=pki.ca, cert=pki.untrusted_client_cert, key=pki.untrusted_client_key), requests=10
        )
    assert ok.errors == {} and ok.status == {"200": 10}
    assert without.errors == {"tls_client_certificate_rejected": 10}, without.errors
    assert wrong.errors == {"tls_client_certificate_rejected": 10}, wrong.errors


def test_hosts_override_keeps_the_name_for_sni_and_verification(good, pki):
    url = f"https://shop.test:{good.port}/hello"
    r = attack(url, tls=h.Tls(ca=pki.ca), hosts={"shop.test": "127.0.0.1"})
    assert r.errors == {} and r.status == {"200": 40}


@pytest.mark.parametrize(("resumption", "resumed"), [("per_vu", True), ("shared", True), ("off", False)])
def test_session_resumption_is_configurable(good, pki, resumption, resumed):
    journey = h.journey("fresh", h.get(good.url("/hello", host="localhost"), check=h.status(200)))
    test = h.Test(
        scenarios={"s": h.per_vu_iterations(journey, vus=2, iterations=10)},
        tls=h.Tls(ca=pki.ca, resumption=resumption),
        connections="per_iteration",
        workers=1,
    )
    r = test.run(progress=None)
    g = r.generator
    assert r.errors == {} and g["tls_handshakes"] == 20
    if resumed:
        # Only each VU's first connection needs a full handshake (TLS 1.3 tickets are single-use,
        # and nginx sends fresh ones with every handshake).
        assert g["tls_resumed"] >= 18 - 2, g
    else:
        assert g["tls_resumed"] == 0, g


def test_bad_tls_input_is_rejected_when_the_test_is_built(tmp_path, pki):
    with pytest.raises(h.PlanError, match=r"tls.ca") as e:
        h.Tls(ca=tmp_path / "missing.pem")
    assert e.value.issues[0][0] == "tls.ca"
    with pytest.raises(h.PlanError, match=r"tls.key: .*cannot read .*Is a directory"):
        h.Tls(cert=pki.client_cert, key=tmp_path)  # unreadable even for root
    with pytest.raises(h.PlanError, match=r"tls.key"):
        h.Tls(cert=pki.client_cert)
    with pytest.raises(h.PlanError, match=r"tls.min_version"):
        h.Tls(min_version="1.1")
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate")
    with pytest.raises(h.PlanError, match=r"tls.ca: .*no PEM certificate"):
        attack("https://127.0.0.1:1/", tls=h.Tls(ca=not_pem))
    not_key = tmp_path / "not-key.pem"
    not_key.write_text("not a key")
    # The engine reads the files when the settings are made, and names the argument.
    with pytest.raises(h.PlanError, match=r"^tls.key: .*not-key.pem: cannot read a PEM private key"):
        h.Tls(cert=pki.client_cert, key=not_key)
    with pytest.raises(h.PlanError, match=r"unsupported scheme"):
        attack("ftp://127.0.0.1/")


def test_bad_tls_flags_are_usage_errors(tmp_path):
    p = horde("attack", "https://127.0.0.1:1/", "--cacert", str(tmp_path / "missing.pem"))
    assert p.returncode == 2 and "tls.ca" in p.stderr and "missing.pem" in p.stderr
    p = horde("attack", "https://127.0.0.1:1/", "--resolve", "shop.test")
    assert p.returncode == 2 and "--resolve takes HOST=ADDR" in p.stderr
