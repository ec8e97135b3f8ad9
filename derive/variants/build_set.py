"""The set build: every variant's documents and key, the collections, the
exports, the manifest, for any assignment.

:func:`build_set` turns the keys of a recipe (:mod:`derive.variants.recipes`:
how variants are drawn, keyed and rendered) into a set folder: each variant
is compiled by a worker (:mod:`derive.executors`), written to a temporary
folder and moved into place whole, with a stamp of its content hash (key,
.tex sources, drawing code) so an unchanged variant is never rebuilt; the
collections are the variants' PDFs joined; the exports are joined from each
variant's pieces, which the workers make (:mod:`derive.variants.set_tasks`),
those of a variant kept as it was too; the manifest comes last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from derive.files import TEMP_PREFIX, commit, sha256_file, swap_in, umask, updating
from derive.problem.spec import InputError
from derive.variants.pdfs import BlankAhead, BuildFailed, merge_collection
from derive.variants.recipes import content_hash, kept_files
from derive.variants.set_tasks import Pieces, exports_task, variant_task
from derive.variants.settings import check_count, check_seed, variant_id

STAMP = ".content-hash"   # in each variant folder: its content hash and its files' sha256
EXPORTS = ("keys.json", "keys.csv", "moodle.xml", "canvas-qti.zip")
# the reference set's files besides the variants, each with its sha256 in the manifest
SHARED = EXPORTS + ("all-problems.pdf", "all-solutions.pdf")


def default_out(seed: int) -> Path:
    return Path("reports") / "variants" / f"s{seed}"


@dataclass
class SetReport:
    """What a build did."""

    out: Path
    built: list[str]
    skipped: list[str]
    collections: bool
    seconds: float


def _install_variant(out: Path, vid: str, files: dict[str, bytes], key_text: str,
                     digest: str) -> None:
    """Write a variant to a temporary folder, with its stamp (content hash and
    the sha256 of every file), then swap it in whole."""
    files = {**files, "key.json": key_text.encode()}
    stamp = {"content": digest,
             "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())}}
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{vid}-", dir=out))
    try:
        os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it private
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        (tmp / STAMP).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
        swap_in(tmp, out / vid)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def required(stems) -> tuple[str, ...]:
    """The files every variant folder of a set holds: its documents' .tex
    and .pdf, and its key."""
    return tuple(f"{stem}.{ext}" for stem in stems for ext in ("tex", "pdf")) + ("key.json",)


# a set whose manifest names no documents (made before they were named): the reference's
REQUIRED = required(("problems", "solutions"))


def variant_damage(folder: Path, digest: str, needed: tuple[str, ...] = REQUIRED) -> str | None:
    """What is wrong with a variant folder built from content ``digest``
    (``None`` when every file its stamp lists is there, byte for byte, and
    it lists every file ``needed``)."""
    if not folder.is_dir():
        return "missing"
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        recorded = stamp["files"]
        content = stamp["content"]
    except (OSError, ValueError, TypeError, KeyError):
        return f"no readable {STAMP}"
    if content != digest:
        return "built from other content (another key, sources or code)"
    if not isinstance(recorded, dict) or not set(needed) <= set(recorded):
        return f"{STAMP} lists no " + ", ".join(sorted(set(needed) - set(recorded or ())))
    for rel, sha in recorded.items():
        found = sha256_file(folder / rel)
        if found != sha:
            return f"{rel} {'missing' if found is None else 'changed'}"
    return None


def _clean_leftovers(out: Path) -> None:
    """Remove what an interrupted run left behind (never a finished variant)."""
    for p in out.iterdir():
        if p.name.startswith(TEMP_PREFIX):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _read_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _shared(manifest: dict) -> tuple[str, ...]:
    """The set's files besides the variants: the exports and the collections
    the manifest lists (a reference set's manifest lists none: its two)."""
    names = manifest.get("collections")
    return EXPORTS + tuple(map(str, names)) if isinstance(names, list) else SHARED


def _intact_shared(out: Path, manifest: dict, names: tuple[str, ...] | None = None) -> set[str]:
    """The set's shared files whose bytes are those the manifest recorded."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return set()
    return {name for name in (names or _shared(manifest)) if recorded.get(name) and
            sha256_file(out / name) == recorded[name]}


def _cached_keys(out: Path, manifest: dict, inputs: str, seed: int, count: int):
    """The keys and content hashes of an earlier build from the same inputs
    (no derivation, no rendering), or None."""
    if manifest.get("inputs") != inputs or not isinstance(manifest.get("count"), int) \
            or manifest["count"] < count or "keys.json" not in _intact_shared(out, manifest):
        return None
    try:
        keys = json.loads((out / "keys.json").read_text(encoding="utf-8"))[:count]
    except (OSError, ValueError):
        return None
    ids = [variant_id(seed, k, count) for k in range(count)]
    hashes = manifest.get("variants", {})
    if [k.get("variant") for k in keys] != ids or any(i not in hashes for i in ids):
        return None
    return keys, [hashes[i] for i in ids]


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm
    enabled = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not enabled or total == 0, unit="doc",
                desc="variants", file=sys.stderr, leave=False)


def _check_options(executor: str, jobs, scheduler):
    from derive import executors as ex
    if executor == "local":
        jobs = ex.check_jobs(ex.default_jobs() if jobs is None else jobs)
    elif executor not in ex.EXECUTORS:
        raise InputError("--executor", f"unknown executor {executor!r}; choose one of "
                         + ", ".join(ex.EXECUTORS))
    if executor == "dask" and not scheduler:
        raise InputError("--scheduler", "--executor dask needs the scheduler's address "
                         "(for example tcp://10.0.0.5:8786)")
    if executor == "local" and scheduler:
        raise InputError("--scheduler", "only used with --executor dask")
    return jobs


def build_set(count: int, seed: int, config, out: str | Path | None = None, *,
              jobs: int | None = None, executor: str = "local",
              scheduler: str | None = None, progress: bool | None = None,
              recipe=None) -> SetReport:
    """Build a variant set into ``out``: per variant problems/solutions .tex
    and .pdf and key.json; keys.json, keys.csv, all-problems.pdf,
    all-solutions.pdf, moodle.xml and manifest.json. ``recipe`` says how
    the variants are drawn, keyed and rendered (default: the reference
    assignment under ``config``, :class:`AssignmentRecipe`). A variant whose files
    are those its stamp records, from the same content, is not rebuilt;
    anything damaged or missing is. Each variant folder is swapped in whole;
    the shared files are committed together at the end (a second run into
    the same folder is refused meanwhile)."""
    t0 = time.perf_counter()
    seed, count = check_seed(seed), check_count(count)
    if recipe is None:
        from derive.problem.assignment import load_assignment
        from derive.variants.recipes import AssignmentRecipe
        recipe = AssignmentRecipe.of(load_assignment("reference"), config)
    jobs = _check_options(executor, jobs, scheduler)
    out = Path(out) if out is not None else recipe.default_out(seed)
    made = not out.exists()
    try:
        with updating(out) as stage:
            _clean_leftovers(out)
            built, skipped, collections = _build_in_set(
                out, stage, count, seed, recipe, jobs, executor, scheduler, progress)
    except BaseException:
        if made and not any(out.glob("[!.]*")):  # say, unmeetable constraints: leave nothing
            shutil.rmtree(out, ignore_errors=True)
        raise
    return SetReport(out, built, skipped, collections, time.perf_counter() - t0)


def _build_in_set(out: Path, stage: Path, count: int, seed: int, recipe,
                  jobs, executor: str, scheduler, progress):
    from derive import executors as ex
    from derive.numerics.key import dumps
    from derive.variants.exports import manifest_json
    inputs = recipe.inputs(seed)
    manifest = _read_manifest(out)
    names = EXPORTS + tuple(name for name, _ in recipe.collections)
    intact = _intact_shared(out, manifest, names)
    cached = _cached_keys(out, manifest, inputs, seed, count)
    # without an earlier build's hashes, the workers render each variant to hash it
    keys, hashes = cached or (recipe.keys(seed, count), None)
    ids = [k["variant"] for k in keys]
    key_texts = [dumps(k) for k in keys]
    needed = required(recipe.documents.values()) + recipe.variant_extras
    if hashes is None:  # the first here: the (forked) workers inherit what rendering sets up
        hashes = [content_hash(key_texts[0], recipe.sources(keys[:1])[0])] + [None] * (count - 1)
    # the variants whose folder is not what their known hash says (once: it hashes every file)
    damaged = {i for i, (vid, h) in enumerate(zip(ids, hashes))
               if h is not None and variant_damage(out / vid, h, needed)}

    def due(hashes):
        # (the collections are always merged: "merge" kept so older sets' hashes still match)
        collection = hashlib.sha256(json.dumps([ids, hashes, "merge"]).encode()).hexdigest()
        return collection, [(name, sol) for name, sol in recipe.collections
                            if manifest.get("collection") != collection or name not in intact]

    shared = {}
    # the exports are made anew unless kept from the same keys: each variant's pieces in
    # the workers (``scale``: what they share), joined here once every variant is done
    scale = None if cached and manifest.get("count") == count and set(EXPORTS) <= intact \
        else recipe.export_scale(keys)
    pieces = Pieces(stage)

    def exports():
        if scale is not None:
            joined = recipe.join_exports(keys, pieces.all(count))
            for name, data in {"keys.json": dumps(keys), **joined}.items():
                (stage / name).write_bytes(data if isinstance(data, bytes) else
                                           data.encode("utf-8"))
                shared[name] = stage / name

    todo: list[int] = []    # the variants built
    if None in hashes or damaged or due(hashes)[1] or scale is not None:
        if executor == "local" and (damaged or any(
                h is None and not (out / vid / STAMP).is_file() for vid, h in zip(ids, hashes))):
            recipe.warm_up(keys[0], scale is not None)   # variants to build: once here, not per worker
        bar = _progress(len(keys) + len(recipe.collections), progress)
        try:
            with ex.open_executor(executor, jobs, scheduler) as pool:
                hashes, todo = _run(pool, out, keys, key_texts, hashes, damaged, needed,
                                    recipe, bar, scale, pieces.keep)
            collection, collections = due(hashes)
            _merge_while(out, stage, ids, collections, recipe, exports, bar)
        finally:
            bar.close()
    else:
        collection, collections = due(hashes)
    shared.update({name: stage / name for name, _ in collections})
    files = {name: sha256_file(shared.get(name, out / name)) for name in names}
    (stage / "manifest.json").write_text(manifest_json(
        seed=seed, count=count, config_digest=recipe.config.digest, inputs=inputs,
        variants=dict(zip(ids, hashes)), collection=collection,
        extra={**recipe.manifest(), "files": files}), encoding="utf-8")
    shared["manifest.json"] = stage / "manifest.json"
    # only what changed is moved in: an unchanged set keeps every file as it was
    commit(stage, out, [name for name, path in shared.items()
                        if sha256_file(path) != sha256_file(out / name)])
    built = set(todo)
    return [ids[i] for i in todo], [v for i, v in enumerate(ids) if i not in built], \
        bool(collections)


def check_set(count: int, seed: int, out: str | Path | None = None,
              default: Path | None = None) -> list[str]:
    """What is damaged or missing in the set at ``out`` (empty when whole;
    ``default``: where it is when ``out`` is not given): every file against
    the hashes the manifest and the variants' stamps recorded. Builds
    nothing, writes nothing."""
    seed, count = check_seed(seed), check_count(count)
    out = Path(out) if out is not None else (default or default_out(seed))
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a folder")
    manifest = _read_manifest(out)
    if not manifest:
        return [f"{out}: no readable manifest.json (no set, or one never finished)"]
    damage = []
    if manifest.get("seed") != seed or not isinstance(manifest.get("count"), int) \
            or manifest["count"] < count:
        damage.append(f"manifest.json: a set of {manifest.get('count')} variants of seed "
                      f"{manifest.get('seed')}, not {count} of seed {seed}")
    intact = _intact_shared(out, manifest)
    damage += [f"{name}: changed or missing" for name in _shared(manifest) if name not in intact]
    stems = manifest.get("documents")
    needed = required(stems) if isinstance(stems, list) else REQUIRED
    hashes = manifest.get("variants") if isinstance(manifest.get("variants"), dict) else {}
    for k in range(count):
        vid = variant_id(seed, k, manifest.get("count") if isinstance(
            manifest.get("count"), int) and manifest["count"] >= count else count)
        problem = variant_damage(out / vid, hashes[vid], needed) if vid in hashes else \
            "not in manifest.json"
        if problem:
            damage.append(f"{vid}: {problem}")
    return damage


def _run(pool, out: Path, keys, key_texts, hashes, damaged, needed, recipe, bar,
         scale=None, keep=None):
    """Hash (where a hash is None) and build every variant whose folder is
    not what its hash says (``damaged``: those of the known hashes), in the
    workers; install each as it arrives. With the exports' ``scale``, every
    variant's export pieces too, each handed to ``keep(index, pieces)``
    (those of a variant kept as it was, from its folder). Returns every
    variant's hash and the indices of those built."""
    hashes = list(hashes)
    pending, built, blank = {}, [], BlankAhead(out)

    def submit(i: int, build: bool) -> None:
        pending[pool.submit(variant_task, recipe, keys[i], key_texts[i], hashes[i],
                            build, scale)] = i, False

    def kept(i: int) -> None:   # a variant whose folder is what its hash says
        if scale is None:
            bar.update(1)
            return
        files = kept_files(out / keys[i]["variant"], recipe.export_inputs)
        pending[pool.submit(exports_task, recipe, keys[i], scale, files)] = i, True

    for i, key in enumerate(keys):
        folder = out / key["variant"]
        if hashes[i] is None:  # a variant with no stamp is built at once, hashed as it is
            submit(i, not (folder / STAMP).is_file())
        elif i in damaged:
            submit(i, True)
        else:
            kept(i)
    try:
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            # keep what finished before raising what failed
            for f in sorted(done, key=lambda f: f.exception() is not None):
                i, exports_only = pending.pop(f)
                if exports_only:   # a kept variant's export pieces
                    keep(i, f.result())
                    bar.update(1)
                    continue
                hashes[i], files, pieces = f.result()
                if files is None:  # hashed only: built when its folder is not that content
                    if variant_damage(out / keys[i]["variant"], hashes[i], needed):
                        submit(i, True)
                    else:
                        kept(i)
                    continue
                if isinstance(files, str):
                    raise BuildFailed(files)
                blank.see(files, recipe.documents.values())
                _install_variant(out, keys[i]["variant"], files, key_texts[i], hashes[i])
                if pieces is not None:
                    keep(i, pieces)
                built.append(i)
                bar.update(1)
    finally:
        for f in pending:
            f.cancel()
        blank.join()
    return hashes, sorted(built)


def _merge_while(out: Path, stage: Path, ids, collections, recipe, meanwhile, bar) -> None:
    """Merge the collections from the finished PDFs into ``stage``, in
    threads (poppler's processes do the work), while ``meanwhile`` runs here."""
    stems = [recipe.documents["solutions" if sol else "problems"] for _, sol in collections]
    with ThreadPoolExecutor(max(len(collections), 1)) as threads:
        merges = [threads.submit(merge_collection, out, ids, stem) for stem in stems]
        meanwhile()
        for (name, _), merge in zip(collections, merges):
            (stage / name).write_bytes(merge.result())
            bar.update(1)
