"""plot_attack_result: a histogram of the successful perturbation sizes of one attack, in the attack's norm."""
import matplotlib.pyplot as plt
import numpy as np
import torch

from freqlens.attacks.result import AttackResult
from freqlens.plot.attacks import plot_attack_result


def _result(attack="pgd", norm="linf", success=(True, True, False, True), clean_ok=(True, True, True, False)):
    n = len(success)
    labels = torch.zeros(n, dtype=torch.long)
    clean = torch.tensor([0 if ok else 1 for ok in clean_ok])
    linf = torch.tensor([0.1, 0.2, 0.3, 0.4])[:n]
    l2 = torch.tensor([1.0, 2.0, 3.0, 4.0])[:n]
    return AttackResult(attack=attack, adversarial=torch.zeros(n, 1, 2, 2), perturbation=torch.zeros(n, 1, 2, 2),
                        labels=labels, success=torch.tensor(success), linf=linf, l2=l2, clean_pred=clean,
                        params={"norm": norm})


def _drawn(ax):
    """Total count and the covered x range of the histogram bars."""
    bars = ax.patches
    return sum(b.get_height() for b in bars), min(b.get_x() for b in bars), max(b.get_x() + b.get_width() for b in bars)


def test_histogram_holds_only_successes_on_clean_correct_images_in_linf():
    fig, ax = plot_attack_result(_result())
    count, lo, hi = _drawn(ax)
    assert count == 2                                  # images 0 and 1: success and clean-correct
    assert lo == np.float32(0.1) and np.isclose(hi, 0.2)
    assert ax.get_xlabel() == "L∞ perturbation (input units)" and ax.get_ylabel() == "images"
    assert ax.get_title().startswith("pgd: success") and "% of correct images" in ax.get_title()
    plt.close(fig)


def test_minimal_attacks_are_drawn_in_l2():
    fig, ax = plot_attack_result(_result(attack="deepfool", norm="linf"))
    count, lo, hi = _drawn(ax)
    assert ax.get_xlabel().startswith("L2") and count == 2 and lo == 1.0 and np.isclose(hi, 2.0)
    plt.close(fig)


def test_no_success_draws_a_note_not_an_empty_axis():
    fig, ax = plot_attack_result(_result(success=(False,) * 4))
    assert not ax.patches and any("no successful adversarial" in t.get_text() for t in ax.texts)
    plt.close(fig)
