"""``outreach serve`` settles its start-up heap so full collections skip it."""

import gc

from outreach.web.heap import settle_heap


def test_settle_heap_moves_the_start_up_objects_out_of_the_collectors_way():
    kept = [[] for _ in range(1000)]   # long-lived (collector-tracked) objects made at start-up
    try:
        assert gc.get_freeze_count() == 0
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
