"""``python -m devstack twilio`` / ``python -m devstack.twilio_emulator``: serve the emulator until Ctrl+C."""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Mapping, Sequence

from devstack.shutdown import StopSignals
from devstack.twilio_emulator.emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PHONE_NUMBER,
    TwilioEmulator,
)
from devstack.twilio_emulator.server import serve

__all__ = ["main"]


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devstack twilio", description="Serve the Twilio API emulator.")
    parser.add_argument("--host", default=env.get("DEVSTACK_TWILIO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("DEVSTACK_TWILIO_PORT", "7073")))
    parser.add_argument("--cdn-port", type=int, default=int(env.get("DEVSTACK_TWILIO_CDN_PORT", "0")))
    parser.add_argument("--account-sid", default=env.get("DEVSTACK_TWILIO_ACCOUNT_SID", DEFAULT_ACCOUNT_SID))
    parser.add_argument("--auth-token", default=env.get("DEVSTACK_TWILIO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN))
    parser.add_argument("--phone-number", default=env.get("DEVSTACK_TWILIO_PHONE_NUMBER", DEFAULT_PHONE_NUMBER))
    parser.add_argument("--sms-url", default=env.get("DEVSTACK_TWILIO_SMS_URL", ""), help="the number's SMS webhook")
    parser.add_argument("--callback-delay", type=float, default=0.5, help="seconds between status callbacks")
    parser.add_argument("--shuffle-callbacks", action="store_true")
    parser.add_argument("--duplicate-callbacks", action="store_true")
    return parser


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl+C (or until ``stop`` is set, for callers that embed the CLI)."""
    args = _parser(os.environ if env is None else env).parse_args(argv)
    emulator = TwilioEmulator(
        args.account_sid,
        args.auth_token,
        args.phone_number,
        callback_delay=args.callback_delay,
        shuffle_callbacks=args.shuffle_callbacks,
        duplicate_callbacks=args.duplicate_callbacks,
    )
    if args.sms_url:
        emulator.configure_number(args.phone_number, sms_url=args.sms_url)
    server = serve(emulator, host=args.host, port=args.port, cdn_port=args.cdn_port)
    print(f"Twilio emulator on {server.url} (account {args.account_sid}, number {args.phone_number})", flush=True)
    signals = None if stop is not None else StopSignals.install()
    try:
        if signals is not None:
            signals.wait()
        elif stop is not None:
            stop.wait()
    finally:
        server.stop()
        if signals is not None:
            signals.restore()
    return 0
