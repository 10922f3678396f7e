"""The subset of Twilio's OpenAPI description that the emulator serves, and the script that extracts it."""
