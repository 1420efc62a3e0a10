"""CustomerInformation requests and the NotifyCustomerInformation parts answering them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from citrine_data.base import utc_now
from citrine_data.errors import translate_errors
from citrine_data.models.customer_information import (
    CustomerInformationPart,
    CustomerInformationRequest,
)
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerQuery:
    """What a CustomerInformation asks: report and/or clear, about one customer."""

    report: bool
    clear: bool
    id_token: str | None = None
    id_token_type: str | None = None
    customer_identifier: str | None = None
    customer_certificate: dict[str, Any] | None = None


class CustomerInformationRepository(Repository):
    async def open_request(
        self, station_pk: int, request_id: int, query: CustomerQuery, *, requested_at: datetime
    ) -> CustomerInformationRequest:
        """Record a CustomerInformation about to be sent; ``Conflict`` if the id is taken."""
        request = CustomerInformationRequest(
            station_pk=station_pk,
            request_id=request_id,
            report=query.report,
            clear=query.clear,
            id_token=query.id_token,
            id_token_type=query.id_token_type,
            customer_identifier=query.customer_identifier,
            customer_certificate=query.customer_certificate,
            requested_at=requested_at,
        )
        return await self._add(request)

    async def ensure_request(self, station_pk: int, request_id: int) -> CustomerInformationRequest:
        """The request of ``request_id``, created (what was asked unknown) for parts or an
        answer of a request this CSMS did not record."""
        return await self._upsert(
            CustomerInformationRequest,
            {"station_pk": station_pk, "request_id": request_id},
            key=["station_pk", "request_id"],
            update=[],
        )

    async def get_request(
        self, station_pk: int, request_id: int
    ) -> CustomerInformationRequest | None:
        statement = select(CustomerInformationRequest).where(
            CustomerInformationRequest.station_pk == station_pk,
            CustomerInformationRequest.request_id == request_id,
        )
        return await self._get_one_or_none(statement)

    async def list_requests(
        self, station_pk: int, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[CustomerInformationRequest]:
        statement = (
            select(CustomerInformationRequest)
            .where(CustomerInformationRequest.station_pk == station_pk)
            .order_by(CustomerInformationRequest.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def add_part(
        self,
        request: CustomerInformationRequest,
        *,
        seq_no: int,
        data: str,
        to_be_continued: bool,
        generated_at: datetime,
    ) -> bool:
        """Store one part; False when this seqNo is already stored (a station retrying a part
        it got no answer for). The last part (tbc false) completes the request."""
        statement = (
            self._insert(CustomerInformationPart)
            .values(
                request_pk=request.id,
                seq_no=seq_no,
                data=data,
                tbc=to_be_continued,
                generated_at=generated_at,
                received_at=utc_now(),
            )
            .on_conflict_do_nothing(index_elements=["request_pk", "seq_no"])
        )
        with translate_errors():
            result = await self.session.execute(statement)
        stored = bool(getattr(result, "rowcount", 0))
        if stored and not to_be_continued:
            request.completed_at = utc_now()
            await self._flush()
        return stored

    async def list_parts(self, request_pk: int) -> list[CustomerInformationPart]:
        statement = (
            select(CustomerInformationPart)
            .where(CustomerInformationPart.request_pk == request_pk)
            .order_by(CustomerInformationPart.seq_no)
        )
        return await self._get_all(statement)
