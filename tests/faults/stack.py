"""A production-like KAM stack of its own for the fault suite: PostgreSQL and Redis on free ports, gunicorn, a Celery
worker and beat, each started here as a child process and stopped, frozen (SIGSTOP), thawed and restarted by PID.

Nothing shared is touched: PostgreSQL is a fresh cluster (initdb into a temporary directory, run as the `postgres`
user since PostgreSQL refuses root), Redis a fresh server, and every process is stopped by the PID we started (and,
for PostgreSQL, the backends it forked) when the suite ends, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("KAM_PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.2, what: str = "condition") -> float:
    """Seconds it took for condition() to hold; AssertionError after `timeout`."""
    started = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - started
        except Exception:  # a dependency still down: keep waiting
            pass
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (PostgreSQL's backends), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may contain spaces and parentheses: the parent is the 2nd field after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Process:
    """One child process with its log file; stopped by its own PID."""

    def __init__(self, name: str, argv: list[str], *, env: dict, log_dir: Path, user: str | None = None):
        self.name, self.argv, self.env, self.user = name, argv, env, user
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        kwargs = {}
        if self.user:
            record = pwd.getpwnam(self.user)
            kwargs = {"user": record.pw_uid, "group": record.pw_gid}
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        return [self.pid, *children_of(self.pid)]

    def signal_all(self, sig) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def freeze(self) -> None:
        self.signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self.signal_all(signal.SIGCONT)

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.thaw()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the process and its children, as an OOM killer or a lost host would."""
        if self.proc is None:
            return
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Stack:
    def __init__(self, *, workers: int = 2, visibility_timeout: int = 15, chunk_size: int = 200):
        self.tmp = Path(tempfile.mkdtemp(prefix="kam-faults-"))
        self.logs = self.tmp / "logs"
        self.logs.mkdir()
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.pg_data = self.tmp / "pgdata"
        self.pg_socket = self.tmp / "pgsocket"
        self.database_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/kam"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "kam.settings",
            "ENV_FILE": str(self.tmp / "no.env"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CONN_MAX_AGE": "60",
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "NIGHTLY_CHUNK_SIZE": str(chunk_size),
            "API_THROTTLE_USER": "100000/minute",
            "API_THROTTLE_TOKEN": "100000/minute",
            "LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.workers = workers
        self.processes: dict[str, Process] = {}

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> Stack:
        try:
            self._init_postgres()
            self._add(
                "postgres",
                f"{PG_BIN}/postgres -D {self.pg_data} -p {self.pg_port} -k {self.pg_socket} "
                "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60",
                user="postgres",
            )
            self._add("redis", f"redis-server --port {self.redis_port} --bind 127.0.0.1 --appendonly no --daemonize no")
            self.processes["redis"].argv[1:1] = ["--save", ""]
            self.start_postgres()
            self.start_redis()
            self.manage("migrate", "--noinput")
            self.manage("setup_schedule")
            self._add(
                "web",
                f"{BIN}/gunicorn kam.wsgi --bind 127.0.0.1:{self.web_port} --workers {self.workers} --timeout 60 "
                "--no-control-socket",
            )
            self._add(
                "worker",
                f"{BIN}/celery -A kam worker --concurrency 1 --without-gossip --without-mingle "
                f"-n faults{self.web_port}@%h",
            )
            self._add(
                "beat",
                f"{BIN}/celery -A kam beat --schedule {self.tmp}/beat "
                "--scheduler django_celery_beat.schedulers:DatabaseScheduler",
            )
            for name in ("web", "worker", "beat"):
                self.processes[name].start()
            wait_until(lambda: self.get("/healthz").status_code == 200, timeout=60, what="gunicorn")
            wait_until(self.worker_ready, timeout=90, what="the Celery worker")
        except BaseException:
            self.stop()
            raise
        return self

    def _add(self, name: str, command: str, *, user: str | None = None) -> None:
        # Paths here are ours (no spaces): a command line reads better than a list of words.
        self.processes[name] = Process(name, command.split(), env=self.env, log_dir=self.logs, user=user)

    def stop(self) -> None:
        for name in ("beat", "worker", "web", "redis"):
            if name in self.processes:
                self.processes[name].stop()
        if "postgres" in self.processes:
            self.processes["postgres"].stop(signal.SIGINT)  # fast shutdown
        if not os.environ.get("KAM_FAULTS_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _init_postgres(self) -> None:
        record = pwd.getpwnam("postgres")
        for path in (self.pg_data, self.pg_socket):
            path.mkdir()
            os.chown(path, record.pw_uid, record.pw_gid)
        os.chown(self.tmp, record.pw_uid, record.pw_gid)
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.pg_data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],  # fmt: skip
            user=record.pw_uid,
            group=record.pw_gid,
            check=True,
            capture_output=True,
        )

    def start_postgres(self) -> None:
        self.processes["postgres"].start()
        wait_until(self._postgres_answers, timeout=30, what="PostgreSQL")
        subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE kam",
            ],  # fmt: skip
            capture_output=True,
        )  # fails harmlessly once it exists

    def _postgres_answers(self) -> bool:
        return (
            subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-q"], check=False
            ).returncode
            == 0
        )

    def start_redis(self) -> None:
        self.processes["redis"].start()
        wait_until(lambda: self._redis_answers(), timeout=20, what="Redis")

    def _redis_answers(self) -> bool:
        import redis

        return redis.Redis(port=self.redis_port, socket_timeout=0.5).ping()

    def worker_ready(self) -> bool:
        return "ready." in self.processes["worker"].tail(200)

    def restart(self, name: str) -> None:
        self.processes[name].start()

    # --- talking to it --------------------------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], env=self.env, cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str, timeout: float = 120) -> dict:
        """Run Django code in a fresh process against this stack's database; the code sets `out` (JSON-able)."""
        wrapped = f"import json\nout = None\n{code}\nprint('OUT:' + json.dumps(out, default=str))\n"
        stdout = self.manage("shell", "-c", wrapped, timeout=timeout)
        line = next(line for line in stdout.splitlines()[::-1] if line.startswith("OUT:"))
        return json.loads(line[4:])

    def sql(self, query: str) -> str:
        result = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-d",
                "kam",
                "-tAc",
                query,
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=20,
        )
        if result.returncode:
            raise AssertionError(result.stderr)
        return result.stdout.strip()

    def get(self, path: str, *, token: str | None = None, timeout: float = 30, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.get(self.base_url + path, headers=headers, timeout=timeout, allow_redirects=False, **kwargs)

    def post(self, path: str, body: dict, *, token: str | None = None, timeout: float = 30, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(self.base_url + path, json=body, headers=headers, timeout=timeout, **kwargs)

    def token(self, username: str, password: str) -> str:
        response = self.post("/api/v1/auth/token/", {"username": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access"]

    def logs_of(self, name: str) -> str:
        return self.processes[name].log_path.read_text(errors="replace")
