"""The printable QR poster of a deployment (PDF, A4 or A5), one page per counter: the Pemda, the
unit and service, "Bagaimana pelayanan kami?", the QR code, the short URL to type instead.

Pure apart from drawing: the caller passes what to print, this returns the PDF's bytes.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from shared.platform.pdf import fonts

from services.survey.surveys import qr

SIZES = ("A4", "A5")


@dataclass(frozen=True)
class PosterPage:
    pemda: str
    unit: str
    service: str | None
    officer: str | None
    url: str           # the form's URL, in the QR code
    short_url: str     # what a person types: the URL without its scheme


def short(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def to_pdf(pages: Sequence[PosterPage], size: str = "A4", lang: str = "id") -> bytes:
    """Every page centred on its sheet; the QR about half the sheet's width, so it scans from
    an arm's length on A5 and across a counter on A4."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, A5
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    width, height = A4 if size == "A4" else A5
    k = width / A4[0]   # everything scales with the sheet
    regular, bold = fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle("Poster survei" if lang != "en" else "Survey poster")
    canvas.setAuthor("Tanggap")
    ask = ("How was our service?", "Scan the code with your phone camera, or open") if lang == "en" else \
        ("Bagaimana pelayanan kami?", "Pindai kode dengan kamera ponsel Anda, atau buka")
    for page in pages:
        centre = width / 2
        canvas.setFillColor(colors.HexColor("#0b5394"))
        canvas.rect(0, height - 34 * mm * k, width, 34 * mm * k, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        _fit(canvas, page.pemda.upper(), bold, 15 * k, centre, height - 15 * mm * k, width - 30 * mm * k)
        _fit(canvas, page.unit, regular, 13 * k, centre, height - 25 * mm * k, width - 30 * mm * k)
        canvas.setFillColor(colors.HexColor("#1a1a1a"))
        y = height - 58 * mm * k
        _fit(canvas, ask[0], bold, 30 * k, centre, y, width - 24 * mm * k)
        if page.service:
            y -= 13 * mm * k
            _fit(canvas, page.service, regular, 15 * k, centre, y, width - 30 * mm * k)
        if page.officer:
            y -= 8 * mm * k
            _fit(canvas, page.officer, regular, 12 * k, centre, y, width - 30 * mm * k)
        side = width * 0.52
        image = ImageReader(io.BytesIO(qr.png(page.url, scale=12)))
        top = y - 10 * mm * k
        canvas.drawImage(image, centre - side / 2, top - side, side, side)
        canvas.setFont(regular, 12 * k)
        canvas.drawCentredString(centre, top - side - 10 * mm * k, ask[1])
        _fit(canvas, page.short_url, bold, 18 * k, centre, top - side - 20 * mm * k, width - 24 * mm * k)
        complain = "A complaint or suggestion? Open" if lang == "en" else "Keluhan atau saran? Buka"
        _fit(canvas, f"{complain} {page.short_url}/pengaduan", regular, 11 * k, centre, top - side - 29 * mm * k,
             width - 24 * mm * k)
        canvas.setFont(regular, 8 * k)
        canvas.setFillColor(colors.HexColor("#4a4a4a"))
        canvas.drawCentredString(centre, 12 * mm * k, "Survei Kepuasan Masyarakat · PermenPAN-RB 14/2017 · anonim"
                                 if lang != "en" else "Public Satisfaction Survey · anonymous")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _fit(canvas, text: str, font: str, size: float, x: float, y: float, room: float) -> None:
    """``text`` centred at (x, y), its font made smaller until it fits ``room``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 6 and stringWidth(text, font, size) > room:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)
