"""pytest's configuration for the whole repository: nbval's kernels (``make notebooks``) are started again when
they die before they answer.

nbval starts each chapter's kernel on TCP ports that jupyter_client picks free and the kernel binds a moment
later; two workers starting kernels at once can pick the same port, and one kernel dies before it answers
("Kernel died before replying to kernel_info"). The grader avoids the race with Unix sockets
(``course_lib.exercises.runner``); nbval offers no such setting, so its start is retried instead.
"""
import functools

KERNEL_START_ATTEMPTS = 3


def retried(start, attempts=KERNEL_START_ATTEMPTS):
    """``start``, called again while it raises RuntimeError (how a kernel that did not answer fails), up to
    ``attempts`` calls in all."""
    @functools.wraps(start)
    def start_again_if_it_died(*args, **kwargs):
        for attempt in range(1, attempts + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError:
                if attempt == attempts:
                    raise
    return start_again_if_it_died


def pytest_configure(config):
    try:
        import nbval.kernel
    except ImportError:  # nbval is a development requirement only
        return
    start = getattr(nbval.kernel, "start_new_kernel", None)  # None if nbval renames it: tests/test_conftest.py fails
    if start is not None and not hasattr(start, "__wrapped__"):
        nbval.kernel.start_new_kernel = retried(start)
