"""Valid in the cluster, not only in our models: every custom resource regc emits passes the
published CRD of its controller (tests/crds/, validated as the API server does), and every value a
spec accepts for a duration, URL or path field makes an object that CRD accepts."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regc.compiler import Compiler, disk_world
from regc.envspec import fields
from regc.errors import SpecError
from regc.plan.plan import plan_for
from regc.render.gitops import application_set, gitops_objects
from regc.render.monitoring import service_monitor
from tests.conftest import load_yaml_file
from tests.crd_schema import is_custom, problems, schemas
from tests.memory import MemoryRepo
from tests.variants import Built


def custom_objects(variants: Built) -> list[dict]:
    """Every object of a vendored CRD in the compiled tree: overlays as kustomize builds them, and the
    bootstrap objects (gitops/, argocd/) as files."""
    root = variants.root
    found = [obj for overlay in variants.overlays() for obj in variants.objects(overlay)]
    files = sorted((root / "overlays").glob("*/gitops/*.yaml")) + sorted((root / "argocd").glob("*.yaml"))
    found += [load_yaml_file(path) for path in files]
    return [obj for obj in found if is_custom(obj)]


def test_the_vendored_crds_are_the_served_versions_of_what_regc_emits():
    assert set(schemas()) >= {
        ("source.toolkit.fluxcd.io/v1", "GitRepository"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("argoproj.io/v1alpha1", "Application"),
        ("argoproj.io/v1alpha1", "ApplicationSet"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
        ("cert-manager.io/v1", "Certificate"),
        ("external-secrets.io/v1", "ExternalSecret"),
    }
    sources = (Path(__file__).parent / "crds" / "SOURCES").read_text()
    for path in (Path(__file__).parent / "crds").glob("*.yaml"):
        # Its source: a commit of the repository, or a release of its Go module with the module's hash.
        origin = r"([0-9a-f]{40}|v\S+ \(Go module, h1:\S+\))"
        assert re.search(rf"^{re.escape(path.name)}\s+github\.com/\S+\s+{origin}\s", sources, re.M), path.name


@pytest.mark.xdist_group("variants")
def test_examples_and_variants_pass_the_published_crds(variants: Built):
    objects = custom_objects(variants)
    kinds = {obj["kind"] for obj in objects}
    assert kinds == {
        "GitRepository",
        "Kustomization",
        "Application",
        "ApplicationSet",
        "ServiceMonitor",
        "PrometheusRule",
        "Certificate",
        "ExternalSecret",
    }
    for obj in objects:
        assert problems(obj) == [], f"{obj['kind']}/{obj['metadata']['name']}"


def test_the_validator_refuses_what_the_api_server_refuses(built: Path):
    source = load_yaml_file(built / "overlays" / "staging" / "gitops" / "gitrepository.yaml")
    assert problems(source) == []
    cases = {
        "Additional properties": lambda o: o["spec"].update(bogus=1),
        "does not match": lambda o: o["spec"].update(interval="500us"),
        "is not of type": lambda o: o["spec"].update(timeout=60),
        "is not one of": lambda o: o["spec"].update(provider="nobody"),
        "serviceAccountName can only be set": lambda o: o["spec"].update(serviceAccountName="sa"),
        "not a DNS subdomain": lambda o: o["metadata"].update(name="Not_A_Name"),
    }
    for message, damage in cases.items():
        broken = copy.deepcopy(source)
        damage(broken)
        assert any(message in p for p in problems(broken)), (message, problems(broken))


# -- property: any value a spec accepts gives an object the CRD accepts ---------------------------

UNITS = ["ns", "us", "ms", "s", "m", "h", "d", "w", "y", ""]
number = st.one_of(
    st.integers(0, 10_000).map(str), st.tuples(st.integers(0, 99), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]}")
)
durations = st.one_of(
    st.lists(st.tuples(number, st.sampled_from(UNITS)), min_size=1, max_size=4).map(
        lambda parts: "".join(n + u for n, u in parts)
    ),
    st.text(alphabet="0123456789.smhdwyun -+", max_size=8),
)
hosts = st.sampled_from(["github.com", "git.example", "10.0.0.1", "[fd00::1]", "git.example:2222", ""])
git_urls = st.one_of(
    st.tuples(
        st.sampled_from(["https://", "http://", "ssh://", "ssh://git@", "git://", "file://", "ftp://", ""]),
        hosts,
        st.sampled_from(["/org/repo.git", "/r", "", ":org/r.git", "/a b"]),
    ).map("".join),
    st.tuples(
        st.sampled_from(["git@", "deploy@", ""]),
        st.sampled_from(["github.com", "git.example", ""]),
        st.sampled_from([":org/repo.git", ":/srv/r.git", ":~/r", ":", "/x"]),
    ).map("".join),
)
paths = st.one_of(
    st.sampled_from(["./overlays/x", "overlays/x/", "x", "./x/./y", "../x", "/abs", ".", "", "a//b"]),
    st.text(alphabet="ab./", max_size=8),
)
revisions = st.tuples(
    st.one_of(
        st.sampled_from(["main", "v1.2.3", "0123456789abcdef0123456789abcdef01234567", ">=1.0.0", "release/2.x", ""]),
        st.text(max_size=5),
    ),
    st.sampled_from([None, "branch", "tag", "semver", "commit"]),
)


VALID = {
    "interval": "10m",
    "url": "https://git.example/r.git",
    "path": "overlays/prop",
    "revision": ("main", None),
    "scrape": "30s",
}


def _spec_text(interval, url, path, revision, scrape, engine) -> str:
    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    text = (
        f"apiVersion: regc/v1\nkind: Environment\nnamespace: prop\ngitops:\n  engine: {engine}\n"
        f"  repoURL: {quoted(url)}\n  interval: {quoted(interval)}\n  path: {quoted(path)}\n"
        f"  revision: {quoted(revision[0])}\n"
    )
    if revision[1]:
        text += f"  revisionKind: {revision[1]}\n"
    return text + f"metrics:\n  enabled: true\n  serviceMonitor: true\n  interval: {quoted(scrape)}\n"


@pytest.mark.parametrize(
    "field, values",
    [("interval", durations), ("url", git_urls), ("path", paths), ("revision", revisions), ("scrape", durations)],
)
@pytest.mark.parametrize("engine", ["flux", "argocd"])
def test_accepted_values_give_objects_the_crds_accept(tmp_path_factory, field, values, engine):
    """One field at a time takes odd values, the others stay valid: a value the spec accepts must give
    objects the published CRDs accept, and a value the controller's pattern accepts must not be refused."""
    root = tmp_path_factory.mktemp("prop")
    spec_path = root / "environments" / "prop.yaml"
    spec_path.parent.mkdir()
    outcomes = {"accepted": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None)
    @given(value=values)
    def check(value):
        spec_path.write_text(_spec_text(engine=engine, **{**VALID, field: value}))
        try:
            [env] = Compiler(disk_world(root)).load([spec_path])
        except SpecError as refused:
            outcomes["refused"] += 1
            for problem in refused.problems:  # refused with a location, never silently
                assert problem.location.line > 0, str(problem)
            if field == "interval" and engine == "flux" and fields.FLUX_DURATION.match(value):
                pytest.fail(f"{value!r} matches Flux's pattern but was refused")
            if field == "scrape" and fields.PROMETHEUS_DURATION.match(value) and value:
                pytest.fail(f"{value!r} matches the Prometheus Operator's pattern but was refused")
            return
        outcomes["accepted"] += 1
        plan = plan_for(env.name, env.spec)
        objects = [*list(gitops_objects(plan).values()), service_monitor(plan)]
        if engine == "argocd":
            objects.append(application_set([plan]))
        for obj in objects:
            assert problems(obj) == [], (value, obj["kind"], problems(obj))
            if obj["kind"] == "Kustomization":
                assert not obj["spec"]["path"].startswith("././"), value

    check()
    assert outcomes["accepted"] and outcomes["refused"], outcomes  # both sides were explored


