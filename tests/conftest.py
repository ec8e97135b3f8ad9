import os

# every test run is reproducible and does not depend on the caller's locale or TeX
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764288000")
