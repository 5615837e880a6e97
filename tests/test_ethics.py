"""Chapter 9's runs: seeded, shaped as documented, and measuring what they say."""
import pytest
import torch

from course_lib import data, ethics, pretrained
from course_lib.watermark import GreenList


@pytest.fixture(scope="module")
def names_model():
    return pretrained.load("names-mlp")


def test_a_memorising_vae_is_caught_and_the_run_repeats():
    run = ethics.membership_run(20, 200, seed=0, num_resamples=50)
    assert run["auc"] > 0.9 and run["auc_low"] <= run["auc"] <= run["auc_high"] and run["epsilon"] is None
    assert run["train_nll"] < run["test_nll"]
    assert ethics.membership_run(20, 200, seed=0, num_resamples=50) == run


def test_a_private_run_reports_its_epsilon():
    run = ethics.membership_run(40, 2, seed=0, noise_multiplier=1.0, num_resamples=20)
    assert 0 < run["epsilon"] < float("inf") and 0 <= run["auc"] <= 1


def test_watermark_run_groups_consecutive_names_and_prices_the_watermark(names_model):
    run = ethics.watermark_run(names_model, 4.0, n=40, names_per_text=(1, 8))
    one, eight = run["rows"]
    assert (one["names"], eight["names"]) == (1, 8) and 7.5 * one["symbols"] < eight["symbols"] < 8.5 * one["symbols"]
    assert eight["median_z"] > one["median_z"] and 0 <= eight["detected"] <= 1
    assert run["nll_marked"] > run["nll_plain"]  # the watermark pulls samples away from the model's own choices


def test_edits_replace_the_requested_share_with_letters_of_the_alphabet():
    names = ["abcdefghij" * 10]
    assert ethics.edit_names(names, 0.0, "xyz") == names
    assert set(ethics.edit_names(names, 1.0, "xyz")[0]) <= set("xyz")
    edited = ethics.edit_names(names, 0.3, "xyz", seed=1)
    assert 15 < sum(a != b for a, b in zip(names[0], edited[0])) < 45
    assert ethics.edit_names(names, 0.3, "xyz", seed=1) == edited
    with pytest.raises(ValueError, match="share"):
        ethics.edit_names(names, 1.5, "xyz")


def test_false_positives_are_counted_over_texts_of_real_names(names_model):
    vocabulary = names_model.vocabulary
    lists = GreenList.for_vocabulary("k", vocabulary, gamma=0.5)
    marked = names_model.sample(16, watermark=GreenList.for_vocabulary("k", vocabulary, delta=8.0),
                                generator=torch.Generator().manual_seed(0))
    assert ethics.false_positive_rate(lists, vocabulary, marked, names_per_text=8) == (1.0, 2)
    rate, texts = ethics.false_positive_rate(lists, vocabulary, ["smith", "jones"] * 8, names_per_text=4)
    assert texts == 4 and rate in (0.0, 1.0)  # the same text four times: all or none


def test_imbalanced_digits_keep_the_requested_share_of_one_class():
    x, y = ethics.imbalanced_digits(rare_class=3, keep=0.1, seed=0)
    full = data.load_digits("train")[1]
    assert int((y == 3).sum()) == round(0.1 * int((full == 3).sum()))
    assert all(int((y == c).sum()) == int((full == c).sum()) for c in range(10) if c != 3) and len(x) == len(y)
    kept = ethics.imbalanced_digits(keep=0.001)[1]
    assert int((kept == ethics.RARE_CLASS).sum()) == 1  # never none: the class stays defined
    with pytest.raises(ValueError, match="keep"):
        ethics.imbalanced_digits(keep=0)
    with pytest.raises(ValueError, match="rare_class"):
        ethics.imbalanced_digits(rare_class=12)


def test_bias_run_reports_shares_and_refuses_an_unknown_remedy():
    run = ethics.bias_run("mixture of 10 categoricals", remedy="conditional", n=200)
    assert abs(sum(run["sample_shares"]) - 1) < 1e-9 and run["sample_share"] == run["sample_shares"][ethics.RARE_CLASS]
    assert 0.005 < run["train_share"] < 0.02
    with pytest.raises(ValueError, match="remedy"):
        ethics.bias_run("VAE", remedy="conditional")
    with pytest.raises(ValueError, match="family"):
        ethics.bias_run("GAN")


def test_a_memorising_vae_samples_near_copies():
    run = ethics.membership_run(20, 200, seed=0, num_resamples=20)
    assert run["nearest_sample"] < run["nearest_held_out"]


def test_a_names_model_trained_long_on_few_names_copies_them_and_the_run_repeats():
    run = ethics.names_copy_run(30, seed=0, steps=300, num_samples=200)
    assert run["epochs"] == 300 and run["copies"] > 0.3 > run["held_out"]
    assert run["train_nll"] < run["test_nll"]
    assert ethics.names_copy_run(30, seed=0, steps=300, num_samples=200) == run
    with pytest.raises(ValueError, match="n must be"):
        ethics.names_copy_run(0, seed=0)


def test_detection_tells_independent_pixels_from_digits_and_repeats():
    run = ethics.detection_run("independent pixels", seed=1)
    assert run["accuracy"] > 0.8 and run["fid"] > 100 and run["vae_epochs"] is None
    assert ethics.detection_run("independent pixels", seed=1) == run
    with pytest.raises(ValueError, match="family"):
        ethics.detection_run("flow", seed=0)
    with pytest.raises(ValueError, match="vae_epochs"):
        ethics.detection_run("VAE", seed=0, vae_epochs=0)


def test_cost_run_times_a_training_and_counts_its_parameters():
    row = ethics.cost_run("mixture of 10 categoricals")
    assert row["parameters"] == 10 + 10 * 64 * data.NUM_LEVELS and row["seconds"] > 0 and row["threads"] >= 1
    with pytest.raises(ValueError, match="name"):
        ethics.cost_run("gpt-3")
