"""A training programme evaluated through the real database and Kafka with an injected clock:
the programme and its participants (one by one and from a CSV list); level 1, each participant
invited by the notifier with a personal link once the training has ended, one answer each, one
reminder; level 2, pre- and post-test scores; level 3 three months later, the alumni and then
their supervisor, with reminders; level 4 against colleagues who did not attend. Every result
comes from the aggregator, only from three respondents, equal to a recomputation by hand."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from kafka import TopicPartition

from shared.messaging.topics import Topics
from shared.platform.auth import issue_token
from shared.platform.clock import ManualClock
from shared.records.directory import Employee, Unit
from shared.records.trainings import TrainingReaction, reaction_key

from services.notifier import training_invites
from services.notifier.models import Delivery
from services.survey.outbox.relay import Relay
from tests.support.kafka_read import read_topic

pytestmark = pytest.mark.integration
PEOPLE = [f"19880101201201100{n}" for n in range(1, 5)]
BOSS = "198001012005011009"
CODE = "konflik-2026"


def test_training_programme_invites_collects_one_reaction_each_and_reports_from_three(fresh_settings):
    from services.aggregator.app import create_app as aggregator_app
    from services.aggregator.pipeline.worker import IndicatorWorker
    from services.survey.app import create_app as survey_app

    settings = replace(fresh_settings, public_survey_url="https://tanggap.pemda.example")
    clock = ManualClock(datetime(2026, 11, 23, 3, tzinfo=UTC))          # Monday after the course
    Unit.save_revision("DISDUK", {"name": "Dinas"}, at=clock.now(), by="t")
    Employee.save_revision(BOSS, {"name": "Kepala Seksi", "unit": "DISDUK", "email": "boss@pemda.example"},
                           at=clock.now(), by="t")
    for n, nip in enumerate(PEOPLE):
        Employee.save_revision(nip, {"name": f"Peserta {n}", "unit": "DISDUK", "email": f"{nip}@pemda.example",
                                     "supervisor_nip": BOSS}, at=clock.now(), by="t")
    survey = survey_app(settings, clock).test_client()
    token = issue_token(settings, sub="admin", roles=["evaluator"], ttl_seconds=200 * 86400)   # the clock moves on
    admin = {"Authorization": f"Bearer {token}"}
    body = {"code": CODE, "name": "Manajemen konflik pelayanan", "competency": "komunikasi", "start": "2026-11-16",
            "end": "2026-11-20", "unsur": ["U7"], "participants": PEOPLE[:2]}
    assert survey.put("/api/v1/trainings", json=body, headers=admin).status_code == 201
    assert survey.put("/api/v1/trainings", json={**body, "end": "2026-11-01"}, headers=admin).status_code == 422
    assert survey.put("/api/v1/trainings", json={**body, "participants": ["199901012020011999"]},
                      headers=admin).json["errors"].keys() == {"participants"}
    supervisor = {"Authorization": "Bearer " + issue_token(settings, sub="s", roles=["supervisor"], nip=PEOPLE[0])}
    assert survey.put("/api/v1/trainings", json=body, headers=supervisor).status_code == 403
    listed = survey.post(f"/api/v1/trainings/{CODE}/participants", data="nip,nama\n" + "\n".join(
        f"{n},x" for n in PEOPLE[1:]) + "\n", content_type="text/csv", headers=admin)
    assert listed.status_code == 200 and listed.json == {"added": 2, "participants": 4}
    assert survey.post(f"/api/v1/trainings/{CODE}/participants", data="nip\n12345\n", content_type="text/csv",
                       headers=admin).status_code == 422

    assert training_invites.tick(settings, clock.now()) == {"training_invited": 4}
    assert training_invites.tick(settings, clock.now()) == {}                    # once each
    [mail] = Delivery.objects(channel="email", recipient=PEOPLE[0], event="reaction-invite")
    link = f"/pelatihan/{CODE}/{reaction_key(settings, CODE, PEOPLE[0])}"
    assert link in mail.content["text"] and PEOPLE[0] not in link

    answers = [{"relevance": "5", "material": "4", "trainer": "5", "method": "4", "facilities": "3", "overall": "5"},
               {"relevance": "4", "material": "4", "trainer": "3", "method": "4", "facilities": "2", "overall": "4"},
               {"relevance": "3", "material": "5", "trainer": "4", "method": "2", "facilities": "3", "overall": "4"}]
    assert survey.post(f"/pelatihan/{CODE}/{'x' * 24}", data=answers[0]).status_code == 404
    assert survey.post(f"/pelatihan/{CODE}/{reaction_key(settings, CODE, PEOPLE[0])}",
                       data={**answers[0], "overall": "9"}).status_code == 422
    for nip, answer in zip(PEOPLE[:3], answers, strict=True):
        page = f"/pelatihan/{CODE}/{reaction_key(settings, CODE, nip)}"
        assert survey.get(page).status_code == 200
        assert survey.post(page, data=answer).status_code == 200
    again = survey.post(f"/pelatihan/{CODE}/{reaction_key(settings, CODE, PEOPLE[0])}", data=answers[2])
    assert 'id="done"' in again.text and TrainingReaction.objects.count() == 3    # one answer each, the first
    assert all(PEOPLE[0] not in str(r.outbox.event) for r in TrainingReaction.objects)

    clock.set(datetime(2026, 11, 30, 3, tzinfo=UTC))                   # five working days after the invitation
    assert training_invites.tick(settings, clock.now()) == {"training_reminded": 1}
    assert Delivery.objects(event="reaction-reminder", channel="inbox").get().recipient == PEOPLE[3]

    scores = "nip,pre,post\n" + "\n".join(f"{n},{a},{b}" for n, a, b in zip(PEOPLE[:3], (40, 55, 60), (70, 60, 58),
                                                                            strict=True)) + "\n"
    imported = survey.post(f"/api/v1/trainings/{CODE}/scores", data=scores, content_type="text/csv", headers=admin)
    assert imported.status_code == 201 and imported.json["scored"] == 3
    for bad in ("nip,pre,post\n199901012020011999,50,60\n", f"nip,pre,post\n{PEOPLE[0]},50,120\n"):
        assert survey.post(f"/api/v1/trainings/{CODE}/scores", data=bad, content_type="text/csv",
                           headers=admin).status_code == 422
    assert PEOPLE[0] not in str(imported.json)
    assert Relay(settings, clock=clock).run_once() == 4          # three reactions and one score import
    early = aggregator_app(settings, clock).test_client().get(f"/api/v1/trainings/{CODE}/reaction", headers=admin)
    assert early.json["window_open"] is True and early.json["respondents"] is None   # nothing until it closes
    clock.set(datetime(2026, 12, 7, 3, tzinfo=UTC))                    # the answer window closed on 4 December
    late = f"/pelatihan/{CODE}/{reaction_key(settings, CODE, PEOPLE[3])}"
    assert survey.post(late, data=answers[0]).status_code == 410 and TrainingReaction.objects.count() == 3
    records = list(read_topic(settings, Topics.from_settings(settings).responses))
    batch: dict = {}
    for r in records:
        batch.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
    assert IndicatorWorker(settings, clock=clock).handle(batch) == []
    got = aggregator_app(settings, clock).test_client().get(f"/api/v1/trainings/{CODE}/reaction", headers=admin).json
    # by hand: relevance (5+4+3)/3 = 4, material 13/3 = 4.33, trainer 4, method 10/3 = 3.33, facilities 8/3 = 2.67,
    # overall 13/3 = 4.33
    assert got["respondents"] == 3 and got["released"] is True
    assert got["means"] == {"relevance": 4.0, "material": 4.33, "trainer": 4.0, "method": 3.33, "facilities": 2.67,
                            "overall": 4.33}
    # level 3, three months after the end: the alumni first, then their supervisor about each who answered
    from shared.records.trainings import TrainingFollowUp, followup_key
    clock.set(datetime(2027, 2, 22, 3, tzinfo=UTC))
    assert training_invites.tick(settings, clock.now()) == {"followup_invited": 4}
    alumni = [{"applied": "4", "improved": "4", "citizens": "3", "support": "5"},
              {"applied": "5", "improved": "4", "citizens": "4", "support": "4"},
              {"applied": "3", "improved": "3", "citizens": "2", "support": "4"}]
    for nip, answer in zip(PEOPLE[:3], alumni, strict=True):
        page = f"/pelatihan/{CODE}/tindak-lanjut/{followup_key(settings, CODE, nip, 'alumnus')}"
        assert survey.post(page, data=answer).status_code == 200
    assert survey.post(f"/pelatihan/{CODE}/tindak-lanjut/{followup_key(settings, CODE, PEOPLE[0], 'alumnus')}",
                       data=alumni[2]).status_code == 200 and TrainingFollowUp.objects.count() == 3
    assert training_invites.tick(settings, clock.now()) == {"followup_invited": 3}       # their supervisor, now
    assert Delivery.objects(recipient=BOSS, channel="inbox").count() == 3
    for nip in PEOPLE[:2]:
        page = f"/pelatihan/{CODE}/tindak-lanjut/{followup_key(settings, CODE, nip, 'supervisor')}"
        assert "Peserta" in survey.get(page).text                      # about whom
        assert survey.post(page, data=alumni[1]).status_code == 200
    clock.set(datetime(2027, 3, 1, 3, tzinfo=UTC))                     # five working days on
    assert training_invites.tick(settings, clock.now()) == {"followup_reminded": 2}    # P4 and the boss about P3
    assert Relay(settings, clock=clock).run_once() == 5
    batch = {}
    for r in read_topic(settings, Topics.from_settings(settings).responses):
        batch.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
    IndicatorWorker(settings, clock=clock).handle(batch)
    clock.set(datetime(2027, 3, 22, 3, tzinfo=UTC))                    # the follow-up window closed on 19 March
    client = aggregator_app(settings, clock).test_client()
    behaviour = client.get(f"/api/v1/trainings/{CODE}/behaviour", headers=admin).json
    assert behaviour["alumnus"]["means"] == {"applied": 4.0, "improved": 3.67, "citizens": 3.0, "support": 4.33}
    assert behaviour["supervisor"] == {"respondents": 2, "min_respondents": 3, "released": False, "window_open": False}

    learning = client.get(f"/api/v1/trainings/{CODE}/learning", headers=admin).json
    # by hand: pre (40 + 55 + 60) / 3 = 51.67, post (70 + 60 + 58) / 3 = 62.67, gain 11, two of three improved
    assert (learning["pre"], learning["post"], learning["gain"], learning["improved_percent"]) == (51.67, 62.67,
                                                                                                   11.0, 66.7)


def test_training_level4_difference_in_differences_against_colleagues(fresh_settings):
    import statistics

    from shared.records.trainings import TrainingProgramme

    from services.aggregator.app import create_app as aggregator_app
    from services.aggregator.pipeline.worker import IndicatorWorker
    from tests.notifier.conftest import batch_of
    from tests.support.aggregator import skm_event

    clock = ManualClock(datetime(2027, 1, 10, 3, tzinfo=UTC))
    Unit.save_revision("LOKET", {"name": "Loket"}, at=clock.now(), by="t")
    trained = [f"19870101201201100{n}" for n in range(1, 4)]
    colleagues = [f"19860101201201100{n}" for n in range(1, 4)]
    for nip in trained + colleagues:
        Employee.save_revision(nip, {"name": nip[-4:], "unit": "LOKET"}, at=clock.now(), by="t")
    TrainingProgramme.save_revision(CODE, {"name": "Layanan prima", "start": "2026-11-16", "end": "2026-11-20",
                                           "unsur": ["U7"], "participants": trained}, at=clock.now(), by="t")
    # officer index (U6, U7 x 25) in October against December: the trained +50, +25, +25; colleagues 0, 0, +25
    scores = dict(zip(trained + colleagues, [(2, 4), (2, 3), (3, 4), (2, 2), (3, 3), (2, 3)], strict=True))
    events = [skm_event("LOKET", score, officer=nip, period=month) for nip, (before, after) in scores.items()
              for month, score in (("2026-10", before), ("2026-12", after)) for _ in range(10)]
    IndicatorWorker(fresh_settings, clock=clock, decisions=False).handle(batch_of(*events, topic="responses"))
    token = issue_token(fresh_settings, sub="ev", roles=["evaluator"], ttl_seconds=90 * 86400)   # clock ahead
    admin = {"Authorization": f"Bearer {token}"}
    client = aggregator_app(fresh_settings, clock).test_client()
    got = client.get(f"/api/v1/trainings/{CODE}/results?months=1", headers=admin).json
    assert (got["before"], got["after"]) == (["2026-10", "2026-10"], ["2026-12", "2026-12"])
    index, u7 = got["indicators"]
    p, c = [50, 25, 25], [0, 0, 25]
    half = 1.96 * (statistics.variance(p) / 3 + statistics.variance(c) / 3) ** 0.5
    assert (index["indicator"], index["participants"], index["controls"]) == ("officer_index", 3, 3)
    assert index["effect"] == 25.0 and index["change"] == 33.33 and index["controls_change"] == 8.33
    assert index["ci95"] == [round(25 - half, 2), round(25 + half, 2)]
    assert u7["indicator"] == "U7" and u7["effect"] == 25.0
    thin = client.get(f"/api/v1/trainings/{CODE}/results?months=1&min_responses=11", headers=admin).json
    assert thin["indicators"][0]["enough"] is False and "belum cukup" in thin["indicators"][0]["message"]
    assert client.get("/api/v1/trainings/nope/results", headers=admin).status_code == 404
