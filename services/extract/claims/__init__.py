"""Claims core: attributed quotes with speakers and check-worthy statements.

Pure Python, no Kafka: the extract service calls :func:`find_claims` per article (inside a
process pool; call :func:`warm_up` once per worker at start, models load lazily and are
cached per process).
"""

from .checkworthy import score_checkworthiness
from .core import find_claims, warm_up
from .model import Claim, ClaimsResult

__all__ = ["Claim", "ClaimsResult", "find_claims", "score_checkworthiness", "warm_up"]
