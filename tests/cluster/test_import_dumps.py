"""`kubectl get -o yaml` dumps, as teams pipe them into `regc import manifests -`: inputs of the corpus
applied to the real kube-apiserver and read back (a `List` with the server's fields: status,
managedFields, resourceVersion, defaults filled in) import to the same spec as the files, and the
server's own fields are not reported as the team's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.cluster.apiserver import APPLY, ensure_namespaces
from tests.conftest import REPO, run_regc

pytestmark = pytest.mark.e2e
CORPUS = REPO / "tests" / "corpus" / "import"
KINDS = (
    "deployments,statefulsets,replicationcontrollers,daemonsets,services,configmaps,secrets,"
    "ingresses,persistentvolumeclaims,endpoints"
)
CASES = {  # case: the registry-version flag it needs, if any
    "k8s-addon-auth-rc": [],
    "k8s-addon-tls-rc": [],
    "manifests-flokkr-statefulset": [],
    "manifests-eagerod-htpasswd-nfs-port80": [],
    "manifests-fogernetes-apps-v1beta1": [],
}


def _objects(case: str, namespace: str) -> list[dict]:
    found = []
    folder = CORPUS / case
    texts = [
        p.read_text()
        for p in sorted(folder.rglob("*.yaml"))
        if p.name not in ("SOURCE.yaml", "expect.yaml", "regc.yaml")
    ]
    for document in (d for text in texts for d in YAML(typ="safe", pure=True).load_all(text)):
        if not isinstance(document, dict) or document.get("kind") in ("Namespace", "PersistentVolume", "Kustomization"):
            continue
        if document.get("apiVersion", "").endswith("beta1") and document.get("kind") == "Deployment":
            document["apiVersion"] = "apps/v1"  # what a cluster of today holds of it
            document["spec"].setdefault("selector", {"matchLabels": document["spec"]["template"]["metadata"]["labels"]})
        document.setdefault("metadata", {})["namespace"] = namespace
        for port in (document.get("spec") or {}).get("ports") or [] if document.get("kind") == "Service" else []:
            if port.get("nodePort"):  # one the session's other Services may hold: a free one, the same in both
                port["nodePort"] = 32200 + sorted(CASES).index(case)
        found.append(document)
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_dump_of_what_the_api_server_holds_imports_as_the_files_do(case: str, cluster, tmp_path: Path):
    namespace = "dump-" + str(sorted(CASES).index(case))
    ensure_namespaces(cluster, {namespace})
    objects = _objects(case, namespace)
    files = tmp_path / "files.yaml"
    with files.open("w") as out:
        YAML().dump_all(objects, out)
    cluster.kubectl(*APPLY, stdin=files.read_text())
    dump = cluster.kubectl("get", KINDS, "-n", namespace, "-o", "yaml", "--show-managed-fields").stdout
    assert "managedFields" in dump and "resourceVersion" in dump and "kind: List" in dump
    specs = {}
    for label, text in (("files", files.read_text()), ("dump", dump)):
        work = tmp_path / label
        work.mkdir()
        shutil.copy(REPO / ".sops.yaml", work / ".sops.yaml")
        result = run_regc("import", "manifests", "-", "--name", "old", *CASES[case], cwd=work, stdin=text)
        assert result.code in (0, 1) and "Traceback" not in result.stderr, result.stderr
        for field in ("managedFields", "resourceVersion", "dnsPolicy", "terminationMessagePath", "clusterIP", "status"):
            assert field not in result.stderr, f"{label}: a field of the server reported: {field}\n{result.stderr}"
        specs[label] = YAML(typ="safe", pure=True).load((work / "environments" / "old.yaml").read_text())
    # A node port the team left to the server is in the dump: the one clients use, so it is kept.
    allocated = (specs["dump"].get("service") or {}).pop("nodePort", None)
    assert allocated is None or (specs["files"].get("service") or {}).pop("nodePort", allocated) == allocated
    assert specs["dump"] == specs["files"]
