"""bench/loadgen: the benchmarks' load generator and CPU meter (used by bench/journey.py).

Client is a small HTTP/1.1 client on asyncio streams: one connection per virtual user, no
thread per request, so the load generator leaves the two cores to the server. Meter reads
the CPU seconds of gunicorn (master and workers) and of one database's PostgreSQL backends
from /proc, and this process's own from getrusage, so that a benchmark can print CPU per
request and how much of the machine the load generator itself took.

Not a benchmark of its own: nothing to run.
"""
import asyncio
import os
import resource
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
IDLE_SECONDS = 3  # gunicorn keeps an idle connection 5 s (gunicorn.conf.py): reconnect before that


class Client:
    """One virtual user's connection: kept alive when the server keeps it (gthread), a new one
    after `Connection: close` (sync workers) or a pause; a kept one gone stale is retried once."""

    def __init__(self, port):
        self.port, self.reader, self.writer, self.used = port, None, None, 0.0

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=b""):
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "bench-journey", "Accept": "text/html",
                   **({"Content-Length": str(len(body))} if body else {}), **headers}
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        for attempt in range(2):
            fresh = self.writer is None or time.monotonic() - self.used > IDLE_SECONDS
            if fresh:
                self.close()
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(head.encode() + body)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt:
                    raise

    async def _response(self):
        """(status, {header: value}, [Set-Cookie values], body) by Content-Length or until closed."""
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before the status line")
        status, headers, cookies = int(status_line.split()[1]), {}, []
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            cookies.append(value) if name == "set-cookie" else headers.__setitem__(name, value)
        if "chunked" in headers.get("transfer-encoding", ""):
            raise ValueError("chunked answer: the portal's pages come with a Content-Length")
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:
            body, headers["connection"] = await self.reader.read(), "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        self.used = time.monotonic()
        return status, headers, cookies, body


def cpu_of(pid):
    """utime + stime of a process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class Meter:
    """CPU seconds so far of gunicorn (master and workers: the processes whose parent is the
    master, found in /proc, as not every kernel has /proc/<pid>/task/*/children), of this
    database's PostgreSQL backends and of this process (the load generator)."""

    def __init__(self, url, master):
        import psycopg

        self.master, self.pg = master, psycopg.connect(url.replace("+psycopg", ""), autocommit=True)

    def gunicorn(self):
        pids = {self.master}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.master:
                    pids.add(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                pass
        return {pid: cpu_of(pid) for pid in pids}

    def sample(self):
        backends = self.pg.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND backend_type = 'client backend' AND pid <> pg_backend_pid()").fetchall()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return self.gunicorn(), {pid: cpu_of(pid) for (pid,) in backends}, usage.ru_utime + usage.ru_stime


def spent(before, after):
    """(server, postgres, load generator) CPU seconds between two samples."""
    def delta(a, b):
        return sum(seconds - a.get(pid, 0.0) for pid, seconds in b.items())
    return delta(before[0], after[0]), delta(before[1], after[1]), after[2] - before[2]
