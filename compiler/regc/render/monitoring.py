"""Metrics: the Service of the debug listener, a ServiceMonitor and the alerts of a PrometheusRule."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.names import DEFAULT_INSTANCE, ERROR_RATE_ALERT, METRICS_PORT_NAME, NO_READY_ALERT, STORAGE_ALERT
from regc.plan.plan import Plan

MONITORING = "monitoring.coreos.com/v1"

# Metric names the registry exports (checked against the real registry's /metrics by the e2e suite).
REQUESTS_METRIC = "registry_http_requests_total"


def metrics_service(plan: Plan) -> dict[str, Any] | None:
    metrics = plan.spec.metrics
    if not metrics.enabled:
        return None
    names = plan.names
    return k8s_object(
        "v1",
        "Service",
        names.metrics_service,
        labels=names.metrics_labels,
        spec={
            "type": "ClusterIP",
            "selector": dict(names.selector_labels),
            "ports": [
                {"name": METRICS_PORT_NAME, "port": metrics.port, "targetPort": METRICS_PORT_NAME, "protocol": "TCP"}
            ],
        },
    )


def service_monitor(plan: Plan) -> dict[str, Any] | None:
    metrics = plan.spec.metrics
    if not (metrics.enabled and metrics.service_monitor):
        return None
    names = plan.names
    selected = {key: names.metrics_labels[key] for key in ("app.kubernetes.io/component", "app.kubernetes.io/name")}
    obj = k8s_object(
        MONITORING,
        "ServiceMonitor",
        names.deployment,
        labels=names.base_labels,
        spec={
            "selector": {"matchLabels": selected},
            "endpoints": [{"port": METRICS_PORT_NAME, "path": "/metrics", "interval": metrics.interval}],
        },
    )
    obj["metadata"]["labels"].update(sorted(metrics.labels.items()))
    return obj


def prometheus_rule(plan: Plan) -> dict[str, Any] | None:
    metrics = plan.spec.metrics
    if not (metrics.enabled and metrics.prometheus_rule):
        return None
    namespace = plan.namespace  # PromQL is text: Kustomize's namespace does not reach into it
    names = plan.names
    deployment = f'namespace="{namespace}", deployment="{names.deployment}"'
    # A second registry of the namespace is told apart by the Service its metrics are scraped through.
    scope = f'namespace="{namespace}"' + (
        "" if names.instance == DEFAULT_INSTANCE else f', service="{names.metrics_service}"'
    )
    requests = f"{REQUESTS_METRIC}{{{scope}}}"
    errors = f'{REQUESTS_METRIC}{{{scope}, code=~"5.."}}'
    rules = [
        _alert(
            NO_READY_ALERT,
            f"kube_deployment_status_replicas_available{{{deployment}}} == 0",
            "5m",
            "critical",
            f"No registry pod of {namespace} is ready: pushes and pulls fail.",
        ),
        _alert(
            ERROR_RATE_ALERT,
            f"sum(rate({errors}[10m])) / sum(rate({requests}[10m])) > {metrics.error_rate_threshold}",
            "10m",
            "warning",
            f"More than {metrics.error_rate_threshold:.0%} of the requests to the registry of "
            f"{namespace} fail with a 5xx status.",
        ),
        _alert(
            STORAGE_ALERT,
            f"kube_deployment_status_replicas_unavailable{{{deployment}}} > 0",
            "10m",
            "warning",
            f"Registry pods of {namespace} stay unready: the storage driver health check "
            "(health.storagedriver) fails the readiness probe while the storage cannot be reached.",
        ),
    ]
    rules += [rule.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True) for rule in metrics.extra_rules]
    obj = k8s_object(
        MONITORING,
        "PrometheusRule",
        plan.names.deployment,
        labels=plan.names.base_labels,
        spec={"groups": [{"name": plan.names.instance, "rules": rules}]},
    )
    obj["metadata"]["labels"].update(sorted(metrics.labels.items()))
    return obj


def _alert(name: str, expr: str, duration: str, severity: str, summary: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": duration,
        "labels": {"severity": severity},
        "annotations": {"summary": summary},
    }
