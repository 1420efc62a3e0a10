"""Firmware images the CSMS hosts for stations to download."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from citrine_data.models.file_transfer import FirmwareFile
from citrine_data.repositories.base import Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareFileData:
    name: str
    storage_key: str
    size: int
    sha256: str
    md5: str
    content_type: str
    download_token: str
    signature: str | None = None
    signing_certificate: str | None = None


class FirmwareFileRepository(Repository):
    async def add(self, tenant_id: str, data: FirmwareFileData) -> FirmwareFile:
        return await self._add(FirmwareFile(tenant_id=tenant_id, **asdict(data)))

    async def get(self, tenant_id: str, file_pk: int) -> FirmwareFile | None:
        found = await self._get(FirmwareFile, file_pk)
        return found if found and found.tenant_id == tenant_id else None

    async def by_token(self, download_token: str) -> FirmwareFile | None:
        statement = select(FirmwareFile).where(FirmwareFile.download_token == download_token)
        return await self._get_one_or_none(statement)

    async def list(self, tenant_id: str, *, limit: int, offset: int) -> Page[FirmwareFile]:
        statement = (
            select(FirmwareFile)
            .where(FirmwareFile.tenant_id == tenant_id)
            .order_by(FirmwareFile.id.desc())
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def delete(self, tenant_id: str, file_pk: int) -> bool:
        statement = delete(FirmwareFile).where(
            FirmwareFile.tenant_id == tenant_id, FirmwareFile.id == file_pk
        )
        return await self._execute_dml(statement) > 0