def test_scp_style_git_urls_become_ssh_urls(memory: MemoryRepo):
    memory.write_spec(
        "scp",
        "namespace: scp\ngitops:\n  engine: flux\n  repoURL: git@github.com:org/repo.git\n  path: ./overlays/scp/\n",
    )
    assert memory.run("build", "environments/scp.yaml").code == 0
    source = memory.yaml("overlays/scp/gitops/gitrepository.yaml")
    sync = memory.yaml("overlays/scp/gitops/flux-kustomization.yaml")
    assert source["spec"]["url"] == "ssh://git@github.com/org/repo.git"
    assert sync["spec"]["path"] == "./overlays/scp"


@pytest.mark.parametrize(
    "revision, kind, ref",
    [
        ("main", None, {"branch": "main"}),
        ("0123456789abcdef0123456789abcdef01234567", None, {"commit": "0123456789abcdef0123456789abcdef01234567"}),
        ("v1.2.3", "tag", {"tag": "v1.2.3"}),
        ("'>=1.0.0'", "semver", {"semver": ">=1.0.0"}),
    ],
)
def test_flux_ref_follows_revision_kind(memory: MemoryRepo, revision: str, kind: str | None, ref: dict):
    body = f"namespace: ref\ngitops:\n  engine: flux\n  repoURL: https://git.example/r.git\n  revision: {revision}\n"
    memory.write_spec("ref", body + (f"  revisionKind: {kind}\n" if kind else ""))
    assert memory.run("build", "environments/ref.yaml").code == 0
    assert memory.yaml("overlays/ref/gitops/gitrepository.yaml")["spec"]["ref"] == ref


