"""python -m infra {install,start,stop,status,run,up,down}: the local stack, see README.md."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from infra import axe, mailcatcher, services
from infra.proc import LOGS, RUN, InfraError, pidfile, running_pid
from infra.stack import Stack
from infra.system import ensure_command


def cmd_install(args) -> int:
    Stack().install()
    if args.browser:
        ensure_command("chromium", "chromium", "browser tests")
        axe.install()
    print("installed", flush=True)
    return 0


def cmd_start(args) -> int:
    stack = Stack()
    stack.start()
    for key, value in stack.env().items():
        print(f"{key}={value}")
    return 0


def cmd_stop(args) -> int:
    """Stop everything this tool started; a running `make up` is asked to stop itself first
    (its supervisor would otherwise start the services again)."""
    up = running_pid("up")
    if up is not None:
        os.kill(up, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while running_pid("up") is not None and time.monotonic() < deadline:
            time.sleep(0.2)
    services.stop_all()
    Stack().stop()
    return 0


def cmd_status(args) -> int:
    stack = Stack()
    for part in stack.components():
        print(f"{part.name}: {'running' if part.is_running() else 'stopped'}")
    for proc in services.processes(os.environ):
        print(f"{proc.name}: {'running' if running_pid(proc.name) else 'stopped'}")
    return 0


def environment(stack: Stack) -> dict[str, str]:
    """What the services (and a command run beside them) get: this environment, so SURVEY_PORT
    and the rest of the documented configuration apply, plus where the stack's servers are."""
    return dict(os.environ, **stack.env())


def up_environment(stack: Stack) -> dict[str, str]:
    """:func:`environment`, and in development the mail catcher: the notifier's mails land on
    its page (/dev/surel) instead of port 25, unless an SMTP server is configured (either
    NOTIFIER_SMTP_HOST or NOTIFIER_SMTP_PORT given: then neither is touched)."""
    env = environment(stack)
    configured = env.get("NOTIFIER_SMTP_HOST") or env.get("NOTIFIER_SMTP_PORT")
    if env.get("TANGGAP_ENV", "development") != "production" and not configured:
        env.setdefault("TANGGAP_MAIL_CATCHER_PORT", str(mailcatcher.DEFAULT_PORT))
        env["NOTIFIER_SMTP_HOST"] = "127.0.0.1"
        env["NOTIFIER_SMTP_PORT"] = env["TANGGAP_MAIL_CATCHER_PORT"]
    return env


def cmd_run(args) -> int:
    """Start what is missing, run the command with the stack's environment, stop what we started."""
    if not args.command:
        raise InfraError("run needs a command after --")
    stack = Stack()
    started = stack.start()
    try:
        return subprocess.call(args.command, env=environment(stack))
    finally:
        stack.stop(started)


def cmd_up(args) -> int:
    RUN.mkdir(parents=True, exist_ok=True)
    pidfile("up").write_text(f"{os.getpid()} infra\n")
    stack = Stack()
    started = stack.start()
    env = up_environment(stack)
    procs: list = []
    interrupted = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        subprocess.check_call([sys.executable, "-m", "services.cli", "topics", "create"], env=dict(os.environ, **env))
        supervisor = services.supervisor(env)
        supervisor.start_all()
        procs = services.processes(env)
        subprocess.check_call([sys.executable, "-m", "services.cli", "demo", "load"], env=dict(os.environ, **env))
        print("\nTanggap is running:")
        for proc in procs:
            if proc.url:
                print(f"{proc.name.removesuffix('-api')}: {proc.url}")
        pages = [page for proc in procs for page in proc.page_urls()]
        if pages:
            print("\nPages (demo logins in the README):")
            for what, url in pages:
                print(f"  {what}: {url}")
        print(f"(logs in {LOGS}; a process that exits is started again; Ctrl-C or `make down` stops everything)",
              flush=True)
        while True:
            supervisor.check()
            time.sleep(1)
    except KeyboardInterrupt:
        interrupted = True
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"tanggap-infra: error: {' '.join(exc.cmd[1:])} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        services.stop_all(procs)
        stack.stop(started)
        pidfile("up").unlink(missing_ok=True)
        if interrupted:
            print("stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("install", help="download/build Kafka and FerretDB into .cache (cached)")
    p.add_argument("--browser", action="store_true",
                   help="also install Debian's chromium and axe-core for browser tests")
    p.set_defaults(func=cmd_install)
    sub.add_parser("start", help="start Kafka, PostgreSQL and FerretDB; print their addresses").set_defaults(
        func=cmd_start)
    sub.add_parser("stop", help="stop every process this tool started").set_defaults(func=cmd_stop)
    sub.add_parser("status", help="what is running").set_defaults(func=cmd_status)
    p = sub.add_parser("run", help="start what is missing, run a command, stop what was started")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_run)
    sub.add_parser("up", help="the whole system in the foreground; Ctrl-C stops it").set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the services and the stack").set_defaults(func=cmd_stop)
    args = parser.parse_args(argv)
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    try:
        return args.func(args)
    except InfraError as exc:
        print(f"tanggap-infra: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
