"""The schema 1 bridge: a :class:`~derive.problem.spec.Params` (the ``params``
of a schema 1 key, or a ``--params`` file) as an instance of the reference
assignment file, ``derive/assignments/reference.toml``.

The file's parts and questions stay as they are; the instance brings its
data: the ``softmax_layer`` group is the data (and the network's shape) of
the part with a one-layer softmax network, the ``network`` group that of the
part with a two-layer network, ``query_class`` (from 0) the ``class`` (from
1) of that part's probability questions, and ``nllm_example`` the example of
its loss question. Nothing here knows a question by its id.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from derive.problem.assignment import Assignment, Part, PartData, Question, load_assignment
from derive.problem.spec import Params

REFERENCE_NAME = "reference"


@lru_cache(maxsize=1)
def reference_assignment() -> Assignment:
    """The reference assignment as its file gives it."""
    return load_assignment(REFERENCE_NAME, "reference assignment")


def reference_instance(params: Params) -> Assignment:
    """The reference assignment with the instance ``params``: the given data,
    network shapes, probability classes and loss example of the schema 1
    instance (the same questions, ids and points as the file)."""
    return replace(reference_assignment(),
                   parts=tuple(_with(p, params) for p in reference_assignment().parts))


def _with(part: Part, params: Params) -> Part:
    if part.network is None or part.given is None:
        return part
    s, n = params.softmax_layer, params.network
    if len(part.network.layers) == 1:
        data = PartData(W=(s.W,), b=(s.b,), x=s.x, y=s.y, lr=s.lr)
        questions = tuple(_question(q, s.query_class + 1, params) for q in part.questions)
        return replace(part, network=s.network, given=data, questions=questions)
    data = PartData(W=n.weights, b=n.biases, x=n.x, y=n.y, lr=n.lr)
    return replace(part, network=n.network, given=data)


def _question(q: Question, cls: int, params: Params) -> Question:
    """A question of the softmax layer's part with the instance's class and example."""
    options = dict(q.options)
    if q.kind == "probability":
        options["class"] = cls
    if q.kind == "loss" and "example" in options:
        options["example"] = params.nllm_example
    return replace(q, options=tuple(options.items()))
