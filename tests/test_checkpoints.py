"""course_lib.checkpoints: round trips, SHA-256, refusals that leave files untouched, clear errors."""
import re

import pytest
import torch

from course_lib import checkpoints
from course_lib import vae as V

TINY = V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.0)


def _exactly(message):
    return "^" + re.escape(message) + "$"


@pytest.fixture
def model():
    torch.manual_seed(0)
    return V.VAE(TINY)


def test_round_trip_keeps_config_weights_and_dtype(model, tmp_path):
    path = tmp_path / "vae.pt"
    digest = checkpoints.save(model, path)
    assert digest == checkpoints.sha256(path) and len(digest) == 64
    loaded = checkpoints.load(path, V.VAE, sha256_digest=digest)
    assert loaded.config == model.config and not loaded.training
    for name, value in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value, rtol=0, atol=0)
    double = V.VAE(TINY).double()
    checkpoints.save(double, tmp_path / "double.pt")
    assert checkpoints.load(tmp_path / "double.pt", V.VAE).dtype == torch.float64


def test_equal_weights_give_identical_files_whatever_the_name(model, tmp_path):
    first, second = checkpoints.save(model, tmp_path / "a.pt"), checkpoints.save(model, tmp_path / "other-name.pt")
    assert first == second  # a rebuilt shipped model can be checked by its digest
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "other-name.pt").read_bytes()


def test_save_never_overwrites_unless_asked(model, tmp_path):
    path = tmp_path / "mine.pt"
    path.write_bytes(b"a student's own file")
    with pytest.raises(FileExistsError, match=_exactly(f"path {str(path)!r} exists; pass overwrite=True to replace it")):
        checkpoints.save(model, path)
    assert path.read_bytes() == b"a student's own file"
    checkpoints.save(model, path, overwrite=True)
    assert checkpoints.load(path, V.VAE).config == TINY
    assert [p.name for p in tmp_path.iterdir()] == ["mine.pt"]  # no temporary file left behind


def test_save_errors(model, tmp_path):
    with pytest.raises(FileNotFoundError, match=_exactly(f"path: folder {str(tmp_path / 'nowhere')!r} does not exist")):
        checkpoints.save(model, tmp_path / "nowhere" / "m.pt")
    with pytest.raises(IsADirectoryError, match=r"^path .* is a folder; expected a file name such as 'model.pt'$"):
        checkpoints.save(model, tmp_path)
    with pytest.raises(TypeError, match=_exactly("model must be a torch.nn.Module, got str")):
        checkpoints.save("model", tmp_path / "m.pt")
    with pytest.raises(TypeError, match=_exactly("model must have a dataclass config (model.config), got NoneType")):
        checkpoints.save(torch.nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(TypeError, match=_exactly("path must be a file path (str or path-like), got int")):
        checkpoints.save(model, 3)
    with pytest.raises(TypeError, match=_exactly("overwrite must be True or False, got str 'yes'")):
        checkpoints.save(model, tmp_path / "m.pt", overwrite="yes")


def test_sha256_mismatch_is_refused_before_reading(model, tmp_path):
    path = tmp_path / "vae.pt"
    checkpoints.save(model, path)
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: SHA-256 is [0-9a-f]{{64}}, expected 00ff; the file"):
        checkpoints.load(path, V.VAE, sha256_digest="00ff")


@pytest.mark.parametrize("content, message", [
    (b"", "empty file; expected a checkpoint written by course_lib.checkpoints.save"),
    (b"PK\x03\x04 not really a zip", "not a readable checkpoint (truncated or another format: RuntimeError)"),
    (b"plain text, not a checkpoint", "not a readable checkpoint (truncated or another format: "),
])
def test_empty_truncated_and_foreign_files(tmp_path, content, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: {message}")):
        checkpoints.load(path, V.VAE)


def test_a_truncated_checkpoint(model, tmp_path):
    path = tmp_path / "cut.pt"
    checkpoints.save(model, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: not a readable checkpoint \(truncated"):
        checkpoints.load(path, V.VAE)


def test_foreign_torch_files_and_other_models(model, tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(model.state_dict(), path)  # a bare state_dict, as many tutorials save
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: not a course checkpoint: expected keys"):
        checkpoints.load(path, V.VAE)
    checkpoints.save(model, tmp_path / "vae.pt")

    class Other(torch.nn.Module):
        config_class = V.VAEConfig

    with pytest.raises(ValueError, match=_exactly(f"{tmp_path / 'vae.pt'}: holds a VAE, not a Other")):
        checkpoints.load(tmp_path / "vae.pt", Other)
    with pytest.raises(FileNotFoundError, match=_exactly(f"path: checkpoint {str(tmp_path / 'no.pt')!r} not found")):
        checkpoints.load(tmp_path / "no.pt", V.VAE)
    with pytest.raises(TypeError, match=r"^model_class must be a course model class with a config_class, got 'VAE'$"):
        checkpoints.load(tmp_path / "vae.pt", "VAE")


def _saved_dict(model, tmp_path):
    path = tmp_path / "vae.pt"
    checkpoints.save(model, path, overwrite=True)
    return path, torch.load(path, weights_only=True)


def test_mismatched_weights_and_unknown_config_keys_are_named(model, tmp_path):
    path, checkpoint = _saved_dict(model, tmp_path)
    state = checkpoint["state_dict"]
    state["extra.weight"] = state.pop("decoder.0.weight")
    state["encoder.0.bias"] = torch.zeros(5)
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match=re.escape(
            "weights do not match the VAE config: missing keys ['decoder.0.weight'], unexpected keys "
            "['extra.weight'], shape mismatches ['encoder.0.bias: expected (16,), got (5,)']")):
        checkpoints.load(path, V.VAE)
    path, checkpoint = _saved_dict(model, tmp_path)
    checkpoint["config"]["width"] = 7
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match=re.escape("config has unknown keys ['width']; expected some of")):
        checkpoints.load(path, V.VAE)


def test_files_holding_code_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"config": V.VAEConfig(), "state_dict": {}}, path)  # a custom class: unpickling would run code
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: not a course checkpoint: it holds objects "
                                         r"other than plain data, which weights_only loading refuses"):
        checkpoints.load(path, V.VAE)
