"""How the outcome of one CSMS CALL is told to a REST caller or noted by a service."""

from __future__ import annotations

from dataclasses import dataclass

from citrine_base.rpc.errors import CallFailed, OcppError
from citrine_modules.commands import Outcome
from citrine_modules.message_api import _STATUS as _MESSAGE_API_STATUS

_LOCAL: dict[str, Outcome] = {
    "timeout": Outcome.TIMEOUT,
    "offline": Outcome.OFFLINE,
    "queue_full": Outcome.QUEUE_FULL,
    "invalid_response": Outcome.INVALID_RESPONSE,
    "not_accepted": Outcome.NOT_ACCEPTED,
}

HTTP_STATUS = _MESSAGE_API_STATUS
"""The same mapping as the generated message endpoints."""


@dataclass(frozen=True, slots=True)
class CallProblem:
    """Why a CALL brought no result: the station's CALLERROR or a local failure.

    ``code`` is the CALLERROR code, or ``local:<reason>`` (``local:timeout``, ...), as result
    handlers see it.
    """

    outcome: Outcome
    code: str
    description: str

    @classmethod
    def of(cls, error: OcppError | CallFailed) -> CallProblem:
        if isinstance(error, OcppError):
            return cls(Outcome.ERROR, error.code.value, error.description)
        return cls(_LOCAL.get(error.reason, Outcome.FAILED), f"local:{error.reason}", str(error))

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.outcome]
