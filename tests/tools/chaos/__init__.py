"""Proving newswire's delivery promise: fault injection, hostile input, and the checker that
counts what survived (test tooling, outside the package; the pipeline itself is started by
``tests.tools.pipeline``).

- ``loadsite``: ~1,000 deterministic small news articles served over loopback.
- ``hostile``: a server that misbehaves in every way a fetcher and a parser can be hurt.
- ``checker``: reads the API, the SQLite store and the DLQs; counts lost and duplicated URLs.
- ``runner``: submits, kills services with SIGKILL mid-stream, checks.
- ``replay``: rewinds a consumer group and replays a topic into a store.
- ``rss``: resident memory per service (parser processes included).

``make chaos`` and ``make hostile`` run the suites (tests/chaos, tests/hostile).
"""
