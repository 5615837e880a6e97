"""course_lib: the tested code behind the course on generative models.

Notebooks start with ``device = course_lib.setup()``; everything else lives in
submodules (``data``, ``train``, ``plotting``, one module per model family).
"""
from .display import show_source
from .runtime import device, setup

__all__ = ["device", "setup", "show_source"]
__version__ = "0.1.0"
