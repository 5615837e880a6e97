"""Execute one prepared notebook in its own kernel and report each cell as it finishes.

:func:`run_graded_notebook` (called by the grader) starts ``python -m
course_lib.exercises.runner NOTEBOOK PROGRESS CELL_TIMEOUT TOTAL_TIMEOUT WORKDIR``
in a process of its own, and kills it if it outlives the submission's limit.
Each finished cell appends one JSON line to PROGRESS, so whatever happens later
(a loop, a crash, this process being killed) the grader keeps what was already
done. A cell that runs past its time
limit is interrupted and the run goes on with the next cell; when the kernel
dies or the whole notebook runs out of time, the run stops. A kernel that dies
before it answers is started again, up to :data:`START_ATTEMPTS` times.

:func:`map_runs` runs several such notebooks at once; when it is left by an
exception (Ctrl-C included) it cancels the queued runs and kills the running
ones, with their kernels, instead of waiting for them.
"""
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat

SETUP_TIMEOUT = 120  # the grader's first cell imports torch; slow on a loaded machine
# Defaults of `grade`, `check` and their command-line options.
CELL_TIMEOUT = 60  # seconds one cell may run (the VAE exercise trains briefly)
SUBMISSION_TIMEOUT = 300  # seconds one whole notebook may run
JOBS = 2  # notebooks run at once: one per core here
START_ATTEMPTS = 3  # kernel starts tried before a run is given up as a grader error

# The runners now running: Popen -> (the stop event of the map_runs() call that started it, or None;
# its progress file, which names its kernel's pid).
_live = {}
_live_lock = threading.Lock()
_local = threading.local()  # .stop: in a map_runs() worker thread, that call's stop event


class GradingInterrupted(KeyboardInterrupt):
    """Raised in a worker whose run was killed because grading was interrupted.

    Not an :class:`Exception`, so the grader does not record it as the submission's result.
    """


def _emit(progress, **event):
    progress.write(json.dumps(event) + "\n")
    progress.flush()
    os.fsync(progress.fileno())


def _error_of(cell, reply):
    """(ename, evalue) if the cell failed. The execute reply decides: after an
    interrupted cell, the error's output message can be lost, the reply is not."""
    content = (reply or {}).get("content", {})
    if content.get("status") == "error":
        return content.get("ename", "Error"), str(content.get("evalue", ""))
    if content.get("status") == "aborted":
        return "Aborted", "the kernel did not run the cell"
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), str(output.get("evalue", ""))
    return None


async def _started_client(notebook, cell_timeout, workdir, socket_prefix, progress):
    """An nbclient client whose kernel has answered; a kernel that died first is started again.

    Where Unix sockets exist, the kernel listens on sockets named after ``socket_prefix``, in the run's own
    folder, not on TCP ports: a port is picked free by the grader and bound later by the kernel, so two kernels
    started at once can pick the same one, and one of them dies before it answers.
    """
    from nbclient import NotebookClient

    for attempt in range(1, START_ATTEMPTS + 1):
        client = NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                                startup_timeout=60, shutdown_kernel="immediate",
                                resources={"metadata": {"path": workdir}})
        manager = client.create_kernel_manager()
        if os.name == "posix":
            manager.transport, manager.ip = "ipc", socket_prefix
        await client.async_start_new_kernel()
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        _emit(progress, event="kernel", pid=getattr(process, "pid", None))  # killed by the grader if left running
        try:
            await client.async_start_new_kernel_client()  # shuts the kernel down when it fails
            return client
        except RuntimeError as error:  # died, or no answer within startup_timeout
            _emit(progress, event="kernel_restart", attempt=attempt, error=str(error))
            if attempt == START_ATTEMPTS:
                raise


