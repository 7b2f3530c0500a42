"""``spoke sdk`` prints each package manager's configuration, never a credential."""

from __future__ import annotations

from typer.testing import CliRunner

from spoke.cli.main import app


def test_prints_pip_and_npm_lines() -> None:
    result = CliRunner().invoke(
        app, ["sdk", "--registry", "https://registry.test:8443/"], env={"SPOKE_TOKEN": "s3cr3t"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "pip install --extra-index-url https://registry.test:8443/sdk/python/simple/ "
        "acme-greet==1.0.0"
    ) in lines
    assert (
        "extra-index-url = https://spoke:<API key>@registry.test:8443/sdk/python/simple/" in lines
    )
    assert "@spoke:registry=https://registry.test:8443/sdk/npm/" in lines
    assert "//registry.test:8443/sdk/npm/:_authToken=${SPOKE_TOKEN}" in lines
    assert "--go-prefix" in result.output  # the Go SDK needs the registry's prefix
    assert "s3cr3t" not in result.output


def test_go_lines() -> None:
    result = CliRunner().invoke(
        app, ["sdk", "go", "--registry", "https://registry.test:8443", "--go-prefix", "r.test/go"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert 'export GOPROXY="https://registry.test:8443/sdk/go,$(go env GOPROXY)"' in lines
    assert "export GONOSUMDB=r.test/go" in lines
    assert "machine registry.test login spoke password <API key>" in lines
    assert "pip" not in result.output and "npm" not in result.output


def test_one_ecosystem_and_another_scope() -> None:
    result = CliRunner().invoke(app, ["sdk", "npm", "--npm-scope", "@acme"])
    assert result.exit_code == 0, result.output
    assert "@acme:registry=http://localhost:8080/sdk/npm/" in result.output.splitlines()
    assert "pip" not in result.output


def test_refuses_a_registry_that_is_not_http() -> None:
    result = CliRunner().invoke(app, ["sdk", "--registry", "ftp://registry.test"])
    assert result.exit_code == 2
