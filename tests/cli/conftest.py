# The customer groups' CLI fixtures (a file's own `cli` / `world` fixture takes precedence).
from cli.segments_support import cli, world  # noqa: F401  (shared fixtures)
