"""The kill switches pushed to the delivering replicas over WatchKillSwitches, through real gRPC
on SQLite and PostgreSQL: an engaging call answers only once every watcher has confirmed the
switch, or names the watcher that did not (which has stopped by its lease by then)."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from aicmo.venture.v1 import venture_pb2 as pb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.errors import decode_rpc_error
from aicmo_venture.bootstrap import VentureDependencies, create_server
from aicmo_venture.config import VentureConfig
from tests.conftest import TOKEN_SECRET, bearer
from tests.e2e.venture.conftest import VentureService, tokens_for


class Watcher:
    """A replica's side of the stream: snapshots received, and acks sent only when asked."""

    def __init__(self, stub, token: str, replica_id: str, *, confirm: bool = True) -> None:
        self.confirm = confirm
        self.snapshots: list[pb.WatchKillSwitchesResponse] = []
        self._outgoing: asyncio.Queue = asyncio.Queue()
        self._outgoing.put_nowait(pb.WatchKillSwitchesRequest(replica_id=replica_id))
        self._arrived = asyncio.Condition()
        self.call = stub.WatchKillSwitches(self._requests(), metadata=bearer(token),
                                           timeout=60)
        self._task = asyncio.create_task(self._read())

    async def _requests(self):
        while True:
            item = await self._outgoing.get()
            if item is None:
                return
            yield item

    async def _read(self):
        async for snapshot in self.call:
            async with self._arrived:
                self.snapshots.append(snapshot)
                self._arrived.notify_all()
            if self.confirm:
                self._outgoing.put_nowait(pb.WatchKillSwitchesRequest(
                    ack_version=snapshot.version))

    async def first(self) -> pb.WatchKillSwitchesResponse:
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.snapshots)
        return self.snapshots[0]

    async def close(self) -> None:
        self._outgoing.put_nowait(None)
        self.call.cancel()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def start_service(database_url, signer, clock, lease_ms: int) -> tuple:
    config = VentureConfig.from_env(environ={
        "AICMO_TOKEN_SECRET": TOKEN_SECRET, "AICMO_DATABASE_URL": database_url,
        "AICMO_AUDIT_ADDR": "off", "AICMO_GRPC_HOST": "127.0.0.1",
        "AICMO_METRICS_PORT": "off", "AICMO_KILL_SWITCH_LEASE_MS": str(lease_ms)})
    server, port = create_server(config, VentureDependencies(clock=clock), port=0)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    service = VentureService(venture_pb2_grpc.VentureServiceStub(channel), clock,
                             tokens_for(signer), database_url, port)
    return server, channel, service


@pytest.fixture
async def short_lease(database_url, signer, clock):
    server, channel, service = await start_service(database_url, signer, clock, 400)
    try:
        yield service
    finally:
        await channel.close()
        await server.stop(0)


async def test_an_engaging_call_returns_after_every_watcher_holds_the_switch(service):
    await service.venture()
    campaign = await service.campaign(running=True)
    watchers = [Watcher(service.stub, service.tokens.service, f"dist-{i}") for i in range(2)]
    try:
        for watcher in watchers:
            first = await watcher.first()
            assert campaign.id not in first.campaign_ids and not first.global_engaged
            assert first.lease_ms == 2000
        # Each level: when the call has answered, every watcher has the switch in a snapshot.
        calls = [
            (service.stub.SetCampaignKillSwitch(pb.SetCampaignKillSwitchRequest(
                campaign_id=campaign.id, reason="complaints"),
                metadata=bearer(service.tokens.operator)),
             lambda s: campaign.id in s.campaign_ids),
            (service.stub.SetVentureKillSwitch(pb.SetVentureKillSwitchRequest(
                venture_id="acme", reason="audit"), metadata=bearer(service.tokens.operator)),
             lambda s: "acme" in s.venture_ids),
            (service.stub.SetGlobalKillSwitch(pb.SetGlobalKillSwitchRequest(reason="incident"),
                                              metadata=bearer(service.tokens.admin)),
             lambda s: s.global_engaged),
        ]
        for call, holds in calls:
            answer = await call
            assert answer.propagation.in_force_everywhere
            assert sorted(answer.propagation.confirmed_replicas) == ["dist-0", "dist-1"]
            assert list(answer.propagation.unconfirmed_replicas) == []
            for watcher in watchers:
                assert any(holds(s) for s in watcher.snapshots), watcher.snapshots[-1]
        cleared = await service.stub.ClearGlobalKillSwitch(
            pb.ClearGlobalKillSwitchRequest(reason="over"), metadata=bearer(service.tokens.admin))
        assert not cleared.kill_switch.engaged
    finally:
        for watcher in watchers:
            await watcher.close()


async def test_a_watcher_that_does_not_confirm_is_named_once_its_lease_ran_out(short_lease):
    service = short_lease
    await service.venture()
    campaign = await service.campaign(running=True)
    good = Watcher(service.stub, service.tokens.service, "dist-good")
    silent = Watcher(service.stub, service.tokens.service, "dist-silent", confirm=False)
    try:
        await good.first()
        await silent.first()
        started = time.monotonic()
        answer = await service.stub.SetCampaignKillSwitch(pb.SetCampaignKillSwitchRequest(
            campaign_id=campaign.id, reason="complaints"),
            metadata=bearer(service.tokens.operator))
        waited = time.monotonic() - started
        assert not answer.propagation.in_force_everywhere
        assert list(answer.propagation.confirmed_replicas) == ["dist-good"]
        assert list(answer.propagation.unconfirmed_replicas) == ["dist-silent"]
        # The silent replica's last snapshot before the change was at most a lease ago: the
        # call waited for that lease to run out, so the replica has stopped by itself.
        assert waited >= 0.4
        assert answer.campaign.kill_switch.engaged
    finally:
        await good.close()
        await silent.close()


async def test_without_watchers_the_call_answers_in_force_at_once(service):
    await service.venture()
    campaign = await service.campaign(running=True)
    answer = await service.stub.SetCampaignKillSwitch(pb.SetCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="complaints"), metadata=bearer(service.tokens.operator))
    assert answer.propagation.in_force_everywhere
    assert list(answer.propagation.confirmed_replicas) == []


@pytest.mark.parametrize("replica_id", ["", "   ", "x" * 201, "bad\x07id"])
async def test_a_watch_without_a_valid_replica_id_is_refused_naming_the_field(service,
                                                                              replica_id):
    call = service.stub.WatchKillSwitches(
        iter([pb.WatchKillSwitchesRequest(replica_id=replica_id)]),
        metadata=bearer(service.tokens.service))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for _ in call:
            pass
    error = decode_rpc_error(raised.value)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.fields == ["replica_id"]


async def test_only_the_delivering_services_may_watch(service):
    call = service.stub.WatchKillSwitches(
        iter([pb.WatchKillSwitchesRequest(replica_id="dist-0")]),
        metadata=bearer(service.tokens.operator))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for _ in call:
            pass
    assert raised.value.code() is grpc.StatusCode.PERMISSION_DENIED
