"""python -m services.survey relay|tracker: run the outbox relay, or the complaint tracker."""
import sys

from shared.platform.config import Settings


def main(argv: list[str]) -> int:
    if argv[:1] == ["relay"]:
        from services.survey.outbox.relay import main as relay_main
        relay_main(Settings.from_env())
        return 0
    if argv[:1] == ["tracker"]:
        from services.survey.complaints.tracker import main as tracker_main
        tracker_main(Settings.from_env())
        return 0
    print("usage: python -m services.survey relay|tracker", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
