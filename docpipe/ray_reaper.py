"""The embedded Ray a run starts does not outlive its driver, even under kill -9 (Linux).

What Ray does on its own (2.60): the processes `ray.init` starts itself (GCS, raylet, monitor,
log monitor, dashboard) die with the driver through PR_SET_PDEATHSIG, and Ray's reaper process is
therefore not started; the workers exit once the raylet is gone; but the raylet's agents
(DashboardAgent, RuntimeEnvAgent) first report the raylet's death to the dead GCS with a fixed
60 s timeout and linger that long, or longer on a busy machine. So docpipe finds every process of
its embedded Ray in two ways: the owner token DOCPIPE_RAY_OWNER (driver pid, kernel start time,
random part) that the driver puts in its environment while `ray.init` starts the GCS and raylet,
and that every Ray process inherits (workers and their own subprocesses too); and an open file
under the Ray session directory (Ray sends every process's output to its logs there: the agents'
environment is overwritten by their process title). Then:

- a watchdog (this file run as a script, in its own session so a signal to the driver's process
  group does not reach it) waits for the driver to go away (its pipe closes or the watchdog is
  reparented) and SIGKILLs what is left of that Ray;
- the driver records token and session directory in OUT/_lock; the next run on the output reads
  them (the lock's previous holder) and, if that driver is dead, kills what is left (for when the
  watchdog was killed too), saying so in one notice.

Only processes carrying this driver's token or writing to its session directory are touched: a
joined cluster (--ray-address) and another run's embedded Ray carry another token and session.
Stdlib only: the watchdog imports nothing else.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import sys
import time

OWNER_ENV = "DOCPIPE_RAY_OWNER"
_PROC = "/proc"
_REAP_ROUNDS = 20  # a process forked while the first kills land is caught by a later round
_ROUND_PAUSE_S = 0.1


def supported() -> bool:
    """Whether processes can be marked and found again (Linux /proc)."""
    return sys.platform.startswith("linux") and os.path.isdir(_PROC)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (with the pid, a unique name), or None."""
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # Field 2 (the command) may hold spaces and parentheses: count fields after its last ')'.
    fields = stat[stat.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else None


def new_token() -> str:
    """A token naming this process as the owner of the Ray it is about to start: pid.ticks.random."""
    return f"{os.getpid()}.{_start_ticks(os.getpid())}.{secrets.token_hex(4)}"


def _owner_alive(token: str) -> bool:
    pid, _, rest = token.partition(".")
    ticks = rest.partition(".")[0]
    return pid.isdigit() and _start_ticks(int(pid)) == ticks


def _tokens_of(pid: int) -> list[str]:
    """The owner tokens in a process's environment (none when unreadable or gone)."""
    try:
        with open(f"{_PROC}/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return []
    # Read the raw block: Ray's agents rewrite their title over it, which leaves the entries intact
    # but no longer parseable as a whole.
    key = OWNER_ENV.encode() + b"="
    found, start = [], raw.find(key)
    while start >= 0:
        end = raw.find(b"\0", start)
        found.append(raw[start + len(key):end if end >= 0 else len(raw)].decode(errors="replace"))
        start = raw.find(key, start + 1)
    return found


def _ray_titled(pid: int) -> bool:
    """Whether the process titles itself as Ray's ("ray::DashboardAgent", "ray::IDLE", ...)."""
    try:
        with open(f"{_PROC}/{pid}/cmdline", "rb") as f:
            return f.read(5) == b"ray::"
    except OSError:
        return False


def _open_under(pid: int, prefix: str) -> bool:
    """Whether the process has a file open under the directory `prefix` (ending with '/')."""
    try:
        fds = os.listdir(f"{_PROC}/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"{_PROC}/{pid}/fd/{fd}").startswith(prefix):
                return True
        except OSError:
            continue
    return False


def ray_processes(token: str, session_dir: str | None) -> list[int]:
    """Pids of the Ray `token`'s owner started: those carrying the token in their environment, and
    Ray's titled processes with a file open in its Ray session directory (their logs: the agents'
    environment is overwritten by their title; someone's `tail -f` of a log is not Ray's). Never
    this process nor the owner itself."""
    spare = {os.getpid()}
    owner = token.partition(".")[0]
    if owner.isdigit():
        spare.add(int(owner))
    prefix = os.path.join(session_dir, "") if session_dir else None
    try:
        names = os.listdir(_PROC)
    except OSError:
        return []
    out = []
    for name in names:
        if not name.isdigit() or int(name) in spare:
            continue
        pid = int(name)
        if token in _tokens_of(pid) or (prefix is not None and _ray_titled(pid) and _open_under(pid, prefix)):
            out.append(pid)
    return out


def reap(token: str, session_dir: str | None) -> int:
    """SIGKILL every process of the Ray `token`'s owner started (ray_processes), round after round
    until none is left; returns how many were killed."""
    killed: set[int] = set()
    for _ in range(_REAP_ROUNDS):
        pids = ray_processes(token, session_dir)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        time.sleep(_ROUND_PAUSE_S)
    return len(killed)


def reap_dead_holder(holder: dict[str, object], host: str) -> int:
    """Kill the Ray processes a dead driver left running, as recorded in a lock's previous `holder`
    (host, ray_owner token, ray_session directory); 0 when it ran elsewhere or is still alive."""
    token, session = holder.get("ray_owner"), holder.get("ray_session")
    if not supported() or holder.get("host") != host or not isinstance(token, str) or _owner_alive(token):
        return 0
    return reap(token, session if isinstance(session, str) and session else None)


class Watchdog:
    """The watchdog process of one embedded Ray (start it before `ray.init`, close it after shutdown)."""

    def __init__(self, token: str) -> None:
        self.token = token
        read_end, write_end = os.pipe()
        env = {k: v for k, v in os.environ.items() if k != OWNER_ENV}
        try:
            # -I -S: stdlib only, no site packages, nothing from the environment's PYTHON* settings.
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", os.path.abspath(__file__), token, str(os.getpid())],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True, close_fds=True)
        finally:
            os.close(read_end)
        self._pipe = write_end  # not inheritable: only this process holds it

    def session(self, session_dir: str) -> None:
        """Tell the watchdog the Ray session directory (known once `ray.init` has returned)."""
        if self._pipe is not None:
            os.write(self._pipe, session_dir.encode() + b"\n")

    def close(self, wait_s: float = 10.0) -> None:
        """Tell the watchdog the driver is done: it kills any straggler of this Ray and exits."""
        if self._pipe is None:
            return
        os.close(self._pipe)
        self._pipe = None
        try:
            self._proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            pass


def _watch(token: str, driver: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    stdin, received = sys.stdin.fileno(), b""
    while os.getppid() == driver:  # reparented: the driver is gone even if its pipe lives on in a fork
        ready, _, _ = select.select([stdin], [], [], 0.5)
        if ready:
            chunk = os.read(stdin, 4096)
            if not chunk:
                break  # the driver closed the pipe (done) or died
            received += chunk
    lines = [line for line in received.decode(errors="replace").splitlines() if line]
    reap(token, lines[-1] if lines else None)


if __name__ == "__main__":
    _watch(sys.argv[1], int(sys.argv[2]))
