"""Settings for throughput runs only (scripts/throughput.sh): production settings plus a bare view to compare with.

The bare view lives in kam/benchmark/urls.py, outside the application's URLconf, so no production view has a
benchmark-only code path.
"""

from kam.settings import *  # noqa: F403

ROOT_URLCONF = "kam.benchmark.urls"
