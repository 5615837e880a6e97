"""The course's command lines share one parser whose usage errors are one line and exit status 2."""
import argparse
import functools


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, ``<command>: error: ...`` (the usage is under ``--help``).

    ``command`` is the top-level program's name (default ``prog``); sub-commands' parsers inherit it.
    """

    def __init__(self, *args, command=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.command = command or self.prog

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(OneLineParser, command=self.command))
        return super().add_subparsers(**kwargs)

    def error(self, message):
        self.exit(2, f"{self.command}: error: {message} (see '{self.prog} --help')\n")
