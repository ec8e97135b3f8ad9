import os
import tempfile

# every test run is reproducible and does not depend on the caller's locale or TeX
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764288000")

# lambdified code is cached on disk (derive.codecache): keep the tests' own
os.environ.setdefault("HANDOUTS_CACHE", tempfile.mkdtemp(prefix="handouts-test-cache-"))
