"""The request and response bodies, as the OpenAPI document shows them: one module per
router (``models/<router>.py``), and ``common.py`` for those several routers share."""
