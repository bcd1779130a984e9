"""The SQLite writer's lock: one holder, urgent waiters first, each line in order."""

from __future__ import annotations

import asyncio

from bot.storage.write_lock import WriteLock


async def test_urgent_waiters_go_first_and_each_line_keeps_its_order() -> None:
    lock = WriteLock()
    order: list[str] = []
    inside = 0

    async def write(name: str, *, urgent: bool = False) -> None:
        nonlocal inside
        async with lock.hold(urgent=urgent):
            inside += 1
            assert inside == 1  # never two holders
            order.append(name)
            await asyncio.sleep(0)
            inside -= 1

    async with lock.hold():
        tasks = [
            asyncio.create_task(write("list 1")),
            asyncio.create_task(write("vote 1", urgent=True)),
            asyncio.create_task(write("list 2")),
            asyncio.create_task(write("vote 2", urgent=True)),
        ]
        await asyncio.sleep(0.01)  # all four are waiting
        assert order == []
    await asyncio.gather(*tasks)
    assert order == ["vote 1", "vote 2", "list 1", "list 2"]
    assert not lock.locked


async def test_a_cancelled_waiter_neither_holds_nor_blocks_the_lock() -> None:
    lock = WriteLock()
    got: list[str] = []

    async def write(name: str, *, urgent: bool = False) -> None:
        async with lock.hold(urgent=urgent):
            got.append(name)

    async with lock.hold():
        gone = asyncio.create_task(write("cancelled", urgent=True))
        later = asyncio.create_task(write("later"))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
    await asyncio.wait_for(later, timeout=1)  # the lock passed over the cancelled waiter
    assert got == ["later"] and gone.cancelled() and not lock.locked


async def test_a_waiter_cancelled_as_it_is_handed_the_lock_passes_it_on() -> None:
    lock = WriteLock()
    got: list[str] = []

    async def write(name: str) -> None:
        async with lock.hold():
            got.append(name)

    async with lock.hold():
        handed = asyncio.create_task(write("handed"))
        after = asyncio.create_task(write("after"))
        await asyncio.sleep(0)
    handed.cancel()  # the lock was just handed to it, before it ran
    await asyncio.wait_for(after, timeout=1)
    assert got == ["after"] and handed.cancelled() and not lock.locked
