"""``smsbridge``: set up a Dataverse environment for SMS Bridge, check it, and recover what went wrong.

Settings come from the same places as the function app's: the environment, else ``Values`` of
``local.settings.json`` in the current directory; flags override both. Exit codes: 0 done, 1 a problem (the
message says what to do), 2 the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from azure.core.exceptions import AzureError

from admin.chat_forms import add_chat
from admin.console import Console
from admin.doctor import Status, run_doctor
from admin.replay import list_poison, replay, source_queue
from admin.settings import AdminSettings, devstack_notice, merged_values
from admin.solution_import import ImportFailed, import_solution, read_package
from admin.team import TEAM_NAME, USER_ROLE, UnknownUser, setup_team
from admin.webhooks import WebhookSetupError, register_webhooks
from app.runtime import Runtime, queue_service_for
from app.settings import SettingsError
from dataverse import DataverseClient, DataverseConnectionError, DataverseError, DataverseHttpError, F
from messaging.errors import MessagingError
from solution.packer.chat_tab import CHAT_LABEL, ChatFormError
from twilio_bridge import TwilioBridgeError

__all__ = ["main", "run"]

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line cannot work as given (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection (override the environment and local.settings.json)")
    group.add_argument("--dataverse-url", metavar="URL", help="DATAVERSE_URL, e.g. https://contoso.crm.dynamics.com")
    group.add_argument("--tenant-id", metavar="ID", help="DATAVERSE_TENANT_ID")
    group.add_argument("--client-id", metavar="ID", help="DATAVERSE_CLIENT_ID")
    group.add_argument("--certificate-path", metavar="PEM", help="DATAVERSE_CLIENT_CERTIFICATE_PATH")
    group.add_argument("--public-url", metavar="URL", help="SMSB_PUBLIC_URL, the function app's base URL")

    parser = argparse.ArgumentParser(
        prog="smsbridge", description="Set up a Dataverse environment for SMS Bridge and check it.",
        epilog="Secrets (DATAVERSE_CLIENT_SECRET, the function key) are read from the environment or "
               "local.settings.json; they are never printed.")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)

    imp = commands.add_parser("import", parents=[common], help="import the SmsBridge solution and publish it")
    imp.add_argument("--zip", type=Path, metavar="PATH", help="a solution zip (default: build it from solution/)")
    imp.add_argument("--managed", action="store_true", help="build and import the managed package")
    imp.add_argument("--force", action="store_true", help="import even when this version is already installed")

    hooks = commands.add_parser("register-webhooks", parents=[common],
                                help="point Dataverse's webhook steps at the function app")
    hooks.add_argument("--function-url", metavar="URL", help="the function app's base URL (default SMSB_PUBLIC_URL)")
    hooks.add_argument("--function-key", metavar="KEY",
                       help="the function app's key (default SMSB_FUNCTION_KEY; '-' reads it from stdin)")

    team = commands.add_parser("setup-team", parents=[common],
                               help=f"create the team '{TEAM_NAME}' with the {USER_ROLE} role, add users")
    team.add_argument("--add-user", action="append", default=[], metavar="EMAIL_OR_ID",
                      help="add this user to the team (repeatable)")
    team.add_argument("--no-app-user-role", action="store_true",
                      help="do not give the application user the SMS Bridge Integration role")

    chat = commands.add_parser("add-chat", parents=[common],
                               help="put the chat (a Message UI tab) on a table's main form and publish it")
    chat.add_argument("--table", required=True, metavar="LOGICAL_NAME",
                      help="the table, e.g. lead, incident, opportunity or new_project (it must take activities)")
    chat.add_argument("--form", metavar="NAME_OR_ID",
                      help="which main form (default: the one named as the table, else the first by name)")

    commands.add_parser("doctor", parents=[common], help="check the environment; exit 1 when anything FAILs")

    rec = commands.add_parser("reconcile", parents=[common],
                              help="file texts Twilio received but Dataverse lacks; refresh unsettled statuses")
    rec.add_argument("--since", default="2h", type=_duration, metavar="DURATION",
                     help="how far back to look: 30m, 2h, 1d (default 2h)")
    rec.add_argument("--max", type=int, default=1000, metavar="N", help="at most N texts per number (default 1000)")

    rep = commands.add_parser("replay", parents=[common],
                              help="list a poison queue's messages with their errors and move them back")
    rep.add_argument("queue", choices=["sms-inbound-poison", "sms-outbound-poison"])
    rep.add_argument("--dry-run", action="store_true", help="only list what would move back")
    rep.add_argument("--limit", type=int, default=None, metavar="N", help="move at most N messages")
    return parser


def _duration(text: str) -> timedelta:
    units = {"m": "minutes", "h": "hours", "d": "days"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30m, 2h or 1d")
    return timedelta(**{units[unit]: int(number)})


def run(
    argv: Sequence[str],
    *,
    environ: Mapping[str, str],
    cwd: Path,
    stdout: TextIO,
    stderr: TextIO,
    stdin: TextIO | None = None,
    client_factory: Callable[[AdminSettings], DataverseClient] | None = None,
) -> int:
    """The whole command; ``main`` calls it with the process's environment and streams."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the usage
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    console = Console(stdout, stderr)
    handler = _ConsoleLog(console)
    logging.getLogger().addHandler(handler)
    try:
        return _run(args, console, environ=environ, cwd=cwd, stdin=stdin, client_factory=client_factory)
    finally:
        logging.getLogger().removeHandler(handler)


