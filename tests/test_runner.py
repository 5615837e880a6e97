"""The grader's kernel start: private sockets, and a kernel that dies before it answers is started again."""
import asyncio
import os
import time

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib.exercises import runner

pytestmark = pytest.mark.kernel

IPC_CELL = ("from ipykernel.connect import get_connection_info\n"
            "assert get_connection_info(unpack=True)['transport'] == 'ipc'")


def _run_in_process(tmp_path, cells):
    """``runner.run`` in this process (so a test can patch nbclient), returning its events."""
    notebook_path, progress_path = tmp_path / "graded.ipynb", tmp_path / "progress.jsonl"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), notebook_path)
    (tmp_path / "run").mkdir()
    asyncio.run(runner.run(str(notebook_path), str(progress_path), 30, 120, str(tmp_path / "run")))
    return runner._read_events(str(progress_path))


def _gone(pid, wait=10):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _kill_kernels_before_they_answer(monkeypatch, times):
    """The next ``times`` kernels die between their start and their first reply."""
    real = NotebookClient.async_start_new_kernel_client
    killed = []

    async def dying(client):
        if len(killed) < times:
            client.km.provisioner.process.kill()
            killed.append(client.km.provisioner.process.pid)
        return await real(client)

    monkeypatch.setattr(NotebookClient, "async_start_new_kernel_client", dying)
    return killed


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets")
def test_kernels_listen_on_sockets_in_their_own_run_folder(tmp_path):
    events = _run_in_process(tmp_path, ["import os\nassert os.getcwd().endswith('run')", IPC_CELL])
    assert [e["event"] for e in events] == ["kernel", "cell", "cell", "done"]
    assert all(e["status"] == "ok" for e in events if e["event"] == "cell"), events
    assert not list(tmp_path.glob("kernel-*"))  # the sockets are removed with the kernel


def test_a_kernel_that_dies_before_it_answers_is_started_again(tmp_path, monkeypatch):
    killed = _kill_kernels_before_they_answer(monkeypatch, times=1)
    events = _run_in_process(tmp_path, ["x = 6 * 7", "assert x == 42"])
    kinds = [e["event"] for e in events]
    assert kinds == ["kernel", "kernel_restart", "kernel", "cell", "cell", "done"], events
    assert events[1]["attempt"] == 1 and "died before replying to kernel_info" in events[1]["error"]
    assert events[0]["pid"] == killed[0] != events[2]["pid"]
    assert all(e["status"] == "ok" for e in events if e["event"] == "cell")
    assert _gone(events[2]["pid"])  # the kernel that ran is shut down at the end


def test_a_kernel_that_never_answers_is_a_grader_error_after_every_attempt(tmp_path, monkeypatch):
    killed = _kill_kernels_before_they_answer(monkeypatch, times=runner.START_ATTEMPTS)
    events = _run_in_process(tmp_path, ["x = 1"])
    restarts = [e for e in events if e["event"] == "kernel_restart"]
    assert [e["attempt"] for e in restarts] == list(range(1, runner.START_ATTEMPTS + 1))
    assert len(set(killed)) == runner.START_ATTEMPTS
    assert events[-1] == {"event": "runner_error",
                          "error": "RuntimeError: Kernel died before replying to kernel_info"}
    assert not any(e["event"] == "cell" for e in events)
