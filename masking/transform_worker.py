"""The export's transform worker process: ``python -m masking.transform_worker`` (see :mod:`masking.transform`)."""

import sys

from masking.transform import serve

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
