"""The candidate stream and the statistics ``handouts stress`` reports, on
batches written by hand: a variant's stream is its seed and key, candidates
are examined in order up to the first that passes every check, never twice
and never past the allowance, and each constraint is counted on exactly the
candidates it was checked on."""

import numpy as np

from derive.variants.selection import Stats, Stream

NAMES = ("p.a", "p.b")   # two screen checks of part p, in order


def _batch(rows):
    """Verdicts and which checks ran from rows of 'P' (passed), 'F' (failed)
    and '-' (not run: an earlier check failed; it counts as passed)."""
    ok = np.array([[c != "F" for c in row] for row in rows])
    ran = np.array([[c != "-" for c in row] for row in rows])
    return list(range(len(rows))), ok, ran


def _counts(stats):
    return {n: (stats.rejected[n], stats.checked[n]) for n in stats.checked}


def test_worst_gives_each_rate_worst_first():
    stats = Stats()
    stats.count("p.b", 1, 3)
    stats.count("p.b", 0, 1)    # counts add up over calls
    stats.count("p.a", 1, 1)    # rejected the one candidate it checked
    stats.count("p.c", 0, 0)    # never ran: rate 0, not a division by 0
    stats.count("q.a", 2, 5)
    assert stats.worst() == [(1.0, "p.a"), (0.4, "q.a"), (0.25, "p.b"), (0.0, "p.c")]


def test_a_variants_stream_is_its_seed_and_key():
    def draws(stream):
        return stream.rng.integers(0, 2**62, 4).tolist()

    expected = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(2, 1)))
    assert draws(Stream(7, (2, 1), 10)) == expected.integers(0, 2**62, 4).tolist()
    others = [draws(Stream(*args, 10)) for args in [(7, (2, 1)), (8, (2, 1)), (7, (1, 2)),
                                                    (7, (2, 0)), (7, ())]]
    assert len({tuple(d) for d in others}) == len(others)


def test_candidates_are_examined_in_order_each_check_counted_where_it_ran():
    stream, stats = Stream(1, (0, 0), 100), Stats()
    assert stream.next(stats, NAMES) is None and not stream.spent   # no batch yet
    stream.refill(*_batch(["F-", "PF", "PP", "F-", "PP", "F-"]))
    assert stream.next(stats, NAMES) == 2
    assert (stats.examined, _counts(stats)) == (3, {"p.a": (1, 3), "p.b": (1, 2)})
    assert stream.next(stats, NAMES) == 4            # after 2, never 2 again
    assert (stats.examined, _counts(stats)) == (5, {"p.a": (2, 5), "p.b": (1, 3)})
    assert stream.next(stats, NAMES) is None         # the batch is used up
    assert (stats.examined, _counts(stats)) == (6, {"p.a": (3, 6), "p.b": (1, 3)})
    assert stream.tried == 6 and not stream.spent
    # a new batch is examined from its first candidate
    stream.refill(*_batch(["PP", "PP"]))
    assert stream.next(stats, NAMES) == 0
    assert stream.next(stats, NAMES) == 1
    assert stream.tried == 8 and stats.examined == 8


def test_the_allowance_stops_the_stream_inside_a_batch():
    stream, stats = Stream(1, (0, 0), 4), Stats()
    stream.refill(*_batch(["PP"] * 8))
    got = [stream.next(stats, NAMES) for _ in range(5)]
    assert got == [0, 1, 2, 3, None]
    assert stream.spent and stream.tried == 4 and stats.examined == 4
    # every candidate failing: the allowance is spent in one call, partway through
    stream, stats = Stream(1, (0, 0), 3), Stats()
    stream.refill(*_batch(["F-"] * 8))
    assert stream.next(stats, NAMES) is None
    assert stream.spent and stream.tried == 3
    assert _counts(stats) == {"p.a": (3, 3), "p.b": (0, 0)}
