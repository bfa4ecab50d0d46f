"""Parley: an open-source autonomous customer-communication agent."""

import os as _os

# One BLAS thread per process: throughput comes from processes, and a multi-threaded BLAS on a busy
# 2-core machine made one message's encoding vary from 25 ms to 1.8 s (benchmarks/README.md).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")

__version__ = "0.1.0"
