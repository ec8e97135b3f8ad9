"""Grading an LMS quiz report (:mod:`derive.grading.lms_reports`) exactly as
the same answers in JSON: each student's chosen attempt becomes one
submission per variant its questions came from, graded by
:func:`derive.grading.kind_grade.grade_all_kinds`, and the grades are merged
back into one per student.

A student whose slots were drawn from different variants (Moodle's random
question per slot) has each question graded against its own variant's key;
an error carries forward only between questions of one variant (a later
answer is checked against the student's own earlier answer of the same
variant; an earlier answer of another variant's numbers carries nothing).

Formula questions exported as multiple choice
(:func:`derive.variants.choices.formula_choices`) are graded by the option
chosen: the right one earns the points, a wrong one nothing, with its
feedback (and the mistakes it names) as the diagnosis.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Sequence

from derive.grading.answers import Given, Submission
from derive.grading.kind_answers import items_of, submission_parser
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.lms_answers import (EMPTY, choose_attempts, entry_index, fill, lms_number,
                                        shape_of, split_cloze)
from derive.grading.lms_reports import Attempt, read_report
from derive.grading.results import ItemGrade, StudentGrade
from derive.grading.rules import Rules
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.problem.spec import InputError, printable


@dataclass
class Part:
    """The questions of one variant in a student's attempt."""

    variant: str
    seen: list[str] = field(default_factory=list)        # question ids, in the report's order
    answers: dict[str, Any] = field(default_factory=dict)
    empty: dict[str, list[int]] = field(default_factory=dict)  # question -> boxes left empty
    chosen: dict[str, str] = field(default_factory=dict)       # formula question -> option text


@dataclass
class LmsGrade:
    """A student's merged grade, and per variant the submission and grade
    its feedback PDF shows."""

    grade: StudentGrade
    parts: list[tuple[Submission, StudentGrade]]


class _Questions:
    """What the report's responses are checked against: the keys' questions."""

    def __init__(self, keys: Sequence[dict], where: str, source: str = "moodle",
                 figures: int = Rules().figures):
        self.keys = {str(k.get("variant")): k for k in keys}
        self.where = where
        self.source, self.figures = source, figures
        self._scales: dict[str, dict[str, int]] = {}
        first = items_of(keys[0])
        self.choice = {i.id for i in first if i.formula or i.manual}
        self.shapes = {q: shape_of(a) for q, a in keys[0]["answers"].items()
                       if q not in self.choice}

    def number(self, r, text: str | None) -> Any:
        """A response box as the number it stands for: on Canvas, a question
        asked in units of a power of ten (:func:`derive.variants.canvas.question_scale`)
        is scaled back."""
        value = lms_number(text)
        if self.source != "canvas" or not isinstance(value, float):
            return value
        if r.variant not in self._scales:
            from derive.variants.canvas import question_scale
            from derive.variants.exports import numeric_items
            self._scales[r.variant] = {i.id: question_scale(i, self.figures)
                                       for i in numeric_items(self.keys[r.variant])}
        scale = self._scales[r.variant].get(r.qid, 0)
        return float(Decimal(repr(value)).scaleb(scale)) if scale else value

    def check(self, a: Attempt, r) -> None:
        place = f"{self.where}: line {a.line}, column {printable(r.column)[:60]!r}"
        if r.variant not in self.keys:
            known = sorted(self.keys)
            raise InputError("--answers", f"{place}: no key for variant {r.variant!r} (the "
                             f"keys are of {known[0]}{' … ' + known[-1] if len(known) > 1 else ''})")
        if r.qid not in self.keys[r.variant]["questions"]:
            raise InputError("--answers", f"{place}: variant {r.variant} has no question {r.qid}")
        if (r.part or r.entry) and (r.qid in self.choice or
                                    entry_index(self.shapes[r.qid], r.part, r.entry) is None):
            entry = f"{'.' + r.part if r.part else ''}{list(r.entry) if r.entry else ''}"
            raise InputError("--answers", f"{place}: question {r.qid} has no entry {entry}")


def _total(shape) -> int:
    if isinstance(shape, dict):
        return sum(_total(s) for s in shape.values())
    n = 1
    for d in shape:
        n *= d
    return n


def attempt_parts(a: Attempt, questions: _Questions) -> list[Part]:
    """The answers of one attempt, by variant (the variant with the most
    questions first)."""
    parts: dict[str, Part] = {}
    boxes: dict[tuple[str, str], list] = {}
    for r in a.responses:
        questions.check(a, r)
        part = parts.setdefault(r.variant, Part(r.variant))
        if r.qid not in part.seen:
            part.seen.append(r.qid)
        if r.qid in questions.choice:
            if r.text is not None:
                part.chosen[r.qid] = r.text
            continue
        shape = questions.shapes[r.qid]
        if r.part or r.entry:   # Canvas: one question per entry
            box = boxes.setdefault((r.variant, r.qid), [EMPTY] * _total(shape))
            box[entry_index(shape, r.part, r.entry)] = questions.number(r, r.text)
            continue
        if r.text is None:
            continue
        if shape == ():
            part.answers[r.qid] = questions.number(r, r.text)
            continue
        fields = split_cloze(r.text, _total(shape))
        if fields is None:   # not the summary of this question's boxes: unreadable
            part.answers[r.qid] = r.text
            continue
        _put(part, r.qid, [lms_number(f) for f in fields], shape)
    for (variant, qid), values in boxes.items():
        _put(parts[variant], qid, values, questions.shapes[qid])
    return sorted(parts.values(), key=lambda p: (-len(p.seen), p.variant))


def _put(part: Part, qid: str, values: list, shape) -> None:
    value, holes = fill(values, shape)
    if value is not None:
        part.answers[qid] = value
        if holes:
            part.empty[qid] = holes


