"""One forward pass recorded operation by operation on the meta device (``tracer.py``), as plain
records every analysis reads (``records.py``); ``real.py`` runs a CPU pass where meta cannot."""
