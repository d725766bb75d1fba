"""Bad arguments are refused before any load, naming the argument and the value."""

from __future__ import annotations

import pytest

import horde
from horde import PlanError, RunError

URL = "http://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rate": "fast"}, r"rate must be a number, got 'fast'"),
        ({"connections": "many"}, r"connections must be an int, got 'many'"),
        ({"requests": 1.5}, r"requests must be an int, got 1.5"),
        ({"headers": 5}, r"headers must be a mapping or \(name, value\) pairs"),
        ({"body": 12}, r"body must be str or bytes, got int"),
        ({"duration": [1]}, r"duration must be a number of seconds"),
    ],
)
def test_wrong_types_raise_type_error(kwargs, match):
    with pytest.raises(TypeError, match=match):
        horde.attack(URL, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rate": -5}, r"rate: must be > 0, got -5"),
        ({"rate": 0}, r"rate: must be > 0, got 0"),
        ({"connections": 0}, r"connections: must be ≥ 1, got 0"),
        ({"duration": "ten seconds"}, r"duration must be a duration like '10s'.*'ten seconds'"),
        ({"duration": -1}, r"duration must be a finite duration ≥ 0, got -1"),
        ({"duration": 0}, r"duration: must be > 0, got 0"),
        ({"method": "G T"}, r"method: must be an HTTP method token like GET or POST, got \"G T\""),
        ({"headers": {"X-A": "a\r\nb"}}, r"headers: header \"X-A\" has a CR, LF or NUL"),
        ({"timeout": 0}, r"timeout: must be > 0, got 0"),
        ({"workers": 0}, r"workers: must be ≥ 1, got 0"),
    ],
)
def test_wrong_values_raise_value_errors_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        horde.attack(URL, **kwargs)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://example.invalid/", r"url: unsupported scheme \"ftp\""),
        ("not a url", r"url: invalid URL \"not a url\""),
    ],
)
def test_bad_urls_are_plan_errors(url, match):
    with pytest.raises(PlanError, match=match) as info:
        horde.attack(url)
    assert info.value.issues[0][0] == "url"


def test_plan_errors_are_value_errors_with_every_issue():
    with pytest.raises(ValueError, match="invalid attack") as info:
        horde.attack("ftp://x/", rate=-1, connections=0)
    names = [name for name, _ in info.value.issues]
    assert sorted(names) == ["connections", "rate", "url"], info.value.issues


def test_unresolvable_host_is_a_run_error_before_any_load():
    with pytest.raises(RunError, match=r"could not resolve no-such-host\.invalid"):
        horde.attack("http://no-such-host.invalid/", requests=1)


def test_errors_share_a_base_class():
    assert issubclass(PlanError, horde.HordeError)
    assert issubclass(PlanError, ValueError)
    assert issubclass(RunError, horde.HordeError)
    assert issubclass(RunError, RuntimeError)
