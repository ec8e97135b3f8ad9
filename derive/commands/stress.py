"""``handouts stress``: run the variant generator over many variants and
report how it fares (like R/exams' ``stresstest_exercise``) and how often the
accepted variants are degenerate."""

from __future__ import annotations

from derive.commands import add_assignment_option
from derive.commands.variants import whole_number


def register(sub) -> None:
    p = sub.add_parser("stress", help="stress-test the variant generator: acceptance, "
                       "rejections per constraint, degeneracies of the accepted "
                       "variants, answer ranges, time per variant")
    p.add_argument("--count", default="1000", metavar="N",
                   help="how many variants to generate (default 1000)")
    p.add_argument("--seed", default="1", metavar="S", help="the seed (default 1)")
    p.add_argument("--config", metavar="FILE", help="course config with a [variants] table")
    add_assignment_option(p, "acceptance per part and constraint of its variants (default: "
                             "the reference assignment)")
    p.set_defaults(func=run, pipeline=("derive.variants.stress",))


def run(args) -> int:
    from derive.commands.variants import recipe_of
    from derive.variants.settings import check_count, check_seed
    from derive.variants.stress import stress_assignment
    count = check_count(whole_number("--count")(args.count))
    seed = check_seed(args.seed)
    recipe = recipe_of(args)
    print(format_assignment_report(stress_assignment(recipe.assignment, seed, count,
                                                     recipe.settings)))
    return 0


def _constraints(st) -> list[str]:
    w = max([24] + [len(n) + 2 for n in st.checked])
    lines = [f"{'constraint':<{w}}{'rejected':>10}{'of checked':>12}"]
    for name in st.checked:
        checked = st.checked[name]
        lines.append(f"{name:<{w}}{st.rejected[name] / max(checked, 1):>10.1%}{checked:>12}")
    return lines


def _ranges(ranges) -> list[str]:
    lines = [f"{'answer':<12}{'min':>12}{'max':>12}"]
    for item, (lo, hi) in ranges.items():
        lines.append(f"{item:<12}{lo:>12.4g}{hi:>12.4g}")
    return lines


def _head(r) -> list[str]:
    st = r.stats
    return [f"{r.count} variants of seed {r.seed} in {r.seconds:.2f} s "
            f"({r.seconds / r.count * 1e3:.1f} ms per variant; audit {r.audit_seconds:.2f} s)",
            f"accepted {st.accepted} of {st.examined} candidates examined "
            f"({st.accepted / max(st.examined, 1):.1%})"]


def _audit(au) -> list[str]:
    from derive.variants.audit import DEGENERACIES
    lines = [f"{'degeneracy':<24}{'rate':>10}  of the {au.variants} accepted variants"]
    for name, rate in au.rates().items():
        lines.append(f"{name:<24}{rate:>10.1%}  {DEGENERACIES[name]}")
    for (code, qid), n in sorted(au.unseen.items(), key=lambda kv: (-kv[1], kv[0])):
        where = f"leaves {qid} looking right" if qid else "shows in no answer"
        lines.append(f"  {code} {where} in {n / max(au.variants, 1):.1%}")
    return lines


def format_assignment_report(r) -> str:
    """The stress report of an assignment: acceptance, rejections per part
    and constraint (``<part id>.<constraint>``), the audit of the accepted
    variants, answer ranges."""
    return "\n".join([f"assignment {r.name}"] + _head(r) + [""] + _constraints(r.stats)
                     + [""] + _audit(r.audit) + [""] + _ranges(r.ranges))
