"""Leases: making sure only one process of a kind (e.g. the outbox relay) is active.

Built only from what is atomic on every server we run on: an insert under a unique key.
A lease is a sequence of *epochs* ``<name>#<n>``. To take the lease a process inserts epoch
``n+1`` when epoch ``n`` has expired (its holder stopped renewing); of two contenders one
insert wins. The holder renews by updating its own epoch document (it is that document's only
writer) and gives up as soon as a newer epoch exists (fencing: a paused holder that wakes up
late finds it was replaced and stops).
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from mongoengine import DateTimeField, Document, IntField, StringField
from mongoengine.errors import NotUniqueError

from shared.platform.clock import Clock


class LeaseEpoch(Document):
    meta = {"collection": "leases", "indexes": [("name", "-epoch")]}
    id = StringField(primary_key=True)  # "<name>#<epoch>"
    name = StringField(required=True)
    epoch = IntField(required=True)
    holder = StringField(required=True)
    acquired_at = DateTimeField(required=True)
    renewed_at = DateTimeField(required=True)


class Lease:
    def __init__(self, name: str, clock: Clock, ttl: timedelta = timedelta(seconds=15), holder: str | None = None):
        self.name = name
        self.clock = clock
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.epoch: int | None = None

    def _latest(self) -> LeaseEpoch | None:
        latest: LeaseEpoch | None = LeaseEpoch.objects(name=self.name).order_by("-epoch").first()
        return latest

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired; True if we hold it now."""
        if self.held():
            return True
        latest = self._latest()
        now = self.clock.now()
        if latest is not None and latest.renewed_at + self.ttl > now:
            return False
        epoch = (latest.epoch if latest else 0) + 1
        try:
            LeaseEpoch(id=f"{self.name}#{epoch}", name=self.name, epoch=epoch, holder=self.holder,
                       acquired_at=now, renewed_at=now).save(force_insert=True)
        except NotUniqueError:
            return False
        self.epoch = epoch
        return True

    def held(self) -> bool:
        """Still ours: we took an epoch and no newer one exists."""
        if self.epoch is None:
            return False
        latest = self._latest()
        if latest is None or latest.epoch != self.epoch:
            self.epoch = None
            return False
        return True

    def renew(self) -> bool:
        if not self.held():
            return False
        LeaseEpoch.objects(id=f"{self.name}#{self.epoch}").update(set__renewed_at=self.clock.now())
        return True

    def release(self) -> None:
        """Expire our epoch now so a standby can take over without waiting for the TTL."""
        if self.held():
            LeaseEpoch.objects(id=f"{self.name}#{self.epoch}").update(
                set__renewed_at=datetime(1970, 1, 1, tzinfo=self.clock.now().tzinfo))
        self.epoch = None
