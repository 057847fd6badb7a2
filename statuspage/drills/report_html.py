"""The drill's report as one standalone HTML page: the promises, the timeline and the
communication report (crisis.report), from the same JSON document the CLI writes."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Drill report: {{ doc.scenario.name }}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto;
  padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.held { color: #17663a; } .broken { color: #a4161a; font-weight: bold; }
.refused { color: #a4161a; } .body { white-space: pre-wrap; }
</style>
</head>
<body>
<header>
<h1>Drill report: {{ doc.scenario.name }}</h1>
<p>A drill in a sandbox: no customer, regulator or public page was reached. Simulated time
from {{ doc.started_at }} to {{ doc.finished_at }}.</p>
</header>
<main>
<section aria-labelledby="promises">
<h2 id="promises">Promises</h2>
<table>
<thead><tr><th scope="col">Promise</th><th scope="col">Held</th>
<th scope="col">Why not</th></tr></thead>
<tbody>
{% for key, value in doc.promises.items() %}
<tr><th scope="row">{{ key }}</th>
{% if value is sameas true %}<td class="held">held</td><td></td>
{% else %}<td class="broken">not held</td><td>{{ value.why }}</td>{% endif %}
</tr>
{% endfor %}
</tbody>
</table>
</section>
<section aria-labelledby="timeline">
<h2 id="timeline">Timeline</h2>
<table>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th>
<th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
<tbody>
{% for e in doc.timeline %}
<tr><td>{{ e.offset }}</td><td>{{ e.step }}</td><td>{{ e.by or "" }}</td>
<td class="{{ e.outcome }}">{{ e.outcome }}</td>
<td>{{ e.detail if e.detail is string else (e.detail | tojson) }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% if doc.report %}
<section aria-labelledby="report">
<h2 id="report">Communication report</h2>
<h3>Updates</h3>
<table>
<thead><tr><th scope="col">Posted</th><th scope="col">Status</th><th scope="col">By</th>
<th scope="col">Message</th></tr></thead>
<tbody>
{% for u in doc.report.timeline %}
<tr><td>{{ u.posted_at }}</td><td>{{ u.status }}</td><td>{{ u.posted_by }}</td>
<td>{{ u.body }}</td></tr>
{% endfor %}
</tbody>
</table>
<h3>Internal notices</h3>
<table>
<thead><tr><th scope="col">Sent</th><th scope="col">Kind</th><th scope="col">Subject</th>
<th scope="col">Message</th><th scope="col">Sent by</th>
<th scope="col">Channels</th>
<th scope="col">Recipients (acknowledged)</th></tr></thead>
<tbody>
{% for n in doc.report.internal %}
<tr><td>{{ n.sent_at }}</td><td>{{ n.kind }}</td><td>{{ n.subject }}</td>
<td class="body">{{ n.body }}</td>
<td>{{ n.sent_by }}{% if n.started_by and n.started_by != n.sent_by %}
(started by {{ n.started_by }}){% endif %}</td>
<td>{% for channel, states in (n.channel_states or {}).items() %}{{ channel }}:
{% for state, count in states.items() if count %}{{ state }} {{ count }}
{%- if not loop.last %}, {% endif %}{% endfor %}
{%- if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{% for r in n.recipients %}{{ r.name }}
{%- if r.acknowledged_at %} ({{ r.acknowledged_how }} {{ r.acknowledged_at }}){% endif %}
{%- if not loop.last %}; {% endif %}{% endfor %}</td></tr>
{% endfor %}
</tbody>
</table>
<h3>Regulatory obligations</h3>
<table>
<thead><tr><th scope="col">Regulator</th><th scope="col">Report</th><th scope="col">Due</th>
<th scope="col">Sent</th><th scope="col">Status</th></tr></thead>
<tbody>
{% for o in doc.report.obligations %}
<tr><td>{{ o.regulator }}</td><td>{{ o.what }}</td><td>{{ o.due_at or "" }}</td>
<td>{{ o.sent_at or "" }}</td><td>{{ o.status }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endif %}
</main>
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def render(doc: dict[str, Any]) -> str:
    """The page for the drill's JSON document (see the README's "Drills")."""
    return _env.from_string(_TEMPLATE).render(doc=doc)
