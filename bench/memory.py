"""Memory of a child process: RSS sampled over time, and its peak (VmHWM) from /proc."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


def peak_rss_mb(pid: int) -> float | None:
    """The kernel's high-water mark of the process's resident set (VmHWM), MB."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mb(pid: int) -> float | None:
    try:
        import psutil
        return psutil.Process(pid).memory_info().rss / 2**20
    except Exception:  # psutil missing or the process gone: fall back to /proc
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
    return None


class Sampler:
    """Samples RSS (and a progress counter, e.g. events done) every ``interval`` seconds."""

    def __init__(self, pid: int, progress: Callable[[], int] | None = None, interval: float = 1.0):
        self.pid, self.progress, self.interval = pid, progress, interval
        self.samples: list[tuple[float, float, int | None]] = []  # (seconds, MB, progress)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = time.monotonic()

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            mb = rss_mb(self.pid)
            if mb is not None:
                done = self.progress() if self.progress else None
                self.samples.append((round(time.monotonic() - self._t0, 2), round(mb, 1), done))
            self._stop.wait(self.interval)

    def last_rss_mb(self) -> float:
        return self.samples[-1][1] if self.samples else 0.0

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def result(self, peak: float | None) -> dict:
        sampled = max((s[1] for s in self.samples), default=None)
        return {"peak_rss_mb": peak if peak is not None else sampled, "peak_sampled_mb": sampled,
                "samples": self.samples}


def summarize(worker: dict, total_events: int) -> dict:
    """The worker's memory over what it processed, how much of the topic that was, and about
    how many units and officers those events named (the worker reads every partition from
    its start, so it processed roughly the first events the generator made)."""
    from bench import dataset

    done = worker.get("events", 0)
    units, officers = set(), set()
    for n, row in enumerate(dataset._rows(dataset.make_org(), total_events, seed=7)):
        if n >= done:
            break
        units.add(row[0])
        officers.add(row[2])
    mem = worker.get("memory", {})
    return {"peak_rss_mb": mem.get("peak_rss_mb"), "events": done, "total_events": total_events,
            "of_total": done / total_events if total_events else None, "units_named": len(units),
            "officers_named": len(officers), "batch_size": worker.get("batch_size"),
            "samples": mem.get("samples", [])}
