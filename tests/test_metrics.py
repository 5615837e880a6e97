"""course_lib.metrics: the measures chapter 7 defines (so far bits per dimension)."""
import math

import pytest
import torch

from course_lib.metrics import bits_per_dim


def test_bits_per_dim_divides_nats_by_dimensions_times_ln2():
    assert bits_per_dim(64 * math.log(17), 64) == pytest.approx(math.log2(17))
    torch.testing.assert_close(bits_per_dim(torch.tensor([0.0, 44.3614195558365]), 64),
                               torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"^num_dims must be an int >= 1, got 0$"):
        bits_per_dim(1.0, 0)
    with pytest.raises(TypeError, match=r"^nll_nats must be a number, array or tensor, got str$"):
        bits_per_dim("1", 64)
