"""Deliveries: claimed once under their deduplication key, sent with retries, logged.

A delivery is inserted under ``case|event|channel|recipient``: the same case event handled
twice finds the key taken and sends nothing more. Each send is a :class:`DeliveryAttempt`
inserted under ``(delivery_id, no)`` *before* the transport is called, and only when the
delivery's latest state, read at claim time, allows attempt ``no``
(:func:`delivery_timing.next_attempt`): never after a sent attempt, after a failed one only
once it is due, while one is in flight only when its dispatcher died. So any number of
dispatchers (notifier workers, ``tick`` beside them) send each delivery once; the
attempt's holder records the outcome on the attempt and the delivery. After
``NOTIFIER_MAX_ATTEMPTS`` failures the delivery is dead: marked in the log and, for
webhooks, published to the notifications dead-letter topic. Only a dispatcher that dies
between a successful send and its record leaves the attempt in flight; after
:func:`in_flight` (5 minutes or more) the next attempt goes out (at-least-once towards the receiver in that one
case; receivers de-duplicate on ``X-Tanggap-Delivery``).

Supervisors' webhook URLs are checked again before each send (:mod:`channels.addresses`)
and the request goes to the checked address.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mongoengine.errors import NotUniqueError

from shared.messaging.topics import Topics
from shared.platform.config import Settings
from shared.records.complaints import contact_of

from services.notifier import delivery_timing, prefs
from services.notifier.channels import SendError, addresses, smtp, webhook
from services.notifier.models import CHANNELS, Delivery, DeliveryAttempt

if TYPE_CHECKING:
    from kafka import KafkaProducer

log = logging.getLogger(__name__)
DISPATCH_BATCH = 100


def in_flight(settings: Settings) -> timedelta:
    """How long an attempt may be "sending" before it counts as cut short (its dispatcher died):
    well beyond the longest an attempt can take (a lookup plus the transport's deadline)."""
    longest = addresses.RESOLVE_TIMEOUT_S + max(settings.webhook_timeout_s, settings.smtp_timeout_s)
    return max(timedelta(minutes=5), timedelta(seconds=3 * longest))


def key_of(case_id: str | None, event: str, channel: str, recipient: str) -> str:
    return f"{case_id or '-'}|{event}|{channel}|{recipient}"


def claim(delivery: Delivery) -> bool:
    """Insert ``delivery`` under its key; False when it already exists (a duplicate event)."""
    try:
        delivery.save(force_insert=True)
    except NotUniqueError:
        return False
    return True


@dataclass
class Sender:
    """Sends due deliveries. ``rand`` gives the retry jitter (tests inject a seeded one)."""

    settings: Settings
    producer_factory: Callable[[], KafkaProducer] | None = None
    rand: Callable[[], float] = field(default_factory=lambda: random.random)
    resolve: addresses.Resolver = addresses.system_resolver
    _producer: KafkaProducer | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def allowed(self) -> addresses.Allowlist:
        return addresses.Allowlist.parse(self.settings.webhook_allowed_hosts)

    @property
    def producer(self):
        if self._producer is None:
            if self.producer_factory is not None:
                self._producer = self.producer_factory()
            else:
                from shared.messaging.clients import make_producer
                self._producer = make_producer(self.settings, client_id="notifier-dlq")
        return self._producer

    def stop(self) -> None:
        """Finish the attempt in hand and start no other (a stopping worker)."""
        self._stopping.set()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def dispatch_due(self, now: datetime, limit: int = DISPATCH_BATCH) -> dict[str, int]:
        """Send every pending or retrying delivery whose time has come (at most ``limit``).

        Each attempt is stamped with the time it is claimed (``now`` plus the time this
        dispatch has taken so far), so a long batch never looks like a dead dispatcher's.
        """
        counts = {"sent": 0, "failed": 0, "dead": 0, "skipped": 0}
        started = time.monotonic()
        due = Delivery.objects(status__in=("pending", "retrying"), next_at__lte=now,
                               channel__in=("email", "webhook")).order_by("next_at").limit(limit)
        for delivery in list(due):
            if self._stopping.is_set():
                break
            counts[self.attempt(delivery, now + timedelta(seconds=time.monotonic() - started))] += 1
        return counts

    def attempt(self, delivery: Delivery, now: datetime) -> str:
        """Claim and make the next attempt of ``delivery`` if its latest state allows one now.

        The state is read again here, whatever the caller's list said: a delivery another
        dispatcher has sent, failed (and not yet due) or is sending is skipped, and the
        claim of attempt ``n`` is refused when someone else already holds it. Whatever
        goes wrong while sending is this attempt's failure.
        """
        current = Delivery.objects(pk=delivery.key).only("status", "next_at").first()
        last = DeliveryAttempt.objects(delivery_id=delivery.key).order_by("-no").first()
        if current is None:
            return "skipped"
        if last is not None and last.outcome == "sent" and current.status != "sent":
            self._settle_sent(delivery, last)
        no = delivery_timing.next_attempt(
            current.status, current.next_at,
            (last.no, last.outcome, last.at, last.retry_at) if last is not None else None,
            now, self.settings.delivery_max_attempts, in_flight(self.settings))
        if no is None:
            return "skipped"
        attempt = DeliveryAttempt(delivery_id=delivery.key, no=no, channel=delivery.channel, at=now, outcome="sending")
        try:
            attempt.save(force_insert=True)
        except NotUniqueError:
            return "skipped"  # another dispatcher claimed this attempt first
        if last is not None and last.outcome == "sending":  # cut short: its dispatcher stopped
            DeliveryAttempt.objects(pk=last.pk).update(set__outcome="failed", set__error="interrupted")
        try:
            self._send(delivery)
        except SendError as exc:
            return self._failed(delivery, attempt, now, str(exc))
        except Exception as exc:  # a broken stored delivery or a lookup gone wrong: still only a failure
            log.error("delivery attempt failed unexpectedly", extra={"delivery": delivery.key,
                                                                     "error": type(exc).__name__})
            return self._failed(delivery, attempt, now, f"internal {type(exc).__name__}")
        DeliveryAttempt.objects(pk=attempt.pk).update(set__outcome="sent")
        Delivery.objects(pk=delivery.key).update(set__status="sent", set__sent_at=now, set__attempts=no,
                                                 unset__next_at=True)
        log.info("delivery sent", extra={"delivery": delivery.key, "channel": delivery.channel, "attempt": no})
        return "sent"

    def _settle_sent(self, delivery: Delivery, last: DeliveryAttempt) -> None:
        """The attempt was sent but its holder stopped before marking the delivery: mark it."""
        Delivery.objects(pk=delivery.key).update(set__status="sent", set__sent_at=last.at, set__attempts=last.no,
                                                 unset__next_at=True)

    def _send(self, delivery: Delivery) -> None:
        c = delivery.content
        if delivery.channel == "email":
            if c.get("to_ticket"):   # a citizen: the sealed contact is opened only now
                to = (contact_of(self.settings, c["to_ticket"]) or {}).get("email")
                if not to:
                    raise SendError("the citizen's contact has no address (or was deleted)")
            else:
                to = c["to"]
            msg = smtp.build(self.settings, to=to, subject=c["subject"], text=c["text"], html=c["html"],
                             message_key=delivery.key, lang=c.get("lang", "id"))
            smtp.send(self.settings, msg)
            return
        secret = self._secret(delivery.target)
        if not secret:
            raise SendError("no webhook secret configured")
        try:
            if delivery.target in (None, "", "global"):
                dest = addresses.unchecked(c["url"], self.resolve)   # the operator's own receiver
            else:
                dest = addresses.check(c["url"], self.allowed, self.resolve)  # again: DNS may have changed
        except addresses.Refused as exc:
            raise SendError(f"refused: {exc}") from None
        webhook.post(dest, c["body"], secret, delivery_id=delivery.key, timeout=self.settings.webhook_timeout_s)

    def _secret(self, target: str | None) -> str | None:
        if target == "global" or not target:
            return self.settings.webhook_secret or None
        return prefs.for_nip(target).webhook_secret

    def _failed(self, delivery: Delivery, attempt: DeliveryAttempt, now: datetime, error: str) -> str:
        no = attempt.no
        if no >= self.settings.delivery_max_attempts:
            DeliveryAttempt.objects(pk=attempt.pk).update(set__outcome="failed", set__error=error)
            Delivery.objects(pk=delivery.key).update(set__status="dead", set__attempts=no, set__last_error=error,
                                                     set__reason=f"failed {no} attempts", unset__next_at=True)
            self._dead_letter(delivery, no, error)
            log.warning("delivery dead-lettered", extra={"delivery": delivery.key, "channel": delivery.channel,
                                                          "attempts": no, "error": error})
            return "dead"
        retry_at = now + delivery_timing.retry_delay(no, self.settings.retry_base_s, self.settings.retry_max_s,
                                                     self.rand())
        DeliveryAttempt.objects(pk=attempt.pk).update(set__outcome="failed", set__error=error, set__retry_at=retry_at)
        Delivery.objects(pk=delivery.key).update(set__status="retrying", set__attempts=no, set__last_error=error,
                                                 set__next_at=retry_at)
        log.info("delivery failed, will retry", extra={"delivery": delivery.key, "channel": delivery.channel,
                                                       "attempt": no, "error": error})
        return "failed"

    def _dead_letter(self, delivery: Delivery, attempts: int, error: str) -> None:
        """Publish a dead webhook for replay. The delivery log keeps it (status dead, with its
        body) whether or not Kafka takes it, so a failed publish is logged, not raised."""
        if delivery.channel != "webhook":
            return  # dead mails are marked in the log; the topic carries webhook bodies for replay
        topic = Topics.from_settings(self.settings).notifications_dlq
        try:
            value = json.dumps({"delivery_id": delivery.key, "case_id": delivery.case_id, "event": delivery.event,
                                "channel": delivery.channel, "recipient": delivery.recipient, "attempts": attempts,
                                "last_error": error, "body": json.loads(delivery.content["body"])},
                               ensure_ascii=False).encode()
            self.producer.send(topic, key=delivery.case_id or delivery.key, value=value,
                               headers=[("reason", error.encode()), ("delivery", delivery.key.encode())])
            self.producer.flush(timeout=30)
        except Exception as exc:
            log.error("dead webhook not published to the dead-letter topic (kept in the delivery log)",
                      extra={"delivery": delivery.key, "error": type(exc).__name__})


# -- the delivery log --

LOG_FIELDS = ("key", "case_id", "event", "channel", "recipient", "subject", "created_at", "mode", "status",
              "reason", "attempts", "next_at", "sent_at", "last_error")


def query(*, case_id=None, channel=None, status=None, since=None, until=None, recipient=None,
          limit: int = 100, offset: int = 0) -> tuple[int, list[Delivery]]:
    filters = {}
    if case_id:
        filters["case_id"] = case_id
    if channel:
        filters["channel"] = channel
    if status:
        filters["status"] = status
    if recipient:
        filters["recipient"] = recipient
    if since:
        filters["created_at__gte"] = since
    if until:
        filters["created_at__lt"] = until
    found = Delivery.objects(**filters)
    total = found.count()
    return total, list(found.order_by("-created_at", "key").skip(offset).limit(limit).only(*LOG_FIELDS))


def stats(since=None, until=None) -> dict[str, dict[str, int]]:
    """Per channel: deliveries sent, pending, dead, suppressed; attempts failed and retried.

    Counts only (single ``count`` queries), computed per channel and status in Python.
    """
    out = {}
    window = {}
    if since:
        window["created_at__gte"] = since
    if until:
        window["created_at__lt"] = until
    attempt_window = {k.replace("created_at", "at"): v for k, v in window.items()}
    for channel in CHANNELS:
        row = {status: Delivery.objects(channel=channel, status=status, **window).count()
               for status in ("sent", "dead", "suppressed", "digest")}
        row["pending"] = Delivery.objects(channel=channel, status__in=("pending", "retrying"), **window).count()
        row["failed"] = DeliveryAttempt.objects(channel=channel, outcome="failed", **attempt_window).count()
        row["retried"] = DeliveryAttempt.objects(channel=channel, no__gt=1, **attempt_window).count()
        out[channel] = row
    return out
