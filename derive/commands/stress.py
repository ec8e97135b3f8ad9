"""``handouts stress``: run the variant generator over many variants and
report how it fares (like R/exams' ``stresstest_exercise``) and how often the
accepted variants are degenerate."""

from __future__ import annotations

from derive.commands import add_assignment_option, assignment_of
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
                             "the reference handout)")
    p.set_defaults(func=run)


def run(args) -> int:
    from derive.problem.config import load_config
    from derive.variants.stress import stress
    from derive.variants.settings import check_count, check_seed, settings_of
    count = check_count(whole_number("--count")(args.count))
    seed = check_seed(args.seed)
    settings = settings_of(load_config(args.config))
    assignment = assignment_of(args)
    if assignment is not None:
        from derive.variants.stress import stress_assignment
        print(format_assignment_report(stress_assignment(assignment, seed, count, settings)))
        return 0
    print(format_report(stress(seed, count, settings)))
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
            f"({r.seconds / r.count * 1e3:.1f} ms per variant)",
            f"accepted {st.accepted} of {st.examined} candidates examined "
            f"({st.accepted / max(st.examined, 1):.1%})"]


def format_assignment_report(r) -> str:
    """The stress report of an assignment: acceptance, rejections per part
    and constraint (``<part id>.<constraint>``), answer ranges."""
    return "\n".join([f"assignment {r.name}"] + _head(r) + [""] + _constraints(r.stats)
                     + [""] + _ranges(r.ranges))


def format_report(r) -> str:
    from derive.variants.stress import DEGENERACIES
    au = r.audit
    head = _head(r)
    head[0] = head[0][:-1] + f"; audit {r.audit_seconds:.2f} s)"
    lines = head + [""] + _constraints(r.stats)
    lines += ["", f"{'degeneracy':<24}{'rate':>10}  of the {au.variants} accepted variants"]
    for name, rate in au.rates().items():
        lines.append(f"{name:<24}{rate:>10.1%}  {DEGENERACIES[name]}")
    for (code, item), n in sorted(au.unseen.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {code} leaves {item} unchanged in {n / max(au.variants, 1):.1%}")
    for (code, item), n in sorted(au.excused.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  ({code} leaves {item} unchanged in {n / max(au.variants, 1):.1%}, "
                     f"after a changed q12/q13: carried forward, allowed)")
    return "\n".join(lines + [""] + _ranges(r.ranges))
