"""OpenID Connect discovery: the JWKS URL an issuer publishes."""

from __future__ import annotations

import httpx


async def discover_jwks_url(issuer: str) -> str:
    """``jwks_uri`` from ``{issuer}/.well-known/openid-configuration``."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.get(url)
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RuntimeError(f"OIDC discovery at {url} failed: {exc}") from exc
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise RuntimeError(f"OIDC discovery at {url} names no jwks_uri")
    return jwks_uri
