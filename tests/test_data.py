import gzip
import struct

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits as sklearn_digits

from course_lib import data


@pytest.mark.parametrize("split, size", [("train", 1000), ("val", 350), ("test", 447), ("all", 1797)])
def test_load_digits_split_sizes_and_levels(split, size):
    images, labels = data.load_digits(split)
    assert images.shape == (size, 64) and images.dtype == torch.float32
    assert labels.shape == (size,) and labels.dtype == torch.int64
    assert set(images.unique().tolist()) <= set(range(data.NUM_LEVELS))
    assert set(labels.unique().tolist()) <= set(range(10))


def test_load_digits_follows_file_order_of_scikit_learn():
    reference = sklearn_digits()
    images, labels = data.load_digits("val")
    np.testing.assert_array_equal(images.numpy(), reference.data[1000:1350])
    np.testing.assert_array_equal(labels.numpy(), reference.target[1000:1350])
    test_images, _ = data.load_digits("test")
    np.testing.assert_array_equal(test_images[0].numpy(), reference.data[1350])


def test_load_digits_names_valid_splits():
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'val', 'test', 'all'\], got 'tarin'"):
        data.load_digits(split="tarin")


@pytest.mark.parametrize("name", data.TOY2D_NAMES)
def test_toy2d_shapes_and_repeatability(name):
    x, labels = data.toy2d(name, n=500, seed=3)
    assert x.shape == (500, 2) and x.dtype == torch.float32
    assert labels.shape == (500,) and labels.dtype == torch.int64
    x_again, _ = data.toy2d(name, n=500, seed=3)
    torch.testing.assert_close(x, x_again)
    x_other, _ = data.toy2d(name, n=500, seed=4)
    assert not torch.equal(x, x_other)


@pytest.mark.parametrize("name, modes", [("ring", 8), ("grid", 25)])
def test_toy2d_modes_sit_where_documented(name, modes):
    x, labels = data.toy2d(name, n=20000, seed=0)
    assert labels.unique().numel() == modes
    centres = torch.stack([x[labels == k].mean(0) for k in range(modes)])
    if name == "ring":
        torch.testing.assert_close(centres.norm(dim=1), torch.full((modes,), 2.0), atol=0.01, rtol=0)
    else:
        torch.testing.assert_close(centres, centres.round(), atol=0.01, rtol=0)
        assert centres.abs().max().round() == 2
    spread = torch.stack([x[labels == k].std(0) for k in range(modes)])
    torch.testing.assert_close(spread, torch.full_like(spread, 0.05), atol=0.005, rtol=0)


def test_toy2d_does_not_touch_global_random_state():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    data.toy2d("moons", n=100)
    torch.testing.assert_close(torch.rand(3), expected)


def test_toy2d_errors():
    with pytest.raises(ValueError, match=r"name must be one of \['ring', 'grid', 'moons', 'spirals'\], got 'unknown'"):
        data.toy2d("unknown")
    with pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        data.toy2d("ring", n=0)
    with pytest.raises(TypeError, match=r"n must be an int, got float 10\.0"):
        data.toy2d("ring", n=10.0)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0, got -1"):
        data.toy2d("ring", noise=-1)


def test_load_names_is_a_clean_fixed_partition():
    train, val, test = (data.load_names(s) for s in ("train", "val", "test"))
    everything = data.load_names("all")
    assert len(train) + len(val) + len(test) == len(everything)
    assert not (set(train) & set(val) or set(train) & set(test) or set(val) & set(test))
    assert len(set(everything)) == len(everything)
    assert all(name.isalpha() and name == name.lower() and name.isascii() for name in everything)
    assert len(train) == int(0.8 * len(everything))
    assert data.load_names("train") == train  # same order every call
    assert {"mary", "james"} <= set(everything)


