"""python -m tests.benchmarks: run the benchmarks and print one table."""

import sys

from tests.benchmarks.run import main

sys.exit(main())
