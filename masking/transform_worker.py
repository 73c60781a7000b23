"""The export's transform worker process (see :mod:`masking.transform`).

Started as ``python -m masking.transform_worker``, or in a frozen app as ``exportguard`` with
:data:`FROZEN_FLAG` (a frozen program has no ``-m``; ``masking.cli.main.main`` hands over to :func:`main`).
"""

import sys

FROZEN_FLAG = "--exportguard-transform-worker"


def main() -> None:
    from masking.transform import serve

    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
