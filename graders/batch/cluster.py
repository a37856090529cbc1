"""A class on a Dask cluster: the same per-student function, mapped with ``Client.map``.

``graders batch ROOT --dask tcp://scheduler:8786`` connects to a running cluster
(``dask.distributed``) and maps :func:`~graders.batch.task.grade_student` over the students; the
results come back as they complete (``as_completed``) into the same gradebook as a local run,
identical to it.  Each worker process keeps its own warm workbench (sandbox and oracle), created
on its first student and closed when the worker stops (:class:`WorkbenchPlugin`).

What the workers need: this package installed (the same version), the class folder at the same
path (a shared file system), and the oracle cache shared too (``GRADER_CACHE_DIR`` set to a
shared folder on every worker), so torch's public values are computed once for the cluster.
The course secret stays here: only each student's seed is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from distributed import Client, WorkerPlugin, as_completed

from graders.batch import BatchError
from graders.batch.task import Graded, Settings, Task, close_workbench, failed, grade_student


class WorkbenchPlugin(WorkerPlugin):
    """Closes a worker's workbench (its sandbox and oracle) when the worker stops."""

    name = "dlgrade-workbench"

    def teardown(self, worker: object) -> None:
        close_workbench()


def run_dask(
    tasks: list[Task], settings: Settings, address: str, consume: Callable[[Graded], None]
) -> None:
    """Grade ``tasks`` on the Dask cluster at ``address``; ``consume`` each result here, as it
    completes.  A student whose task is lost (its worker died) is a grader error."""
    try:
        client = Client(address, set_as_default=False, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"--dask {address}: no Dask scheduler answers there ({exc})") from None
    with client:
        client.register_plugin(WorkbenchPlugin(), name=WorkbenchPlugin.name)
        futures = client.map(grade_student, tasks, settings=settings, pure=False)
        by_key = {f.key: task for f, task in zip(futures, tasks, strict=True)}
        try:
            for future in as_completed(futures, loop=client.loop):
                try:
                    graded: Graded = future.result()
                except Exception as exc:
                    graded = failed(by_key[future.key], settings, exc)
                consume(graded)
        finally:
            client.cancel(futures)
