"""The id token table over REST: create, replace, read, list, delete, bulk import."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_create_replace_read_delete(client: httpx.AsyncClient) -> None:
    created = await client.put(
        "/id-tokens/ISO14443/CRUD-1",
        json={
            "status": "Blocked",
            "allowedEvseIds": [1],
            "additionalInfo": [{"additionalIdToken": "X", "type": "plate"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["status"] == "Blocked"
    replaced = await client.put("/id-tokens/ISO14443/crud-1", json={"inLocalList": True})
    assert replaced.status_code == 200
    body = replaced.json()
    # Replaced as a whole: what was not given is back to its default; the value keeps its case.
    assert (body["idToken"], body["status"], body["allowedEvseIds"], body["inLocalList"]) == (
        "crud-1",
        "Accepted",
        None,
        True,
    )
    read = await client.get("/id-tokens/ISO14443/CRUD-1")
    assert read.json()["idToken"] == "crud-1"
    assert (await client.delete("/id-tokens/ISO14443/CRUD-1")).status_code == 204
    assert (await client.get("/id-tokens/ISO14443/CRUD-1")).status_code == 404
    assert (await client.delete("/id-tokens/ISO14443/CRUD-1")).status_code == 404


async def test_bad_input_is_a_4xx_with_a_reason(client: httpx.AsyncClient) -> None:
    cases = [
        ("/id-tokens/Passport/X", {}, 422),  # not an OCPP token type
        ("/id-tokens/ISO14443/X", {"status": "ConcurrentTx"}, 422),  # decided per use
        ("/id-tokens/ISO14443/X", {"chargingPriority": 10}, 422),
        ("/id-tokens/ISO14443/X", {"cacheExpiryDateTime": "2027-01-01T00:00:00"}, 422),  # naive
        ("/id-tokens/ISO14443/X", {"allowedConnectorTypes": ["USB"]}, 422),
        ("/id-tokens/ISO14443/X", {"groupIdToken": {"idToken": "NOGROUP", "type": "Central"}}, 422),
        ("/id-tokens/ISO14443/X", {"groupIdToken": {"idToken": "x", "type": "ISO14443"}}, 422),
        ("/id-tokens/ISO14443/" + "A" * 37, {}, 422),
    ]
    for path, body, status in cases:
        response = await client.put(path, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["detail"]


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    for number in range(5):
        await client.put(f"/id-tokens/Central/LIST-{number}", json={"inLocalList": number % 2 == 0})
    await client.put("/id-tokens/Central/LIST-9", json={"status": "Blocked"})
    page = (
        await client.get("/id-tokens", params={"prefix": "list-", "limit": 2, "offset": 1})
    ).json()
    assert page["total"] == 6
    assert [item["idToken"] for item in page["items"]] == ["LIST-1", "LIST-2"]
    listed = (await client.get("/id-tokens", params={"prefix": "LIST", "inLocalList": True})).json()
    assert [item["idToken"] for item in listed["items"]] == ["LIST-0", "LIST-2", "LIST-4"]
    blocked = (
        await client.get("/id-tokens", params={"prefix": "LIST", "status": "Blocked"})
    ).json()
    assert [item["idToken"] for item in blocked["items"]] == ["LIST-9"]


async def test_tokens_belong_to_their_tenant(server: LiveServer, client: httpx.AsyncClient) -> None:
    assert (await client.post("/tenants", json={"id": "other", "name": "Other"})).status_code == 201
    await client.put(
        "/id-tokens/Central/TENANT-1", json={"status": "Blocked"}, params={"tenantId": "other"}
    )
    assert (await client.get("/id-tokens/Central/TENANT-1")).status_code == 404
    theirs = await client.get("/id-tokens/Central/TENANT-1", params={"tenantId": "other"})
    assert theirs.json()["status"] == "Blocked"


async def test_bulk_import_of_thousands(client: httpx.AsyncClient) -> None:
    count = 5000
    tokens = [
        {
            "idToken": f"BULK-{n:05d}",
            "type": "ISO14443",
            "groupIdToken": {"idToken": "BULK-FLEET", "type": "Central"},
            "inLocalList": n < 10,
        }
        for n in range(count)
    ]
    tokens.append({"idToken": "BULK-FLEET", "type": "Central"})
    began = time.monotonic()
    response = await client.post("/id-tokens/import", json={"tokens": tokens})
    elapsed = time.monotonic() - began
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": count + 1}
    # Batched: seconds on a loaded machine, not the minutes one INSERT per token would take.
    assert elapsed < 60
    member = (await client.get("/id-tokens/ISO14443/bulk-04999")).json()
    assert member["groupIdToken"] == {"idToken": "BULK-FLEET", "type": "Central"}
    page = (await client.get("/id-tokens", params={"prefix": "BULK-", "limit": 1})).json()
    assert page["total"] == count + 1
    # Importing again replaces (here: unblocks nothing, changes the status of all).
    again = [{**token, "status": "Blocked"} for token in tokens[:100]]
    assert (await client.post("/id-tokens/import", json={"tokens": again})).json()[
        "imported"
    ] == 100
    assert (await client.get("/id-tokens/ISO14443/BULK-00000")).json()["status"] == "Blocked"


async def test_a_bad_import_writes_nothing(client: httpx.AsyncClient) -> None:
    twice = [{"idToken": "DUP-1", "type": "Central"}, {"idToken": "dup-1", "type": "Central"}]
    response = await client.post("/id-tokens/import", json={"tokens": twice})
    assert response.status_code == 422
    assert "twice" in response.json()["detail"]
    orphan = [
        {
            "idToken": "ORPHAN",
            "type": "Central",
            "groupIdToken": {"idToken": "NONE", "type": "Central"},
        }
    ]
    assert (await client.post("/id-tokens/import", json={"tokens": orphan})).status_code == 422
    assert (await client.get("/id-tokens/Central/DUP-1")).status_code == 404
    assert (await client.post("/id-tokens/import", json={"tokens": []})).status_code == 422
