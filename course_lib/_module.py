"""The base of every ``nn.Module`` model in the course: built from a frozen config, placed by its parameters."""
from torch import nn


class ConfiguredModule(nn.Module):
    """An ``nn.Module`` built as ``Model(config)`` from a frozen config dataclass (``Model.config_class``).

    ``config=None`` takes the config's defaults. ``device`` and ``dtype`` are
    those of the parameters, where inputs are moved. :mod:`course_lib.checkpoints`
    saves and loads every such model.
    """

    config_class = None  # set by each model

    def __init__(self, config=None):
        super().__init__()
        config = self.config_class() if config is None else config
        if not isinstance(config, self.config_class):
            raise TypeError(f"config must be a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config

    @property
    def device(self):
        return next(self.parameters()).device

    @property
    def dtype(self):
        """The parameters' floating-point dtype (inputs are cast to it)."""
        return next(self.parameters()).dtype
