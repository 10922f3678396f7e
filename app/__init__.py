"""The function app's Azure Functions side: settings, blueprints, the runtime that wires the domain to its clients,
logging, telemetry and the one mapping from exceptions to HTTP answers."""
