"""Every recipe has a fast test (not marked slow) showing, at tiny size, that its null is measured with the
recipe's own gate and fails it (or, where a null passes, that the recipe is then reported FAIL). A new recipe
without such a test fails here."""
import ast
from pathlib import Path

import pytest

from freqlens.recipes import list_recipes

TESTS = Path(__file__).resolve().parents[1]

NULL_TESTS = {
    "adversarial-spectra": "recipes/test_fourier_robustness.py::test_adversarial_spectra_seed_null",
    "bandlimited-noise": "recipes/test_fourier_robustness.py::test_bandlimited_noise_checks_and_nulls",
    "corruption-spectra": "recipes/test_fourier_robustness.py::test_corruption_spectra_on_synthetic_power_law_images",
    "fourier-attack": "recipes/test_fourier_robustness.py::test_fourier_attack_gates_lower_bounds_and_nulls",
    "fourier-heatmap": "recipes/test_fourier_robustness.py::"
                       "test_fourier_heatmap_passes_on_a_high_frequency_model_and_its_nulls_fail",
    "fourier-heatmap-augmented": "recipes/test_fourier_robustness.py::test_heatmap_augmented_spec_h5_and_its_nulls",
    "hf-energy-scatter": "recipes/test_fourier_robustness.py::"
                         "test_hf_energy_scatter_permutation_null_with_few_corruptions",
    "lowpass-highpass": "recipes/test_fourier_robustness.py::test_lowpass_highpass_controls_are_chance_level",
    "layer-response": "recipes/test_layer_response.py::test_smooth_first_layer_passes_against_the_seed_null",
    "fprinciple-1d": "recipes/test_fprinciple.py::test_fprinciple_1d_passes_and_the_lookup_table_null_fails",
    "fprinciple-theorem": "recipes/test_fprinciple.py::"
                          "test_theorem_passes_on_real_networks_and_the_frequency_blind_null_fails",
    "fprinciple-jacobi": "recipes/test_fprinciple.py::test_jacobi_null_fails_the_network_gate",
    "fprinciple-init-scale": "recipes/test_fprinciple.py::test_init_scale_other_regime_fails_the_small_scale_gate",
    # the three filtering recipes share _filtering_recipe: its untrained and lookup-table nulls, and the A3.4 gate
    "fprinciple-mnist": "recipes/test_fprinciple.py::test_filtering_nulls_fail_the_gaps_at_tiny_size",
    "fprinciple-mnist1d": "recipes/test_fprinciple.py::"
                          "test_filtering_a34_synthetic_gate_passes_for_two_seeds_and_the_table_null_fails",
    "fprinciple-cifar10": "recipes/test_fprinciple.py::test_filtering_nulls_fail_the_gaps_at_tiny_size",
    "hfc-examples": "recipes/test_hfc.py::test_hfc_examples_untrained_control_fails_its_gate",
    "hfc-labels": "recipes/test_hfc.py::test_hfc_labels_controls_on_tiny_data",
    "hfc-one-component": "recipes/test_hfc.py::test_hfc_one_component_shuffled_labels_control_fails",
    "hfc-batch-size": "recipes/test_hfc.py::test_hfc_batch_size_is_smoke_at_quick_size",
    "hfc-heuristics": "recipes/test_hfc.py::test_hfc_heuristics_gates_v2_with_an_hfc_null",
    "hfc-batchnorm": "recipes/test_hfc.py::test_hfc_batchnorm_seed_spread_control",
    "kernel-smoothing": "recipes/test_kernel_smoothing.py::test_kernel_smoothing_recipe_path_on_tiny_models",
    "kernel-roughness-5x5": "recipes/test_kernel_roughness_5x5.py::"
                            "test_kernel_roughness_5x5_recipe_path_on_tiny_models",
    "kernel-regularizer": "recipes/test_kernel_regularizer.py::"
                          "test_kernel_regularizer_recipe_path_trains_and_caches_one_model_per_lambda",
    "kernel-fprinciple-regimes": "recipes/test_kernel_regimes.py::"
                                 "test_trained_model_passes_and_the_gaussian_null_fails_the_gate",
    "lfp-1d": "recipes/test_lfp.py::test_lfp_1d_every_gate_has_a_null_on_its_metric",
    "lfp-xor": "recipes/test_lfp.py::test_xor_bilinear_saddle_is_as_close_to_lfp_as_the_gate_allows",
    "lfp-generalization": "recipes/test_lfp.py::test_lfp_generalization_interpolant_nulls_at_tiny_size",
    "post-averaging-transfer": "recipes/test_post_averaging.py::"
                               "test_transfer_recipe_white_noise_control_fails_its_gate",
    "post-averaging-tradeoff": "recipes/test_post_averaging.py::test_cifar_recipes_code_path_on_a_tiny_model",
    "post-averaging-paper-eval": "recipes/test_post_averaging.py::test_cifar_recipes_code_path_on_a_tiny_model",
    "post-averaging-adaptive": "recipes/test_post_averaging.py::test_cifar_recipes_code_path_on_a_tiny_model",
    "spectral-bias-sinusoids": "recipes/test_spectral_bias.py::test_sinusoid_nulls_fail_each_gate_at_tiny_size",
    "spectral-bias-perturbation": "recipes/test_spectral_bias.py::"
                                  "test_perturbation_nulls_are_measured_on_their_gates_at_tiny_size",
    "spectral-bias-relu-decay": "recipes/test_spectral_bias.py::"
                                "test_relu_decay_band_holds_for_relu_and_fails_for_the_smooth_null",
    "spectral-bias-manifold": "recipes/test_spectral_bias.py::"
                              "test_manifold_seed_null_fails_the_petal_gate_at_tiny_size",
    "spectral-bias-binary": "recipes/test_spectral_bias.py::test_binary_circle_null_fails_the_learnability_gate",
    "spectral-bias-mnist-noise": "recipes/test_spectral_bias.py::test_mnist_noise_low_frequency_null_fails_both_gates",
    "spectral-bias-kernel-eigvecs": "recipes/test_spectral_bias.py::"
                                    "test_kernel_eigvecs_lookup_table_null_passes_the_low_index_gate_so_the_recipe_fails",
}


def _fast_tests(path: Path) -> set[str]:
    """Names of the test functions in ``path`` that are not marked slow."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            if not any("slow" in ast.unparse(d) for d in node.decorator_list):
                names.add(node.name)
    return names


def test_every_recipe_names_a_fast_null_test():
    assert set(NULL_TESTS) == {r.name for r in list_recipes()}


@pytest.mark.parametrize("recipe", sorted(NULL_TESTS))
def test_the_named_null_test_exists_and_is_fast(recipe):
    file, name = NULL_TESTS[recipe].split("::")
    assert name in _fast_tests(TESTS / file), f"{recipe}: {NULL_TESTS[recipe]} is missing or marked slow"
