"""Apache Kafka 4.x (KRaft, single node) resolved from Maven Central and run on loopback."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import time
import uuid
from pathlib import Path

from infra.proc import CACHE, LOGS, InfraError, ensure_port_free, port_open, run, running_pid, spawn, stop

POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
HOME = CACHE / "kafka"
LIBS = HOME / "libs"

LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = info
"""


def _fingerprint() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:16]


def install() -> None:
    """Resolve the broker's jars once; a second call with the same pom does nothing."""
    marker = LIBS / ".complete"
    if marker.exists() and marker.read_text() == _fingerprint():
        return
    for tool, hint in (("java", "install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"),
                       ("mvn", "install Maven (apt-get install maven)")):
        if shutil.which(tool) is None:
            raise InfraError(f"{tool} not found: {hint}; it is needed to fetch and run Kafka")
    print("  kafka: resolving the broker from Maven Central (first run only) ...", flush=True)
    staging = HOME / "libs.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    run(["mvn", "-B", "-q", "-f", str(POM), "dependency:copy-dependencies", "-DincludeScope=runtime",
         f"-DoutputDirectory={staging}"], "downloading Kafka with Maven")
    shutil.rmtree(LIBS, ignore_errors=True)
    staging.rename(LIBS)
    marker.write_text(_fingerprint())


class Broker:
    """A single-node KRaft broker with its data under ``home``."""

    def __init__(self, name: str = "kafka", port: int = 9092, controller_port: int | None = None,
                 home: Path | None = None, heap: str = "512m"):
        self.name = name
        self.port = port
        self.controller_port = controller_port or port + 1
        self.home = home or HOME / name
        self.heap = heap
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _properties(self) -> str:
        data = self.home / "data"
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "log.retention.hours=-1",
            "",
        ])

    def is_running(self) -> bool:
        return running_pid(self.name) is not None

    def start(self, wait: float = 60.0) -> bool:
        """Start unless already running; returns True when this call started it."""
        if self.is_running():
            return False
        ensure_port_free(f"Kafka ({self.name})", self.port, "KAFKA_PORT")
        ensure_port_free(f"Kafka controller ({self.name})", self.controller_port, "KAFKA_PORT")
        install()
        self.home.mkdir(parents=True, exist_ok=True)
        props = self.home / "server.properties"
        props.write_text(self._properties())
        (self.home / "log4j2.properties").write_text(LOG4J2)
        java = ["java", f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC",
                f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
                "-cp", f"{LIBS}/*"]
        if not (self.home / "data" / "meta.properties").exists():
            cluster = uuid.uuid4().hex[:22]
            run([*java, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster, "-c", str(props)],
                f"formatting Kafka storage for {self.name}")
        self.proc = spawn(self.name, [*java, "kafka.Kafka", str(props)], marker=str(props))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise InfraError(f"Kafka ({self.name}) exited with status {self.proc.returncode}; "
                                 f"see {LOGS / (self.name + '.log')}")
            if api_versions_ok(self.port):
                return True
            time.sleep(0.2)
        raise InfraError(f"Kafka ({self.name}) did not answer on port {self.port} within {wait:.0f}s; "
                         f"see {LOGS / (self.name + '.log')}")

    def stop(self) -> bool:
        return stop(self.name)

    def wipe(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def api_versions_ok(port: int, host: str = "127.0.0.1") -> bool:
    """True when a Kafka broker answers an ApiVersions request (not merely an open port)."""
    if not port_open(host, port):
        return False
    client = b"tanggap-infra"
    body = struct.pack(">hhih", 18, 0, 7, len(client)) + client
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            head = _recv(sock, 4)
            size = struct.unpack(">i", head)[0]
            reply = _recv(sock, size)
    except OSError:
        return False
    correlation, error = struct.unpack(">ih", reply[:6])
    return correlation == 7 and error == 0


def _recv(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


def port_from_env() -> int:
    return int(os.environ.get("KAFKA_PORT", "9092"))
