"""A bad scenario stops the drill before any sandbox is built: exit 2 and a message that says
what is wrong and where, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from statuspage.config import REPO_ROOT
from statuspage.drills.scenario import STEP_FIELDS, ScenarioError, load

SHIPPED = REPO_ROOT / "drills" / "payment-outage.yaml"

ROSTER = """
name: Broken
roster:
  people:
    - {name: Ann, roles: [Comms lead]}
steps:
"""


def drill(app, scenario: Path, tmp_path: Path):
    return app.test_cli_runner().invoke(
        args=["drill", str(scenario), "--json", str(tmp_path / "out.json")]
    )


def test_the_shipped_scenario_reads(app):
    scenario = load(SHIPPED)
    assert scenario.name == "Payment outage in Singapore"
    assert {s.kind for s in scenario.steps} <= STEP_FIELDS.keys()
    assert scenario.minutes == 120
    assert scenario.regulators == ("mas", "gdpr")
    [playbook] = scenario.playbooks
    assert (playbook.name, playbook.impacts, playbook.cadence_minutes) == (
        "SEV1 payments",
        ("critical",),
        30,
    )
    assert playbook.regulators == ("mas", "gdpr")
    # The playbook does the routine: no step pages, briefs or marks regulators by hand.
    kinds = {s.kind for s in scenario.steps}
    assert not kinds & {"page_team", "brief_executives", "guidelines", "reportable"}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ('  - {at: "+00:00", do: launch_rocket, by: Ann}', "step 1: unknown step 'launch_rocket'"),
        ('  - {at: "5 minutes", do: stand_down, by: Ann}', 'an offset is written "+HH:MM"'),
        ('  - {at: "+00:75", do: stand_down, by: Ann}', 'an offset is written "+HH:MM"'),
        ('  - {at: "-00:05", do: stand_down, by: Ann}', 'an offset is written "+HH:MM"'),
        ('  - {at: "+00:01", do: stand_down, by: Bob}', "'Bob' is not in the scenario's roster"),
        ('  - {at: "+00:01", do: page_team, by: Ann, bridge: {}}', "(page_team) needs `roles`"),
        ("  - {do: stand_down, by: Ann}", 'needs `at: "+HH:MM"`'),
        ('  - {at: "+00:01", do: stand_down, by: Ann, colour: red}', "unknown field 'colour'"),
        ("  - [not, a, mapping]", "step 1 must be a mapping"),
        (
            '  - {at: "+00:01", do: page_team, by: Ann, roles: [Comms lead], bridge: {}, '
            "repage_minutes: five}",
            "`repage_minutes` is a whole number of minutes, got 'five'",
        ),
        (
            '  - {at: "+00:01", do: trigger, by: Ann, kind: panic, occurred: "+00:00"}',
            "a trigger's kind is one of awareness",
        ),
        (
            '  - {at: "+00:01", do: open_incident, by: Ann, name: X, body: [a, b]}',
            "`body` is a text",
        ),
    ],
)
def test_a_bad_step_exits_2_with_its_reason(app, tmp_path, steps, message):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(ROSTER + steps + "\n")
    result = drill(app, scenario, tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", "is not valid YAML"),
        ("- just\n- a list\n", "the scenario must be a mapping"),
        ("name: No steps\nsteps: []\n", "the scenario needs `steps`"),
        ("steps:\n  - {at: '+00:00', do: stand_down}\n", "the scenario needs a `name`"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\nregulators: [atlantis]\n',
         "no regime 'atlantis' in the regulator library"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\nuntil: "+00:00:30"\n',
         'an offset is written "+HH:MM"'),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\nplaybooks: SEV1\n',
         "playbooks must be a list"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\n'
         'playbooks: [{name: P, colour: red}]\n',
         "playbooks[1]: unknown field 'colour'"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\n'
         'playbooks: [{name: P, max_rounds: x}]\n',
         "playbooks[1]: `max_rounds` is a whole number"),
        (ROSTER + '  - {at: "+00:01", do: playbook, by: Ann}\n', "(playbook) needs `playbook`"),
        # Checked as the sandbox is seeded, against its registry and crisis.playbooks: exit 2.
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\n'
         'playbooks: [{name: P, impacts: [critical], roles: [Comms lead]}]\n',
         "playbook 'P': give the bridge a dial-in number or a meeting URL"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\n'
         'playbooks: [{name: P, impacts: [critical], regulators: [atlantis]}]\n',
         "playbook 'P': no regulator 'atlantis' in the drill's registry"),
        (ROSTER + '  - {at: "+00:00", do: stand_down, by: Ann}\n'
         'playbooks: [{name: P, roles: [Comms lead]}]\n',
         "playbook 'P': a playbook that runs by itself needs an impact or a component"),
    ],
)  # fmt: skip
def test_a_bad_document_exits_2_with_its_reason(app, tmp_path, text, message):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    result = drill(app, scenario, tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(app, tmp_path):
    result = drill(app, tmp_path / "nowhere.yaml", tmp_path)
    assert result.exit_code == 2
    assert f"no scenario file at {tmp_path / 'nowhere.yaml'}" in result.stderr


def test_a_stand_in_the_roster_refuses_exits_2(app, tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "name: Bad zone\nroster:\n  people:\n    - {name: Ann, timezone: Mars/Olympus}\n"
        'steps:\n  - {at: "+00:00", do: stand_down, by: Ann}\n'
    )
    result = drill(app, scenario, tmp_path)
    assert result.exit_code == 2
    assert "roster: 'Mars/Olympus' is not a time zone" in result.stderr


def test_load_raises_scenario_errors_only(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScenarioError, match="cannot read"):
        load(tmp_path / "bin.yaml")


def test_a_report_path_in_a_missing_folder_exits_2_before_the_drill(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["drill", str(SHIPPED), "--json", str(tmp_path / "no" / "such" / "drill.json")]
    )
    assert result.exit_code == 2
    assert f"there is no folder {tmp_path / 'no' / 'such'}" in result.stderr
