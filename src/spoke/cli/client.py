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


class RegistryClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 300.0) -> None:
        headers = {"User-Agent": f"spoke-cli/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

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
