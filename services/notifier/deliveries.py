"""Deliveries: claimed once under their deduplication key, sent with retries, logged.

A delivery is inserted under ``case|event|channel|recipient``: the same case event handled
twice finds the key taken and sends nothing more. Each send is an :class:`DeliveryAttempt`
inserted under ``(delivery_id, no)`` *before* the transport is called, so two schedulers
can never send the same attempt; the attempt's holder then records the outcome on the
attempt and the delivery. After ``NOTIFIER_MAX_ATTEMPTS`` failures the delivery is dead:
marked in the log and, for webhooks, published to the notifications dead-letter topic.
A crash between a successful send and its record makes the next scheduler try again
(at-least-once towards the receiver; webhook receivers de-duplicate on ``delivery_id``).
"""
from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mongoengine.errors import NotUniqueError

from shared.messaging.topics import Topics
from shared.platform.config import Settings

from services.notifier import delivery_timing, prefs
from services.notifier.channels import SendError, smtp, webhook
from services.notifier.models import CHANNELS, Delivery, DeliveryAttempt

if TYPE_CHECKING:
    from kafka import KafkaProducer

log = logging.getLogger(__name__)
IN_FLIGHT = timedelta(minutes=5)  # an attempt still "sending" after this was cut short by a crash
DISPATCH_BATCH = 100


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
    _producer: KafkaProducer | None = None

    @property
    def producer(self):
        if self._producer is None:
            if self.producer_factory is not None:
                self._producer = self.producer_factory()
            else:
                from shared.messaging.clients import make_producer
                self._producer = make_producer(self.settings, client_id="notifier-dlq")
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def dispatch_due(self, now: datetime, limit: int = DISPATCH_BATCH) -> dict[str, int]:
        """Send every pending or retrying delivery whose time has come (at most ``limit``)."""
        counts = {"sent": 0, "failed": 0, "dead": 0, "skipped": 0}
        due = Delivery.objects(status__in=("pending", "retrying"), next_at__lte=now,
                               channel__in=("email", "webhook")).order_by("next_at").limit(limit)
        for delivery in list(due):
            counts[self.attempt(delivery, now)] += 1
        return counts

    def attempt(self, delivery: Delivery, now: datetime) -> str:
        last = DeliveryAttempt.objects(delivery_id=delivery.key).order_by("-no").first()
        if last is not None and last.outcome == "sending" and last.at > now - IN_FLIGHT:
            return "skipped"  # another scheduler is sending it right now
        no = (last.no if last else 0) + 1
        attempt = DeliveryAttempt(delivery_id=delivery.key, no=no, channel=delivery.channel, at=now, outcome="sending")
        try:
            attempt.save(force_insert=True)
        except NotUniqueError:
            return "skipped"
        try:
            self._send(delivery)
        except SendError as exc:
            return self._failed(delivery, attempt, now, str(exc))
        DeliveryAttempt.objects(pk=attempt.pk).update(set__outcome="sent")
        Delivery.objects(pk=delivery.key).update(set__status="sent", set__sent_at=now, set__attempts=no,
                                                 unset__next_at=True)
        log.info("delivery sent", extra={"delivery": delivery.key, "channel": delivery.channel, "attempt": no})
        return "sent"

    def _send(self, delivery: Delivery) -> None:
        c = delivery.content
        if delivery.channel == "email":
            msg = smtp.build(self.settings, to=c["to"], subject=c["subject"], text=c["text"], html=c["html"],
                             message_key=delivery.key, lang=c.get("lang", "id"))
            smtp.send(self.settings, msg)
        else:
            secret = self._secret(delivery.target)
            if not secret:
                raise SendError("no webhook secret configured")
            webhook.post(c["url"], c["body"], secret, delivery_id=delivery.key, timeout=self.settings.webhook_timeout_s)

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
        if delivery.channel != "webhook":
            return  # dead mails are marked in the log; the topic carries webhook bodies for replay
        topic = Topics.from_settings(self.settings).notifications_dlq
        value = json.dumps({"delivery_id": delivery.key, "case_id": delivery.case_id, "event": delivery.event,
                            "channel": delivery.channel, "recipient": delivery.recipient, "attempts": attempts,
                            "last_error": error, "body": json.loads(delivery.content["body"])},
                           ensure_ascii=False).encode()
        self.producer.send(topic, key=delivery.case_id or delivery.key, value=value,
                           headers=[("reason", error.encode()), ("delivery", delivery.key.encode())])
        self.producer.flush(timeout=30)


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
