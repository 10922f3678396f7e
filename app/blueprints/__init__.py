"""One Blueprint per caller of the function app (DESIGN 4.1)."""
