"""What every PDF the services print shares: fonts that cover what people type."""
from __future__ import annotations

from pathlib import Path

_FONTS: tuple[str, str] | None = None


def fonts() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab: DejaVu Sans (shipped with
    matplotlib) covers the scripts people type; the PDF base fonts would print boxes for
    anything outside Latin-1."""
    global _FONTS
    if _FONTS is None:
        import matplotlib
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(base / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(base / "DejaVuSans-Bold.ttf")))
        _FONTS = ("DejaVuSans", "DejaVuSans-Bold")
    return _FONTS
