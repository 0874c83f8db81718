"""newswire: live news URLs -> clean, claim-annotated articles (shared package of the services)."""

import os

# The services parallelise by processes (one parser per core), so numpy's BLAS must not start
# a thread per core in each of them: the check-worthiness CNN's small matrix products ran about
# twice as fast single-threaded on the 2-core machine while other processes were busy. Must be
# set before numpy is first imported; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
