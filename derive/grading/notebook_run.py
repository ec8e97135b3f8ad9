"""``grade --execute``: each submitted notebook run top to bottom in a
sandboxed kernel, so that its outputs are those of a fresh run.

Each notebook is copied into a temporary folder (the kernel's working
folder and HOME) and run with nbclient in a new IPython kernel of this
Python, started through ``unshare``: new user, network, PID and mount
namespaces (no network at all: only a loopback that is down; every process
the notebook starts ends with the kernel, and the kernel ends with the
grader: ``setpriv --pdeathsig``; every top-level folder but the system's and
this Python's hidden, so no key or other notebook is in sight; every file
system read-only but the kernel's folders), with an address-space limit
(``prlimit``).
The kernel talks to the grader over Unix sockets (jupyter_client's ``ipc``
transport), which cross network namespaces. The run stops at a cell's
exception, as Run All does in JupyterLab (the cells that ran are read), and
at a cell that runs past the timeout (shown as its ``TimeoutError``); a
kernel that dies or outputs beyond :data:`MAX_OUTPUT` bytes are that
student's error. Nothing of the student's runs in this process.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from derive.files import temp_folder
from derive.grading.notebook_answers import NotebookError, load_notebook
from derive.problem.spec import InputError

MEMORY = 4 * 2**30          # the kernel's address space (NumPy and its threads fit)
MAX_OUTPUT = 20 * 2**20     # what a run may print and show, in all
STARTUP = 60                # seconds for a kernel to start
_LIVE: set = set()          # the kernels' processes (unshare) running now
_LOCK = threading.Lock()
SANDBOX = ("unshare", "--user", "--map-root-user", "--net", "--pid", "--fork",
           "--kill-child", "--mount", "--propagation", "private", "--")
# run inside the namespaces before the kernel. Hidden: every top-level folder but
# the system's (homes, /tmp, /work, /srv, /mnt, ...: the keys, the other students'
# notebooks), each under an empty tmpfs; kept: the kernel's two folders ($1: its
# working folder, $2: its sockets) and this Python's (the rest of the arguments up
# to --), moved back into place. Then every file system read-only but $1 and $2,
# and a /dev/shm of its own.
MOUNTS = """set -e
work="$1"; sockets="$2"; shift 2
mount -t tmpfs -o size=64m tmpfs /dev/shm
keep=""; i=0
while [ "$1" != "--" ]; do
  mkdir -p "/dev/shm/.keep/$i"; mount --rbind "$1" "/dev/shm/.keep/$i"
  keep="$keep $1"; i=$((i + 1)); shift
