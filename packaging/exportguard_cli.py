"""PyInstaller entry point of ``exportguard`` (the console executable); see exportguard.spec."""

from masking.cli import main

if __name__ == "__main__":
    main()
