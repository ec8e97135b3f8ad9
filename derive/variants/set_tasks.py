"""What the workers of a set build (:mod:`derive.variants.build_set`) do
per variant: hash it, build it and make its export pieces
(:mod:`derive.variants.set_exports`), or only make the export pieces of a
variant kept as it was; and where the main process keeps those pieces until
every variant is done and they are joined."""

from __future__ import annotations

import pickle
from pathlib import Path

from derive.variants.recipes import content_hash


def variant_task(recipe, key: dict, key_text: str, digest: str | None, build: bool,
                 scale=None):
    """A variant's content hash (``digest`` when known) and, when
    ``build``, its files (or the one-line LaTeX error) and, given the
    exports' ``scale``, its export pieces (else None). A variant built here
    is hashed from the .tex sources among its files (rendered once)."""
    files = recipe.variant_files(key) if build else None
    if digest is None:
        names = [f"{stem}.tex" for stem in recipe.documents.values()]
        sources = {name: files[name].decode("utf-8") for name in names} \
            if isinstance(files, dict) else recipe.sources([key])[0]
        digest = content_hash(key_text, sources)
    pieces = recipe.variant_exports(key, scale, files) \
        if scale is not None and isinstance(files, dict) else None
    return digest, files, pieces


def exports_task(recipe, key: dict, scale, files: dict[str, bytes]):
    """The export pieces of a variant kept as it was (``files``: what of its
    folder they read, :attr:`export_inputs` of the recipe)."""
    return recipe.variant_exports(key, scale, files)


class Pieces:
    """The variants' export pieces as they arrive, kept on disk in the build's
    stage until they are joined (the main process holds none meanwhile)."""

    def __init__(self, stage: Path):
        self.folder = stage / "pieces"

    def keep(self, i: int, pieces) -> None:
        """Keep the pieces of variant ``i``."""
        self.folder.mkdir(exist_ok=True)
        (self.folder / f"{i}.pickle").write_bytes(pickle.dumps(pieces))

    def all(self, count: int) -> list:
        """The pieces of variants 0 … count − 1, in order."""
        return [pickle.loads((self.folder / f"{i}.pickle").read_bytes()) for i in range(count)]
