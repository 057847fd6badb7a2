"""Matchers read and hold as Alertmanager's do (its matcher syntax and anchored regexes:
https://prometheus.io/docs/alerting/latest/configuration/#matcher)."""

from __future__ import annotations

import pytest

from statuspage.core.errors import InvalidInput
from statuspage.monitoring.matchers import matches, parse, written


def test_the_written_forms_alertmanager_accepts():
    assert parse('service="api", severity=~"critical|page"\nenv!=staging') == [
        ("service", "=", "api"),
        ("severity", "=~", "critical|page"),
        ("env", "!=", "staging"),
    ]
    assert parse('{team!~"qa.*"}') == [("team", "!~", "qa.*")]
    assert parse(r'msg="say \"hi\""') == [("msg", "=", 'say "hi"')]


def test_written_reads_back():
    rule = [("service", "=", "api"), ("msg", "!=", 'a "quoted" \\ value')]
    assert parse(written(rule)) == rule


@pytest.mark.parametrize(
    ("source", "labels", "expected"),
    [
        ('service="api"', {"service": "api"}, True),
        ('service="api"', {"service": "web"}, False),
        ('severity=~"crit"', {"severity": "critical"}, False),  # anchored at both ends
        ('severity=~"crit.*"', {"severity": "critical"}, True),
        ('env!="staging"', {}, True),  # a missing label is the empty string
        ('env=""', {}, True),
        ('team!~"qa.*"', {"team": "qa-eu"}, False),
        ('service="api", severity="critical"', {"service": "api", "severity": "warning"}, False),
    ],
)
def test_matching(source, labels, expected):
    assert matches(parse(source), labels) is expected


@pytest.mark.parametrize(
    "source",
    ["", "service", 'service=="api"', '1abc="x"', 'a=~"("', 'a="x\x00"', ", ".join(["a=b"] * 21)],
)
def test_bad_matchers_are_a_clear_refusal(source):
    with pytest.raises(InvalidInput):
        parse(source)
