"""QR codes (PNG and SVG) for a deployment's public form URL."""
from __future__ import annotations

import io

import segno


def png(url: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def svg(url: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True,
                                    title="Tanggap survey")
    return out.getvalue()
