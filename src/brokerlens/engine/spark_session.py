"""One SparkSession per process, created on first use and stopped at exit.

Every `SparkEngine` (and every test) shares it: starting a JVM costs seconds, and Spark allows
only one active SparkContext per process anyway. `SparkEngine.close()` therefore only drops its
own temp views; the session itself is stopped by `atexit` (or by `stop_session()`).

Settings (typed, in `Settings`; environment `BROKERLENS_...`):
- `spark_master`             default `local[*]`; `spark://host:7077`, `yarn`, `k8s://...` run
  the executors on a cluster (this process is the driver: client mode)
- `spark_driver_memory`      default `1g`
- `spark_shuffle_partitions` default `4` (one machine; the default 200 is for clusters)

and, for development, plain environment variables:
- `BROKERLENS_SPARK_JAVA_OPTIONS`  extra JVM options of the driver and the executors (the tests
  use `-XX:TieredStopAtLevel=1`: many tiny queries warm up faster without the C2 compiler)
- `BROKERLENS_SPARK_LOG`           where the JVM's own stderr goes, default
  `<tmp>/brokerlens-spark-<user>.log`; `-` keeps it on this process's stderr

Any other Spark property (executor memory and cores, a YARN queue, a Kubernetes image) comes
from Spark's own `spark-defaults.conf` in `$SPARK_CONF_DIR` (docs/operations.md).

The JVM prints start-up banners and warnings on its stderr, which would land in the middle of CLI
output; it inherits the file descriptor at launch, so stderr is pointed at the log file while the
JVM starts and restored right after.

Time: the JVM and the session run in UTC, and SQL `TIMESTAMP` means `TIMESTAMP_NTZ`, like
DuckDB's `TIMESTAMP` (a wall-clock time without zone). So a date or a timestamp read from the
lake is never shifted by the machine's zone, and one written back carries no zone either.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from brokerlens.config import Settings, load_settings
from brokerlens.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_LOG_LIMIT = 10 * 1024 * 1024

_lock = threading.Lock()
_session: SparkSession | None = None
_stop_registered = False

# Config every session gets; the values that vary by machine come from the environment.
_FIXED_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -Dlog4j2.level=ERROR",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    # DuckDB's TIMESTAMP is zone-less; Spark's plain TIMESTAMP would be zoned (LTZ).
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    # DuckDB reads these back; INT96 and millisecond timestamps would not round-trip.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "zstd",
    # ANSI stays on (the Spark 4 default): the portable subset must run under it.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
    # No _SUCCESS marker: the single part file is moved out of a scratch directory anyway.
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.hadoop.parquet.enable.summary-metadata": "false",
}


def java_missing_reason() -> str | None:
    """Why Spark cannot start here (no Java), or None when a `java` is available."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.exists(os.path.join(java_home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return "Java 17+ is not installed (no `java` on PATH and no JAVA_HOME): Spark cannot start"


def session_conf(settings: Settings | None = None) -> dict[str, str]:
    """The full configuration of the shared session (fixed values plus the settings)."""
    settings = settings or _environment_settings()
    conf = dict(_FIXED_CONF)
    conf["spark.master"] = settings.spark_master
    # Spark creates its (unused: only temp views here) warehouse directory at start-up, by
    # default `./spark-warehouse` in whatever directory the command runs from.
    conf["spark.sql.warehouse.dir"] = str(
        Path(tempfile.gettempdir()) / "brokerlens-spark-warehouse"
    )
    conf["spark.driver.memory"] = settings.spark_driver_memory
    extra = os.environ.get("BROKERLENS_SPARK_JAVA_OPTIONS", "").strip()
    if extra:
        conf["spark.driver.extraJavaOptions"] += " " + extra
        conf["spark.executor.extraJavaOptions"] += " " + extra
    conf["spark.sql.shuffle.partitions"] = str(settings.spark_shuffle_partitions)
    return conf


def get_session(settings: Settings | None = None) -> SparkSession:
    """The process's SparkSession, started on first call (settings: the environment's)."""
    global _session, _stop_registered
    conf = session_conf(settings)
    with _lock:
        if _session is not None and not _is_stopped(_session):
            _check_same_master(_session, conf["spark.master"])
            return _session
        reason = java_missing_reason()
        if reason:
            raise ConfigError(reason, hint="install a JDK 17+ or set JAVA_HOME")
        # The driver binds to loopback unless told otherwise: it must not try to resolve the
        # machine's name (no network). A cluster's executors must reach the driver: set
        # SPARK_LOCAL_IP to an address of this machine they can connect to.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from pyspark.sql import SparkSession  # noqa: PLC0415  (optional: the spark extra)

        builder = SparkSession.builder.appName("brokerlens")
        for key, value in conf.items():
            builder = builder.config(key, value)
        with _jvm_stderr_to(log_path()):
            _session = builder.getOrCreate()
        _session.sparkContext.setLogLevel("ERROR")
        _quiet_python_loggers()
        if not _stop_registered:
            atexit.register(stop_session)
            _stop_registered = True
        return _session


def _environment_settings() -> Settings:
    # Only the Spark fields matter here; load_settings turns a bad value into a ConfigError.
    return load_settings()


def _check_same_master(session: SparkSession, master: str) -> None:
    running = session.sparkContext.master
    if running != master:
        raise ConfigError(
            f"this process already runs a Spark session on {running!r}, not {master!r}",
            hint="one process has one Spark session: stop it first (stop_session())",
        )


def log_path() -> Path | None:
    """Where the JVM's stderr goes (None: inherit this process's stderr)."""
    configured = os.environ.get("BROKERLENS_SPARK_LOG")
    if configured == "-":
        return None
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"brokerlens-spark-{_user()}.log"


@contextlib.contextmanager
def _jvm_stderr_to(path: Path | None) -> Iterator[None]:
    # The JVM is a child process started inside getOrCreate(); it keeps whatever fd 2 is then.
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    # Appended to (several processes may share it), started afresh once it grows large.
    mode = "wb" if path.exists() and path.stat().st_size > _LOG_LIMIT else "ab"
    try:
        with open(path, mode) as log:
            os.dup2(log.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _quiet_python_loggers() -> None:
    # PySpark logs every failed query as a JSON record on stderr before raising it; the raised
    # exception already carries the message, so the record is only noise in CLI output.
    from pyspark.logger import PySparkLogger  # noqa: PLC0415  (optional: the spark extra)

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        # Created through PySparkLogger: PySpark calls it with keyword fields a plain Logger
        # would reject.
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


def stop_session() -> None:
    """Stop the shared session (idempotent); the next `get_session()` starts a new one."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


def _is_stopped(session: SparkSession) -> bool:
    # A session stopped elsewhere (e.g. by a test) keeps its Python object but loses its JVM side.
    context = session.sparkContext
    return context._jsc is None


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container user without a passwd entry
        return str(os.getuid())
