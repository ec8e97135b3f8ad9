"""Executors: local worker processes and a Dask cluster on loopback run the
same tasks."""

import os
import signal
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from derive.executors import check_jobs, default_jobs, open_executor, worker_pool
from derive.problem.spec import InputError


def square(x):
    return x * x


def test_local_pool_runs_tasks():
    with open_executor("local", 2) as pool:
        assert list(pool.map(square, range(5))) == [0, 1, 4, 9, 16]


@pytest.mark.parametrize("jobs", [0, -1, True, "2"])
def test_bad_jobs(jobs):
    with pytest.raises(InputError, match="--jobs"):
        check_jobs(jobs)


def test_default_jobs_is_the_cores():
    assert default_jobs() >= 1


def test_bad_executor_and_scheduler():
    with pytest.raises(InputError, match="--executor"):
        with open_executor("slurm"):
            pass
    with pytest.raises(InputError, match="--scheduler"):
        with open_executor("dask"):
            pass
    with pytest.raises(InputError, match="--scheduler"):
        with open_executor("local", 1, "tcp://127.0.0.1:1"):
            pass


def test_unreachable_scheduler_is_one_line():
    with pytest.raises(InputError) as e:
        with open_executor("dask", scheduler="tcp://127.0.0.1:9", timeout=1):
            pass
    assert e.value.field == "--scheduler" and "\n" not in str(e.value)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


def test_dask_cluster_runs_tasks(cluster):
    with open_executor("dask", scheduler=cluster.scheduler_address) as pool:
        assert list(pool.map(square, range(5))) == [0, 1, 4, 9, 16]


def _killed_holding_a_folder():
    from derive.files import temp_folder
    with temp_folder("handouts-variant-"):
        os.kill(os.getpid(), signal.SIGKILL)  # no handler, no finally runs


def _failed_keeping_a_log():
    folder = Path(tempfile.mkdtemp(prefix="handouts-variant-"))
    (folder / "solutions.log").write_text("! Undefined control sequence.")
    return str(folder)


def test_a_killed_worker_leaves_no_temp_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(BrokenProcessPool):
        with worker_pool(1) as pool:
            pool.submit(_killed_holding_a_folder).result()
    assert list(tmp_path.iterdir()) == []


def test_a_reported_latex_log_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with worker_pool(1) as pool:
        kept = Path(pool.submit(_failed_keeping_a_log).result())
        assert tmp_path in kept.parents
    assert (kept / "solutions.log").is_file()
