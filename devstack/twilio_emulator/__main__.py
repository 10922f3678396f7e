"""`python -m devstack.twilio_emulator`: the Twilio API emulator on its own."""

from devstack.twilio_emulator.cli import main

raise SystemExit(main())
