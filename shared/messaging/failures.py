"""Telling a failure that will pass from one that a record causes: the one table.

A worker that fails on a batch either waits and tries the same records again, or isolates the
record that makes it fail and dead-letters it. Which one is decided here, by the exception's
class, and nowhere else:

- **transient: back off, read the batch again**
  - the database cannot be reached: ``ServerSelectionTimeoutError``, ``AutoReconnect``,
    ``NetworkTimeout``, other ``ConnectionFailure``, ``ExecutionTimeout``;
  - the broker cannot be reached: ``KafkaTimeoutError``, ``KafkaConnectionError``,
    ``NodeNotReadyError``, ``RequestTimedOutError``, a leader moving, ``CommitFailedError``;
  - the network or the OS: ``ConnectionError``, ``TimeoutError``, other ``OSError``;
  - the group moved on: :class:`Fenced` (this member no longer owns the partitions; the batch is
    dropped unwritten and its new owner reads it).
- **record: find the record (bisection), dead-letter it with the reason, go on**: everything
  else, e.g. ``InvalidEvent``, a database refusal of a document (``WriteError``,
  ``DocumentTooLarge``, ``InvalidDocument``), ``KeyError``/``TypeError``/``ValueError`` from a
  record the fold cannot take.

The relay asks the same question of what Kafka says about one outbox record
(:func:`broker_refuses`): a permanent refusal (too large, invalid, not authorised) quarantines
the record; anything else is an outage and waits.
"""
from __future__ import annotations

from kafka import errors as kafka_errors
from pymongo import errors as mongo_errors

TRANSIENT = "transient"
RECORD = "record"


class Fenced(Exception):
    """This consumer no longer owns the partitions of the batch it is handling (the group
    rebalanced, or the batch outlived ``max.poll.interval.ms``): nothing may be written."""


_TRANSIENT_DB = (mongo_errors.ConnectionFailure, mongo_errors.NetworkTimeout, mongo_errors.ServerSelectionTimeoutError,
                 mongo_errors.ExecutionTimeout, mongo_errors.WTimeoutError)
_TRANSIENT_KAFKA = (kafka_errors.KafkaTimeoutError, kafka_errors.KafkaConnectionError,
                    kafka_errors.BrokerNotAvailableError, kafka_errors.NodeNotReadyError,
                    kafka_errors.RequestTimedOutError,
                    kafka_errors.NotLeaderForPartitionError, kafka_errors.LeaderNotAvailableError,
                    kafka_errors.CommitFailedError, kafka_errors.RebalanceInProgressError)

# What Kafka says when it will never take a record, whatever the retries.
_REFUSED = (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordListTooLargeError,
            kafka_errors.InvalidRecordError, kafka_errors.InvalidTopicError,
            kafka_errors.TopicAuthorizationFailedError, kafka_errors.CorruptRecordError,
            kafka_errors.UnsupportedForMessageFormatError)


def kind_of(exc: BaseException) -> str:
    """``transient`` or ``record`` (see the module's table)."""
    if isinstance(exc, (Fenced, *_TRANSIENT_DB, *_TRANSIENT_KAFKA)):
        return TRANSIENT
    if isinstance(exc, mongo_errors.PyMongoError) and getattr(exc, "timeout", False):
        return TRANSIENT
    if isinstance(exc, (ConnectionError, TimeoutError)) or (isinstance(exc, OSError) and not isinstance(
            exc, (FileNotFoundError, PermissionError))):
        return TRANSIENT
    return RECORD


def broker_refuses(exc: BaseException | None) -> bool:
    """True when Kafka refused a record for good (it is quarantined, not retried)."""
    return isinstance(exc, _REFUSED)


def reason(exc: BaseException) -> str:
    """What a dead letter or a quarantine says about ``exc``: its class, and its code where it
    has one, never its message (a database's message quotes the document, a KeyError the key,
    and those are a sender's text). An invalid event says which of the schema's fields failed
    (:mod:`shared.contracts.events` makes that reason safe)."""
    from shared.contracts.events import InvalidEvent

    if isinstance(exc, InvalidEvent):
        return exc.reason
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} (code {code})" if isinstance(code, int) else type(exc).__name__
