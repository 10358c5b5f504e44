"""The `regc` command line: its commands, options and help (typer). Each command's body imports its
module under regc.commands, hands it the world at --root (`_world`: the disk, or what `run` was
given) and returns what it returns, the exit status: this is the one place where regc imports inside
functions, so that `regc --help` and each command load only what they use."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regc import __version__

if TYPE_CHECKING:
    from regc.world import World

WorldAt = Callable[[Path], "World"]
_WORLD_AT: ContextVar[WorldAt | None] = ContextVar("world_at", default=None)  # set by `run`


def _world(root: Path) -> World:
    """The repository at ROOT as the commands see it: what `run` was given, or the disk."""
    world_at = _WORLD_AT.get()
    if world_at is None:
        from regc.compiler import disk_world

        world_at = disk_world
    return world_at(root)


def _exit_with(status: int | None, **_: object) -> None:
    """Each command returns its exit status (every subcommand's comes up to here)."""
    if status:
        raise typer.Exit(status)


app = typer.Typer(
    name="regc",
    result_callback=_exit_with,
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
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Name every folder, the ones up to date too (by default they are summed up)."
        ),
    ] = False,
    root: RootOption = Path("."),
) -> int:
    """Compile environment specs into base/ and overlays/<env>/.

    Writes all or nothing; a rebuild with nothing changed changes no byte. Files in the
    output folders that regc did not write are left alone. With no SPECS, environments
    whose spec was removed have their overlay removed too.

    Examples:

      regc build                          # every environment

      regc build environments/prod.yaml   # one environment

      regc build --check                  # in CI: fail if the tree is stale
    """
    from regc.commands import build as command

    return command.run(
        _world(root),
        list(specs) if specs else None,
        check=check,
        diff=diff,
        regenerate=regenerate_secrets,
        verbose=verbose,
    )


@app.command()
def check(root: RootOption = Path(".")) -> int:
    """Check the tree in CI: up to date with the specs, and every Secret SOPS-encrypted.

    Needs no private key. Exit 0 when all is well, 1 otherwise, 2 for an invalid spec.
    """
    from regc.commands import check as command

    return command.run(_world(root))


@app.command()
def init(
    name: Annotated[str, typer.Argument(help="Environment name: a DNS label such as prod or dev.")],
    namespace: Annotated[str | None, typer.Option(help="Namespace of the registry.")] = None,
    root: RootOption = Path("."),
) -> int:
    """Write a commented starter spec, environments/NAME.yaml."""
    from regc.commands import init as command

    return command.run(_world(root), name, namespace)


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
) -> int:
    """Print the JSON Schema of environment specs, or their reference as a Markdown table."""
    from regc.commands import schema as command

    return command.run(output, format)


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
) -> int:
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
    from regc.commands import diff as command

    return command.run(_world(root), against, output, against_manifests, env)


@app.command()
def graph(
    env: Annotated[str, typer.Argument(help="Environment name (overlays/ENV).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead.")] = None,
    root: RootOption = Path("."),
) -> int:
    """Print the environment's topology as a Mermaid diagram, read from its compiled overlay.

    Clients and the Ingress or node proxy, the Service, the registry pods, the radosgw front and
    hosts or the volume, the Secrets and ConfigMap they mount, what the NetworkPolicy lets in, and
    the GitOps engine that syncs it. GitHub and the docs site draw it from a ```mermaid block:

        regc graph prod

        regc graph prod -o docs/prod.mmd
    """
    from regc.commands import graph as command

    return command.run(_world(root), env, output)


@app.command()
def render(
    env: Annotated[str, typer.Argument(help="Environment name (overlays/ENV).")],
    root: RootOption = Path("."),
) -> int:
    """Print an overlay's manifests with its Secrets decrypted, for clusters without a GitOps engine:

        regc render prod | kubectl apply --server-side -f -

    Builds overlays/ENV with the real kubectl kustomize and decrypts each SOPS-encrypted object
    with sops in memory: it needs your age key, writes nothing to disk, and prints the plaintext
    only to standard output (pipe it, do not save it). The overlay must be up to date with its
    spec (`regc build` first). Exit 3 when kubectl or sops is missing or no key can decrypt.
    """
    from regc.commands import render as command

    return command.run(_world(root), env)


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
) -> int:
    """Print the radosgw-admin commands that create the environment's radosgw user (and Swift
    subuser, or S3 keys), as the guide does by hand."""
    from regc.commands import rgw as command

    return command.run(_world(root), env, reveal)


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
) -> int:
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
    from regc.commands import imports as command

    return command.helm_values(_world(root), values, name, namespace, chart_version, accept_loss)


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
) -> int:
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
    from regc.commands import imports as command

    return command.manifests(_world(root), paths, name, namespace, registry_version, accept_loss)


@keys_app.command("init")
def keys_init(root: RootOption = Path(".")) -> int:
    """Create your age identity (if none) and add its recipient to .sops.yaml.

    The identity goes where sops looks: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt.
    It never leaves your machine; commit .sops.yaml.
    """
    from regc.commands import keys as command

    return command.init(_world(root))


@keys_app.command("add")
def keys_add(
    recipient: Annotated[str, typer.Argument(help="An age recipient (age1...).")], root: RootOption = Path(".")
) -> int:
    """Add a teammate's (or a cluster's) age recipient to .sops.yaml.

    The secrets files are re-wrapped for it now (`sops updatekeys`, needs your key); the
    compiled Secrets at the next `regc build`. Every file is prepared first: without a key, or
    without sops, nothing changes.
    """
    from regc.commands import keys as command

    return command.add(_world(root), recipient)


@secrets_app.command("edit")
def secrets_edit(env: Annotated[str, typer.Argument(help="Environment name.")], root: RootOption = Path(".")) -> int:
    """Open environments/ENV.secrets.yaml in your editor through sops (created if missing)."""
    from regc.commands import secrets as command

    return command.edit(_world(root), env)


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]
Generate = Annotated[bool, typer.Option("--generate", help="Generate a password and print it once.")]


@user_app.command("add")
def user_add(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name (no ':' or white space).")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    root: RootOption = Path("."),
) -> int:
    """Add an htpasswd user: listed in the spec, password stored encrypted. Then `regc build`.

    Both files change together or neither does (under the build lock).
    """
    from regc.commands import users as command

    return command.add(_world(root), env, name, password_stdin, generate)


@user_app.command("passwd")
def user_passwd(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    root: RootOption = Path("."),
) -> int:
    """Set a user's password (the secrets file only). Then `regc build`."""
    from regc.commands import users as command

    return command.passwd(_world(root), env, name, password_stdin, generate)


@user_app.command("remove")
def user_remove(
    env: Annotated[str, typer.Argument(help="Environment name.")],
    name: Annotated[str, typer.Argument(help="User name.")],
    root: RootOption = Path("."),
) -> int:
    """Remove an htpasswd user from the spec and its password from the secrets file. Then `regc build`.

    Both files change together or neither does (under the build lock).
    """
    from regc.commands import users as command

    return command.remove(_world(root), env, name)


def run(argv: list[str], world_at: WorldAt | None = None) -> int:
    """The exit status of the command line `argv`. click shows its own errors (an unknown option, a
    missing argument: exit 2) and exits, as it does for --help; regc's errors go up to regc.console.
    `world_at` opens the repository at a root (default: on disk, with the real sops)."""
    token = _WORLD_AT.set(world_at)
    try:
        app(args=argv, prog_name="regc")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        _WORLD_AT.reset(token)
    return 0
