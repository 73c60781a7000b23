"""ExportGuard core: reading, detecting, transforming, watermarking and auditing customer spreadsheets.

This package never imports Qt; the desktop app in ``desktop/`` builds on it.
"""

__version__ = "0.1.0"