@pytest.mark.parametrize(
    "body, message",
    [
        ("metrics:\n  enabled: true\n  interval: 1.5m\n", "'1.5m' is not a Prometheus duration"),
        ("metrics:\n  enabled: true\n  interval: 30s1m\n", "'30s1m' is not a Prometheus duration"),
        (
            "gitops:\n  engine: flux\n  repoURL: https://g.example/r\n  interval: 500us\n",
            "'500us' is not a duration Flux accepts",
        ),
        ("gitops:\n  engine: flux\n  repoURL: ftp://g.example/r\n", "is not a Git URL Flux accepts"),
        ("gitops:\n  engine: flux\n  repoURL: https://g.example/r\n  path: ../elsewhere\n", "not a folder inside"),
    ],
)
def test_values_the_controllers_refuse_are_refused_with_a_location(memory: MemoryRepo, body: str, message: str):
    memory.write_spec("bad", "namespace: bad\n" + body)
    result = memory.run("build", "environments/bad.yaml")
    assert result.code == 2
    assert message in result.stderr
    assert re.search(r"environments/bad\.yaml:\d+:\d+: ", result.stderr)


def test_check_reports_a_committed_tree_the_cluster_would_refuse(built_memory: MemoryRepo):
    """A tree compiled by an older regc (or edited by hand) is caught by `regc check` in CI."""
    deployment = "base/deployment-registry.yaml"
    text = built_memory.text(deployment)
    liveness = text.index("livenessProbe:")
    built_memory.write(
        deployment,
        text[:liveness]
        + text[liveness:]
        .replace("tcpSocket:\n", "httpGet:\n  path: /\n", 1)
        .replace("httpGet:\n  path: /\n", "httpGet:\n", 1),
    )
    source = "overlays/staging/gitops/gitrepository.yaml"
    built_memory.write(
        source,
        built_memory.text(source).replace("interval: 10m", "interval: 500us").replace("url: https://", "url: git://"),
    )
    monitor = "overlays/prod/servicemonitor-registry.yaml"
    built_memory.write(monitor, re.sub(r"interval: \S+", "interval: 1.5m", built_memory.text(monitor)))
    result = built_memory.run("check")
    assert result.code == 1
    assert "contract: base/deployment-registry.yaml: livenessProbe of registry asks HTTP" in result.stderr
    assert "gitrepository.yaml: spec.interval '500us' is not a duration Flux accepts" in result.stderr
    assert "gitrepository.yaml: spec.url must be an http://, https:// or ssh:// URL" in result.stderr
    assert "servicemonitor-registry.yaml: spec.endpoints[].interval '1.5m'" in result.stderr
