"""A class on a Dask cluster (``graders batch --dask ADDRESS``): a ``LocalCluster`` of worker
processes runs the same per-student function and gives the same gradebook as a local run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_batch import grade_class, make_class, records, settings

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> object:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.mark.slow  # (a LocalCluster started, the class graded twice: about 16 s)
def test_a_dask_cluster_grades_the_same_as_here(cluster: object, tmp_path: Path) -> None:
    root = tmp_path / "class"
    make_class(root)
    here, there = tmp_path / "here", tmp_path / "there"
    grade_class(root, here, jobs=2, settings=settings())
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    grade_class(root, there, jobs=2, dask=address, settings=settings(parallel=None))
    assert (there / "scores.csv").read_text() == (here / "scores.csv").read_text()
    assert records(there) == records(here)
    assert (there / "class-report.html").is_file()
    # the worker kept its workbench warm between students (one sandbox, one oracle)
    with distributed.Client(address) as client:
        alive = client.run(lambda: __import__("graders.batch.task").batch.task._BENCH is not None)
    assert all(alive.values())
