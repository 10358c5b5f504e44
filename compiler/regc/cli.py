"""The `regc` command line: build, check, diff, render, init, schema, keys, secrets, users."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer

from regc import __version__, layout
from regc.errors import InputError, RegcError

app = typer.Typer(
    name="regc",
    help="Compile registry environment specs (environments/*.yaml) into a Kustomize tree: "
    "base/ shared by all, overlays/<env>/ for each.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

RootOption = Annotated[
    Path,
    typer.Option(
        "--root", "-C", help="Repository root: where environments/, base/ and overlays/ are.", show_default=True
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"regc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
) -> None:
    """regc: a GitOps manifest compiler for a private container registry."""


@app.command()
def build(
    specs: Annotated[
        list[Path] | None,
        typer.Argument(help="Environment specs to build; default: every environments/*.yaml.", show_default=False),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 and name each stale, missing or extra file if the tree is not up to date.",
        ),
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Write nothing; print a unified diff of what would change.")
    ] = False,
    regenerate_secrets: Annotated[
        bool,
        typer.Option(
            "--regenerate-secrets",
            help="Generate every value of a secrets file that is missing while the "
            "overlay holds Secrets made from it (a new CA, new passwords, new storage credentials). Without "
            "it, such a build stops: the file was most likely lost, not meant to go.",
        ),
    ] = False,
    root: RootOption = Path("."),
) -> None:
    """Compile environment specs into base/ and overlays/<env>/.

    Writes all or nothing; a rebuild with nothing changed changes no byte. Files in the
    output folders that regc did not write are left alone. With no SPECS, environments
    whose spec was removed have their overlay removed too.

    Examples:

      regc build                          # every environment

      regc build environments/prod.yaml   # one environment

      regc build --check                  # in CI: fail if the tree is stale
    """
    from regc.console import run_build

    status = run_build(list(specs) if specs else None, root, check=check, diff=diff, regenerate=regenerate_secrets)
    if status:
        raise typer.Exit(status)


@app.command()
def check(root: RootOption = Path(".")) -> None:
    """Check the tree in CI: up to date with the specs, and every Secret SOPS-encrypted.

    Needs no private key. Exit 0 when all is well, 1 otherwise, 2 for an invalid spec.
    """
    from regc.commands.check import audit_tree
    from regc.compiler import Compiler, discover_specs
    from regc.report import stale_lines, stale_specs

    compiler = Compiler(root)
    compiled = compiler.compile(discover_specs(root))
    changes = compiler.changes(compiled, prune=True)
    failures = stale_lines(changes, reasons=False)
    failures += audit_tree(root)
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        specs = stale_specs(changes)
        every = len(specs) == sum(unit.directory.startswith("overlays/") for unit in compiled.units)
        build = "regc build" if every or not specs else f"regc build {' '.join(specs)}"
        print(f"regc check failed: fix the above (most often: run `{build}` and commit)", file=sys.stderr)
        raise typer.Exit(1)
    overlays = sum(unit.directory.startswith("overlays/") for unit in compiled.units)
    print(f"ok: {overlays} environment(s) up to date, no Secret in clear")
    from regc.plan.credentials import referenced_secrets

    for env in compiler.load(discover_specs(root)):
        for what, secret in referenced_secrets(env.spec).items():
            print(f"note: {env.name} reads {what} from the Secret {secret}, which regc references and never writes")


@app.command()
def init(
    name: Annotated[str, typer.Argument(help="Environment name: a DNS label such as prod or dev.")],
    namespace: Annotated[str | None, typer.Option(help="Namespace of the registry.")] = None,
    root: RootOption = Path("."),
) -> None:
    """Write a commented starter spec, environments/NAME.yaml."""
    from regc.commands.init import write_starter

    path = write_starter(root, name, namespace)
    print(f"wrote {path}")
    if not (root / ".sops.yaml").is_file():
        print("next: `regc keys init` (an age key for the Secrets), then edit the spec")
    print(f"then: `regc build {path.relative_to(root) if not path.is_absolute() else path}`")
    print(
        "for Flux (gitops.engine: flux), give the cluster its age key once, out of band:\n"
        "  kubectl create secret generic sops-age --namespace=flux-system "
        '--from-file=age.agekey="${SOPS_AGE_KEY_FILE:-$HOME/.config/sops/age/keys.txt}"'
    )


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format", help="json: the JSON Schema (for editors: yaml-language-server); markdown: the reference table."
        ),
    ] = "json",
) -> None:
    """Print the JSON Schema of environment specs, or their reference as a Markdown table."""
    if format == "json":
        from regc.spec.schema import schema_text

        text = schema_text()
    elif format == "markdown":
        from regc.spec.reference import reference_markdown

        text = reference_markdown()
    else:
        raise RegcError(f"unknown format {format!r}", "use --format json or --format markdown")
    if output:
        from regc.files import write_atomic

        write_atomic(output, text.encode())
    else:
        sys.stdout.write(text)


@app.command()
def diff(
    against: Annotated[
        str | None, typer.Option("--against", help="A git revision; default: the merge base with the default branch.")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="text, markdown (a pull-request comment) or json.")
    ] = "text",
    against_manifests: Annotated[
        list[str] | None,
        typer.Option(
            "--against-manifests",
            help="Compare ENV's overlay with these objects (files, folders, or - for kubectl get -o yaml) "
            "instead of a revision: what changes when regc takes over a registry.",
        ),
    ] = None,
    env: Annotated[str | None, typer.Option("--env", help="The environment of --against-manifests.")] = None,
    root: RootOption = Path("."),
) -> None:
    """Show what each overlay changes in the cluster, object by object, against a git revision.

    Renders each overlay at REV (in a temporary git worktree) and in the working tree with the
    real kubectl kustomize, in parallel; an overlay whose files and base are the same in both is
    not rendered (nothing of it can differ). Encrypted values are never decrypted: a change shows
    as "encrypted value of key `htpasswd` changed". Exit 0 whether or not anything changed.

    After `regc import`, compare the compiled overlay with the objects that run today, before the
    first sync (Secrets' values are never shown, on either side):

        kubectl get deploy,svc,cm,secret,ingress,pvc -n registry -o yaml > running.yaml

        regc diff --against-manifests running.yaml --env prod
    """
    from regc.commands import diff as rendered

    if output not in ("text", "markdown", "json"):
        raise RegcError(f"unknown output {output!r}", "use --output text, markdown or json")
    if against_manifests:
        from regc.adopt.manifests import read_objects
        from regc.adopt.source import manifest_documents
        from regc.spec.fields import check_dns_label

        if env is None:
            raise InputError("--against-manifests needs --env: the environment whose overlay takes over")
        _checked(check_dns_label, env)
        revision = "the objects given (" + ", ".join(against_manifests) + ")"
        live = read_objects(manifest_documents(against_manifests))
        before, after = rendered.against_objects(root, env, live)
        configuration = rendered.configuration_changes(live, rendered.compiled_objects(root, env))
    else:
        from regc.tools.git import default_base, worktree

        revision = against or default_base(root)
        configuration = None
        with worktree(root, revision) as old_root:
            before, after = rendered.render_overlays(old_root, root)
    changes = rendered.diff_trees(before, after)
    if output == "markdown":
        from regc.commands.graph import change_graph, engine_of

        pictures = {}
        for overlay in changes:
            marks = {rendered.object_key(c.identity): c.status for c in overlay.changes}
            engine = engine_of(root / "overlays" / overlay.overlay)
            old, new = before.get(overlay.overlay, {}), after.get(overlay.overlay, {})
            pictures[overlay.overlay] = change_graph(old, new, marks, engine)
        sys.stdout.write(rendered.as_markdown(changes, revision, pictures=pictures, configuration=configuration))
    elif output == "json":
        sys.stdout.write(rendered.as_json(changes, revision, configuration))
    else:
        sys.stdout.write(rendered.as_text(changes, configuration))


@app.command()
def graph(
    env: Annotated[str, typer.Argument(help="Environment name (overlays/ENV).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead.")] = None,
    root: RootOption = Path("."),
) -> None:
    """Print the environment's topology as a Mermaid diagram, read from its compiled overlay.

    Clients and the Ingress or node proxy, the Service, the registry pods, the radosgw front and
    hosts or the volume, the Secrets and ConfigMap they mount, what the NetworkPolicy lets in, and
    the GitOps engine that syncs it. GitHub and the docs site draw it from a ```mermaid block:

        regc graph prod

        regc graph prod -o docs/prod.mmd
    """
    from regc.commands.graph import overlay_graph
    from regc.spec.fields import check_dns_label

    _checked(check_dns_label, env)
    text = overlay_graph(root, env)
    if output is None:
        sys.stdout.write(text)
    else:
        from regc.files import write_atomic

        write_atomic(output, text.encode())


@app.command()
def render(
    env: Annotated[str, typer.Argument(help="Environment name (overlays/ENV).")],
    root: RootOption = Path("."),
) -> None:
    """Print an overlay's manifests with its Secrets decrypted, for clusters without a GitOps engine:

        regc render prod | kubectl apply --server-side -f -

    Builds overlays/ENV with the real kubectl kustomize and decrypts each SOPS-encrypted object
    with sops in memory: it needs your age key, writes nothing to disk, and prints the plaintext
    only to standard output (pipe it, do not save it). The overlay must be up to date with its
    spec (`regc build` first). Exit 3 when kubectl or sops is missing or no key can decrypt.
    """
    from regc.commands.render import cluster_manifests

    _spec_path(root, env)
    sys.stdout.write(cluster_manifests(root, env))


@app.command("rgw-commands")
def rgw_commands_command(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="Print the secrets themselves (decrypted "
            "with your key) instead of reading them with sops at run time.",
        ),
    ] = False,
    root: RootOption = Path("."),
) -> None:
    """Print the radosgw-admin commands that create the environment's radosgw user (and Swift
    subuser, or S3 keys), as the guide does by hand."""
    from regc.commands.rgw import rgw_commands
    from regc.compiler import Compiler

    [loaded] = Compiler(root).load([_spec_path(root, env)])
    sys.stdout.write(rgw_commands(loaded, root, reveal))


keys_app = typer.Typer(help="age keys and the recipients in .sops.yaml.", no_args_is_help=True)
secrets_app = typer.Typer(help="The encrypted secrets file of an environment.", no_args_is_help=True)
user_app = typer.Typer(
    help="htpasswd users: the spec lists them, the secrets file holds their passwords.", no_args_is_help=True
)
import_app = typer.Typer(
    help="""Adopt a registry a team already runs: write its spec and encrypted secrets file.

    From a release of the community chart, or from the objects that run (hand-written manifests):

        helm get values my-registry -n registry -o yaml > values.yaml

        regc import helm-values values.yaml --name prod --namespace registry

        kubectl get deploy,svc,cm,secret,endpoints,ingress,pvc -n registry -o yaml > running.yaml

        regc import manifests running.yaml --name prod

    Then see what changes in the cluster when regc takes over, before the first sync:

        regc build environments/prod.yaml

        regc diff --against-manifests running.yaml --env prod
    """,
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
app.add_typer(keys_app, name="keys")
app.add_typer(secrets_app, name="secrets")
app.add_typer(user_app, name="user")


AcceptLossOption = Annotated[
    list[str] | None,
    typer.Option(
        "--accept-loss",
        help="Import even though the registry would lose this (auth, tls or storage): what regc cannot express "
        "stops the import otherwise. Repeatable.",
        show_default=False,
    ),
]


def _accepted(kinds: list[str] | None) -> frozenset[str]:
    from regc.adopt.verify import LOSS_KINDS
    from regc.errors import InputError

    for kind in kinds or []:
        if kind not in LOSS_KINDS:
            raise InputError(f"--accept-loss {kind}: not a loss regc names", f"one of {', '.join(LOSS_KINDS)}")
    return frozenset(kinds or [])


@import_app.command("helm-values")
def import_helm_values(
    values: Annotated[Path, typer.Argument(help="A values file of the community chart (twuni docker-registry).")],
    name: Annotated[str, typer.Option("--name", help="The environment to write: environments/NAME.yaml.")],
    namespace: Annotated[str, typer.Option("--namespace", help="Namespace of the registry.")] = "registry",
    chart_version: Annotated[
        str | None,
        typer.Option(
            "--chart-version",
            help="The chart version of the release (`helm list -n NAMESPACE` shows docker-registry-VERSION): its "
            "defaults fill what the values file does not set, as Helm's do.",
            show_default=False,
        ),
    ] = None,
    accept_loss: AcceptLossOption = None,
    root: RootOption = Path("."),
) -> None:
    """Write a spec and its encrypted secrets file from a values file of the community chart.

    Every documented key of the chart goes to its place in the spec; the chart's secrets
    (htpasswd, haSharedSecret, S3 or Swift credentials, proxy login) go to
    environments/NAME.secrets.yaml, encrypted by sops before anything touches the disk. htpasswd
    users keep their bcrypt hashes, so their passwords still work. Then the registry the chart runs
    (its config.yml with the chart's variables over it, read as the registry reads it, and its
    Service, Ingress and volume) is compared with the one regc builds: every difference is listed
    with why. Losing authentication, TLS or the storage endpoint writes nothing unless accepted
    (--accept-loss). Exit 0 when everything was mapped, 1 with the report otherwise, 2 when the
    values file cannot be read (template text in it included).

        helm list -n registry                      # docker-registry-2.2.2: the chart version

        helm get values my-registry -n registry -o yaml > values.yaml

        regc import helm-values values.yaml --name prod --namespace registry --chart-version 2.2.2

        regc build environments/prod.yaml
    """
    from regc.adopt import chart
    from regc.adopt.helm import from_helm_values
    from regc.adopt.source import refuse_templates
    from regc.adopt.write import write_import
    from regc.errors import InputError
    from regc.spec.fields import check_dns_label
    from regc.spec.load import load_yaml

    _checked(check_dns_label, name)
    _checked(check_dns_label, namespace)
    accepted = _accepted(accept_loss)
    known = chart.versions()
    if chart_version not in known:
        raise InputError(
            f"--chart-version {chart_version}: regc knows the chart's versions {known[0]} to {known[-1]}"
            if chart_version
            else "which version of the chart does the release run? Its defaults decide what the values file "
            "leaves out (the image's tag among them), and regc does not guess",
            "helm list -n NAMESPACE shows it (docker-registry-VERSION): give --chart-version VERSION",
        )
    if values.is_file():
        refuse_templates(values.read_text(encoding="utf-8", errors="replace"), str(values))
    document = load_yaml(values, str(values), positions=False)  # the report names dotted paths, not lines
    imported = from_helm_values(document.data, namespace, chart_version)
    outcome = write_import(root, name, imported, str(values), accepted)
    if not outcome.clean:
        raise typer.Exit(1)


@import_app.command("manifests")
def import_manifests(
    paths: Annotated[
        list[str], typer.Argument(help="YAML files, folders of them, or - for standard input.", show_default=False)
    ],
    name: Annotated[str, typer.Option("--name", help="The environment to write: environments/NAME.yaml.")],
    namespace: Annotated[
        str | None, typer.Option("--namespace", help="Namespace of the registry; default: its Deployment's.")
    ] = None,
    registry_version: Annotated[
        int | None,
        typer.Option(
            "--registry-version",
            help="Which registry an image without a version tag runs (2 or 3): `registry` and `registry:latest` "
            "pull 3.x today, 2.x before April 2025; the import will not guess.",
            min=2,
            max=3,
        ),
    ] = None,
    accept_loss: AcceptLossOption = None,
    root: RootOption = Path("."),
) -> None:
    """Write a spec and its encrypted secrets file from the objects of a registry that runs today.

    Reads the registry as it runs: its workload (of any kind and API version), the configuration it
    reads (the image's own file, or the mounted one) with the REGISTRY_* variables over it (env,
    envFrom, the namespace's Service links) as the registry's parser applies them; the htpasswd,
    TLS and storage credentials (the TLS key and certificate are kept, so clients keep trusting the
    registry; users keep their bcrypt hashes), the radosgw front's Service and Endpoints or
    EndpointSlices, pull secrets, the Service, Ingress and volume claim. Then compares that registry
    with the one regc builds, key by key and object by object: every difference is listed with why.
    Losing authentication, TLS or the storage endpoint writes nothing unless accepted
    (--accept-loss). Mistakes found are named (a removed API version, a Secret with its keys under
    spec:). Exit 0 when everything was mapped, 1 with the report otherwise, 2 when the input cannot
    be read (template text in it included).

        kubectl get deploy,svc,cm,secret,endpoints,ingress,pvc -n registry -o yaml | regc import manifests - --name prod

        regc import manifests k8s/registry/ --name prod --namespace registry
    """
    from regc.adopt.manifests import from_manifests, read_objects
    from regc.adopt.source import manifest_documents, refuse_templates_in_data
    from regc.adopt.write import write_import
    from regc.spec.fields import check_dns_label

    _checked(check_dns_label, name)
    if namespace:
        _checked(check_dns_label, namespace)
    accepted = _accepted(accept_loss)
    objects = read_objects(manifest_documents(paths))
    refuse_templates_in_data(objects)
    outcome = write_import(root, name, from_manifests(objects, namespace, registry_version), "manifests", accepted)
    if not outcome.clean:
        raise typer.Exit(1)


@keys_app.command("init")
def keys_init(root: RootOption = Path(".")) -> None:
    """Create your age identity (if none) and add its recipient to .sops.yaml.

    The identity goes where sops looks: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt.
    It never leaves your machine; commit .sops.yaml.
    """
    from regc.secrets.sopsconfig import read_recipients, write_config
    from regc.tools.age import create_identity, default_identity_file, recipients_of

    identity = default_identity_file()
    if identity.is_file():
        recipient = recipients_of(identity)[0]
        print(f"using the existing identity {identity}")
    else:
        recipient = create_identity(identity)
        print(f"created {identity} (keep it safe: it opens every secret encrypted to it)")
    with _changing(root):
        write_config(root, [*read_recipients(root), recipient])
    print(f"recipient {recipient} is in {root / '.sops.yaml'}")


@keys_app.command("add")
def keys_add(
    recipient: Annotated[str, typer.Argument(help="An age recipient (age1...).")], root: RootOption = Path(".")
) -> None:
    """Add a teammate's (or a cluster's) age recipient to .sops.yaml.

    The secrets files are re-wrapped for it now (`sops updatekeys`, needs your key); the
    compiled Secrets at the next `regc build`. Every file is prepared first: without a key, or
    without sops, nothing changes.
    """
    from regc.layout import SOPS_CONFIG
    from regc.secrets.sopsconfig import config_text, read_recipients
    from regc.tools.age import RECIPIENT

    if not RECIPIENT.match(recipient):
        raise InputError(f"{recipient!r} is not an age recipient", "it looks like age1 followed by 58 characters")
    with _changing(root):
        files = _rewrapped(root, config_text(root, [*read_recipients(root), recipient]))
        _write_together(files)
    for path in files:
        if path.name != SOPS_CONFIG:
            print(f"re-wrapped {path.relative_to(root)}")
    print("now run `regc build` to re-wrap the compiled Secrets")


def _rewrapped(root: Path, config: str) -> dict[Path, bytes]:
    """Every secrets file re-wrapped for the recipients of `config` (a new .sops.yaml), and that config."""
    from regc.layout import SOPS_CONFIG
    from regc.secrets.sealer import staged_copy
    from regc.tools import sops

    files: dict[Path, bytes] = {}
    with staged_copy(root / SOPS_CONFIG, config.encode()) as staged_config:
        for path in sorted((root / layout.ENVIRONMENTS).glob(f"*{layout.SECRETS_SUFFIX}")):
            with staged_copy(path) as staged:
                sops.update_keys(staged, root=root, config=staged_config)
                files[path] = staged.read_bytes()
    files[root / SOPS_CONFIG] = config.encode()
    return files


@secrets_app.command("edit")
def secrets_edit(env: Annotated[str, typer.Argument(help="Environment name.")], root: RootOption = Path(".")) -> None:
    """Open environments/ENV.secrets.yaml in your editor through sops (created if missing)."""
    from regc.errors import ToolError
    from regc.secrets.store import ensure_secrets_file
    from regc.tools import sops

    _spec_path(root, env)
    with _changing(root):
        path = ensure_secrets_file(root, env)
        status = sops.edit(path, root=root)
    if status == sops.EDIT_UNCHANGED:
        print(f"{path.relative_to(root)}: no change")
        return
    if status == 128:
        raise ToolError(
            f"{path.relative_to(root)}: cannot decrypt: no age key here can open it",
            "set SOPS_AGE_KEY_FILE to an identity whose recipient is in .sops.yaml (default "
            "~/.config/sops/age/keys.txt), or ask a key holder to add yours",
        )
    if status:
        raise ToolError(f"sops edit {path.relative_to(root)} failed (exit {status}); the file is as it was")
    print(f"{path.relative_to(root)} saved (encrypted); run `regc build`")


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]
Generate = Annotated[bool, typer.Option("--generate", help="Generate a password and print it once.")]


@user_app.command("add")
def user_add(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name (no ':' or white space).")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    root: RootOption = Path("."),
) -> None:
    """Add an htpasswd user: listed in the spec, password stored encrypted. Then `regc build`.

    Both files change together or neither does (under the build lock).
    """
    from regc.secrets.store import with_password
    from regc.spec.edit import with_user
    from regc.spec.fields import check_username

    spec = _spec_path(root, env)
    _users_are_regcs(spec, env)
    _checked(check_username, name)
    with _changing(root):
        spec_text = with_user(spec, name)  # a broken spec stops here, before anything is stored
        password = _password(password_stdin, generate)
        _write_together(
            {
                layout.secrets_path(root, env): with_password(root, env, name, password),
                **({spec: spec_text.encode()} if spec_text is not None else {}),
            }
        )
    _announce(password, generate)
    print(
        f"{'added' if spec_text is not None else 'updated the password of'} {name} in {env}; "
        f"run `regc build {spec.relative_to(root)}`"
    )


@user_app.command("passwd")
def user_passwd(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    root: RootOption = Path("."),
) -> None:
    """Set a user's password (the secrets file only). Then `regc build`."""
    from regc.secrets.store import with_password

    _users_are_regcs(_spec_path(root, env), env, listing=False)
    password = _password(password_stdin, generate)
    with _changing(root):
        _write_together({layout.secrets_path(root, env): with_password(root, env, name, password)})
    _announce(password, generate)
    print(f"password of {name} in {env} changed; run `regc build`")


@user_app.command("remove")
def user_remove(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name.")],
    root: RootOption = Path("."),
) -> None:
    """Remove an htpasswd user from the spec and its password from the secrets file. Then `regc build`.

    Both files change together or neither does (under the build lock).
    """
    from regc.secrets.store import without_password
    from regc.spec.edit import without_user

    spec = _spec_path(root, env)
    _users_are_regcs(spec, env)
    with _changing(root):
        spec_text = without_user(spec, name)
        secrets = without_password(root, env, name)
        _write_together(
            {spec: spec_text.encode(), **({layout.secrets_path(root, env): secrets} if secrets is not None else {})}
        )
    print(f"removed {name} from {env}; run `regc build {spec.relative_to(root)}`")


def _changing(root: Path) -> AbstractContextManager[None]:
    """The build lock: a command that changes inputs never interleaves with a build or another command."""
    from regc.write.lock import build_lock

    return build_lock(root)


def _write_together(files: dict[Path, bytes]) -> None:
    """Write files whose new contents are all prepared: nothing is written before every one is ready."""
    from regc.files import write_atomic

    for path, content in files.items():
        write_atomic(path, content)


def _spec_path(root: Path, env: str) -> Path:
    """environments/ENV.yaml; ENV is a name (a DNS label), never a path to elsewhere."""
    from regc.spec.fields import check_dns_label

    _checked(check_dns_label, env)
    path = layout.spec_path(root, env)
    if not path.is_file():
        raise RegcError(f"no environment {env!r} ({path} does not exist)", f"create it with `regc init {env}`")
    return path


def _users_are_regcs(spec: Path, env: str, *, listing: bool = True) -> None:
    """`regc user` keeps users in the spec and the secrets file: not those of an htpasswd Secret of
    the user's (auth.htpasswd.secretRef), whose changes regc would never see; and (`listing`: the
    command edits the list) not a list of a shared file, which this spec's own list would replace."""
    from regc.spec.extends import extended
    from regc.spec.load import load_yaml

    display = f"{layout.ENVIRONMENTS}/{spec.name}"
    document, _ = extended(load_yaml(spec, display), spec, display, None, positions=True)
    auth = document.data.get("auth")
    htpasswd = auth.get("htpasswd") if isinstance(auth, dict) else None
    reference = htpasswd.get("secretRef") if isinstance(htpasswd, dict) else None
    if isinstance(reference, dict):
        raise RegcError(
            f"{env} reads its users from the Secret {reference.get('name')!r} (auth.htpasswd.secretRef): "
            "regc keeps none of them",
            "add or change the user in that Secret's htpasswd file",
        )
    origin = document.positions.origins.get(("auth", "htpasswd", "users"))
    if listing and origin is not None:
        raise RegcError(
            f"{env} lists its users in the shared file {origin} (extends): a list in {display} would replace it",
            f"edit auth.htpasswd.users in {origin} (every environment that extends it follows), "
            "then `regc user passwd` each environment",
        )


def _checked(check: Callable[[str], str], value: str) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _announce(password: str, generated: bool) -> None:
    """A generated password, printed once, and only when it is stored."""
    if generated:
        print(f"generated password (shown once): {password}")


def _password(from_stdin: bool, generate: bool) -> str:
    """The new password: from stdin, generated (printed once), or asked twice at a prompt."""
    import getpass
    import secrets as random

    from regc.secrets.htpasswd import password_problem

    if from_stdin and generate:
        raise RegcError("--password-stdin and --generate exclude each other")
    if generate:
        return random.token_urlsafe(24)  # printed once it is stored: see _announce
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise RegcError("no terminal to ask the password at", "use --password-stdin or --generate")
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise RegcError("the two passwords differ")
    problem = password_problem("new", password)
    if problem:
        raise RegcError(problem.replace("users.new: ", ""))
    return password


def main() -> None:
    """Run the CLI; errors a person can act on are printed without a traceback."""
    try:
        app()  # standalone: click reports usage errors (exit 2) and exits with the command's status
    except RegcError as exc:
        sys.exit(exc.report())
    except KeyboardInterrupt:
        print("interrupted; the tree is as it was", file=sys.stderr)
        sys.exit(130)
