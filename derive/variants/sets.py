"""Seeded variant sets: the names the rest of the package and its tests use,
from the modules that hold them (settings, the reference generator, the set
build, the print collections)."""

from derive.variants.build_set import (EXPORTS, REQUIRED, SHARED, STAMP, SetReport,  # noqa: F401
                                       build_set, check_set, default_out, variant_damage)
from derive.variants.generate import (BATCH, CHUNK, Candidates, batch_checks, draw,  # noqa: F401
                                      evaluate, generate, generate_keys, to_params)
from derive.variants.pdfs import BuildFailed, fixed_id, merge_collection  # noqa: F401
from derive.variants.recipes import (DOCUMENTS, ReferenceRecipe, build_collection_file,  # noqa: F401
                                     build_variant_files, content_hash, inputs_digest,
                                     source_digest)
from derive.variants.selection import Stats, Unmeetable  # noqa: F401
from derive.variants.settings import (MAX_COUNT, LayerRanges, NetworkRanges,  # noqa: F401
                                      VariantSettings, check_count, check_seed, parse_settings,
                                      settings_of, variant_id)
