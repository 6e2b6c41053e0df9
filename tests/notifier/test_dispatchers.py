"""Any number of dispatchers send each delivery once: two notifier worker processes and the
``tick`` command looping beside them, a slow SMTP server and a webhook receiver that fails
the first call of every delivery. Real processes, Kafka, database, SMTP and HTTP."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.notifier.conftest import WEBHOOK_SECRET, case_event
from tests.notifier.test_races import publish
from tests.support.processes import BIN, Proc
from tests.support.smtp import SmtpServer
from tests.support.waiting import eventually
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.race

CASES = 12
OWN_SECRET = "own-secret-of-the-supervisor"


def test_two_workers_and_a_tick_loop_deliver_each_notification_once(nsettings, processes, org, clock):
    from shared.platform.auth import issue_token

    from services.notifier.app import create_app
    from services.notifier.models import Delivery, DeliveryAttempt, NotificationPreferences

    with SmtpServer(delay_s=0.3) as slow, WebhookReceiver(OWN_SECRET, fail_first=True) as flaky:
        settings = replace(nsettings, smtp_port=slow.port, retry_base_s=1, retry_max_s=2, tick_seconds=1,
                           delivery_max_attempts=3, webhook_secret=WEBHOOK_SECRET)
        NotificationPreferences.save_revision(org.sup, {"webhook_url": flaky.url, "webhook_secret": OWN_SECRET},
                                              at=clock.now(), by="test")   # checked on every send
        running = processes(settings)
        workers = [running.notifier_worker(), running.notifier_worker()]
        loop = "for i in $(seq 60); do " + str(BIN / "python") + " -m services.notifier tick || exit 1; done"
        ticks = Proc("tick-loop", ["bash", "-c", loop], running.env, running.log_dir)
        running.procs.append(ticks)
        publish(settings, [case_event(org.staff[i]) for i in range(CASES)])

        def settled():
            done = Delivery.objects(channel__in=("email", "webhook"), status__in=("sent", "dead")).count()
            return done == 2 * CASES
        eventually(settled, timeout=120, interval=0.5, message="not every delivery was sent")

        mails = [m.message["X-Tanggap-Delivery"] for m in slow.sink.messages]
        assert len(mails) == len(set(mails)) == CASES                      # each mail once
        hooks = flaky.all()
        accepted = [h.delivery_id for h in flaky.accepted()]
        assert len(accepted) == len(set(accepted)) == CASES                # each webhook accepted once
        assert len(hooks) == 2 * CASES and all(h.signature_ok for h in hooks)  # one failure + one success each
        for d in Delivery.objects(channel="webhook"):
            first, second = DeliveryAttempt.objects(delivery_id=d.key).order_by("no")
            assert (d.status, first.outcome, second.outcome) == ("sent", "failed", "sent")
            assert second.at >= first.retry_at                             # the retry waited for its backoff

        admin = {"Authorization": "Bearer " + issue_token(settings, sub="admin", roles=["admin"])}
        stats = create_app(settings).test_client().get("/api/v1/deliveries/stats", headers=admin).json
        webhook = {k: stats["webhook"][k] for k in ("sent", "failed", "retried", "pending", "dead")}
        assert webhook == {"sent": CASES, "failed": CASES, "retried": CASES, "pending": 0, "dead": 0}
        assert (stats["email"]["sent"], stats["email"]["failed"], stats["email"]["pending"]) == (CASES, 0, 0)
        assert stats["inbox"]["sent"] == CASES
        assert all(w.popen.poll() is None for w in workers), "a worker stopped"
        assert ticks.popen.poll() in (None, 0), ticks.tail()
