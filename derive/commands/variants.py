"""``handouts variants``: a seeded set of variant problem sheets, worked
solutions and answer keys, with print and learning-platform exports."""

from __future__ import annotations

import sys

from derive.commands import add_assignment_option, assignment_of
from derive.problem.spec import InputError


def whole_number(field: str):
    """A parser for a whole-number option that names ``field`` when it fails."""
    def parse(text: str) -> int:
        try:
            return int(text, 10)
        except ValueError:
            raise InputError(field, f"expected a whole number, got {text!r}") from None
    return parse


def _jobs(text: str) -> int:
    from derive.executors import check_jobs
    return check_jobs(whole_number("--jobs")(text))


def register(sub) -> None:
    p = sub.add_parser("variants", help="build a seeded set of variant problem sets "
                       "with worked solutions, answer keys and exports")
    p.add_argument("--count", required=True, metavar="N", help="how many variants")
    p.add_argument("--seed", required=True, metavar="S",
                   help="the seed (a whole number >= 0); variant k depends only on (S, k)")
    p.add_argument("--config", metavar="FILE", help="course config (TOML) with a "
                   "[variants] table for ranges and constraints")
    add_assignment_option(p, "variants of it, drawn from its grids (default: the reference "
                             "assignment)")
    p.add_argument("--out", metavar="DIR", help="output folder (default reports/variants/s<seed>; "
                   "another assignment's reports/variants/<name>/s<seed>)")
    p.add_argument("--jobs", metavar="J", help="worker processes (default: the number of cores)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where documents are compiled (default local worker processes)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, with --executor dask (tcp://host:8786)")
    p.add_argument("--check", action="store_true",
                   help="report damaged or missing files of the set without building "
                        "(exit status 1 when damaged, 0 when whole)")
    p.set_defaults(func=run, pipeline=("derive.variants.build_set",))


# variant ids (s<seed>-<k>) name folders, and a file name has at most 255 bytes
MAX_SEED_DIGITS = 40


def recipe_of(args):
    """The recipe of ``--assignment`` (default: the reference assignment)
    under ``--config``."""
    from derive.problem.assignment import load_assignment
    from derive.problem.config import load_config
    from derive.notebooks.build import VariantNotebooks
    from derive.variants.recipes import AssignmentRecipe
    assignment = assignment_of(args) or load_assignment("reference")
    return AssignmentRecipe.of(assignment, load_config(args.config), VariantNotebooks())


def run(args) -> int:
    from derive.variants.build_set import BuildFailed, build_set, check_set
    from derive.variants.settings import check_count, check_seed
    count = check_count(whole_number("--count")(args.count))
    seed = check_seed(args.seed)
    if len(str(seed)) > MAX_SEED_DIGITS:
        raise InputError("--seed", f"at most {MAX_SEED_DIGITS} digits (variant ids "
                         "name folders)")
    jobs = _jobs(args.jobs) if args.jobs is not None else None
    recipe = recipe_of(args)
    if args.check:
        damage = check_set(count, seed, args.out, default=recipe.default_out(seed))
        for line in damage:
            print(line)
        print(f"{len(damage)} damaged or missing" if damage else f"whole: {count} variants")
        return 1 if damage else 0
    try:
        report = build_set(count, seed, recipe.config, args.out, jobs=jobs, executor=args.executor,
                           scheduler=args.scheduler, recipe=recipe)
    except BuildFailed as e:
        print(f"handouts: error: {e}", file=sys.stderr)
        return 1
    print(f"{report.out}: {count} variants ({len(report.built)} built, "
          f"{len(report.skipped)} unchanged) in {report.seconds:.1f} s")
    return 0
