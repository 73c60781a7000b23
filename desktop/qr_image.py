"""Reading an approval code back from a picture of a QR code (a photo or screenshot of the code the
security office shows), beside pasting it.

Qt reads the picture (PNG, JPEG, BMP, GIF: the formats its image plugins load); zxing-cpp, the C++ port
of ZXing (maintained, with wheels for Windows, macOS and Linux and no system libraries), finds and
decodes the QR codes in it. Imported only when a picture is read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage


class QrUnavailable(RuntimeError):
    """zxing-cpp is not installed (an install without it still takes a pasted code)."""


def codes_in_image(path: Path) -> list[str]:
    """The texts of the QR codes in the picture at ``path``, in the order found; [] when there is none.
    ``OSError`` when the file is not a picture Qt can read."""
    try:
        import zxingcpp
    except ImportError:
        raise QrUnavailable("zxing-cpp is not installed") from None
    image = QImage(str(path))
    if image.isNull():
        raise OSError(f"{path.name}: not a picture")
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [barcode.text for barcode in found if barcode.valid]
