"""`regc graph`: each example's topology read from its compiled objects (clients and the Ingress or
node proxy, the Service, the pods, the radosgw front and hosts or the volume, mounted Secrets and
ConfigMap, NetworkPolicy allowances, the engine), and a change marked on the diagram."""

from __future__ import annotations

from pathlib import Path

from regc.commands.diff import diff_trees, object_key
from regc.commands.graph import change_graph
from regc.tools.kubectl import render_overlay
from tests.conftest import REPO, run_regc


def test_prod_is_drawn_from_its_objects(built: Path):
    result = run_regc("graph", "prod", cwd=built)
    assert result.code == 0, result.stderr
    text = result.stdout
    assert text.startswith("flowchart LR\n")
    assert 'pods[["registry pods ×2<br/>registry:2.8.3"]]' in text
    assert 'ing_registry["Ingress<br/>registry.example.com"]' in text and "clients -->|HTTPS| ing_registry" in text
    assert "pods -->|Swift API| svc_radosgw" in text
    assert all(f'[("radosgw 10.10.0.1{i}")]' in text for i in (1, 2, 3))
    assert "secret_registry_htpasswd -.->|mounted| pods" in text
    assert "secret_registry_storage -.->|variables| pods" in text
    assert 'allow1(["namespaces monitoring"])' in text and "allow1 -->|NetworkPolicy allows :metrics| pods" in text
    assert 'engine{{"Argo CD ApplicationSet"}}' in text


def test_staging_and_dev_show_their_own_shapes(built: Path):
    staging = run_regc("graph", "staging", cwd=built).stdout
    assert "clients -->|nodes pull| ds_registry_node_proxy" in staging and "pods -->|S3 API| objectstore" in staging
    assert 'engine{{"Flux Kustomization"}}' in staging
    dev = run_regc("graph", "dev", cwd=built).stdout
    assert "pods -->|images| volume" in dev and "radosgw" not in dev
    out = built / "dev.mmd"
    assert run_regc("graph", "dev", "-o", str(out), cwd=built).code == 0 and out.read_text() == dev


def test_an_environment_that_is_not_built_is_a_clear_error(repo: Path):
    result = run_regc("graph", "prod", cwd=repo)
    assert result.code == 1 and "no compiled overlay overlays/prod" in result.stderr
    assert "regc build environments/prod.yaml" in result.stderr


def test_a_change_is_marked_on_the_diagram():
    before = {f"{o['kind']}/-/{o['metadata']['name']}": o for o in render_overlay(REPO / "overlays" / "prod")}
    after = {key: obj for key, obj in before.items() if not key.startswith("Ingress/")}
    deployment = next(key for key in after if key.startswith("Deployment/") and key.endswith("/registry"))
    changed = {**after[deployment], "spec": {**after[deployment]["spec"], "replicas": 3}}
    after[deployment] = changed
    [overlay] = diff_trees({"prod": before}, {"prod": after})
    marks = {object_key(c.identity): c.status for c in overlay.changes}
    assert marks == {"Deployment/registry": "changed", "Ingress/registry": "removed"}
    text = change_graph(before, after, marks, "Argo CD ApplicationSet")
    assert 'pods[["registry pods ×3' in text
    assert 'ing_registry["Ingress<br/>registry.example.com"]' in text  # kept on the picture, marked
    assert "class pods changed" in text and "class ing_registry removed" in text
    assert "classDef removed" in text and "stroke-dasharray" in text
