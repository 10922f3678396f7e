"""Accounts: creation and status for tests, and who may call the API for which account (HTTP Basic, subaccounts)."""

from __future__ import annotations

import secrets

from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.resources import API_VERSION, Account
from devstack.twilio_emulator.sids import is_sid
from devstack.twilio_emulator.store import Clock, EmulatorStore, not_found

__all__ = ["AccountHandler"]

_STATUSES = ("active", "suspended", "closed")


class AccountHandler:
    def __init__(self, store: EmulatorStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def add(self, sid: str, auth_token: str, *, friendly_name: str = "Emulated account", status: str = "active",
            owner_account_sid: str | None = None) -> Account:
        if status not in _STATUSES:
            raise EmulatorError(f"account status must be active, suspended or closed, not {status!r}")
        if not is_sid(sid, "AC"):
            raise EmulatorError(f"an account SID looks like AC + 32 hex digits, not {sid!r}")
        account = Account(sid=sid, auth_token=auth_token, friendly_name=friendly_name, status=status,
                          owner_account_sid=owner_account_sid)
        with self.store.lock:
            self.store.accounts[sid] = account
        return account

    def set_status(self, sid: str, status: str) -> None:
        with self.store.lock:
            account = self.store.require_account(sid)
            if status not in _STATUSES:
                raise EmulatorError(f"account status must be active, suspended or closed, not {status!r}")
            account.status = status
            account.date_updated = self.clock()

    def authenticate(self, username: str | None, password: str | None) -> Account:
        with self.store.lock:
            account = self.store.accounts.get(username or "")
            if (
                account is None
                or password is None
                or not secrets.compare_digest(account.auth_token.encode(), password.encode())
                or account.status == "closed"
            ):
                raise ApiError(401, 20003, "Authenticate")
            return account

    def authorize(self, caller: Account, account_sid: str, *, allow_inactive: bool = False) -> Account:
        """The account named in the path, if ``caller`` may act for it (itself or its parent)."""
        with self.store.lock:
            target = self.store.accounts.get(account_sid)
            if target is None or caller.sid not in (target.sid, target.owner_account_sid):
                raise not_found(f"/{API_VERSION}/Accounts/{account_sid}")
            if target.status != "active" and not allow_inactive:
                raise ApiError(403, 20403, f"Account {account_sid} is {target.status}")
            return target
