"""A fleet from one shared file: specs that extend it differ only in what must differ, a change of it
rebuilds exactly the overlays of the specs that extend it (the no-op answer included), and every
problem is located in the file it stands in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_regc, tree_bytes
from tests.memory import MemoryRepo

FLEET = ("mirror", "mirror-edge-a", "mirror-edge-b")
SECRETS_CHECKSUM = "regc/secrets-sha256"


def _comparable(objects: list[dict], env: str) -> str:
    """The objects without what each environment makes its own: its name (the instance label) and
    Secrets, whose values are its own, as are their digests on the pod template."""
    kept = []
    for obj in objects:
        if obj["kind"] == "Secret":
            continue
        template = obj.get("spec", {}).get("template", {}).get("metadata", {})
        template.get("annotations", {}).pop(SECRETS_CHECKSUM, None)
        kept.append(obj)
    return json.dumps(kept, sort_keys=True).replace(f'"{env}"', '"ENV"')


def test_the_fleets_overlays_differ_only_in_their_secrets(memory: MemoryRepo):
    built = memory.build()
    assert built.code == 0, built.stderr
    rendered = {env: built.objects[env] for env in FLEET}
    hub = _comparable(rendered["mirror"], "mirror")
    assert SECRETS_CHECKSUM not in hub and '"ENV"' in hub
    assert _comparable(rendered["mirror-edge-a"], "mirror-edge-a") == hub
    assert _comparable(rendered["mirror-edge-b"], "mirror-edge-b") == hub
    # Where each goes: the hub's mirror is in the ApplicationSet, each edge has its own Application.
    for edge in ("a", "b"):
        application = memory.read(f"overlays/mirror-edge-{edge}/gitops/application.yaml").decode()
        assert f"name: edge-{edge}\n" in application
    manifest = memory.read("overlays/mirror-edge-a/.regc-manifest").decode()
    assert "# extends: environments/shared/mirror.yaml\n" in manifest


def test_a_change_of_the_shared_file_rebuilds_the_specs_that_extend_it(built: Path):
    before = tree_bytes(built)
    assert run_regc("build", "--check", cwd=built).code == 0
    shared = built / "environments" / "shared" / "mirror.yaml"
    shared.write_text(shared.read_text().replace("size: 50Gi", "size: 60Gi"))
    stale = run_regc("build", "--check", cwd=built)
    assert stale.code == 1, stale.stdout + stale.stderr  # the no-op answer saw the shared file change
    assert run_regc("build", cwd=built).code == 0
    after = tree_bytes(built)
    changed = {name.split("/")[1] for name in after if name.startswith("overlays/") and after[name] != before[name]}
    assert changed == set(FLEET)
    for env in FLEET:
        claim = (built / "overlays" / env / "patches" / "persistentvolumeclaim-registry-data.yaml").read_text()
        assert "storage: 60Gi" in claim
    assert after["argocd/applicationset.yaml"] == before["argocd/applicationset.yaml"]
    assert run_regc("build", "--check", cwd=built).code == 0


def test_the_spec_wins_mappings_merge_and_lists_are_whole(memory: MemoryRepo):
    memory.write(
        "environments/shared/team.yaml",
        "labels: {team: platform, tier: edge}\nregistry:\n  replicas: 1\n  logLevel: warn\n"
        "notifications:\n  - {name: a, url: 'https://a.example/e'}\n  - {name: b, url: 'https://b.example/e'}\n",
    )
    objects = memory.objects(
        "one",
        "extends: shared/team.yaml\nnamespace: one\nlabels: {tier: core}\n"
        "notifications:\n  - {name: c, url: 'https://c.example/e'}\n",
    )
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    labels = deployment["metadata"]["labels"]
    assert labels["team"] == "platform" and labels["tier"] == "core"
    config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]["config.yml"]
    assert "level: warn" in config
    assert "https://c.example/e" in config and "a.example" not in config and "b.example" not in config


BROKEN = [
    ("extends: /etc/passwd.yaml\n", "environments/bad.yaml:3:10: extends: '/etc/passwd.yaml' is not a shared file"),
    ("extends: ../outside.yaml\n", "environments/bad.yaml:3:10: extends: '../outside.yaml' is not a shared file"),
    ("extends: prod.yaml\n", "environments/bad.yaml:3:10: extends: 'prod.yaml' is not a shared file"),
    ("extends: shared/none.yaml\n", "environments/bad.yaml:3:10: extends: no such file environments/shared/none.yaml"),
    ("extends: [a]\n", "environments/bad.yaml:3:10: extends: must name a YAML file"),
    ("extends: shared/x.secrets.yaml\n", "extends: must name a YAML file"),
    ("extends: shared/chained.yaml\n", "environments/shared/chained.yaml:1:10: extends: a shared file cannot extend"),
    ("extends: shared/wrong.yaml\n", "environments/shared/wrong.yaml:2:13: registry.replicas: must be a valid integer"),
    ("extends: shared/wrong.yaml\nregistry:\n  replicas: 2\n", "environments/bad.yaml:5:13: registry.replicas: 2"),
    ("extends: shared/broken.yaml\n", "environments/shared/broken.yaml:2:1: not valid YAML"),
]


@pytest.mark.parametrize(("body", "message"), BROKEN)
def test_problems_are_located_in_the_file_they_stand_in(memory: MemoryRepo, body: str, message: str):
    memory.write("environments/shared/chained.yaml", "extends: other.yaml\n")
    memory.write("environments/shared/wrong.yaml", "registry:\n  replicas: many\n")
    memory.write("environments/shared/broken.yaml", "registry: [\n")
    memory.write_spec("bad", body)
    result = memory.build("bad")
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert not any(n.startswith("overlays/bad/") for n in memory.tree())


def test_user_commands_refuse_a_user_list_of_the_shared_file(memory: MemoryRepo):
    memory.write("environments/shared/users.yaml", "auth:\n  htpasswd:\n    users: [alice]\n")
    memory.write_spec("edge", "extends: shared/users.yaml\n")
    before = memory.tree(), memory.read("environments/edge.yaml")
    added = memory.run("user", "add", "edge", "bob", "--generate")
    assert added.code == 1
    assert "edge lists its users in the shared file environments/shared/users.yaml" in added.stderr
    assert (memory.tree(), memory.read("environments/edge.yaml")) == before
    assert memory.run("user", "passwd", "edge", "alice", "--generate").code == 0  # its own secrets file
    assert "alice" in memory.secrets_file("edge")["users"]
