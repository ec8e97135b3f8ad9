"""The formula questions of a variant (activation, derivative, loss, Jacobian,
gradient formula) as multiple choice for an LMS: the key's formula and the
forms the library's mistakes give (:func:`derive.numerics.kind_mistakes.formula_mistakes`),
each wrong option with its diagnosis as feedback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """One option: its HTML (maths in ``\\( … \\)``), whether it is right, and
    the feedback a student who picks it sees (HTML: the mistake's diagnosis)."""

    html: str
    right: bool
    feedback: str = ""


@dataclass(frozen=True)
class Choices:
    """A formula question's options, in the order to show them."""

    qid: str
    options: tuple[Choice, ...]


def formula_choices(assignment, key: dict) -> dict[str, Choices]:
    """Per formula question id of ``key`` (an instance of ``assignment``), its options."""
    raise NotImplementedError("formula_choices: being written (issue 12)")
