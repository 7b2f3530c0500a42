"""HTTP API: the app factory, routers, schemas and error mapping."""