def test_census_coverage_reads_the_lists_cut_off_and_rare_names():
    last = data.census_coverage("last")
    assert last["names"] == len(data.load_names("all", "last")) == 88799  # every surname is made of letters
    assert 0.90 < last["covered"] < 0.91  # the lists stop at about 90% of the people counted
    assert 0.5 < last["rare"] / last["names"] < 1  # most listed surnames are each below 0.0005% of people
    female, male = data.census_coverage("female first"), data.census_coverage("male first")
    listed = data.load_first_names_by_sex("all")[0]
    on_both = len(listed) - len(set(listed))  # names on both lists ("jordan"), counted once by load_names
    assert female["names"] + male["names"] - on_both == len(data.load_names("all", "first"))
    with pytest.raises(ValueError, match="kind must be one of"):
        data.census_coverage("first")


def test_load_names_kinds():
    first, last, both = (set(data.load_names("all", kind=k)) for k in data.NAME_KINDS)
    assert 4000 < len(first) < 6000 and len(last) > 80000
    assert both == first | last
    with pytest.raises(ValueError, match=r"kind must be one of \['first', 'last', 'all'\], got 'middle'"):
        data.load_names(kind="middle")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_names(split="dev")


def _write_idx(path, array, type_code=0x08, compress=False):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(data.IDX_DTYPES[type_code]).tobytes()
    (gzip.open if compress else open)(path, "wb").write(payload)


@pytest.fixture
def mnist_dir(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", images)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, compress=True)
    return tmp_path, images, labels


def test_load_mnist_reads_idx_files(mnist_dir):
    root, images, labels = mnist_dir
    x, y = data.load_mnist(root)
    assert x.dtype == torch.uint8 and x.shape == (5, 28, 28)
    np.testing.assert_array_equal(x.numpy(), images)
    assert y.tolist() == labels.tolist() and y.dtype == torch.int64


def test_read_idx_big_endian_types(tmp_path):
    values = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    _write_idx(tmp_path / "ints", values, type_code=0x0C)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "ints"), values)
    floats = np.linspace(0, 1, 4)
    _write_idx(tmp_path / "floats", floats, type_code=0x0E)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "floats"), floats)


