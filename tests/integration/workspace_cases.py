"""Issue 18, class 2: a buf.yaml v2 workspace of three modules: ``proto`` (its own lint
config and an ``excludes``), ``vendor`` (a vendored dependency, no config of its own: the
top-level one) and ``api`` (MINIMAL), ``ignore`` and ``ignore_only`` paths relative to the workspace
root (as buf reads them in v2), with imports across them and no ``deps:``. ``OLD``
is the same workspace before a few breaking changes, for ``buf breaking --against``."""

from __future__ import annotations

from pathlib import Path

BUF_YAML = """version: v2
modules:
  - path: proto
    excludes: [proto/acme/pay/v1/internal]
    lint:
      use: [STANDARD]
      except: [ENUM_ZERO_VALUE_SUFFIX]
      ignore_only:
        SERVICE_SUFFIX: [proto/acme]
        RPC_REQUEST_STANDARD_NAME: [proto/acme/pay/v1/pay.proto]
    breaking:
      use: [FILE]
  - path: vendor
  - path: api
    lint:
      use: [MINIMAL]
lint:
  use: [BASIC]
  ignore: [vendor/common/v1/ignored.proto]
breaking:
  use: [WIRE]
"""

NEW: dict[str, str] = {
    "vendor/common/v1/money.proto": """syntax = "proto3";
package common.v1;
message Money { int64 Units = 1; string currency = 3; }
enum Currency { CURRENCY_NONE = 0; }
""",
    "proto/acme/pay/v1/pay.proto": """syntax = "proto3";
package acme.pay.v1;
import "common/v1/money.proto";
message Payment { common.v1.Money amount = 1; string NoteText = 2; }
enum State { STATE_NONE = 0; }
service Pay { rpc Do(Payment) returns (Payment); }
""",
    "vendor/common/v1/ignored.proto": """syntax = "proto3";
package common.v1;
message Ignored { int32 BadName = 1; }
""",
    # Excluded: not compiled, not linted (buf would report every rule it breaks).
    "proto/acme/pay/v1/internal/skip.proto": """syntax = "proto3";
package acme.pay.v1.internal;
message bad_name { int32 X = 1; }
""",
    "api/acme/shop/v1/shop.proto": """syntax = "proto3";
package acme.shop.v1;
import "acme/pay/v1/pay.proto";
import "common/v1/money.proto";
message Order { acme.pay.v1.Payment payment = 1; common.v1.Money Total = 2; }
message bad_name {}
""",
}

OLD: dict[str, str] = {
    **NEW,
    "vendor/common/v1/money.proto": """syntax = "proto3";
package common.v1;
message Money { int64 Units = 1; int32 nanos = 2; string currency = 3; }
enum Currency { CURRENCY_NONE = 0; }
""",
    "proto/acme/pay/v1/pay.proto": NEW["proto/acme/pay/v1/pay.proto"].replace(
        "string NoteText = 2;", "int64 NoteText = 2; bool done = 3;"
    ),
    "api/acme/shop/v1/shop.proto": NEW["api/acme/shop/v1/shop.proto"].replace(
        "common.v1.Money Total = 2;", "common.v1.Money Total = 2; string note = 3;"
    ),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "buf.yaml").write_text(BUF_YAML)
    return root
