"""Generate deploy/grafana/dashboards/newswire.json (run after changing the panels)."""

from __future__ import annotations

import json
from pathlib import Path

PANELS = [
    ("Throughput per stage (records/s)", 'sum by (stage) (rate(newswire_consumed_total[5m]))'),
    ("Stage latency p95 (s)",
     "histogram_quantile(0.95, sum by (stage, le) "
     "(rate(newswire_stage_duration_seconds_bucket[5m])))"),
    ("Failures by reason (/s)",
     'sum by (stage, reason) (rate(newswire_events_total{outcome="failed"}[5m]))'),
    ("Queue delay p95 (s) — consumer lag",
     "histogram_quantile(0.95, sum by (stage, le) "
     "(rate(newswire_queue_delay_seconds_bucket[5m])))"),
    ("Dead-letter records (/s)", 'sum by (stage, reason) (rate(newswire_dlq_total[5m]))'),
    ("Fetched bytes (/s)", 'sum (rate(newswire_fetch_bytes_total[5m]))'),
    ("Fetches in flight", 'sum (newswire_fetch_in_flight)'),
    ("Claims per article (mean)",
     "sum (rate(newswire_claims_per_article_sum[15m])) "
     "/ sum (rate(newswire_claims_per_article_count[15m]))"),
]


def main() -> None:
    panels = []
    for i, (title, expr) in enumerate(PANELS):
        panels.append({
            "id": i + 1, "title": title, "type": "timeseries",
            "datasource": {"type": "prometheus", "uid": "prometheus"},
            "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
            "targets": [{"refId": "A", "expr": expr,
                         "datasource": {"type": "prometheus", "uid": "prometheus"}}],
        })
    dashboard = {"uid": "newswire", "title": "newswire pipeline", "schemaVersion": 39,
                 "time": {"from": "now-1h", "to": "now"}, "refresh": "30s", "panels": panels}
    out = Path(__file__).resolve().parent.parent / "deploy/grafana/dashboards/newswire.json"
    out.write_text(json.dumps(dashboard, indent=2) + "\n")


if __name__ == "__main__":
    main()
