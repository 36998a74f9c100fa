"""The services of the end-to-end suite, each a real server of its own on a free loopback
port, started and stopped by the test (never the machine's 5432/6379, which other work
uses): redis-server and a PostgreSQL cluster (tests/fixtures/servers.py, pg_cluster.py),
moto's S3 server behind a TCP relay (so the store can be "down" without losing what it
holds), an SMTP sink that can refuse for a while, and nginx in front of web processes.
"""
import asyncio
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from tests.fixtures.mail import SMTPSink
from tests.fixtures.pg_cluster import PgCluster  # noqa: F401  (the suite's cluster, re-exported)
from tests.fixtures.s3 import KEYS, MotoServer
from tests.fixtures.servers import RedisServer  # noqa: F401  (the suite's Redis, re-exported)
from tests.fixtures.services import free_port, require_service


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except AssertionError:
            raise  # the check knows it is over (a process that exited)
        except Exception:  # noqa: BLE001 — not up yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s in vain for: {what}")


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class TcpRelay:
    """A TCP relay on its own port in front of a server: `down()` closes the port and every
    open connection (clients see "connection refused", as with a server that is down),
    `up()` opens it again. What the server holds survives."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.listener = None
        self.connections = set()
        self.closed = True
        self.lock = threading.Lock()

    def up(self):
        with self.lock:
            self.closed = False
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        listener, self.listener = self.listener, None
        with self.lock:
            self.closed = True  # a connection being accepted right now is closed too (_accept)
            connections, self.connections = self.connections, set()
        if listener:
            listener.close()
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
                if self.closed:
                    client.close()
                    upstream.close()
                    continue
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
    """moto's standalone S3 server (tests/fixtures/s3.py), reached over HTTP through boto3
    like any S3-compatible store, behind a TcpRelay the test can take down."""

    bucket = "ouderportaal-e2e"
    keys = {**KEYS, "AWS_DEFAULT_REGION": KEYS["AWS_REGION"]}

    def __init__(self, root):
        self.moto = MotoServer(Path(root) / "moto.log")
        self.relay = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.relay.port}"

    def start(self):
        self.moto.start()
        self.relay = TcpRelay(self.moto.port)
        self.relay.up()
        self.create_bucket(self.bucket)

    def client(self):
        return self.moto.client()

    def create_bucket(self, name):
        self.client().create_bucket(Bucket=name)

    def objects(self, bucket=None, prefix=""):
        """{key: size} of what the bucket holds (asked past the relay, so also while 'down')."""
        found = {}
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket or self.bucket,
                                                                            Prefix=prefix):
            found.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
        return found

    def stop(self):
        if self.relay:
            self.relay.down()
        self.moto.stop()


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
