"""A background worker with a bounded queue and delayed retries, for portals without Celery.

Jobs wait in a heap by due time; AAMCARE_WORKER_THREADS daemon threads take the due ones.
``submit`` never blocks: when AAMCARE_QUEUE_SIZE jobs are waiting it answers False (the
caller records the registration as dropped; the next batch run registers that user).
A job the handler wants again (a temporary failure) goes back with its delay and keeps its
place in the bound. Jobs still waiting when the process exits are lost the same way.
"""
import heapq
import itertools
import threading
import time


class Worker:
    def __init__(self, handle, size, threads=1, clock=time.monotonic):
        self._handle = handle
        self._size = size
        self._threads = threads
        self._clock = clock
        self._heap = []
        self._order = itertools.count()
        self._busy = 0
        self._cond = threading.Condition()
        self._started = False

    def _start(self):
        if self._started:
            return
        self._started = True
        for n in range(self._threads):
            threading.Thread(target=self._run, name="aamcare-messaging-%d" % n, daemon=True).start()

    def submit(self, job, delay=0.0):
        """Queues ``job`` to run after ``delay`` seconds; False when the queue is full."""
        with self._cond:
            if len(self._heap) + self._busy >= self._size:
                return False
            heapq.heappush(self._heap, (self._clock() + delay, next(self._order), job))
            self._start()
            self._cond.notify()
            return True

    def pending(self):
        with self._cond:
            return len(self._heap) + self._busy

    def drain(self, timeout):
        """Waits until no job is waiting or running (tests, shutdown); True when it got there."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    def _run(self):
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > self._clock():
                    wait = None if not self._heap else max(0.0, self._heap[0][0] - self._clock())
                    self._cond.wait(wait)
                _, _, job = heapq.heappop(self._heap)
                self._busy += 1
            again = None
            try:
                again = self._handle(job)
            except Exception:  # the handler logs its own failures; a bug must not kill the thread
                pass
            with self._cond:
                self._busy -= 1
                if again is not None:
                    delay, job = again
                    heapq.heappush(self._heap, (self._clock() + delay, next(self._order), job))
                self._cond.notify_all()