def _boxes(holes: list[int], total: int) -> str:
    listed = ", ".join(map(str, holes[:-1])) + (" and " if len(holes) > 1 else "") + \
        str(holes[-1])
    return f"box{'es' if len(holes) > 1 else ''} {listed} of {total} left empty"


# --------------------------------------------------------------------------
# Multiple choice


def _shown(text: str) -> str:
    """HTML as the LMS shows it in a report: tags dropped, entities read,
    spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


def plain(text: str) -> str:
    """HTML as the LMS shows it in a report, compared loosely (case ignored)."""
    return _shown(text).casefold()


def choice_grade(text: str, options, points: float) -> ItemGrade:
    """A multiple-choice response graded by the option whose text it is."""
    match = [o for o in options.options if plain(o.html) == plain(text)]
    if not match:
        return ItemGrade("invalid", 0.0, points, given=text,
                         feedback="The response is none of the question's options.")
    if any(o.right for o in match):
        return ItemGrade("correct", float(points), points, given=text)
    from derive.variants.choices import tex_html
    said = _shown(match[0].feedback)
    codes = [match[0].code] if match[0].code else [
        c for c, m in MISTAKE_KINDS.items()   # the diagnoses the exports write
        if plain(tex_html(m.tex)) in plain(said) or plain(m.text) in plain(said)]
    return ItemGrade("wrong", 0.0, points, diagnosis=codes, feedback=said, given=text)


def formula_choices(key: dict) -> dict:
    """The multiple-choice options of a key's formula questions, as the
    exports wrote them (:func:`derive.variants.choices.formula_choices`)."""
    from derive.problem.assignment import load_assignment
    from derive.variants.choices import formula_choices as choices
    return choices(load_assignment(key["assignment"]["name"]), key)


def _choice_items(grade: StudentGrade, part: Part, key: dict, choices: Callable) -> None:
    if not part.chosen:
        return
    try:
        options = choices(key)
    except (NotImplementedError, InputError, KeyError, ValueError, OSError) as e:
        for q in part.chosen:
            grade.items[q] = ItemGrade("manual", 0.0, grade.items[q].max, given=part.chosen[q],
                                       feedback=f"A chosen option, graded by hand (the options "
                                                f"are not available: {printable(str(e))[:80]}; "
                                                "grade with --assignment FILE).")
        return
    for q, text in part.chosen.items():
        if q in options:
            grade.items[q] = choice_grade(text, options[q], grade.items[q].max)


# --------------------------------------------------------------------------
# The report


def grade_report(path: str, source: str, keys: Sequence[dict], rules: Rules = Rules(),
                 rule: str | int = "last", choices: Callable = formula_choices
                 ) -> tuple[list[LmsGrade], list[str]]:
    """Grade every student's chosen attempt of an LMS report; also what was
    left out (attempts in progress, ...)."""
    where = printable(str(path))
    questions = _Questions(keys, where, source, rules.figures)
    attempts, skipped = choose_attempts(read_report(path, source), rule)
    parse = submission_parser(items_of(keys[0]))
    plan, subs, refused = [], [], []
    for index, a in enumerate(attempts):
        try:
            parts = attempt_parts(a, questions)
        except InputError as e:   # this student's row only (say, a variant of another set)
            refused.append(e)
            skipped.append(f"line {a.line} ({printable(a.name)}): not graded: {e.problem}")
            continue
        mine = []
        for part in parts or [Part("")]:
            sub = parse({"student": a.name, "variant": part.variant or None,
                         "answers": part.answers}, index)
            for q, holes in part.empty.items():
                sub.answers[q] = Given(part.answers[q], error=_boxes(
                    holes, _total(questions.shapes[q])))
            if not part.variant:
                sub.error = "no question of the quiz in this attempt"
            mine.append((part, sub))
            subs.append(sub)
        plan.append((a, mine))
    if refused and not plan:   # no row fits the keys: the report or the keys are wrong
        raise refused[0]
    grades = iter(grade_all_kinds(subs, keys, rules))
    out = []
    for a, mine in plan:
        graded = []
        for part, sub in mine:
            g = next(grades)
            if part.variant:
                _choice_items(g, part, questions.keys[part.variant], choices)
            graded.append((part, sub, g))
        out.append(LmsGrade(_merge(a, graded), [(s, _only(g, p)) for p, s, g in graded]
                            if len(graded) > 1 else [(graded[0][1], graded[0][2])]))
    return out, skipped


def _only(g: StudentGrade, part: Part) -> StudentGrade:
    """A mixed student's grade restricted to one variant's questions."""
    return StudentGrade(g.student, g.variant, {q: g.items[q] for q in part.seen}, g.error,
                        list(g.notes), total=sum(g.items[q].max for q in part.seen))


def _merge(a: Attempt, graded: list[tuple[Part, Submission, StudentGrade]]) -> StudentGrade:
    """One grade per student: each question from the variant it was asked in."""
    first = graded[0][2]
    items, notes = {}, list(first.notes)
    for q in first.items:
        source = next((g for p, _, g in graded if q in p.seen), first)
        items[q] = source.items[q]
    variants = [p.variant for p, _, _ in graded]
    if len(graded) > 1:
        asked = "; ".join(f"{p.variant}: {', '.join(p.seen)}" for p, _, _ in graded)
        notes.append(f"questions from {len(graded)} variants ({asked}); an error carries "
                     "forward only within one variant's questions")
        for _, _, g in graded[1:]:
            notes += [n for n in g.notes if n not in notes]
    return StudentGrade(a.name, "+".join(variants) if variants[0] else None, items,
                        first.error, notes, total=first.total, identity=dict(a.identity))
