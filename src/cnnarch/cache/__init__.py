"""The result cache: analyses of sources with a known identity, kept on disk as the plain data the
renderers read, so a question asked before is answered without importing torch.

``key.result_key`` says what a result depends on (or that it cannot be cached); ``store`` keeps
entries (atomic writes, a size bound, damaged entries ignored); ``codec`` writes the dataclasses
as JSON and reads them back exactly.
"""

from cnnarch.cache.key import result_key
from cnnarch.cache.store import cached, clear, info, load, save

__all__ = ["cached", "clear", "info", "load", "result_key", "save"]
