"""Outcomes of CSMS CALLs reach result handlers with the request they answer."""

from __future__ import annotations

import asyncio

import httpx

from citrine_base.ocpp.v201 import ACTIONS, Action, messages
from citrine_base.topics import result_topic
from citrine_util.handler_runner import CallOutcome, ResultRunner
from tests.live import live_server, raw_station


async def test_result_handlers_see_request_and_answer_and_timeouts() -> None:
    async with live_server(ocpp={"call_timeout": 0.5}) as server:
        runtime = server.runtime
        outcomes: list[CallOutcome] = []
        seen = asyncio.Event()

        async def record(outcome: CallOutcome) -> None:
            outcomes.append(outcome)
            seen.set()

        spec = ACTIONS[Action.RESET]
        runner = ResultRunner(spec, record, "test", runtime.sessions)
        subscription = await runtime.broker.subscribe(result_topic(spec.action), runner, group="t")
        try:
            async with (
                raw_station(server, "CS1") as station,
                httpx.AsyncClient(base_url=server.base_url) as client,
            ):
                await station.boot()
                reply = asyncio.create_task(
                    client.post(
                        "/ocpp/2.0.1/configuration/reset",
                        params={"identifier": "CS1", "wait": 5},
                        json={"type": "OnIdle", "evseId": 2},
                    )
                )
                call = await station.recv()
                await station.send([3, call[1], {"status": "Scheduled"}])
                await reply
                await asyncio.wait_for(seen.wait(), 5)
                seen.clear()
                silent = await client.post(
                    "/ocpp/2.0.1/configuration/reset",
                    params={"identifier": "CS1", "wait": 5},
                    json={"type": "Immediate"},
                )
                assert silent.status_code == 504
                await asyncio.wait_for(seen.wait(), 5)
        finally:
            await subscription.cancel()
    answered, timed_out = outcomes
    assert answered.message_id == call[1]
    assert isinstance(answered.request, messages.ResetRequest)
    assert answered.request.evse_id == 2
    assert isinstance(answered.response, messages.ResetResponse)
    assert answered.response.status.value == "Scheduled"
    assert answered.answered
    assert timed_out.response is None
    assert timed_out.error_code == "local:timeout"
    assert not timed_out.answered
