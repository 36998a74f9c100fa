"""The portal as a platform runs it: honcho starts the Procfile's processes (`release`
once, then `web` and `worker`, each under a honcho of its own so one can be killed and
restarted without the other), with everything configured through the environment.
"""
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.e2e.services import wait_until
from tests.fixtures.services import ROOT, free_port

HONCHO = [sys.executable, "-m", "honcho", "--no-colour", "-d", str(ROOT), "-f", str(ROOT / "Procfile")]


def honcho(task, *args):
    """A honcho command line; `-e /dev/null`: a developer's .env never sneaks into the test."""
    return [*HONCHO, task, "-e", "/dev/null", *args]
# Short retries, so a mail refused during an outage of ten minutes is tried again about
# every minute and still goes once the server takes mail again (sum > the outage).
RETRY_DELAYS = "10,20,30" + ",60" * 20


def _stat(pid):
    """(ppid, pgid) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[2])


def children_of(pid):
    """The pids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_stat(entry.name) or (None,))[0] == pid:
            found.append(int(entry.name))
    return found


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


OURS = ("worker.py", "gunicorn", "wsgi", "honcho", "/bin/sh -c")


def kill_groups(groups):
    """SIGKILL to the processes of these process groups that are the portal's (by their
    command line: a group id could in theory be taken by another process since)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_stat(entry.name) or (0, 0))[1] in groups:
            if any(word in cmdline(entry.name) for word in OURS):
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass


class Portal:
    """One deployment: its environment, its honcho processes and their logs."""

    def __init__(self, root, redis, postgres_url, s3, sink, **env):
        self.root = Path(root)
        self.port = free_port()
        self.secret_key = secrets.token_urlsafe(48)
        self.processes = {}  # name -> Popen of its honcho
        self.groups = {}  # name -> process groups of its command
        (self.root / "uploads").mkdir(parents=True, exist_ok=True)
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("TEST_", "PG", "REDIS_", "MAIL_", "AWS_", "STORAGE_", "PRETEND_"))}
        self.env.update({
            "PORTAL_ENV": "production", "SECRET_KEY": self.secret_key,
            "SESSION_COOKIE_SECURE": "false",  # plain http on loopback
            "DATABASE_URL": postgres_url, "REDIS_URL": redis.url(),
            "STORAGE_URL": f"s3://{s3.bucket}/school", "STORAGE_ENDPOINT_URL": s3.endpoint, **s3.keys,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port), "MAIL_TIMEOUT": "5",
            "MAIL_DEFAULT_SENDER": "Kindcentrum De Schutkampen <noreply@schutkampen.example>",
            "NOTIFY_RETRY_DELAYS": RETRY_DELAYS, "NOTIFY_CLAIM_LEASE": "120",
            "INSTANCE_PATH": str(self.root / "instance"), "UPLOAD_DIR": str(self.root / "uploads"),
            "BCRYPT_ROUNDS": "4", "WEB_CONCURRENCY": "3", "PYTHONUNBUFFERED": "1",
            "GUNICORN_TIMEOUT": "60",
            # The Procfile's commands (gunicorn, flask, python) from this virtualenv.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        })
        self.env.update({key: str(value) for key, value in env.items()})
        self.set_port(self.port)

    def set_port(self, port):
        self.port = port
        self.env.update(PORT=str(port), GUNICORN_BIND=f"127.0.0.1:{port}", PORTAL_URL=f"http://127.0.0.1:{port}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log_path(self, name):
        return self.root / f"{name}.log"

    def run(self, *command, timeout=300, **env):
        """A one-off command in the app's environment (`honcho run`), e.g. the app's CLI;
        its output (it must succeed)."""
        code, output = self.run_status(*command, timeout=timeout, **env)
        assert code == 0, f"{command}: exit {code}\n{output[-5000:]}"
        return output

    def run_status(self, *command, timeout=300, **env):
        """(exit status, stdout + stderr) of a one-off command."""
        result = subprocess.run(honcho("run", *command), cwd=ROOT, env={**self.env, **env},
                                capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout + result.stderr

    def release(self, timeout=300):
        """The Procfile's release phase, as a platform runs it before a deploy goes live."""
        result = subprocess.run(honcho("start", "release"), cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"release failed: {result.stdout[-4000:]}{result.stderr[-2000:]}"
        return result.stdout

    def start(self, name, wait=True, key=None, **env):
        """`honcho start NAME` (web or worker) in a session of its own, known as `key`
        (NAME by default; another key runs a second one, e.g. with another PORT)."""
        kind, name = name, key or name
        log = open(self.log_path(name), "a")
        log.write(f"\n===== honcho start {name} {env or ''} at {time.strftime('%H:%M:%S')}\n")
        log.flush()
        self.processes[name] = subprocess.Popen(
            honcho("start", kind), cwd=ROOT, env={**self.env, **{k: str(v) for k, v in env.items()}},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        # The command's process group, noted at once: a process of it may outlive the
        # command (RQ's scheduler outlives a SIGKILLed worker.py) and leave honcho's tree.
        wait_until(lambda: self.process_groups_of(self.processes[name]), 30, f"honcho starting {name}")
        self.groups[name] = self.process_groups_of(self.processes[name])
        if wait and kind == "web":
            self.wait_web(name, env.get("PORT", self.port))
        if wait and kind == "worker":
            self.wait_worker()
        return self.processes[name]

    def wait_web(self, name="web", port=None, timeout=60):
        def up():
            self.check_alive(name)
            return requests.get(f"http://127.0.0.1:{port or self.port}/ping", timeout=2).status_code == 200
        wait_until(up, timeout, f"{name} (see {self.log_path(name)})")

    def wait_worker(self, timeout=60):
        from redis import Redis
        from rq import Worker

        def up():
            self.check_alive("worker")
            return Worker.all(connection=Redis.from_url(self.env["REDIS_URL"], socket_connect_timeout=1))
        wait_until(up, timeout, f"worker (see {self.log_path('worker')})")

    def check_alive(self, name):
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            raise AssertionError(f"honcho {name} exited ({process and process.returncode}):\n{self.tail(name)}")

    def alive(self, name):
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def stop(self, name, timeout=30):
        """SIGTERM to honcho: it stops its process (warm), then kills what is left."""
        process = self.processes.pop(name, None)
        groups = self.groups.pop(name, set())
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill_group(process)
        kill_groups(groups)  # whatever of it outlived honcho (none, normally)

    def kill(self, name):
        """SIGKILL to every process honcho started for NAME (for the worker: worker.py, its
        work horse, RQ's scheduler and the clock), as when the machine under it dies;
        honcho then exits."""
        process = self.processes.pop(name)
        kill_groups(self.groups.pop(name, set()) | self.process_groups_of(process))
        process.wait(timeout=30)

    @staticmethod
    def process_groups_of(process):
        return {_stat(pid)[1] for pid in descendants(process.pid) if _stat(pid)} - {process.pid}

    def main_pid(self, name, word):
        """The pid of the Procfile command itself (the oldest process running `word`)."""
        pids = [pid for pid in descendants(self.processes[name].pid) if word in cmdline(pid)
                and not cmdline(pid).startswith(("/bin/sh", "sh ")) and "honcho" not in cmdline(pid)]
        return min(pids) if pids else None

    @staticmethod
    def kill_group(process):
        kill_groups(Portal.process_groups_of(process))
        process.kill()
        process.wait(timeout=10)

    def ensure_running(self, *names):
        """web and worker (or `names`) running on the real clock, started if they are not."""
        for name in names or ("web", "worker"):
            if not self.alive(name):
                self.start(name)

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def tail(self, name, chars=4000):
        try:
            return self.log_path(name).read_text()[-chars:]
        except OSError:
            return ""
