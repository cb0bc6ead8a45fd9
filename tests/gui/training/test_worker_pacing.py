"""How the training worker paces its batches of progress."""

import time

from engine import RunConfig
from gui.training.worker import EMIT_INTERVAL, MAX_INTERVAL, TrainingWorker, pace_for_frame_cost


def test_frames_are_paced_by_their_cost_within_bounds():
    assert pace_for_frame_cost(0.0) == EMIT_INTERVAL
    assert pace_for_frame_cost(0.012) == 0.12  # a 12 ms frame: at most 10 % of the time
    assert pace_for_frame_cost(1.0) == MAX_INTERVAL


def test_no_intermediate_frame_when_the_run_ends_before_the_next_one(lab_data):
    worker = TrainingWorker(RunConfig().build_model(), lab_data, RunConfig(epochs=1))
    assert worker.total_updates == 1527
    assert not worker._ends_before_next_frame()  # nothing seen yet: no estimate
    worker._started = time.monotonic() - 0.9
    worker._updates_seen = 1374  # 90 % in 0.9 s: about 0.1 s left
    worker.interval = 0.2
    assert worker._ends_before_next_frame()
    worker.interval = 0.05
    assert not worker._ends_before_next_frame()
