"""OCPP 2.0.1: the models generated from the OCA JSON schemas, and the action registry.

    from citrine_base.ocpp.v201 import ACTIONS, Action, datatypes, enums, messages

* ``messages``: the 128 payloads (``messages.BootNotificationRequest``, ...);
* ``datatypes``: the object types they share (``datatypes.IdToken``, ...);
* ``enums``: the enumerations (``enums.RegistrationStatusEnum``, ...);
* ``Action`` / ``ACTIONS``: each action's request and response models and direction.

The modules under ``generated`` are written by ``scripts/generate_models.py``; do not edit them.
"""

from citrine_base.ocpp.v201.generated import datatypes, enums, messages
from citrine_base.ocpp.v201.generated.actions import ACTIONS, Action

__all__ = ["ACTIONS", "Action", "datatypes", "enums", "messages"]
