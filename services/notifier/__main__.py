"""python -m services.notifier worker | tick

worker: consume coaching-case events and run the scheduler every NOTIFIER_TICK_SECONDS.
tick:   run the scheduler once (escalations, reminders, retries, digests) and print what it did.
"""
import sys

from shared.platform.config import Settings

USAGE = "usage: python -m services.notifier worker | tick"


def main(argv: list[str]) -> int:
    command = argv[:1]
    if command == ["worker"]:
        from services.notifier.worker import main as worker_main
        worker_main(Settings.from_env())
        return 0
    if command == ["tick"]:
        return tick(Settings.from_env())
    print(USAGE, file=sys.stderr)
    return 2


def tick(settings: Settings) -> int:
    from shared.platform import db, logs
    from shared.platform.clock import SystemClock

    from services.notifier.deliveries import Sender
    from services.notifier.scheduler import tick as run_tick
    from services.notifier.ticket_deadlines import tick as ticket_tick
    from services.notifier.training_invites import tick as training_tick

    logs.setup("notifier-tick", settings.log_level)
    db.connect(settings, pool_size=4)
    sender = Sender(settings)
    try:
        print("tick: checking open cases and due deliveries ...", flush=True)
        now = SystemClock().now()
        counts = ticket_tick(settings, now)   # complaint deadlines first: they claim the deliveries sent below
        counts.update(training_tick(settings, now))
        counts.update(run_tick(settings, now, sender, progress=lambda line: print(line, flush=True)))
    finally:
        sender.close()
    print("tick done: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing to do"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
