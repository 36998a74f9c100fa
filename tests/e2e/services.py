"""The services of the end-to-end suite, each a real server of its own on a free loopback
port, started and stopped by the test (never the machine's 5432/6379, which other work
uses): redis-server, a PostgreSQL cluster (initdb), moto's S3 server behind a TCP relay
(so the store can be "down" without losing what it holds), and an SMTP sink that can
refuse for a while.
"""
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.fixtures.mail import SMTPSink
from tests.fixtures.services import free_port, require_service

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 — not up yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s in vain for: {what}")


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """A redis-server without persistence: stopping it loses what it held, as a restarted
    platform Redis without persistence would (no mail may depend on what was queued)."""

    def __init__(self, root):
        if not shutil.which("redis-server"):
            require_service("redis-server is not installed (scripts/ensure-test-services.sh)")
        self.port = free_port()
        self.dir = Path(root) / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        log = open(self.dir / "redis.log", "a")
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        from redis import Redis

        wait_until(lambda: Redis.from_url(self.url, socket_connect_timeout=0.5).ping(), 15, "redis-server")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # with --save "": nothing is written
            self.process.wait(timeout=15)
        self.process = None


class PostgresCluster:
    """A cluster of its own (initdb), run as the postgres user when the tests run as root
    (postgres refuses to run as root)."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            require_service(f"PostgreSQL server binaries are not in {PG_BIN}")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="e2e-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.started = False

    def _run(self, *args, check=True, timeout=120):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd=self.root, check=check, capture_output=True, text=True, timeout=timeout)

    def url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n")

    def start(self):
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)
        self.started = False

    def restart(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60", "restart")

    def create_database(self, name):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def destroy(self):
        if self.started:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class TcpRelay:
    """A TCP relay on its own port in front of a server: `down()` closes the port and every
    open connection (clients see "connection refused", as with a server that is down),
    `up()` opens it again. What the server holds survives."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.listener = None
        self.connections = set()
        self.lock = threading.Lock()

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        listener, self.listener = self.listener, None
        if listener:
            listener.close()
        with self.lock:
            connections, self.connections = self.connections, set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self.lock:
                self.connections.discard(source)
                self.connections.discard(sink)


class S3Server:
    """moto's standalone S3 server (`python -m moto.server`), reached over HTTP through
    boto3 like any S3-compatible store, behind a TcpRelay the test can take down."""

    bucket = "ouderportaal-e2e"
    keys = {"AWS_ACCESS_KEY_ID": "e2e-key", "AWS_SECRET_ACCESS_KEY": "e2e-secret", "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1"}

    def __init__(self, root):
        self.server_port = free_port()
        self.relay = TcpRelay(self.server_port)
        self.log = Path(root) / "moto.log"
        self.process = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.relay.port}"

    def start(self):
        try:
            import moto.server  # noqa: F401
        except ImportError:
            require_service("moto[server] is not installed (requirements-dev.txt)")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.server_port)],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: port_open(self.server_port), 30, "moto's S3 server")
        self.relay.up()
        self.client().create_bucket(Bucket=self.bucket,
                                    CreateBucketConfiguration={"LocationConstraint": self.keys["AWS_REGION"]})

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.keys["AWS_REGION"],
                            aws_access_key_id=self.keys["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.keys["AWS_SECRET_ACCESS_KEY"])

    def objects(self, bucket=None, prefix=""):
        """{key: size} of what the bucket holds (read past the relay, so also while 'down')."""
        import boto3

        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.server_port}",
                              region_name=self.keys["AWS_REGION"], aws_access_key_id="x", aws_secret_access_key="x")
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket or self.bucket, Prefix=prefix):
            found.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
        return found

    def stop(self):
        self.relay.down()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


class E2ESink(SMTPSink):
    """The suite's SMTP sink (tests/fixtures/mail.py) that can refuse for a while: with
    `refusing` set every recipient gets a 451 (a temporary failure: a good sender retries),
    and each refused attempt is counted. `delay` slows every DATA down (a batch then takes
    long enough to kill a worker in the middle of it)."""

    def __init__(self):
        super().__init__()
        self.refusing = False
        self.deferred = []  # recipients refused with 451 while refusing
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            with self._lock:
                self.deferred.append(address.lower())
            return "451 4.3.2 De server neemt tijdelijk geen mail aan"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    def received(self):
        """(recipient, subject) of every mail received, in order."""
        with self._lock:
            return [(to.lower(), str(m["message"]["Subject"])) for m in self.messages for to in m["to"]]


class Nginx:
    """Debian's nginx on a loopback port in front of web processes (an upstream of all of
    them, round robin), as production has a reverse proxy; each answer says which web
    process served it (X-Upstream)."""

    def __init__(self, root, upstream_ports):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(self.binary).exists():
            require_service("nginx is not installed (scripts/ensure-test-services.sh installs it)")
        self.port = free_port()
        self.dir = Path(root) / f"nginx-{self.port}"
        self.dir.mkdir(parents=True)
        self.dir.chmod(0o777)  # its worker processes run as nobody when the tests run as root
        servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstream_ports)
        temp = "".join(f"  {name}_temp_path {self.dir}/{name};\n"
                       for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(
            f"pid {self.dir}/nginx.pid;\nerror_log {self.dir}/error.log;\nworker_processes 1;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n  access_log {self.dir}/access.log;\n{temp}"
            f"  upstream portal {{\n{servers}  }}\n"
            f"  server {{\n    listen 127.0.0.1:{self.port};\n    client_max_body_size 200m;\n"
            "    location / {\n      proxy_pass http://portal;\n      proxy_set_header Host $http_host;\n"
            "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "      proxy_set_header X-Forwarded-Proto $scheme;\n"
            "      proxy_set_header X-Forwarded-Host $http_host;\n"
            "      add_header X-Upstream $upstream_addr always;\n    }\n  }\n}\n")
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"],
            stdout=open(self.dir / "stdout.log", "a"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self.process.poll() is None and port_open(self.port), 20,
                   f"nginx ({(self.dir / 'error.log')})")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
