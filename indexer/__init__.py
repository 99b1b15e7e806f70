"""jixiao-kb indexer: parsing, tokenizing, storage and search for self-evaluation reports.

Nothing happens at import: models, dictionaries and indexes load lazily behind the objects that
need them.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
