"""Live workflow objects kept between steps, keyed by instance and revision. A step *takes* its
workflow out (so no two threads ever share one) and puts it back only after its commit."""

import threading
from collections import OrderedDict


class WorkflowCache:
    def __init__(self, capacity: int = 2000):
        self.capacity = capacity
        self._items: OrderedDict[int, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, revision: int):
        """The cached workflow if it is exactly at `revision`, removed from the cache; else None."""
        with self._lock:
            item = self._items.pop(instance_id, None)
        if item is None or item[0] != revision:
            return None
        return item[1]

    def put(self, instance_id: int, revision: int, workflow) -> None:
        with self._lock:
            self._items[instance_id] = (revision, workflow)
            self._items.move_to_end(instance_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def forget(self, instance_id: int) -> None:
        with self._lock:
            self._items.pop(instance_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
