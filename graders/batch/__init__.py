"""Grading a whole class: ``python -m graders batch CLASS_FOLDER --output-dir OUT``.

The unit of work is one function, :func:`graders.batch.task.grade_student` (an entry of the class
folder and the settings in, a :class:`~graders.batch.task.Graded` out): a local pool of threads
(:func:`graders.batch.runner.run_local`) and a Dask cluster (:mod:`graders.batch.cluster`) map it
over the students, and the results are written as they complete.

- :mod:`~graders.batch.entries`: the class folder, every entry a row;
- :mod:`~graders.batch.task`: grading one student in this process's warm sandbox and oracle;
- :mod:`~graders.batch.record`: a student's result as compact data;
- :mod:`~graders.batch.gradebook`: the output folder (``scores.csv`` and the students' files),
  written as students finish, resumable;
- :mod:`~graders.batch.progress`: the progress bar, or plain lines;
- :mod:`~graders.batch.runner`: the run, here or on a cluster;
- :mod:`~graders.batch.stats`, :mod:`~graders.batch.figures`, :mod:`~graders.batch.classreport`:
  the class report;
- :mod:`~graders.batch.similarity`: pairs of submissions whose code is alike (copydetect).
"""


class BatchError(ValueError):
    """A class run cannot be done as asked (the command line reports it in one line)."""
