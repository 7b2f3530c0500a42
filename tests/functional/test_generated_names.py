"""Every file the registry generates, in every language this host has (gRPC included), is
one ``spoke compile`` agrees to unpack: ``domain/trees.py``'s generated-file rule keeps up
with the languages of ``compile/languages.py``."""

from __future__ import annotations

import io
import zipfile

import httpx

from spoke.domain.trees import validate_generated_path
from tests.functional.support import push

PAY = (
    'syntax = "proto3";\npackage acme.pay.v1;\noption java_package = "com.acme.pay.v1";\n'
    "message Payment {\n  string id = 1;\n  enum Kind { KIND_UNSPECIFIED = 0; }\n}\n"
    "service Payments { rpc Pay(Payment) returns (Payment); }\n"
)


async def test_every_generated_file_passes_the_cli_rule(client: httpx.AsyncClient) -> None:
    pushed = await push(client, "acme.pay", "v1.0.0", {"acme/pay/v1/pay.proto": PAY})
    assert pushed.status_code == 201, pushed.text
    languages = (await client.get("/languages")).json()
    checked = []
    for language in languages:
        if not language["available"]:
            continue
        query = "?grpc=true" if language["grpc_available"] else ""
        job = await client.post(
            f"/modules/acme.pay/versions/v1.0.0/compile/{language['id']}{query}"
        )
        assert job.status_code == 200, job.text
        download = await client.get(job.json()["artifact"]["download_url"])
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            names = [info.filename for info in archive.infolist()]
        assert names, language["id"]
        for name in names:
            validate_generated_path(name)
        checked.append(language["id"])
    assert {"python", "go", "java", "descriptor_set"} <= set(checked)
