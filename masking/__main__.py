"""``python -m masking`` runs the exportguard command."""

from masking.cli import main

main()
