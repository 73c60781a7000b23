"""PyInstaller entry point of ``exportguard-gui`` (the windowed executable); see exportguard.spec."""

import sys

from desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
