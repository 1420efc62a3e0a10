"""Customer information (N09, N10): what was asked of a station about a customer, its answer,
and the NotifyCustomerInformation parts, assembled in seqNo order.

Clearing a customer who is in a local authorization list must also update that list
(N10.FR.02, TC_N_46): the evdriver module does that, from its result handler.
"""

from __future__ import annotations

from datetime import UTC, datetime

from citrine_base.ocpp.v201 import messages
from citrine_data import Session
from citrine_data.models import CustomerInformationPart, CustomerInformationRequest
from citrine_data.repositories import CustomerInformationRepository
from citrine_data.repositories.customer_information import CustomerQuery
from citrine_modules.station_api import with_new_request_id


def customer_query(request: messages.CustomerInformationRequest) -> CustomerQuery:
    token = request.id_token
    certificate = request.customer_certificate
    return CustomerQuery(
        report=request.report,
        clear=request.clear,
        id_token=token.id_token if token else None,
        id_token_type=token.type.value if token else None,
        customer_identifier=request.customer_identifier,
        customer_certificate=certificate.to_wire() if certificate else None,
    )


class CustomerService:
    async def open_request(
        self, session: Session, station_pk: int, request: messages.CustomerInformationRequest
    ) -> CustomerInformationRequest:
        """Record a CustomerInformation about to be sent, under a free request id of the
        station's sequence; ``request.request_id`` is ignored."""
        repository = CustomerInformationRepository.from_session(session)
        return await with_new_request_id(
            session,
            station_pk,
            lambda request_id: repository.open_request(
                station_pk, request_id, customer_query(request), requested_at=datetime.now(UTC)
            ),
        )

    async def answered(
        self,
        session: Session,
        station_pk: int,
        request: messages.CustomerInformationRequest,
        status: str,
    ) -> None:
        """The station's answer; without Accepted no part will come (TC_N_29)."""
        repository = CustomerInformationRepository.from_session(session)
        record = await repository.ensure_request(station_pk, request.request_id)
        if record.requested_at is None:  # sent by another module or tool: now we know
            query = customer_query(request)
            record.report, record.clear = query.report, query.clear
            record.id_token, record.id_token_type = query.id_token, query.id_token_type
            record.customer_identifier = query.customer_identifier
            record.customer_certificate = query.customer_certificate
            record.requested_at = datetime.now(UTC)
        record.status = status
        nothing_follows = status != "Accepted" or not record.report
        if nothing_follows and record.completed_at is None:
            record.completed_at = datetime.now(UTC)
        await session.flush()

    async def part(
        self, session: Session, station_pk: int, part: messages.NotifyCustomerInformationRequest
    ) -> None:
        repository = CustomerInformationRepository.from_session(session)
        record = await repository.get_request(station_pk, part.request_id)
        if record is None:
            record = await repository.ensure_request(station_pk, part.request_id)
        await repository.add_part(
            record,
            seq_no=part.seq_no,
            data=part.data,
            to_be_continued=bool(part.tbc),
            generated_at=part.generated_at,
        )

    async def view(
        self, session: Session, station_pk: int, request_id: int
    ) -> tuple[CustomerInformationRequest, list[CustomerInformationPart]] | None:
        repository = CustomerInformationRepository.from_session(session)
        record = await repository.get_request(station_pk, request_id)
        if record is None:
            return None
        return record, await repository.list_parts(record.id)


customer_service = CustomerService()
