"""Bad tests are refused when built or validated — before any load — naming the culprit."""

from __future__ import annotations

import pytest

import horde as h
from cli import horde
from horde import PlanError

URL = "http://127.0.0.1:9"


def validate(*steps, **test_kw):
    j = h.journey("j", *steps)
    scenario = test_kw.pop("scenario", None) or h.constant_vus(j, vus=1, duration="1s")
    h.Test(base_url=URL, scenarios={"s": scenario}, **test_kw).validate()


def test_undefined_variable_names_the_step_and_variable():
    with pytest.raises(PlanError, match=r"journeys\.j\.steps\[1\]\.request\.url: undefined variable `\$\{cart_id\}`"):
        validate(h.get("/"), h.get("/cart/${cart_id}"))


def test_variable_extracted_later_is_not_defined_yet():
    with pytest.raises(PlanError, match=r"steps\[0\]\.request\.headers\[0\]: undefined variable `\$\{tok\}`"):
        validate(h.get("/", headers={"X-Token": "${tok}"}), h.get("/", extract={"tok": h.header("X-Token")}))


def test_invalid_json_path_and_regex():
    with pytest.raises(PlanError) as info:
        validate(h.get("/", extract={"a": h.json_path("$.items["), "b": h.regex("(open")}))
    text = str(info.value)
    assert 'steps[0].request.extract[0].path: invalid JSON path "$.items["' in text
    assert 'steps[0].request.extract[1].pattern: invalid regex "(open"' in text
    with pytest.raises(PlanError, match=r"checks\[0\]\.path: invalid JSON path"):
        validate(h.get("/", check=h.json_path("$..[")))


def test_threshold_that_does_not_parse_shows_the_position():
    with pytest.raises(PlanError, match=r"invalid threshold \"p\(95<500\": expected `\)` to close p\( at position 8"):
        validate(h.get("/"), thresholds={"http_req_duration": ["p(95<500"]})


def test_threshold_on_an_unknown_metric_or_request():
    with pytest.raises(PlanError, match=r'unknown metric "http_req_duraton"; known metrics are .*http_req_duration,'):
        validate(h.get("/"), thresholds={"http_req_duraton": ["p(95)<500"]})
    with pytest.raises(PlanError, match=r"no request matches http_req_duration\{name:chekout\}"):
        validate(h.get("/", name="checkout"), thresholds={"http_req_duration{name:chekout}": ["p(95)<500"]})
    with pytest.raises(PlanError, match=r"http_req_failed is a rate metric: use rate, not avg"):
        validate(h.get("/"), thresholds={"http_req_failed": ["avg<1"]})


def test_stages_with_zero_or_negative_duration():
    j = h.journey("j", h.get("/"))
    # The engine checks a scenario when it is made, and names the argument.
    with pytest.raises(PlanError, match=r"^stages: the stages must last longer than zero in total, got 0 s") as info:
        h.ramping_vus(j, stages=[("0s", 10)])
    assert info.value.issues == [("stages", "the stages must last longer than zero in total, got 0 s")]
    with pytest.raises(ValueError, match=r"stages\[0\]\.duration must be a finite duration ≥ 0, got -5"):
        h.ramping_vus(j, stages=[(-5, 10)])


def test_probability_outside_0_1():
    with pytest.raises(PlanError, match=r"steps\[1\]\.maybe\.probability: must be within \[0, 1\], got 1\.3"):
        validate(h.get("/"), h.maybe(1.3, h.get("/")))


def test_csv_missing_or_without_the_column(tmp_path):
    with pytest.raises(PlanError, match=r"data file '.*nope\.csv': No such file or directory"):
        h.csv(tmp_path / "nope.csv", column="token")
    path = tmp_path / "users.csv"
    path.write_text("email\na@x\n")
    with pytest.raises(PlanError, match=r"data file '.*users\.csv' has no column 'token'; its columns are \['email'\]"):
        h.csv(path, column="token")


def test_every_problem_at_once():
    with pytest.raises(PlanError) as info:
        validate(h.get("/${a}"), h.maybe(2, h.get("/")), thresholds={"checks": ["rate>"]})
    assert len(info.value.issues) == 3, info.value.issues


def test_script_with_a_python_error_shows_the_traceback_and_exits_1(tmp_path, nginx):
    script = tmp_path / "broken.py"
    script.write_text(f"import horde as h\nj = h.journey('j', h.get('{nginx.url()}'))\n1 / 0\n")
    p = horde("run", str(script), timeout=30)
    assert p.returncode == 1
    assert "ZeroDivisionError" in p.stderr and "Traceback" in p.stderr
    assert "failed before any load was sent" in p.stderr
    assert p.stdout == ""


def test_script_without_a_test(tmp_path):
    script = tmp_path / "empty.py"
    script.write_text("x = 1\n")
    p = horde("run", str(script), timeout=30)
    assert p.returncode == 1
    assert "defines no horde.Test" in p.stderr
