"""``python -m graders.platforms``: build an artefact, or run the Gradescope bundle.

* ``gradescope --out dist/gradescope-autograder.zip [--only P] [--hidden-visibility V]``: the
  hidden seed comes from ``$GRADER_COURSE_SECRET`` (one per student) or ``$GRADER_HIDDEN_SEED``;
* ``classroom --out dist/classroom-template [--only P]``;
* ``student-kit --out dist/student-kit.zip``;
* ``gradescope-run --root /autograder``: what the bundle's ``run_autograder`` calls;
* ``gradescope-prefill --root /autograder``: what its ``setup.sh`` calls last (the oracle cache
  filled once for every submission).

A mistake (no secret, a bad option) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from graders.platforms import BuildError, classroom, gradescope, kit

    parser = argparse.ArgumentParser(prog="python -m graders.platforms")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gradescope", help="the Gradescope autograder zip")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--only", action="append", default=None, metavar="PATTERN")
    g.add_argument(
        "--hidden-visibility", default="after_published", choices=gradescope.VISIBILITIES
    )
    c = sub.add_parser("classroom", help="the GitHub Classroom template repository")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--only", action="append", default=None, metavar="PATTERN")
    k = sub.add_parser("student-kit", help="the student kit zip")
    k.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("gradescope-run", help="grade inside Gradescope's container")
    r.add_argument("--root", type=Path, default=Path("/autograder"))
    f = sub.add_parser("gradescope-prefill", help="fill the oracle cache in Gradescope's image")
    f.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    try:
        if args.command == "gradescope-run":
            return gradescope.run(args.root)
        if args.command == "gradescope-prefill":
            print(gradescope.prefill(args.root))
            return 0
        if args.command == "gradescope":
            seed_text = os.environ.get("GRADER_HIDDEN_SEED", "").strip()
            try:
                seed = int(seed_text, 0) if seed_text else None
            except ValueError:
                raise BuildError(f"GRADER_HIDDEN_SEED is not an integer: {seed_text!r}") from None
            conf = gradescope.config(
                hidden_seed=seed,
                course_secret=os.environ.get("GRADER_COURSE_SECRET", "").strip() or None,
                only=args.only,
                hidden_visibility=args.hidden_visibility,
            )
            out = gradescope.build(args.out, conf)
        elif args.command == "classroom":
            out = classroom.build(args.out, args.only)
        else:
            out = kit.build(args.out)
    except (BuildError, OSError, ValueError, KeyError) as exc:
        print(f"graders.platforms: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
