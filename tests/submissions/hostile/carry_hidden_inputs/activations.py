"""Hostile: carry the hidden cases' inputs into the public results.  Every call remembers its
input (in memory, and in a file in every writable place: /tmp, /var/tmp, /dev/shm, /run/lock,
its scratch and working directories, $HOME), prints what it remembers of other calls (at the
Python level and by os.write) and raises with it, the latest first.  Were a public case to run
after a hidden one in the same child, or to find a file a hidden case's child left, the hidden
inputs would be in the public feedback, which a student sees at once (on Gradescope the hidden
cases' feedback waits until the grades are published), and answers for them could be written in
for the next submission (a student's hidden seed stays the same).  Score 0 (it always raises); a
test grades it with hidden cases and finds no hidden input in any public result.
"""

import os
import tempfile

import numpy as np

SEEN = []
PLACES = sorted(
    {
        "/tmp",
        "/var/tmp",
        "/dev/shm",
        "/run/lock",
        os.getcwd(),
        tempfile.gettempdir(),
        os.path.expanduser("~"),
    }
)


def _tag(x):
    x = np.asarray(x)
    shape = str(x.shape).replace(" ", "")
    return f"<{shape}:{float(x.ravel()[0])!r}>" if x.size else f"<{shape}>"


def _remembered(tag):
    found = list(SEEN)
    for place in PLACES:
        path = os.path.join(place, ".remembered")
        try:
            with open(path) as f:
                found += f.read().split()
        except OSError:
            pass
        try:
            with open(path, "a") as f:
                f.write(tag + "\n")
        except OSError:
            pass
    SEEN.append(tag)
    return [t for t in dict.fromkeys(reversed(found)) if t != tag]


def sigmoid(x, *args, **kwargs):
    tag = _tag(x)
    text = " ".join(_remembered(tag))
    print("remembered", text)
    os.write(1, f"remembered {text}\n".encode())
    raise RuntimeError(f"now {tag} remembered {text}")


tanh = relu = sigmoid
