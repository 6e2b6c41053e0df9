"""Tickets as a table for SP4N-LAPOR! or the Ombudsman: states and dates, the citizen's text
and the unit's answer, never a contact detail. CSV (UTF-8) or XLSX; times in the configured
zone. Text a citizen typed that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return first) stays text: with a leading apostrophe in the CSV, as a text
cell in the XLSX."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.domain import complaints, workdays
from shared.platform.config import Settings
from shared.records.complaints import Complaint

from services.notifier.models import ComplaintTicket

# (column, meaning): the README lists them
COLUMNS = (
    ("nomor_tiket", "ticket number"), ("jenis", "pengaduan, aspirasi or informasi"),
    ("unsur", "SKM element U1-U9 the citizen named"), ("unit_tujuan", "the unit it was sent to"),
    ("unit_penanganan", "the unit that owns it now"), ("saluran", "web, kiosk or api"),
    ("diterima", "received (local time)"), ("status", "diterima, diverifikasi, dialihkan, ditindaklanjuti, "
                                                     "selesai or ditolak"),
    ("diverifikasi", "verified (local time)"), ("dialihkan", "last forwarded (local time)"),
    ("selesai", "answered or closed as a duplicate (local time)"), ("ditolak", "rejected (local time)"),
    ("batas_verifikasi", "verification deadline (date)"), ("batas_jawaban", "answer deadline (date)"),
    ("hari_kerja_sampai_selesai", "working days from receipt to the answer"),
    ("duplikat_dari", "the ticket whose answer it shares"), ("isi", "the citizen's text"),
    ("jawaban", "the unit's public answer"), ("alasan_penolakan", "the reason given for a rejection"),
)
RISKY = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(RISKY):
        return "'" + value
    return value


def rows(settings: Settings, tickets: Iterable[ComplaintTicket], states: dict[str, complaints.TicketState]
         ) -> list[dict]:
    zone = ZoneInfo(settings.timezone)
    tickets = list(tickets)
    texts = {c.ticket: c.text for c in Complaint.objects(ticket__in=[t.ticket for t in tickets]).only("ticket", "text")}

    def local(when: datetime | None) -> str | None:
        if when is None:
            return None
        aware = when if when.tzinfo else when.replace(tzinfo=ZoneInfo("UTC"))
        return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    out = []
    for t in tickets:
        s = states[t.ticket]
        forwarded = [step["at"] for step in s.steps if step["state"] == complaints.FORWARDED]
        verify_due = workdays.add_working_days(complaints.local_day(s.reached_at or t.received_at, settings.timezone),
                                               settings.complaint_verify_days, settings.holiday_dates)
        answer_due = (workdays.add_working_days(complaints.local_day(s.verified_at, settings.timezone),
                                                settings.complaint_answer_days, settings.holiday_dates)
                      if s.verified_at else None)
        out.append({
            "nomor_tiket": t.ticket, "jenis": t.kind, "unsur": t.unsur, "unit_tujuan": t.unit,
            "unit_penanganan": s.unit, "saluran": t.channel, "diterima": local(t.received_at), "status": s.state,
            "diverifikasi": local(s.verified_at), "dialihkan": local(forwarded[-1]) if forwarded else None,
            "selesai": local(s.answered_at), "ditolak": local(s.rejected_at),
            "batas_verifikasi": verify_due.isoformat(), "batas_jawaban": answer_due.isoformat() if answer_due else None,
            "hari_kerja_sampai_selesai": complaints.days_taken(t.received_at, s.answered_at, settings.timezone,
                                                               settings.holiday_dates) if s.answered_at else None,
            "duplikat_dari": s.duplicate_of, "isi": texts.get(t.ticket), "jawaban": s.reply,
            "alasan_penolakan": s.reason})
    return out


def to_csv(table: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c for c, _ in COLUMNS])
    for row in table:
        writer.writerow(["" if row[c] is None else _safe(row[c]) for c, _ in COLUMNS])
    return buffer.getvalue()


def to_xlsx(table: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("pengaduan")
    sheet.append([c for c, _ in COLUMNS])

    def cell(value):
        if not isinstance(value, str):
            return value
        written = WriteOnlyCell(sheet, value=value)
        written.data_type = "s"          # people's text is never a formula
        return written

    for row in table:
        sheet.append([cell(row[c]) for c, _ in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
