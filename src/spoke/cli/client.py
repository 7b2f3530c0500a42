"""The HTTP client the CLI commands share: base URL, token, and errors as ``CliError``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from spoke import __version__


class CliError(Exception):
    """An error to print for the user (no traceback), then exit non-zero."""

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.code = code


def path_of(*segments: str) -> str:
    """A URL path from segments; ``/`` inside a file path stays a separator."""
    return "/" + "/".join(quote(s, safe="/") for s in segments)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when none is written)."""
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


class _Credentials:
    """A request hook: the bearer token goes to the registry's origin and nowhere else.

    httpx runs request hooks on every request it sends, redirect hops included, after
    auth and default headers: any ``Authorization`` header on a request to another origin
    (an absolute ``Location`` or ``download_url`` a registry answered with, a redirect)
    is dropped here, whoever set it.
    """

    def __init__(self, registry: httpx.URL, token: str | None) -> None:
        self._origin = origin(registry)
        self._header = f"Bearer {token}" if token else None

    def __call__(self, request: httpx.Request) -> None:
        if self._header is not None and origin(request.url) == self._origin:
            request.headers["Authorization"] = self._header
        else:
            request.headers.pop("Authorization", None)


class RegistryClient:
    """The registry's API over HTTP; credentials only ever go to ``base_url``'s origin."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 300.0) -> None:
        self.base_url = base_url.rstrip("/")
        try:
            registry = httpx.URL(self.base_url)
        except httpx.InvalidURL as exc:
            raise CliError(f"the registry URL {base_url!r} is not valid: {exc}") from None
        if registry.scheme not in _DEFAULT_PORTS or not registry.host:
            raise CliError(f"the registry URL {base_url!r} must be http:// or https://HOST")
        self._http = httpx.Client(
            base_url=registry,
            headers={"User-Agent": f"spoke-cli/{__version__}"},
            timeout=timeout,
            follow_redirects=False,
            event_hooks={"request": [_Credentials(registry, token)]},
        )

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise CliError(f"cannot reach the registry at {self.base_url}: {exc}") from exc
        _raise_for_error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    def paginate(
        self, path: str, *, limit: int, params: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Items across pages, at most ``limit`` of them."""
        query = dict(params or {})
        seen = 0
        while True:
            query["limit"] = str(min(limit - seen, 1000))
            page = self.json("GET", path, params=query)
            for item in page["items"]:
                yield item
                seen += 1
                if seen >= limit:
                    return
            token = page.get("next_page_token")
            if not token:
                return
            query["page_token"] = token

    def stream(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A response whose body is read by the caller; close it when done."""
        try:
            request = self._http.build_request(method, path, **kwargs)
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise CliError(f"cannot reach the registry at {self.base_url}: {exc}") from exc
        if response.status_code >= 400:
            response.read()
            response.close()
            _raise_for_error(response)
        return response


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json()["error"]
        raise CliError(error["message"], details=error.get("details"), code=error.get("code"))
    except (ValueError, KeyError, TypeError):
        raise CliError(
            f"the registry answered {response.status_code} {response.reason_phrase}"
        ) from None
