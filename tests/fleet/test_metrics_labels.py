"""A fleet daemon's /metrics carries its id on every sample, so one Prometheus tells the daemons apart."""

from __future__ import annotations

from wwiseflowd.api.metrics import ApiMetrics, with_labels


def test_every_sample_gets_the_daemon_label_and_comments_stay_as_they_are() -> None:
    text = b'# HELP x_total X.\n# TYPE x_total counter\nx_total{status="ok"} 3.0\ny 1.0\n'
    labelled = with_labels(text, {"daemon": 'agent "7"'}).decode()
    assert labelled.splitlines() == [
        "# HELP x_total X.", "# TYPE x_total counter",
        'x_total{daemon="agent \\"7\\"",status="ok"} 3.0', 'y{daemon="agent \\"7\\""} 1.0']


def test_metrics_without_labels_render_unchanged_and_with_them_parse_as_prometheus_text() -> None:
    from prometheus_client.parser import text_string_to_metric_families

    metrics = ApiMetrics()
    metrics.observe({"type": "run.finished", "ok": True, "status": "succeeded"})
    plain = metrics.render()
    metrics.labels["daemon"] = "agent-a"
    samples = [s for f in text_string_to_metric_families(metrics.render().decode()) for s in f.samples]
    assert samples and all(s.labels.get("daemon") == "agent-a" for s in samples)
    assert b"daemon=" not in plain
