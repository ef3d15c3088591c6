//! The words of each structure on the heap, as loom atomics, and the algorithm's own view
//! of them: the view types the handles build from a mapping, built here from these words.
//! Nothing here runs the algorithms; the tests call the views' methods.

use loom::sync::Arc;
use zeroipc::__loom::{
    AtomicI32, AtomicU32, BarrierView, CellSlots, EventView, Hints, LatchView, OnceView, QueueView,
    RwLockView, SemaphoreView, StackView,
};
use zeroipc::layout::fields::ONCE_PENDING;

/// A queue's counters, sequence numbers and slots.
#[derive(Debug)]
struct QueueWords {
    head: AtomicU32,
    tail: AtomicU32,
    sequence: Box<[AtomicU32]>,
    slots: CellSlots<u32>,
}

/// One thread's hold on a queue on the heap, as a `Queue` handle is one process's: clones
/// share the queue and keep guesses at `head` and `tail` of their own.
#[derive(Debug)]
pub struct HeapQueue {
    words: Arc<QueueWords>,
    hints: Hints,
}

impl HeapQueue {
    /// An empty queue of `capacity` slots (a power of two): both counters at 0, and the
    /// sequence number of slot `i` at `i`, the turn of the producer of position `i`.
    pub fn new(capacity: u32) -> HeapQueue {
        HeapQueue::starting_at(capacity, 0)
    }

    /// As `new`, with both counters at `start`, as if `start` elements had passed through
    /// (as `Queue::create_at` makes it): position `start + i` uses slot
    /// `(start + i) mod capacity`, whose sequence number is that position.
    pub fn starting_at(capacity: u32, start: u32) -> HeapQueue {
        let mut sequence = vec![0; capacity as usize];
        for i in 0..capacity {
            let position = start.wrapping_add(i);
            sequence[(position & (capacity - 1)) as usize] = position;
        }
        HeapQueue {
            words: Arc::new(QueueWords {
                head: AtomicU32::new(start),
                tail: AtomicU32::new(start),
                sequence: sequence.into_iter().map(AtomicU32::new).collect(),
                slots: CellSlots::new(capacity as usize),
            }),
            hints: Hints::new(start, start),
        }
    }

    /// The queue as the algorithm sees it, with this hold's hints.
    pub fn view(&self) -> QueueView<'_, u32, &CellSlots<u32>> {
        let w = &*self.words;
        QueueView::new(&w.head, &w.tail, &w.sequence, &w.slots, &self.hints)
    }
}

impl Clone for HeapQueue {
    /// Another hold on the same queue, starting from this one's guesses, as a clone of a
    /// `Queue` does.
    fn clone(&self) -> HeapQueue {
        HeapQueue {
            words: Arc::clone(&self.words),
            hints: self.hints.snapshot(),
        }
    }
}

/// A stack's `top`, slot states and slots.
#[derive(Debug)]
pub struct HeapStack {
    top: AtomicI32,
    state: Box<[AtomicU32]>,
    slots: CellSlots<u32>,
}

impl HeapStack {
    /// An empty stack of `capacity` slots: `top` at -1, every slot EMPTY (0).
    pub fn new(capacity: usize) -> HeapStack {
        HeapStack {
            top: AtomicI32::new(-1),
            state: (0..capacity).map(|_| AtomicU32::new(0)).collect(),
            slots: CellSlots::new(capacity),
        }
    }

    /// The stack as the algorithm sees it.
    pub fn view(&self) -> StackView<'_, u32, &CellSlots<u32>> {
        StackView::new(&self.top, &self.state, &self.slots)
    }
}

/// A semaphore's `count` and `waiting` words, and its limit.
#[derive(Debug)]
pub struct HeapSemaphore {
    count: AtomicU32,
    waiting: AtomicU32,
    max_count: i32,
}

impl HeapSemaphore {
    /// A semaphore holding `initial` permits, at most `max_count` (0: unbounded).
    pub fn new(initial: i32, max_count: i32) -> HeapSemaphore {
        HeapSemaphore {
            count: AtomicU32::new(initial as u32),
            waiting: AtomicU32::new(0),
            max_count,
        }
    }

