"""API writes land in the audit trail under the key's name and the caller's address."""

from __future__ import annotations

from statuspage.audit.trail import events, verify_chain

CLIENT_ADDRESS = "203.0.113.9"


def test_every_api_write_is_recorded_with_the_key_and_the_address(client, owner, base):
    def call(method: str, path: str, body: dict | None = None) -> dict:
        response = client.open(
            base + path,
            method=method,
            headers=owner.headers,
            json=body,
            environ_base={"REMOTE_ADDR": CLIENT_ADDRESS},
        )
        assert response.status_code in (200, 201, 204), response.get_data(as_text=True)
        return response.get_json(silent=True) or {}

    component = call(
        "POST", "/components", {"component": {"name": "API", "start_date": "2024-01-02"}}
    )
    call("PATCH", f"/components/{component['id']}", {"component": {"status": "major_outage"}})
    group = call(
        "POST",
        "/component-groups",
        {"component_group": {"name": "Core", "components": [component["id"]]}},
    )
    incident = call("POST", "/incidents", {"incident": {"name": "Down", "body": "Down."}})
    call(
        "PATCH", f"/incidents/{incident['id']}", {"incident": {"status": "resolved", "body": "Up."}}
    )
    call("POST", "/incident_templates", {"template": {"name": "T", "title": "T", "body": "B"}})
    call("DELETE", f"/incidents/{incident['id']}")
    call("DELETE", f"/component-groups/{group['id']}")
    call("DELETE", f"/components/{component['id']}")

    trail = list(events())
    assert [e.action for e in trail] == [
        "component.create",
        "component.update",  # start_date
        "component.update",
        "component_group.create",
        "component_group.update",  # members
        "incident.create",
        "incident.update",
        "template.create",
        "incident.delete",
        "component_group.delete",
        "component.delete",
    ]
    assert {(e.actor, e.ip) for e in trail} == {(owner.audit_label, CLIENT_ADDRESS)}
    assert owner.audit_label == f"api:{owner.key.id} owner-bot"
    assert trail[2].before["status"] == "operational"
    assert trail[2].after["status"] == "major_outage"
    assert verify_chain().ok


def test_a_refused_or_failed_write_records_nothing(client, make_caller, owner, base):
    viewer = make_caller("viewer")
    client.post(f"{base}/components", headers=viewer.headers, json={"component": {"name": "X"}})
    client.post(f"{base}/components", headers=owner.headers, json={"component": {"name": " "}})
    client.post(
        f"{base}/incidents",
        headers=owner.headers,
        json={"incident": {"name": "X", "body": "Y", "components": {"nope": "major_outage"}}},
    )
    assert list(events()) == []
