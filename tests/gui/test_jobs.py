"""gui.jobs: a Job delivers what its work reported and returned, or how it failed; its end
hands freed memory back to the system."""

import subprocess
import sys
from pathlib import Path

import pytest

from gui.jobs import Job, JobFailed

ROOT = Path(__file__).resolve().parents[2]


def test_a_job_reports_in_order_then_finishes_with_the_result(qtbot):
    reported = []

    def work(report):
        for i in range(5):
            report(i)
        return "done"

    job = Job(work)
    job.progress.connect(reported.append)
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        job.start()
    assert blocker.args == ["done"] and reported == [0, 1, 2, 3, 4]
    assert job.done and not job.running


def test_a_failing_job_finishes_with_the_error(qtbot):
    def work(report):
        raise ValueError("bad input")

    job = Job(work)
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        job.start()
    [failed] = blocker.args
    assert isinstance(failed, JobFailed) and failed.error == "ValueError: bad input"
    assert "Traceback" in failed.details


FRAGMENTED = """
from gui.jobs import release_freed_memory

def rss_mb():
    return [int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmRSS")][0]

blocks = [bytes(2000) + bytes([i % 256]) for i in range(60_000)]  # ~120 MB of heap
pin = bytes(2000) + b"!"  # allocated last: the heap's top cannot shrink below it
del blocks
before = rss_mb()
release_freed_memory()
print(before - rss_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_freed_memory_returns_free_heap_pages():
    result = subprocess.run([sys.executable, "-c", FRAGMENTED], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) > 50  # MB handed back of the ~120 MB freed
