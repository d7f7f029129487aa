"""``python -m qa.measure.bench`` (also how ``qa bench`` starts its worker processes)."""

import sys

from qa.measure.bench.command import main

sys.exit(main())
