"""`regc render ENV`: the overlay as the cluster receives it, Secrets decrypted in memory only, for a
cluster without a GitOps engine (`regc render prod | kubectl apply --server-side -f -`)."""

from __future__ import annotations

import base64
from pathlib import Path

from ruamel.yaml import YAML

from tests import kube_schema
from tests.conftest import decrypt_object, kustomize, run_regc, without_key
from tests.secrets_helpers import decrypt_file


def every_file(root: Path) -> dict[str, float]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime for p in root.rglob("*") if p.is_file()}


def test_render_prints_the_overlay_with_secrets_decrypted_and_writes_nothing(built: Path):
    before = every_file(built)
    result = run_regc("render", "prod", cwd=built)
    assert result.code == 0, result.stderr
    assert every_file(built) == before
    printed = [d for d in YAML(typ="safe", pure=True).load_all(result.stdout) if d]
    assert "ENC[" not in result.stdout and not any("sops" in d for d in printed)
    expected = [decrypt_object(o) for o in kustomize(built / "overlays" / "prod")]
    identity = lambda o: (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])  # noqa: E731
    assert sorted(map(identity, printed)) == sorted(map(identity, expected))
    by_identity = {identity(o): o for o in expected}
    for obj in printed:
        assert obj == by_identity[identity(obj)]
        if obj["apiVersion"].startswith(("monitoring.coreos.com/",)):
            continue
        kube_schema.validate(obj)  # what the API server accepts
    users = decrypt_file(built / "environments" / "prod.secrets.yaml")["users"]
    values = {
        base64.b64decode(v).decode() for obj in printed if obj["kind"] == "Secret" for v in obj.get("data", {}).values()
    }
    assert users["ci-pull"] in values  # the smoke test's credentials, in clear for the API server
    assert users["ci-pull"] not in result.stderr


def test_render_needs_the_key_and_an_up_to_date_overlay(built: Path, monkeypatch):
    spec = built / "environments" / "dev.yaml"
    spec.write_text(spec.read_text() + "\nuploadPurging:\n  age: 48h\n")
    stale = run_regc("render", "dev", cwd=built)
    assert stale.code == 1 and "run `regc build environments/dev.yaml` first" in stale.stderr
    assert run_regc("render", "../x", cwd=built).code == 2
    assert run_regc("render", "nowhere", cwd=built).code == 1
    without_key(monkeypatch)
    refused = run_regc("render", "prod", cwd=built)
    assert refused.code == 3 and "cannot decrypt" in refused.stderr
    assert refused.stdout == ""
