"""python -m services.survey relay: run the outbox relay."""
import sys

from shared.platform.config import Settings


def main(argv: list[str]) -> int:
    if argv[:1] != ["relay"]:
        print("usage: python -m services.survey relay", file=sys.stderr)
        return 2
    from services.survey.outbox.relay import main as relay_main
    relay_main(Settings.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
