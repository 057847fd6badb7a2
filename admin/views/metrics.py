"""Metrics (owners): the providers and their metrics, with the last data time and the last
problem of each, and forms to create, edit and delete them. The metric id is shown so a
service can push its data with the API."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.metrics import MetricForm, ProviderForm
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.models import Metric, MetricsProvider
from statuspage.page.state import ensure_page
from statuspage.system_metrics import metrics, providers
from statuspage.system_metrics.providers import PROMETHEUS

METRIC_FIELDS = (
    "name", "metric_identifier", "display", "suffix", "decimal_places", "tooltip_description",
    "y_axis_min", "y_axis_max", "y_axis_hidden", "position",
)  # fmt: skip


def _index(form: ProviderForm) -> tuple[str, int]:
    listed, sources = metrics.list_metrics(), providers.list_providers()
    return render_template(
        "admin/metrics/index.html",
        providers=sources,
        metrics_of={p.id: [m for m in listed if m.metrics_provider_id == p.id] for p in sources},
        provider_form=form,
        page_id=ensure_page().id,
    ), form_status()


def index() -> tuple[str, int]:
    return _index(ProviderForm(formdata=None))


def _provider_fields(form: ProviderForm) -> dict[str, object]:
    uri = (form.metric_base_uri.data or "").strip() if form.type.data == PROMETHEUS else ""
    return {"metric_base_uri": uri or None, "disabled": form.disabled.data}


def new_provider() -> ViewResult:
    form = ProviderForm()
    if form.validate_on_submit():
        with attempt(form):
            providers.create_provider(form.type.data, actor=actor(), **_provider_fields(form))
            return done(_("Source added."), "admin.metrics")
    return _index(form)


def edit_provider(provider_id: str) -> ViewResult:
    provider = providers.get_provider(provider_id)
    form = ProviderForm(obj=provider)
    if form.validate_on_submit():
        with attempt(form):
            providers.update_provider(
                provider, actor=actor(), type=form.type.data, **_provider_fields(form)
            )
            return done(_("Source saved."), "admin.metrics")
    return render_template(
        "admin/metrics/provider.html", form=form, provider=provider
    ), form_status()


def delete_provider(provider_id: str) -> ViewResult:
    provider = providers.get_provider(provider_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        providers.delete_provider(provider, actor=actor())
        return done(_("Source deleted."), "admin.metrics")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete this %(type)s source?", type=provider.type),
        message=_("Its metrics and all their data go with it; their charts leave the page."),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.metrics"),
    )


def _metric_form(metric: Metric | None) -> MetricForm:
    form = MetricForm(obj=metric)
    form.metrics_provider_id.choices = [
        SelectChoice(p.id, _provider_label(p)) for p in providers.list_providers()
    ]
    if metric is None and request.method == "GET" and request.args.get("provider"):
        form.metrics_provider_id.data = request.args["provider"]
    if metric is not None:  # a metric stays with its source
        form.metrics_provider_id.choices = [
            c for c in form.metrics_provider_id.choices if c.value == metric.metrics_provider_id
        ]
    return form


def _provider_label(provider: MetricsProvider) -> str:
    if provider.metric_base_uri:
        return f"{provider.type} · {provider.metric_base_uri}"
    return _("Self (pushed with the API)")


def _metric_fields(form: MetricForm) -> dict[str, object]:
    found = {name: getattr(form, name).data for name in METRIC_FIELDS}
    found["metric_identifier"] = (found["metric_identifier"] or "").strip()
    found["suffix"] = (found["suffix"] or "").strip()
    found["tooltip_description"] = (found["tooltip_description"] or "").strip() or None
    found["position"] = found["position"] or 0
    return found


def new_metric() -> ViewResult:
    form = _metric_form(None)
    if form.validate_on_submit():
        with attempt(form):
            provider = providers.get_provider(form.metrics_provider_id.data)
            metric = metrics.create_metric(provider, actor=actor(), **_metric_fields(form))
            return done(_("Metric “%(name)s” created.", name=metric.name), "admin.metrics")
    return render_template("admin/metrics/form.html", form=form, metric=None), form_status()


def edit_metric(metric_id: str) -> ViewResult:
    metric = metrics.get_metric(metric_id)
    form = _metric_form(metric)
    if form.validate_on_submit():
        with attempt(form):
            metrics.update_metric(metric, actor=actor(), **_metric_fields(form))
            return done(_("Metric “%(name)s” saved.", name=metric.name), "admin.metrics")
    return render_template("admin/metrics/form.html", form=form, metric=metric), form_status()


def delete_metric(metric_id: str) -> ViewResult:
    metric = metrics.get_metric(metric_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = metric.name
        metrics.delete_metric(metric, actor=actor())
        return done(_("Metric “%(name)s” deleted.", name=name), "admin.metrics")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete the metric “%(name)s”?", name=metric.name),
        message=_("All its data goes with it, and its chart leaves the page."),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.metrics"),
    )
