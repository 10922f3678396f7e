"""End-to-end tests of the product in a browser (headless Chromium through Playwright) on the devstack."""