class _ConsoleLog(logging.Handler):
    """Library warnings (retries, throttling) go to stderr through the console, which scrubs secrets."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.WARNING)
        self._console = console

    def emit(self, record: logging.LogRecord) -> None:
        self._console.error(record.getMessage())


def _run(args: argparse.Namespace, console: Console, *, environ: Mapping[str, str], cwd: Path,
         stdin: TextIO | None, client_factory: Callable[[AdminSettings], DataverseClient] | None) -> int:
    overrides = {"DATAVERSE_URL": args.dataverse_url, "DATAVERSE_TENANT_ID": args.tenant_id,
                 "DATAVERSE_CLIENT_ID": args.client_id, "DATAVERSE_CLIENT_CERTIFICATE_PATH": args.certificate_path,
                 "SMSB_PUBLIC_URL": args.public_url}
    factory = client_factory or (lambda s: DataverseClient.from_config(s.dataverse_config()))
    try:
        notice = devstack_notice(environ, cwd)
        if notice is not None:
            console.error(notice)
        settings = AdminSettings(merged_values(environ, cwd, overrides))
        for secret in settings.secrets():
            console.add_secret(secret)
        if args.command == "doctor":
            return _doctor(console, settings, factory)
        if args.command == "replay":
            return _replay(console, settings, args)
        with factory(settings) as client:
            # One quick call without retries: a wrong URL or credential fails now, not after the retry budget.
            client.who_am_i(timeout=15)
            context = _Context(console, client, settings, args, stdin)
            commands: dict[str, Callable[[_Context], int]] = {
                "import": _import, "register-webhooks": _register, "setup-team": _setup_team,
                "reconcile": _reconcile, "add-chat": _add_chat,
            }
            return commands[args.command](context)
    except UsageError as exc:
        console.error(f"smsbridge {args.command}: {exc}")
        return EXIT_USAGE
    except (SettingsError, ImportFailed, WebhookSetupError, DataverseError, LookupError, AzureError,
            MessagingError, TwilioBridgeError, ChatFormError) as exc:
        console.error(_describe(args.command, exc))
        return EXIT_PROBLEM


def _describe(command: str, exc: Exception) -> str:
    """One line saying what went wrong and what to do about it."""
    if isinstance(exc, SettingsError):
        return "settings: " + "; ".join(exc.problems)
    if isinstance(exc, DataverseConnectionError):
        return f"cannot reach Dataverse: {exc}. Check DATAVERSE_URL and the network, then run it again."
    if isinstance(exc, DataverseHttpError):
        hint = {401: "check the credentials (run `smsbridge doctor`)",
                403: "give the application user a role that allows this (System Administrator for imports)"}
        return f"smsbridge {command}: {exc}" + (f". {hint[exc.status]}" if exc.status in hint else "")
    if isinstance(exc, LookupError) and not isinstance(exc, UnknownUser) and exc.args:
        return f"smsbridge {command}: {exc.args[0]}"
    return f"smsbridge {command}: {exc}"


@dataclass(frozen=True)
class _Context:
    console: Console
    client: DataverseClient
    settings: AdminSettings
    args: argparse.Namespace
    stdin: TextIO | None


def _import(context: _Context) -> int:
    console, client, args = context.console, context.client, context.args
    if args.zip is not None:
        try:
            data = args.zip.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.zip}: {exc.strerror or exc}") from None
        try:
            package = read_package(data)
        except ValueError as exc:
            raise UsageError(f"{args.zip} is not a solution package: {exc}") from None
        if args.managed and not package.managed:
            raise UsageError(f"{args.zip} is an unmanaged package; drop --managed or give the managed zip")
    else:
        console.progress("building the solution package from solution/", None)
        try:
            from solution import packer
        except ImportError:
            raise UsageError("this installation has no solution packer; pass --zip PATH") from None
        try:
            data = packer.build(managed=args.managed)
        except (ValueError, OSError) as exc:  # PackageError, DefinitionError, AssetError: a definition is wrong
            raise ImportFailed(f"the solution package cannot be built from solution/: {exc}") from None
    result = import_solution(client, data, force=args.force, progress=console.progress)
    p = result.package
    kind = "managed" if p.managed else "unmanaged"
    if not result.imported:
        console.line(f"unchanged: {p.unique_name} {p.version} ({kind}) is already installed "
                     "(--force imports it again)")
        return EXIT_OK
    was = f", was {result.previous_version}" if result.previous_version else ""
    console.line(f"imported: {p.unique_name} {p.version} ({kind}{was}) in {result.seconds:.1f} s")
    console.line("published: all customizations")
    console.line("next: smsbridge register-webhooks, smsbridge setup-team --add-user <email>, smsbridge doctor")
    return EXIT_OK


def _function_key(settings: AdminSettings, args: argparse.Namespace, stdin: TextIO | None) -> str:
    key: str | None = args.function_key
    if key == "-":
        key = (stdin or sys.stdin).readline().strip()
    key = key or settings.get("SMSB_FUNCTION_KEY") or settings.get("DEVSTACK_FUNCTION_KEY")
    if not key and (stdin or sys.stdin).isatty():
        key = getpass.getpass("function key (input hidden): ").strip()
    if not key:
        raise UsageError("the function key is needed: pass --function-key (or '-' to read it from stdin), or set "
                         "SMSB_FUNCTION_KEY; find it in the Azure portal under the function app > App keys")
    return key


def _register(context: _Context) -> int:
    console, client, settings, args = context.console, context.client, context.settings, context.args
    url = (args.function_url or settings.public_url or "").rstrip("/")
    if not url:
        raise UsageError("the function app's URL is needed: pass --function-url or set SMSB_PUBLIC_URL")
    key = _function_key(settings, args, context.stdin)
    console.add_secret(key)
    console.progress("registering the webhook", None)
    report = register_webhooks(client, url, key)
    endpoint = "created" if report.endpoint_created else "updated" if report.endpoint_updated else "unchanged"
    console.line(f"{endpoint}: service endpoint → {url}/api/dataverse/webhook (key not shown)")
    for name in report.steps_created:
        console.line(f"created: step {name}")
    for name in report.steps_enabled:
        console.line(f"enabled: step {name}")
    for name in report.steps_updated:
        console.line(f"updated: step {name} (execution mode or filtering columns)")
    for name in report.steps_unchanged:
        console.line(f"unchanged: step {name}")
    console.line("changed nothing" if not report.changed else "done")
    return EXIT_OK


def _setup_team(context: _Context) -> int:
    console, client, args = context.console, context.client, context.args
    console.progress(f"setting up the team {TEAM_NAME}", None)
    report = setup_team(client, list(args.add_user), app_user_role=not args.no_app_user_role)
    console.line(f"{'created' if report.team_created else 'unchanged'}: team {TEAM_NAME} "
                 f"(business unit {report.business_unit})")
    console.line(f"{'added' if report.role_added else 'unchanged'}: role {USER_ROLE} of the team")
    for label in report.members_added:
        console.line(f"added: member {label}")
    for label in report.members_unchanged:
        console.line(f"unchanged: member {label}")
    if report.app_user_role_added:
        console.line("added: role SMS Bridge Integration of the application user")
    console.line("changed nothing" if not report.changed else "done")
    return EXIT_OK


def _add_chat(context: _Context) -> int:
    console, args = context.console, context.args
    report = add_chat(context.client, args.table, form=args.form, progress=console.progress)
    where = f"the form '{report.form}' of {report.table}"
    if not report.added:
        console.line(f"unchanged: {where} has the chat already")
    else:
        console.line(f"added: the {CHAT_LABEL} tab to {where} (Message Sessions by {report.relationship})")
        console.line(f"published: {report.table}")
    if report.other_forms:
        console.line(f"other main forms of {report.table}: {', '.join(report.other_forms)} "
                     "(--form NAME for one of them)")
    console.line("done" if report.added else "changed nothing")
    return EXIT_OK


def _reconcile(context: _Context) -> int:
    console, args = context.console, context.args
    app = Runtime.from_settings(context.settings.app_settings())
    report = app.reconciler.run(args.since, max_messages=args.max,
                                progress=lambda label, done, total: console.progress(label, done / total))
    console.line(f"reconciled: {report.summary()}")
    for problem in report.problems:
        console.error(f"problem: {problem}")
    return EXIT_PROBLEM if report.problems else EXIT_OK


def _replay(console: Console, settings: AdminSettings, args: argparse.Namespace) -> int:
    app = Runtime.from_settings(settings.app_settings())
    service = queue_service_for(app.settings)

    def error_for(correlation: str) -> str | None:
        row = app.dataverse.first("smsb_errorlogs", select=["smsb_details"],
                                  filter=F.eq("smsb_correlationid", correlation), orderby=["createdon desc"])
        return str(row["smsb_details"]) if row is not None else None

    waiting = list_poison(service, args.queue, error_for)
    console.line(f"{len(waiting)} message(s) in {args.queue}" + (" (the first 32 listed)" if len(waiting) >= 32
                                                                    else ""))
    for message in waiting:
        when = message.inserted_on.isoformat(timespec="seconds") if message.inserted_on else "?"
        console.line(f"  {message.id}  {when}  {message.kind}  {message.reference or '-'}")
        if message.error:
            console.line(f"      error: {message.error}")
    report = replay(service, args.queue, dry_run=args.dry_run, limit=args.limit,
                    progress=lambda moved: console.progress(f"moved {moved} back to {source_queue(args.queue)}", None))
    verb = "would move" if report.dry_run else "moved"
    console.line(f"{verb} {len(report.moved)} message(s) back to {report.target}")
    return EXIT_OK


def _doctor(console: Console, settings: AdminSettings,
            factory: Callable[[AdminSettings], DataverseClient]) -> int:
    failed = warned = 0
    clients: list[DataverseClient] = []

    def make_client() -> DataverseClient:
        clients.append(factory(settings))
        return clients[-1]

    try:
        for check in run_doctor(settings, client_factory=make_client):
            console.line(f"{check.status.value:<5} {check.title}")
            if check.fix and check.status is not Status.OK:
                console.line(f"      fix: {check.fix}")
            failed += check.status is Status.FAIL
            warned += check.status is Status.WARN
    finally:
        for client in clients:
            client.close()
    summary = f"{failed} failed, {warned} warning(s)" if failed or warned else "everything OK"
    console.line(summary)
    return EXIT_PROBLEM if failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Console script entry point: the one place the CLI reads the process environment."""
    try:
        return run(sys.argv[1:] if argv is None else argv, environ=os.environ, cwd=Path.cwd(),
                   stdout=sys.stdout, stderr=sys.stderr)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