done
shift
for t in /*; do
  case "$t" in /usr|/lib|/lib32|/lib64|/libx32|/bin|/sbin|/etc|/dev|/proc|/sys) continue ;; esac
  if [ -d "$t" ] && [ ! -L "$t" ]; then mount -t tmpfs -o size=1m,mode=755 tmpfs "$t"; fi
done
i=0
for k in $keep; do
  mkdir -p "$k"; mount --move "/dev/shm/.keep/$i" "$k"; i=$((i + 1))
done
rmdir /dev/shm/.keep/* /dev/shm/.keep 2>/dev/null || true
mount -o remount,bind,ro /
findmnt -rn -o TARGET | while read -r m; do
  case "$m" in /|/proc|/proc/*|/sys|/sys/*|/dev/shm|"$work"|"$sockets") ;;
  *) mount -o remount,bind,ro "$m" 2>/dev/null || true ;;
  esac
done
cd "$work"
exec "$@"
"""


def _kept(work: Path, sockets: Path) -> list[str]:
    """The folders the kernel sees of this machine's hidden ones: its own two
    and this Python's (the venv, its base installation, their site-packages),
    outermost first, none inside another."""
    import os
    import site
    found = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                            os.path.dirname(os.path.realpath(sys.executable)),
                                            *site.getsitepackages()) if os.path.isdir(p)}
    found |= {str(work), str(sockets)}
    out: list[str] = []
    for p in sorted(found, key=lambda p: (p.count("/"), p)):
        if not any(p == k or p.startswith(k.rstrip("/") + "/") for k in out) and " " not in p:
            out.append(p)
    return out


def _confined(prefix: list[str], work: Path, sockets: Path) -> list[str]:
    """``prefix`` and the mounts that leave only ``work`` and ``sockets``
    writable and the rest of the machine's own folders out of sight."""
    return [*prefix, "sh", "-c", MOUNTS, "sh", str(work), str(sockets),
            *_kept(work, sockets), "--"]


def sandbox() -> list[str]:
    """The command prefix that starts a kernel without network, checked to
    work here; an :class:`InputError` (``--execute``) when it cannot."""
    try:
        import ipykernel  # noqa: F401  (the kernel's, run by this Python)
        import nbclient  # noqa: F401
    except ImportError:
        raise InputError("--execute", "needs nbclient and ipykernel: pip install "
                         "'handouts[notebooks]' (make setup installs them); nothing was run") \
            from None
    tools = [shutil.which("setpriv"), shutil.which("prlimit"), shutil.which("unshare")]
    if not all(tools):
        raise InputError("--execute", "needs setpriv, prlimit and unshare (util-linux) to run "
                         "notebooks without network; not found, so nothing was run")
    prefix = [tools[0], "--pdeathsig", "KILL", "--", tools[1], f"--as={MEMORY}", "--",
              tools[2], *SANDBOX[1:]]
    try:
        with temp_folder(prefix="handouts-check-") as here:
            (here / "work").mkdir()
            (here / "hidden").write_text("x")
            probe = (f"import os\nassert not os.path.exists({str(here / 'hidden')!r}), "
                     "'the files beside it are in sight'\nopen('/x', 'w')")
            done = subprocess.run([*_confined(prefix, here / "work", here / "work"),
                                   sys.executable, "-c", probe], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        done = subprocess.CompletedProcess([], 0, b"", str(e).encode())
    if b"Read-only file system" not in done.stderr or b"AssertionError" in done.stderr:
        why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise InputError("--execute", f"cannot make a namespace without network, with "
                         f"read-only files and the machine's folders hidden here ({why[0][:120]}); refusing to run students' "
                         "code without them")
    return prefix


def _kernel_manager(prefix: list[str], folder: Path, work: Path):
    """A kernel manager whose kernel is this Python's ipykernel behind
    ``prefix``, on Unix sockets in ``folder`` (and its connection file),
    writing only there and in ``work``."""
    from jupyter_client.manager import AsyncKernelManager

    class Sandboxed(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return [*_confined(prefix, work, folder), sys.executable, "-m",
                    "ipykernel_launcher", "-f", self.connection_file]

    return Sandboxed(kernel_name="python3", transport="ipc", ip=str(folder / "ipc"),
                     connection_file=str(folder / "kernel.json"))


def _client_class():
    from nbclient import NotebookClient

    class Bounded(NotebookClient):
        """A client that stops keeping outputs beyond :data:`MAX_OUTPUT`."""

        shown = 0

        def output(self, outs, msg, display_id, cell_index):
            self.shown += len(json.dumps(msg.get("content", {}), default=str))
            if self.shown > MAX_OUTPUT:
                raise NotebookError(f"the notebook's outputs exceed "
                                    f"{MAX_OUTPUT // 2**20} MB when run")
            return super().output(outs, msg, display_id, cell_index)

    return Bounded


def _environment(work: Path) -> dict[str, str]:
    """What the kernel sees: its folder as HOME and for temporary files, one
    thread per numeric library, nothing of the grader's environment."""
    import os
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work),
            "TMPDIR": str(work), "IPYTHONDIR": str(work / ".ipython"),
            "MPLCONFIGDIR": str(work / ".matplotlib"), "MPLBACKEND": "Agg",
            "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


async def _run(nb, prefix: list[str], folder: Path, work: Path, timeout: float) -> None:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    current: dict = {}

    def started(cell, cell_index):
        current.update(id=cell.get("id") or f"number {cell_index + 1}", cell=cell)
    km = _kernel_manager(prefix, folder, work)

    def running(notebook):
        with _LOCK:
            _LIVE.add(km.provisioner.process)
    client = _client_class()(nb, km=km, timeout=timeout, startup_timeout=STARTUP,
                             allow_errors=False, interrupt_on_timeout=False,
                             record_timing=False, kernel_name="python3",
                             shutdown_kernel="immediate",
                             resources={"metadata": {"path": str(work)}},
                             on_cell_start=started, on_notebook_start=running)
    try:
        await client.async_execute(cleanup_kc=True, cwd=str(work), env=_environment(work))
    except CellExecutionError:
        pass   # a student's exception: Run All stops there, as JupyterLab's does
    except CellTimeoutError:   # the run stops there, as at an exception: what ran is read
        from nbformat.v4 import new_output
        current["cell"].setdefault("outputs", []).append(new_output(
            "error", ename="TimeoutError", traceback=[],
            evalue=f"ran longer than {timeout:g} s (the timeout per cell) when run"))
    except DeadKernelError:
        raise NotebookError(f"the kernel died in cell {current.get('id')} (out of memory, "
                            "or the notebook ended it) when the notebook was run") from None
    except RuntimeError as e:   # the kernel did not start or answer
        raise NotebookError(f"the notebook could not be run ({str(e)[:120]})") from None
    finally:
        with _LOCK:
            _LIVE.discard(getattr(km.provisioner, "process", None))
        if km.has_kernel:   # nbclient shuts it down; this when it could not
            await km.shutdown_kernel(now=True)


def execute(path: str | Path, prefix: list[str], timeout: float) -> dict:
    """The notebook at ``path`` after a run in the sandbox (its outputs
    replaced by the run's); :class:`NotebookError` when it cannot be run."""
    import nbformat
    from nbformat.v4.rwbase import rejoin_lines
    nb = load_notebook(path)
    try:
        node = rejoin_lines(nbformat.from_dict(nb))
        for cell in node.cells:
            if cell.get("cell_type") == "code":
                cell.outputs, cell.execution_count = [], None
    except (AttributeError, TypeError, KeyError) as e:
        raise NotebookError(f"not a notebook Jupyter can run ({e.__class__.__name__})") from None
    with ExitStack() as stack:
        folder = stack.enter_context(temp_folder(prefix="handouts-run-"))
        # a Unix socket's path has at most 107 bytes: under /tmp when TMPDIR is deep
        sockets = folder if len(str(folder)) <= 80 else \
            stack.enter_context(temp_folder(prefix="handouts-ipc-", dir="/tmp"))
        work = folder / "work"
        work.mkdir()
        shutil.copyfile(path, work / Path(path).name)
        asyncio.run(_run(node, prefix, sockets, work, timeout))
    return node


def execute_all(paths: list[Path], timeout: float, jobs: int = 1) -> list[dict | str]:
    """Each notebook run (:func:`execute`) or why it could not be, in the
    order given; ``jobs`` at once."""
    prefix = sandbox()

    def one(path):
        try:
            return execute(path, prefix, timeout)
        except NotebookError as e:
            return str(e)
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(paths))))
    try:
        return list(pool.map(one, paths))
    except BaseException:   # Ctrl-C, SIGTERM: the kernels running are killed, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
        with _LOCK:
            for process in _LIVE:
                process.kill()   # unshare: its namespace's processes die with it
        raise
    finally:
        pool.shutdown()
