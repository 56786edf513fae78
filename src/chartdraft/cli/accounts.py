"""``chartdraft users create``, ``tokens create`` and ``serve``: first set-up and scripts."""

import sys
from typing import Annotated

import typer

from chartdraft.bootstrap import build_clinic, load_settings
from chartdraft.cli.app import app, errors_console
from chartdraft.domain.errors import InputError
from chartdraft.domain.review import Role
from chartdraft.services.accounts import SCOPES, create_token, create_user

users_app = typer.Typer(help="Users of a practice.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


@users_app.command("create")
def users_create(
    practice: Annotated[str, typer.Option(help="The practice (created when it does not exist).")],
    email: Annotated[str, typer.Option(help="The user's e-mail address (their sign-in name).")],
    role: Annotated[Role, typer.Option(help="clinician, scribe, admin or auditor.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    name: Annotated[str, typer.Option(help="The name shown in the app.")] = "",
) -> None:
    """Create a user (argon2id password) for first set-up and scripts."""
    if not password_stdin:
        raise InputError("Give the password on standard input with --password-stdin.")
    password = sys.stdin.readline().rstrip("\r\n")
    user_id = create_user(build_clinic(load_settings()), practice, email, role, password, name=name)
    errors_console.print(f"Created {role.value} {user_id}.", soft_wrap=True)


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="The e-mail address of the token's user.")],
    scope: Annotated[
        list[str], typer.Option(help=f"Repeat for each scope: {', '.join(sorted(SCOPES))}.")
    ],
    days: Annotated[int | None, typer.Option(min=1, help="Expire after this many days.")] = None,
) -> None:
    """Create an API token and print it (once: only its hash is kept)."""
    token = create_token(build_clinic(load_settings()), user, frozenset(scope), days=days)
    sys.stdout.write(token + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
) -> None:
    """Serve the review pages and the REST API."""
    from chartdraft.web.server import serve as run  # noqa: PLC0415 - the web stack loads only here

    run(load_settings(), host, port, workers)
