"""Outbound safety against the real database, real loopback receivers and the real SMTP
server: supervisors' webhooks are checked when saved and when sent, the request goes to
the checked address, a receiver that drips, breaks HTTP or redirects costs one failed
attempt, and a dispatcher holding a stale list never sends a delivery twice."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.notifier.conftest import batch_of, case_event
from tests.notifier.test_addresses import INTERNAL, PUBLIC
from tests.support.bad_receivers import BadReceiver
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration

OWN_SECRET = "own-secret-of-the-supervisor"


class Dns:
    """A resolver with a table the test changes (no DNS here); counts its lookups."""

    def __init__(self, **table):
        self.table = {k.replace("_", "."): v for k, v in table.items()}
        self.lookups = 0

    def __call__(self, host, port):
        self.lookups += 1
        if host not in self.table:
            raise OSError("unknown host")
        return self.table[host]


@pytest.fixture
def dns():
    return Dns(hooks_pemda_example=[PUBLIC])


@pytest.fixture
def api(nsettings, clock, dns):
    from services.notifier.app import create_app
    return create_app(replace(nsettings, webhook_allowed_hosts=""), clock, resolver=dns).test_client()


@pytest.fixture
def supervisor(nsettings):
    from shared.platform.auth import issue_token

    def headers(nip):
        return {"Authorization": "Bearer " + issue_token(nsettings, sub=nip, roles=["supervisor"], nip=nip)}

    return headers


def own_webhook(org, clock, url):
    from services.notifier.models import NotificationPreferences
    NotificationPreferences.save_revision(org.sup, {"webhook_url": url, "webhook_secret": OWN_SECRET,
                                                    "email": False}, at=clock.now(), by="test")


def webhook_delivery():
    from services.notifier.models import Delivery, DeliveryAttempt
    d = Delivery.objects.get(channel="webhook", target__ne="global")
    return d, list(DeliveryAttempt.objects(delivery_id=d.key).order_by("no"))


def test_saving_a_webhook_to_an_internal_address_is_refused_with_the_reason(api, supervisor, org):
    h = supervisor(org.sup)
    for url in INTERNAL[:12] + ["http://metadata.example/"]:
        put = api.put("/api/v1/inbox/preferences", headers=h, json={"webhook_url": url,
                                                                   "webhook_secret": OWN_SECRET})
        assert put.status_code == 422, url
        assert put.json["code"] in ("address_refused", "validation_error") and "webhook_url" in put.json["errors"]
    ok = api.put("/api/v1/inbox/preferences", headers=h, json={"webhook_url": "https://hooks.pemda.example/in",
                                                              "webhook_secret": OWN_SECRET})
    assert ok.status_code == 200 and ok.json["webhook_url"] == "https://hooks.pemda.example/in"
    from services.notifier.models import NotificationPreferences
    assert NotificationPreferences.head(org.sup).webhook_url == "https://hooks.pemda.example/in"  # the only one kept


def test_a_host_that_now_resolves_inside_is_refused_at_send_time(worker, org, clock, nsettings, dns, hooks):
    from services.notifier.deliveries import Sender
    own_webhook(org, clock, "http://hooks.pemda.example/in")    # public when it was saved
    dns.table["hooks.pemda.example"] = ["10.0.0.5"]            # rebound since
    worker.sender = Sender(nsettings, resolve=dns)
    worker.process(batch_of(case_event(org.staff[0], clock=clock)))
    d, [attempt] = webhook_delivery()
    assert d.status == "retrying" and attempt.outcome == "failed"
    assert attempt.error.startswith("refused: the host resolves to an address that is private")


def test_the_request_goes_to_the_checked_address_with_the_urls_host(worker, org, clock, nsettings):
    from services.notifier.deliveries import Sender
    with WebhookReceiver(OWN_SECRET) as own:
        port = own.url.split(":")[2].split("/")[0]
        dns = Dns(hooks_tanggap_test=["127.0.0.1"])             # a name the system cannot resolve
        own_webhook(org, clock, f"http://hooks.tanggap.test:{port}/in")
        worker.sender = Sender(nsettings, resolve=dns)          # 127.0.0.1 is on the test's allowlist
        worker.process(batch_of(case_event(org.staff[1], clock=clock)))
        [hook] = own.all()
        assert hook.signature_ok and hook.host == f"hooks.tanggap.test:{port}" and hook.path == "/in"
        assert dns.lookups == 1                                  # checked once, connected to what was checked


@pytest.mark.parametrize("mode, scheme, reason", [
    ("drip", "http", "webhook deadline of 1 s passed"),
    ("drip", "https", "webhook deadline of 1 s passed"),     # a TLS handshake that never ends
    ("garbage", "http", "webhook BadStatusLine"),
    ("garbage", "https", "webhook SSLError"),
    ("hangup", "http", "webhook RemoteDisconnected"),
    ("redirect", "http", "HTTP 302 (redirects are not followed)")])
def test_a_broken_receiver_costs_one_failed_attempt_and_nothing_else(mode, scheme, reason, worker, org, clock,
                                                                     nsettings, smtp):
    from services.notifier.deliveries import Sender
    with WebhookReceiver(OWN_SECRET) as target, BadReceiver(mode, location=target.url) as bad:
        own_webhook(org, clock, bad.url.replace("http:", f"{scheme}:"))
        worker.sender = Sender(replace(nsettings, webhook_timeout_s=1))
        worker.process(batch_of(case_event(org.staff[2], clock=clock)))
        d, [attempt] = webhook_delivery()
        assert (d.status, attempt.outcome, attempt.error) == ("retrying", "failed", reason)
        assert bad.requests == 1 and target.all() == []          # a redirect is not followed
        own_webhook(org, clock, target.url)
        worker.process(batch_of(case_event(org.staff[3], clock=clock)))   # and the worker goes on
        assert worker.stats["opened"] == 2 and worker.stats["failed"] == 1 and len(target.accepted()) == 1


def test_a_dripping_smtp_server_is_cut_at_the_deadline(worker, org, clock, nsettings):
    from services.notifier.deliveries import Sender
    from services.notifier.models import Delivery
    with BadReceiver("drip") as bad:
        port = int(bad.url.split(":")[2].split("/")[0])
        worker.sender = Sender(replace(nsettings, smtp_port=port, smtp_timeout_s=1, webhook_url=""))
        worker.process(batch_of(case_event(org.staff[4], clock=clock)))
        mail = Delivery.objects.get(channel="email")
        assert mail.status == "retrying" and mail.last_error == "SMTP deadline of 1 s passed"


def test_the_consumer_handler_claims_and_the_dispatcher_sends(worker, org, smtp, hooks, clock):
    from services.notifier.models import Delivery
    worker.handle(batch_of(case_event(org.staff[5], clock=clock)))
    assert smtp.sink.count() == 0 and hooks.all() == []           # nothing sent inside the consumer loop
    assert Delivery.objects(status="pending").count() == 2
    assert worker.dispatch()["sent"] == 2
    assert smtp.sink.count() == 1 and len(hooks.accepted()) == 1


def test_a_dispatcher_holding_a_stale_list_never_sends_again(worker, org, smtp, hooks, clock, nsettings, sender):
    from services.notifier.deliveries import Sender
    from services.notifier.models import Delivery
    worker.handle(batch_of(case_event(org.staff[6], clock=clock)))
    stale = list(Delivery.objects(status="pending"))             # what a second dispatcher read
    assert {sender.attempt(d, clock.now()) for d in stale} == {"sent"}
    other = Sender(nsettings)
    assert [other.attempt(d, clock.now()) for d in stale] == ["skipped", "skipped"]
    assert smtp.sink.count() == 1 and len(hooks.all()) == 1

    hooks.fail_next(1)                                           # failed, and not due yet
    worker.handle(batch_of(case_event(org.staff[7], clock=clock)))
    [hook] = Delivery.objects(status="pending", channel="webhook")
    assert sender.attempt(hook, clock.now()) == "failed"
    assert other.attempt(hook, clock.now()) == "skipped"         # its stale copy says pending and due
    clock.set(Delivery.objects.get(pk=hook.key).next_at)
    assert other.attempt(hook, clock.now()) == "sent" and sender.attempt(hook, clock.now()) == "skipped"
    assert [h.answered for h in hooks.all() if h.delivery_id == hook.key] == [500, 204]
    other.close()


def test_a_broken_stored_delivery_is_a_failed_attempt_and_a_cut_short_one_is_sent_again(sender, smtp, clock):
    from datetime import timedelta

    from services.notifier.models import Delivery, DeliveryAttempt
    now = clock.now()
    broken = Delivery(key="x|opened|email|admin", event="opened", channel="email", recipient="admin", created_at=now,
                      status="pending", next_at=now, content={"subject": "no address", "text": "", "html": ""})
    broken.save(force_insert=True)
    assert sender.attempt(broken, now) == "failed"
    assert DeliveryAttempt.objects.get(delivery_id=broken.key).error == "internal KeyError"

    mail = {"to": "admin@pemda.example", "subject": "s", "text": "t", "html": "<p>t</p>", "lang": "id"}
    cut = Delivery(key="y|opened|email|admin", event="opened", channel="email", recipient="admin", created_at=now,
                   status="pending", next_at=now, content=mail)
    cut.save(force_insert=True)
    DeliveryAttempt(delivery_id=cut.key, no=1, channel="email", at=now - timedelta(minutes=10),
                    outcome="sending").save(force_insert=True)             # its dispatcher was killed
    assert sender.attempt(cut, now) == "sent" and smtp.sink.count() == 1
    first, second = DeliveryAttempt.objects(delivery_id=cut.key).order_by("no")
    assert (first.outcome, first.error, second.outcome) == ("failed", "interrupted", "sent")
