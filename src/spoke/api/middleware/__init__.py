"""The API's pure ASGI middleware, one module each; ``spoke.api.app`` declares their order.

``request_context`` (request ids, the access log), ``headers`` (security headers),
``metrics`` (HTTP metrics), ``rate_limit`` (429s, on ``spoke.ratelimit``'s policy),
``guards`` (431, 413, 415 before routing), ``hot_reads`` (precomputed answers to immutable
reads) and ``audit`` (the audit trail).
"""