def test_load_mnist_errors_name_the_file(mnist_dir, tmp_path):
    root, images, _ = mnist_dir
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        data.load_mnist(root, split="test")
    with pytest.raises(FileNotFoundError, match="MNIST folder not found"):
        data.load_mnist(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'test'\]"):
        data.load_mnist(root, split="val")
    truncated = root / "train-images-idx3-ubyte"
    truncated.write_bytes(truncated.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: truncated or padded IDX data: shape \(5, 28, 28\)"):
        data.load_mnist(root)
    truncated.write_bytes(b"PK\x03\x04 this is a zip file")
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: not an IDX file"):
        data.load_mnist(root)
    truncated.write_bytes(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(ValueError, match="unknown IDX type code 0x42"):
        data.read_idx(truncated)
    truncated.write_bytes(bytes([0, 0, 0x08, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated IDX header"):
        data.read_idx(truncated)
    (root / "broken.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="broken.gz: cannot be read as a gzip file"):
        data.read_idx(root / "broken.gz")


def test_load_digits_returns_fresh_tensors():
    images, labels = data.load_digits("train")
    images[0] = -1
    labels[0] = -1
    again_images, again_labels = data.load_digits("train")
    assert again_images.min() >= 0 and again_labels.min() >= 0


def test_toy2d_checks_sizes_noise_and_seeds_before_drawing():
    import re

    with pytest.raises(ValueError, match=r"^noise must be a number <= 100, got 1e\+308$"):
        data.toy2d("ring", noise=1e308)
    with pytest.raises(ValueError, match=r"^n=10000000000 would need about 596\.0 GiB, more than the 2 GiB one call may use"):
        data.toy2d("ring", n=10**10)
    with pytest.raises(TypeError, match=re.escape("seed must be an int, got str '0'")):
        data.toy2d("ring", seed="0")
    x, _ = data.toy2d("ring", n=5, seed=np.int64(2))
    assert torch.isfinite(x).all()


def test_shuffled_digit_splits_partition_the_images_with_the_fixed_sizes():
    reference = sklearn_digits()
    splits = {s: data.load_digits(s, shuffle_seed=3) for s in ("train", "val", "test")}
    assert [len(splits[s][0]) for s in ("train", "val", "test")] == [1000, 350, 447]
    order = np.random.default_rng(3).permutation(1797)  # the documented permutation
    for split, rows in (("train", order[:1000]), ("val", order[1000:1350]), ("test", order[1350:])):
        np.testing.assert_array_equal(splits[split][0].numpy(), reference.data[rows])
        np.testing.assert_array_equal(splits[split][1].numpy(), reference.target[rows])
    everything = np.concatenate([splits[s][0].numpy() for s in ("train", "val", "test")])
    assert sorted(map(bytes, everything.astype(np.uint8))) == sorted(map(bytes, reference.data.astype(np.uint8)))
    all_images, _ = data.load_digits("all", shuffle_seed=3)
    np.testing.assert_array_equal(all_images.numpy(), reference.data[order])


def test_shuffled_digit_splits_repeat_per_seed_and_default_to_the_fixed_split():
    first, first_labels = data.load_digits("test", shuffle_seed=0)
    again, again_labels = data.load_digits("test", shuffle_seed=np.int64(0))
    assert torch.equal(first, again) and torch.equal(first_labels, again_labels)
    other, _ = data.load_digits("test", shuffle_seed=1)
    assert not torch.equal(first, other)
    fixed, _ = data.load_digits("test")
    assert torch.equal(fixed, data.load_digits("test", shuffle_seed=None)[0]) and not torch.equal(fixed, first)
    # a shuffled split mixes the file-order blocks: its test split draws from all of them
    positions = np.random.default_rng(0).permutation(1797)[1350:]
    assert (positions < 1000).any() and ((positions >= 1000) & (positions < 1350)).any() and (positions >= 1350).any()


def test_shuffle_seed_errors():
    with pytest.raises(ValueError, match="^shuffle_seed must be an int >= 0, got -1$"):
        data.load_digits("train", shuffle_seed=-1)
    with pytest.raises(TypeError, match=r"^shuffle_seed must be an int, got float 1\.0$"):
        data.load_digits("train", shuffle_seed=1.0)
    with pytest.raises(TypeError, match="^shuffle_seed must be an int, got bool True$"):
        data.load_digits("train", shuffle_seed=True)


def test_mode_coverage_counts_modes_and_near_samples():
    x, labels = data.toy2d("ring", n=4000, seed=0, noise=0.02)
    scored = data.mode_coverage(x, "ring", noise=0.02)
    assert scored["modes"] == 8 and 0.98 < scored["near"] < 0.995  # a 3-std disc holds 98.9% of a 2-D Gaussian
    torch.testing.assert_close(scored["counts"], torch.bincount(labels, minlength=8), atol=40, rtol=0)
    collapsed = data.mode_centres("ring")[[0, 0, 0, 1]].repeat(100, 1)  # three quarters on mode 0
    assert data.mode_coverage(collapsed, "ring", noise=0.02)["modes"] == 2
    between = torch.zeros(50, 2)  # the ring's centre is near no mode
    empty = data.mode_coverage(between, "ring", noise=0.02)
    assert empty["modes"] == 0 and empty["near"] == 0.0 and int(empty["counts"].sum()) == 0
    assert data.mode_centres("grid").shape == (25, 2)
    with pytest.raises(ValueError, match=r"^name must be one of \['ring', 'grid'\], got 'moons'$"):
        data.mode_coverage(x, "moons")
    with pytest.raises(ValueError, match=r"^samples must have shape \(N, 2\), got \(4000, 3\)$"):
        data.mode_coverage(torch.zeros(4000, 3))
