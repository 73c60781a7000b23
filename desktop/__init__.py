"""ExportGuard's desktop front end (PySide6). Qt lives here and only here; ``masking`` never imports it."""
