"""The Python side of the cross-language queue tests, one process per step.

    python xlang_worker.py produce SEG ENTRY COUNT ID [--timeout SECS] [--batch N]
    python xlang_worker.py consume SEG ENTRY COUNT|until-stop OUT [--timeout SECS]

The same steps, items and one-line summaries as ``zeroipc/examples/interop.rs``: a producer pushes
``ID << 32 | seq`` for seq in 0..COUNT into a queue of uint64; a consumer pops COUNT items,
or until the stop item (2**64 - 1), and writes them to OUT as little-endian uint64s, in the
order it popped them. With ``--batch N`` the producer pushes with ``Queue.push_array`` in runs
of up to N (each run claimed at once; what did not fit is pushed by the next call). An error is a message on stderr and exit status 1.
"""

import argparse
import sys
import time

import numpy as np

from zeroipc import Memory, Queue

STOP = 2**64 - 1


def produce(queue: Queue, count: int, producer_id: int, timeout: float) -> str:
    if not 0 <= producer_id < 2**32 - 1:
        raise ValueError(f"ID must be below {2**32 - 1}")
    base = producer_id << 32
    started = time.perf_counter()
    for seq in range(count):
        if not queue.push_wait(base | seq, timeout):
            raise TimeoutError(f"the queue stayed full for {timeout} s after {seq} of {count} pushes")
    return f"pushed={count} id={producer_id} seconds={time.perf_counter() - started:.3f}"


def produce_batches(queue: Queue, count: int, producer_id: int, timeout: float, run: int) -> str:
    if not 0 <= producer_id < 2**32 - 1:
        raise ValueError(f"ID must be below {2**32 - 1}")
    values = (np.uint64(producer_id) << np.uint64(32)) | np.arange(count, dtype=np.uint64)
    started = time.perf_counter()
    at, idle_since = 0, None
    while at < count:
        pushed = queue.push_array(values[at : at + run])
        if pushed:
            at, idle_since = at + pushed, None
            continue
        idle_since = idle_since or time.perf_counter()
        if time.perf_counter() - idle_since > timeout:
            raise TimeoutError(f"the queue stayed full for {timeout} s after {at} of {count} pushes")
        time.sleep(0.0001)
    return f"pushed={count} id={producer_id} seconds={time.perf_counter() - started:.3f}"


def consume(queue: Queue, count, out: str, timeout: float) -> str:
    received = []
    started = None
    while count is None or len(received) < count:
        value = queue.pop_wait(timeout)
        if value is None:
            raise TimeoutError(f"the queue stayed empty for {timeout} s after {len(received)} items")
        if started is None:
            started = time.perf_counter()
        value = int(value)
        if value == STOP:
            if count is not None:
                raise ValueError(f"a stop item after {len(received)} items")
            break
        received.append(value)
    seconds = 0.0 if started is None else time.perf_counter() - started
    items = np.array(received, dtype="<u8")
    items.tofile(out)
    ids = items >> np.uint64(32)
    in_order = all(
        bool(np.all(np.diff(items[ids == i].astype(np.int64) & 0xFFFF_FFFF) > 0)) for i in np.unique(ids)
    )
    return (
        f"received={items.size} producers={np.unique(ids).size} "
        f"in_order={str(in_order).lower()} seconds={seconds:.3f}"
    )


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="xlang_worker")
    parser.add_argument("step", choices=["produce", "consume"])
    parser.add_argument("segment")
    parser.add_argument("entry")
    parser.add_argument("count")
    parser.add_argument("last", help="ID (produce) or OUT (consume)")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=0, help="produce with push_array in runs of N")
    args = parser.parse_args(argv)
    try:
        with Memory(args.segment) as memory:
            queue = Queue(memory, args.entry, dtype=np.uint64)
            if args.step == "produce" and args.batch > 0:
                line = produce_batches(queue, int(args.count), int(args.last), args.timeout, args.batch)
            elif args.step == "produce":
                line = produce(queue, int(args.count), int(args.last), args.timeout)
            else:
                count = None if args.count == "until-stop" else int(args.count)
                line = consume(queue, count, args.last, args.timeout)
    except Exception as error:  # every failure becomes a message and a status
        print(f"xlang_worker {args.step}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
