"""A Spark standalone cluster on 127.0.0.1 for a test: one master and two workers (one core and
1 GiB each), started from the installed PySpark's own launcher (`bin/spark-class`, its jars:
nothing is downloaded), and torn down afterwards with the executors they started.

`start_cluster(root)` returns once the master's JSON status counts every worker alive; a daemon
that exits or a cluster not up in time raises `ClusterError` with the tail of its log."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.smtp import free_port

START_SECONDS = 120.0


class ClusterError(RuntimeError):
    """The cluster did not come up."""


@dataclass(frozen=True)
class SparkCluster:
    master_url: str  # spark://127.0.0.1:PORT, what BROKERLENS_SPARK_MASTER is set to
    status_url: str  # the master's JSON status
    logs: Path

    def tasks_by_worker(self) -> list[int]:
        """Tasks finished by each worker's executors (from their logs)."""
        return [
            sum(log.read_text("utf-8", "replace").count("Finished task") for log in logs)
            for logs in (
                sorted(w.glob("app-*/*/stderr")) for w in sorted(self.logs.glob("work[0-9]*"))
            )
        ]

    def status(self) -> dict[str, object]:
        with urllib.request.urlopen(self.status_url, timeout=5) as response:
            result: dict[str, object] = json.load(response)
            return result


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _daemon_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(_spark_home()),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="256m",
        SPARK_CONF_DIR=str(root / "conf"),  # empty: no machine-wide spark-defaults.conf
        # the executors' Python, should a query need one: the driver's
        PYSPARK_PYTHON=sys.executable,
    )
    return env


def _launch(root: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    spark_class = _spark_home() / "bin" / "spark-class"
    with open(root / f"{name}.log", "wb") as log:
        # its own process group: the executors a worker starts are stopped with it
        return subprocess.Popen(
            [str(spark_class), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_daemon_env(root),
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text("utf-8", errors="replace") if path.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _wait_for_workers(
    cluster: SparkCluster, processes: dict[str, subprocess.Popen[bytes]], workers: int
) -> None:
    deadline = time.monotonic() + START_SECONDS
    alive: object = 0
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise ClusterError(
                    f"the Spark {name} exited with {process.returncode}:\n"
                    + _tail(cluster.logs / f"{name}.log")
                )
        with contextlib.suppress(OSError, ValueError):
            alive = cluster.status().get("aliveworkers", 0)
            if alive == workers:
                return
        time.sleep(0.25)
    raise ClusterError(
        f"{alive} of {workers} Spark workers registered within {START_SECONDS:.0f} s:\n"
        + _tail(cluster.logs / "master.log")
    )


@contextlib.contextmanager
def start_cluster(root: Path, *, workers: int = 2) -> Iterator[SparkCluster]:
    """A master and `workers` workers on 127.0.0.1, stopped when the block ends."""
    (root / "conf").mkdir(parents=True, exist_ok=True)
    port, web_port = free_port(), free_port()
    cluster = SparkCluster(
        master_url=f"spark://127.0.0.1:{port}",
        status_url=f"http://127.0.0.1:{web_port}/json/",
        logs=root,
    )
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["master"] = _launch(
            root,
            "master",
            *("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"),
            *("--port", str(port), "--webui-port", str(web_port)),
        )
        for n in range(1, workers + 1):
            processes[f"worker{n}"] = _launch(
                root,
                f"worker{n}",
                *("org.apache.spark.deploy.worker.Worker", cluster.master_url),
                *("--host", "127.0.0.1", "--webui-port", "0", "--cores", "1"),
                *("--memory", "1g", "--work-dir", str(root / f"work{n}")),
            )
        _wait_for_workers(cluster, processes, workers)
        yield cluster
    finally:
        # workers first (each stops its executors), then the master
        for process in reversed(processes.values()):
            _stop(process)
