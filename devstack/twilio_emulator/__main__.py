from devstack.twilio_emulator.cli import main

raise SystemExit(main())
