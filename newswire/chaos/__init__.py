"""Proving newswire's delivery promise: fault injection, hostile input, and the checker that
counts what survived.

- ``loadsite``: ~1,000 deterministic small news articles served over loopback.
- ``hostile``: a server that misbehaves in every way a fetcher and a parser can be hurt.
- ``checker``: reads the API, the SQLite store and the DLQs; counts lost and duplicated URLs.
- ``runner``: starts a pipeline, submits, kills services with SIGKILL mid-stream, checks.
- ``rss``: resident memory per service (parser processes included).
- ``latency_bench``: idle-pipeline latency p50/p99 and 1 -> 2 extract worker scaling.

``python -m newswire.chaos chaos|hostile`` runs the suites outside pytest.
"""