    /// The semaphore as the algorithm sees it.
    pub fn view(&self) -> SemaphoreView<'_> {
        SemaphoreView::new(&self.count, &self.waiting, self.max_count)
    }
}

/// A latch's `count` word.
#[derive(Debug)]
pub struct HeapLatch {
    count: AtomicU32,
}

impl HeapLatch {
    /// A latch that opens after `count` count-downs.
    pub fn new(count: i32) -> HeapLatch {
        HeapLatch {
            count: AtomicU32::new(count as u32),
        }
    }

    /// The latch as the algorithm sees it.
    pub fn view(&self) -> LatchView<'_> {
        LatchView::new(&self.count)
    }
}

/// A barrier's `arrived` and `generation` words, and its size.
#[derive(Debug)]
pub struct HeapBarrier {
    arrived: AtomicU32,
    generation: AtomicU32,
    participants: i32,
}

impl HeapBarrier {
    /// A barrier for `participants` participants.
    pub fn new(participants: i32) -> HeapBarrier {
        HeapBarrier {
            arrived: AtomicU32::new(0),
            generation: AtomicU32::new(0),
            participants,
        }
    }

    /// The barrier as the algorithm sees it.
    pub fn view(&self) -> BarrierView<'_> {
        BarrierView::new(&self.arrived, &self.generation, self.participants)
    }
}

/// A once flag's state word.
#[derive(Debug)]
pub struct HeapOnce {
    state: AtomicU32,
}

impl HeapOnce {
    /// A pending once flag.
    pub fn new() -> HeapOnce {
        HeapOnce {
            state: AtomicU32::new(ONCE_PENDING),
        }
    }

    /// The once flag as the algorithm sees it.
    pub fn view(&self) -> OnceView<'_> {
        OnceView::new(&self.state)
    }
}

/// An event's `signaled` and `waiting` words and its semaphore's two.
#[derive(Debug)]
pub struct HeapEvent {
    signaled: AtomicU32,
    waiting: AtomicU32,
    sem_count: AtomicU32,
    sem_waiting: AtomicU32,
    manual: bool,
}

impl HeapEvent {
    /// An event, not set: manual-reset if `manual_reset`, auto-reset otherwise. Its
    /// semaphore holds no permit and is unbounded, as `Event::create` makes it.
    pub fn new(manual_reset: bool) -> HeapEvent {
        HeapEvent {
            signaled: AtomicU32::new(0),
            waiting: AtomicU32::new(0),
            sem_count: AtomicU32::new(0),
            sem_waiting: AtomicU32::new(0),
            manual: manual_reset,
        }
    }

    /// The event as the algorithm sees it.
    pub fn view(&self) -> EventView<'_> {
        EventView::new(
            &self.signaled,
            &self.waiting,
            &self.sem_count,
            &self.sem_waiting,
            self.manual,
        )
    }

    /// The event's semaphore as the algorithm sees it: its `count` is the permits, its
    /// `waiting` the waiters blocked in an auto-reset event's wait.
    pub fn semaphore(&self) -> SemaphoreView<'_> {
        SemaphoreView::new(&self.sem_count, &self.sem_waiting, 0)
    }
}

/// A reader-writer lock's two state words, and its readers' mutex `<name>_rmtx`: a
/// semaphore of one permit. (No writers' mutex: the tests run one writer at a time.)
#[derive(Debug)]
pub struct HeapRwLock {
    /// `readers`.
    pub readers: AtomicU32,
    /// `writer_active`.
    pub writer_active: AtomicU32,
    /// `<name>_rmtx`.
    pub rmtx: HeapSemaphore,
}

impl HeapRwLock {
    /// An unlocked lock, its readers' mutex free.
    pub fn new() -> HeapRwLock {
        HeapRwLock {
            readers: AtomicU32::new(0),
            writer_active: AtomicU32::new(0),
            rmtx: HeapSemaphore::new(1, 1),
        }
    }

    /// The lock's two words as the algorithm sees them.
    pub fn view(&self) -> RwLockView<'_> {
        RwLockView::new(&self.readers, &self.writer_active)
    }
}
