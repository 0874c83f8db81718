"""`newswire status [--json]`: per stage consumed/produced/failed and lag, store counts."""

from __future__ import annotations

import sys
from typing import Any

import httpx
from aiokafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from newswire.cli_errors import BROKER_DOWN, PARTIAL
from newswire.kafka import make_consumer, start_client
from newswire.settings import Settings
from newswire.topics import Topics

__all__ = ["collect_status", "format_status", "status_exit_code"]

# service -> (input topics, stages it runs)
_INPUTS = {"ingest": ("url_submitted",), "extract": ("page_fetched", "article_extracted"),
           "store": ("article_enriched",)}


def _sum_samples(text: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "newswire_events_total":
                key = f"{sample.labels['outcome']}"
                totals[key] = totals.get(key, 0.0) + sample.value
            elif sample.name in ("newswire_consumed_total", "newswire_produced_total",
                                 "newswire_dlq_total"):
                short = sample.name.removeprefix("newswire_").removesuffix("_total")
                totals[short] = totals.get(short, 0.0) + sample.value
    return totals


async def _lag(settings: Settings, topics: Topics) -> dict[str, int | None]:
    """Records on each service's input topics not yet committed by its consumer group.
    (OffsetFetch through a group-bound consumer: the embedded broker does not answer the
    admin API's ListConsumerGroupOffsets.)"""
    out: dict[str, int | None] = {}
    for service, attrs in _INPUTS.items():
        consumer = make_consumer(settings.kafka, group_id=topics.group(service),
                                 enable_auto_commit=False)
        await start_client(consumer)
        try:
            total = 0
            for attr in attrs:
                topic = getattr(topics, attr)
                parts = consumer.partitions_for_topic(topic) or set()
                tps = [TopicPartition(topic, p) for p in parts]
                if not tps:
                    continue
                consumer.assign(tps)
                ends = await consumer.end_offsets(tps)
                for tp in tps:
                    done = await consumer.committed(tp) or 0
                    total += max(ends[tp] - done, 0)
            out[service] = total
        finally:
            await consumer.stop()
    return out


async def collect_status(settings: Settings) -> dict[str, Any]:
    topics = Topics(settings.kafka.namespace)
    services: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=3, trust_env=False) as client:
        for name, url in settings.metrics_urls().items():
            entry: dict[str, Any] = {"metrics_url": url}
            try:
                resp = await client.get(url)
                entry["up"] = resp.status_code == 200
                entry.update(_sum_samples(resp.text))
            except httpx.HTTPError as exc:
                entry["up"] = False
                entry["error"] = str(exc)
            services[name] = entry
        store: dict[str, Any] | None
        try:
            resp = await client.get(f"http://{settings.api.host}:{settings.api.port}/stats")
            store = resp.json() if resp.status_code == 200 else None
        except httpx.HTTPError:
            store = None
    try:
        lag = await _lag(settings, topics)
    except Exception as exc:  # the broker may be down: report it, don't crash
        lag = {}
        services["_broker_error"] = str(exc)
    for name, value in lag.items():
        services[name]["lag"] = value
    return {"services": {k: v for k, v in services.items() if not k.startswith("_")},
            "broker": settings.kafka.servers,
            "broker_error": services.get("_broker_error"),
            "store": store}


def format_status(status: dict[str, Any]) -> str:
    lines = [f"{'service':<8} {'up':<4} {'consumed':>9} {'ok':>7} {'produced':>9} "
             f"{'failed':>7} {'dlq':>5} {'lag':>6}"]
    for name, s in status["services"].items():
        lines.append(
            f"{name:<8} {'yes' if s.get('up') else 'no':<4} {int(s.get('consumed', 0)):>9} "
            f"{int(s.get('ok', 0)):>7} {int(s.get('produced', 0)):>9} "
            f"{int(s.get('failed', 0)):>7} {int(s.get('dlq', 0)):>5} {s.get('lag', '-')!s:>6}")
    store = status.get("store")
    lines.append(f"store: {store}" if store else "store API: not reachable")
    if status.get("broker_error"):
        lines.append(f"broker {status['broker']}: {status['broker_error']}")
    return "\n".join(lines)


def status_exit_code(status: dict[str, Any]) -> int:
    """0 when everything answers; 3 when the broker does not; 1 when a service or the store
    API does not. What is down is said in one line on stderr."""
    down = [name for name, s in status["services"].items() if not s.get("up")]
    if status.get("store") is None:
        down.append("store API")
    if status.get("broker_error"):
        down.insert(0, f"broker {status['broker']}")
    if not down:
        return 0
    print(f"newswire status: down: {', '.join(down)}", file=sys.stderr)
    return BROKER_DOWN if status.get("broker_error") else PARTIAL


def _table(status: dict[str, Any], previous: dict[str, Any] | None, interval: float) -> Any:
    from rich.table import Table

    table = Table(title=f"newswire — broker {status['broker']}", expand=False)
    for column in ("stage", "up", "rate/s", "consumed", "ok", "failed", "dlq", "lag"):
        table.add_column(column, justify="left" if column in ("stage", "up") else "right")
    for name, s in status["services"].items():
        before = (previous or {}).get("services", {}).get(name, {})
        rate = (s.get("consumed", 0) - before.get("consumed", s.get("consumed", 0))) / interval
        table.add_row(name, "[green]yes" if s.get("up") else "[red]no", f"{rate:.1f}",
                      str(int(s.get("consumed", 0))), str(int(s.get("ok", 0))),
                      str(int(s.get("failed", 0))), str(int(s.get("dlq", 0))),
                      str(s.get("lag", "-")))
    store = status.get("store") or {}
    table.caption = (f"store: {store.get('articles', '-')} articles, "
                     f"{store.get('failures', '-')} failures, {store.get('claims', '-')} claims")
    return table


async def watch(settings: Settings, interval: float = 2.0) -> None:
    """A live terminal table of the stages (Ctrl-C to quit)."""
    import asyncio

    from rich.live import Live

    previous = None
    status = await collect_status(settings)
    with Live(_table(status, None, interval), refresh_per_second=4) as live:
        while True:
            await asyncio.sleep(interval)
            previous, status = status, await collect_status(settings)
            live.update(_table(status, previous, interval))