async def run(notebook_path, progress_path, cell_timeout, total_timeout, workdir):
    """Execute the notebook's code cells in order, writing one event per cell."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(notebook_path, as_version=4)
    deadline = time.monotonic() + total_timeout
    replies = {}
    socket_prefix = os.path.join(os.path.dirname(os.path.abspath(progress_path)), "kernel")
    with open(progress_path, "a", encoding="utf-8") as progress:
        try:
            client = await _started_client(notebook, cell_timeout, workdir, socket_prefix, progress)
            client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.update(
                {cell_index: execute_reply})
            async with client.async_setup_kernel():  # the kernel runs already: this shuts it down at the end
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    task, origin = cell.metadata.get("course_task"), cell.metadata.get("course_origin")
                    remaining = deadline - time.monotonic()
                    if remaining < 0.5:
                        _emit(progress, event="submission_timeout", index=index, task=task, origin=origin)
                        return
                    limit = SETUP_TIMEOUT if cell.metadata.get("course_setup") else cell_timeout
                    cut_short = remaining < limit  # the submission's limit, not the cell's, applies
                    client.timeout = max(1, int(min(limit, remaining)))
                    started = time.monotonic()
                    try:
                        await client.async_execute_cell(cell, index)
                    except CellTimeoutError:
                        _emit(progress, event="cell", index=index, task=task, origin=origin, status="timeout",
                              ename="TimeoutError", evalue=f"cell ran past {client.timeout} s",
                              seconds=round(time.monotonic() - started, 2))
                        if cut_short:
                            _emit(progress, event="submission_timeout", index=index, task=task, origin=origin)
                            return
                        await client.km.interrupt_kernel()
                        continue
                    except DeadKernelError:
                        _emit(progress, event="kernel_died", index=index, task=task, origin=origin)
                        return
                    error = _error_of(cell, replies.get(index))
                    _emit(progress, event="cell", index=index, task=task, origin=origin,
                          status="error" if error else "ok",
                          ename=error[0] if error else None, evalue=error[1] if error else None,
                          seconds=round(time.monotonic() - started, 2))
                _emit(progress, event="done")
        except DeadKernelError:
            _emit(progress, event="kernel_died", index=None, task=None)
        except Exception as error:  # kernel failed to start, or nbclient itself failed
            _emit(progress, event="runner_error", error=f"{type(error).__name__}: {error}")


def _kill(pid):
    """Kill a kernel and whatever it started: it leads its own session (and process group)."""
    if not isinstance(pid, int) or pid <= 0:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
        return
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:  # not a group leader after all
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            process.kill()
        except OSError:
            pass


def _stop(stop):
    """Set ``stop`` and kill the process group of every runner started under it."""
    with _live_lock:
        stop.set()
        for process, (owner, progress_path) in list(_live.items()):
            if owner is stop:
                _kill_run(process, progress_path)


def _enter_worker(stop):
    _local.stop = stop


def map_runs(func, items, jobs):
    """``list(map(func, items))`` on ``jobs`` threads, for functions that call :func:`run_graded_notebook`.

    When left by an exception (Ctrl-C included) it cancels the queued items, kills the runs in
    progress (runner, kernel and what the kernel started) and re-raises at once, without
    waiting for them; each killed run's worker then raises :class:`GradingInterrupted`.
    """
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs, initializer=_enter_worker, initargs=(stop,))
    try:
        results = list(pool.map(func, items))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _stop(stop)
        raise
    pool.shutdown()
    return results


def _kill_run(process, progress_path):
    """Kill a runner's process group and its kernel's (the kernel leads a session of its own,
    and holds the runner's stderr pipe open until it dies)."""
    _kill_group(process)
    _kill_kernels(_read_events(progress_path))


def _read_events(progress_path):
    events = []
    if os.path.exists(progress_path):
        with open(progress_path, encoding="utf-8") as progress:
            for line in progress:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a half-written last line from a killed runner
    return events


def _kill_kernels(events):
    for event in events:
        if event.get("event") == "kernel":
            _kill(event.get("pid"))  # normally gone already; never leave one running


def run_graded_notebook(notebook, cell_timeout, submission_timeout):
    """Run a prepared notebook in a fresh kernel; return the runner's events.

    Raises
    ------
    GradingInterrupted
        In a :func:`map_runs` worker, when that call was interrupted (the run is killed).
    """
    stop = getattr(_local, "stop", None)
    with tempfile.TemporaryDirectory(prefix="course_grade_") as workdir:
        notebook_path = os.path.join(workdir, "graded.ipynb")
        progress_path = os.path.join(workdir, "progress.jsonl")
        nbformat.write(notebook, notebook_path)
        run_dir = os.path.join(workdir, "run")
        os.mkdir(run_dir)
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
                   MPLBACKEND="Agg", TQDM_DISABLE="1", COURSE_GRADING="1")
        command = [sys.executable, "-m", "course_lib.exercises.runner", notebook_path, progress_path,
                   str(cell_timeout), str(submission_timeout), run_dir]
        with _live_lock:
            if stop is not None and stop.is_set():
                raise GradingInterrupted("grading was interrupted")
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       start_new_session=True)
            _live[process] = (stop, progress_path)
        killed = False
        try:
            try:
                _, stderr = process.communicate(timeout=submission_timeout + 90)  # + kernel start-up
            except subprocess.TimeoutExpired:
                killed = True
                _kill_run(process, progress_path)
                _, stderr = process.communicate()
        except BaseException:  # Ctrl-C while this thread waits: leave nothing running
            _kill_run(process, progress_path)
            process.wait()
            raise
        finally:
            with _live_lock:
                _live.pop(process, None)
        events = _read_events(progress_path)
        _kill_kernels(events)
        if stop is not None and stop.is_set():
            raise GradingInterrupted("grading was interrupted")
        if killed:
            events.append({"event": "submission_timeout", "index": None, "task": None})
        elif not any(e.get("event") in ("done", "kernel_died", "submission_timeout", "runner_error")
                     for e in events):
            tail = stderr.decode(errors="replace").strip().splitlines()[-1:] if stderr else []
            events.append({"event": "runner_error", "error": tail[0] if tail else f"exit code {process.returncode}"})
        return events


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 5:
        print("usage: python -m course_lib.exercises.runner NOTEBOOK PROGRESS CELL_TIMEOUT "
              "TOTAL_TIMEOUT WORKDIR", file=sys.stderr)
        return 2
    notebook, progress, cell_timeout, total_timeout, workdir = argv
    asyncio.run(run(notebook, progress, float(cell_timeout), float(total_timeout), workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
