"""The product on one machine: a local Functions host, Azurite queues, and emulators of the Dataverse Web API and the
Twilio API (`python -m devstack run` is `make run`)."""
