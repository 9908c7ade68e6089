"""The MCP server: Starlette and the MCP SDK's Streamable HTTP app, served by Hypercorn (or stdio).

    app          composition: the MCP server, the Starlette app, its middleware and lifespan
    tools        the MCP tools (thin: the index answers)       models    their typed results
    resources    indexed files as repo:// resources           service   the index as served
    background   indexing and watching for `serve PATH`        events    resumable SSE streams
    auth         bearer tokens                                 config    what `serve` was asked
    toolcalls    tool-call metrics and readable argument errors
    sessions     the sessions-open gauge                       httpmetrics  HTTP request metrics
    exposition   /metrics (one process, or several workers)   health    /healthz, /readyz
    notify       sd_notify READY=1                             run       Hypercorn, workers, stdio
    worker       the app of a spawned worker                   conformance  suite fixtures (opt-in)
"""
