"""python -m services.notifier worker: run the notifier's Kafka worker."""
import sys

from shared.config import Settings


def main(argv: list[str]) -> int:
    if argv[:1] != ["worker"]:
        print("usage: python -m services.notifier worker", file=sys.stderr)
        return 2
    from .worker import main as worker_main
    worker_main(Settings.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
