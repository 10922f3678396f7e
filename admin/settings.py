"""What the admin commands need to know, from the same places the function app reads its settings.

The environment wins over ``local.settings.json`` (``Values``) in the current directory, as with Core Tools;
command-line flags win over both. Only the Dataverse settings are required for every command; the rest are used
where a command needs them (``doctor`` checks the whole set with the app's own validation).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import Settings, SettingsError
from dataverse import DataverseConfig, InvalidConfig

__all__ = ["LOCAL_SETTINGS", "AdminSettings", "RunningDevstack", "devstack_notice", "merged_values",
           "running_devstacks"]

LOCAL_SETTINGS = "local.settings.json"
# Written by each `make run` while it runs (devstack/instance.py: one folder per devstack, named after its function
# app's port), so that `smsbridge` in the project folder reaches the devstack with no flags.
DEVSTACK_INSTANCES = Path(".devstack") / "instances"
DEFAULT_FUNCTIONS_PORT = 7071


@dataclass(frozen=True)
class RunningDevstack:
    functions_port: int
    settings_file: Path


def running_devstacks(cwd: Path) -> list[RunningDevstack]:
    """The devstacks running from ``cwd``, by port: those whose settings file names a process that is alive."""
    found = []
    for path in sorted((cwd / DEVSTACK_INSTANCES).glob("*/settings.json")):
        try:
            about = json.loads(path.read_text(encoding="utf-8")).get("Devstack", {})
            port, pid = int(about["functions_port"]), int(about["pid"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # being written or removed this very moment, or not a devstack's file
        if _alive(pid):
            found.append(RunningDevstack(port, path))
    return sorted(found, key=lambda d: d.functions_port)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # killed before it could remove its file
    except PermissionError:
        return True
    return True


def _chosen_devstack(found: list[RunningDevstack], environ: Mapping[str, str]) -> RunningDevstack | None:
    """``DEVSTACK_FUNCTIONS_PORT`` picks one; else the one on the default port; else the lowest port."""
    wanted = environ.get("DEVSTACK_FUNCTIONS_PORT", "")
    for port in ([int(wanted)] if wanted.isdigit() else []) + [DEFAULT_FUNCTIONS_PORT]:
        for devstack in found:
            if devstack.functions_port == port:
                return devstack
    return found[0] if found else None


def devstack_notice(environ: Mapping[str, str], cwd: Path) -> str | None:
    """One line saying which devstack's settings are used, when more than one is running."""
    found = running_devstacks(cwd)
    chosen = _chosen_devstack(found, environ)
    if chosen is None or len(found) < 2:
        return None
    ports = ", ".join(str(d.functions_port) for d in found)
    return (f"{len(found)} devstacks are running (function app ports {ports}): using the one on port "
            f"{chosen.functions_port} ({chosen.settings_file}); set DEVSTACK_FUNCTIONS_PORT to choose another")


def merged_values(environ: Mapping[str, str], cwd: Path, overrides: Mapping[str, str | None]) -> dict[str, str]:
    """The running devstack's settings, then ``local.settings.json`` values, then the environment, then the flags
    given (None = not given); each later source wins."""
    values: dict[str, str] = {}
    devstack = _chosen_devstack(running_devstacks(cwd), environ)
    for path in ((devstack.settings_file,) if devstack else ()) + (cwd / LOCAL_SETTINGS,):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # no local.settings.json, or the devstack stopped a moment ago
        except ValueError as exc:
            raise SettingsError([f"{path} is not valid JSON ({exc})"]) from None
        raw = data.get("Values", {}) if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise SettingsError([f"{path}: Values must be an object of strings"])
        values.update({str(k): str(v) for k, v in raw.items() if not str(k).startswith("//")})
    values.update({k: v for k, v in environ.items() if v != ""})
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values


@dataclass(frozen=True)
class AdminSettings:
    values: Mapping[str, str] = field(repr=False)

    def get(self, name: str) -> str | None:
        value = (self.values.get(name) or "").strip()
        return value or None

    @property
    def public_url(self) -> str | None:
        url = self.get("SMSB_PUBLIC_URL")
        return url.rstrip("/") if url else None

    def dataverse_config(self) -> DataverseConfig:
        """The Dataverse connection; SettingsError naming what is missing or wrong."""
        url = self.get("DATAVERSE_URL")
        if url is None:
            raise SettingsError([
                "DATAVERSE_URL is required (the environment URL, e.g. https://contoso.crm.dynamics.com): set it in "
                f"the environment or in {LOCAL_SETTINGS}, or pass --dataverse-url"])
        try:
            return DataverseConfig(
                url=url,
                tenant_id=self.get("DATAVERSE_TENANT_ID"),
                client_id=self.get("DATAVERSE_CLIENT_ID"),
                client_secret=self.get("DATAVERSE_CLIENT_SECRET"),
                certificate_path=self.get("DATAVERSE_CLIENT_CERTIFICATE_PATH"),
                authority_host=self.get("DATAVERSE_AUTHORITY_HOST") or "login.microsoftonline.com",
                static_token=self.get("DATAVERSE_TOKEN"),
            )
        except InvalidConfig as exc:
            raise SettingsError([str(exc)]) from None

    def app_settings(self) -> Settings:
        """The function app's settings, validated exactly as the app validates them."""
        return Settings.from_env(self.values)

    def secrets(self) -> tuple[str, ...]:
        """Literal secret values to keep out of every line the commands print."""
        names = ("DATAVERSE_CLIENT_SECRET", "DATAVERSE_TOKEN", "SMSB_ENCRYPTION_KEY", "SMSB_ENCRYPTION_KEY_PREVIOUS",
                 "SMSB_FUNCTION_KEY", "DEVSTACK_FUNCTION_KEY", "AzureWebJobsStorage")
        return tuple(v for v in (self.get(n) for n in names) if v and len(v) >= 6)
