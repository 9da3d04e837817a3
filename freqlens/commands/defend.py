"""``freqlens defend``: wrap a user's classifier in the post-averaging defense (Lin, Kasra Ahmadi, Jiang) and
evaluate it with the paper's defense-unaware protocol, an adaptive EOT attack, or both, side by side.

Example::

    freqlens defend --model mymodels:build --weights w.pt --radius 6 --eval both --data cifar10 --limit 100 \\
        --out runs/defend
    freqlens defend ... --attacks fgsm,pgd,deepfool,cw --cw-steps 200 --square-queries 500
"""
from __future__ import annotations

import argparse

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    add_speed_arguments,
    data_from_args,
    model_from_args,
    normalize_from_args,
    output_selector,
    prepare_out_dir,
    speed_options,
)
from freqlens.errors import InputError
from freqlens.results import atomic_write_json
from freqlens.validation import check_integer


def _floats(text: str | None, name: str):
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError(f"{name} must be comma-separated numbers, got {text!r}") from exc


def _defend(args: argparse.Namespace) -> int:
    import torch

    from freqlens.device import resolve_device
    from freqlens.interventions.post_averaging import PostAveraged
    from freqlens.plot.style import save_figure
    from freqlens.probes.defense import evaluate_adaptive, evaluate_paper_protocol, resolve_attack_names

    if args.limit is not None:
        check_integer(args.limit, "--limit")
    attacks = resolve_attack_names(args.attacks)
    check_integer(args.square_queries, "--square-queries (0: no Square Attack)", minimum=0)
    check_integer(args.cw_steps, "--cw-steps")
    device = resolve_device(args.device)
    out = prepare_out_dir(args.out)
    from freqlens.models.wrappers import with_input_transform

    model = with_input_transform(model_from_args(args, device), normalize_from_args(args)).eval()
    defended = PostAveraged(model, args.radius, n_directions=args.directions, mode=args.mode, seed=args.seed + 1,
                            radius_space=args.radius_space, input_std=_floats(args.input_std, "--input-std"),
                            max_batch=args.max_batch, output=output_selector(args), amp=args.amp,
                            **speed_options(args))
    x, y = data_from_args(args, model=model)
    progress = not args.no_progress
    evaluations = {}
    if args.eval in ("paper", "both"):
        evaluations["paper"] = evaluate_paper_protocol(model, defended, x, y, attacks=attacks, seed=args.seed,
                                                       progress=progress, cw_steps=args.cw_steps,
                                                       output=output_selector(args), amp=args.amp)
    if args.eval in ("adaptive", "both"):
        evaluations["adaptive"] = evaluate_adaptive(model, defended, x, y, steps=args.eot_steps,
                                                    attacker_directions=args.attacker_directions, seed=args.seed,
                                                    progress=progress, include_paper_pgd=args.eval == "adaptive",
                                                    square_queries=args.square_queries,
                                                    output=output_selector(args), amp=args.amp)
    summary = {"model": args.model, "weights": args.weights, "data": args.data, "n_images": int(y.numel()),
               "radius": defended.radius, "radius_space": defended.radius_space, "radius_pixel": defended.radius_pixel,
               "n_directions": defended.n_directions, "n_samples": defended.n_samples, "mode": defended.mode,
               "evaluations": {}}
    for name, ev in evaluations.items():
        ev.save(out / f"{name}.json")
        summary["evaluations"][name] = {"clean_accuracy_base": ev.clean_accuracy_base,
                                        "clean_accuracy_defended": ev.clean_accuracy_defended,
                                        "attacks": ev.attacks}
    if len(evaluations) == 2:
        from freqlens.plot.post_averaging import plot_side_by_side

        fig, _ = plot_side_by_side(evaluations["paper"], evaluations["adaptive"])
    else:
        fig, _ = next(iter(evaluations.values())).plot()
    save_figure(fig, out / "figure.png")
    atomic_write_json(out / "summary.json", summary)
    first = next(iter(evaluations.values()))
    print(f"post-averaged r = {defended.radius:g} ({defended.radius_space}; ≈ {defended.radius_pixel:.3g} in input "
          f"units), K = {defended.n_directions}, {defended.n_samples} passes/image, {int(y.numel())} images")
    print(f"clean accuracy: base {first.clean_accuracy_base:.3f}, defended {first.clean_accuracy_defended:.3f}")
    for name, ev in evaluations.items():
        for attack, a in ev.attacks.items():
            print(f"  [{name}] {attack:<12} defended accuracy {a['defended_accuracy']:.3f}  (base "
                  f"{a['base_accuracy']:.3f}; defense rate {a['defense_rate']:.3f} on {a['n_counted']} adversarials)")
    print(f"-> {out}/summary.json, figure.png")
    torch.cuda.empty_cache() if device.type == "cuda" else None
    return 0


def register(sub) -> None:
    """Add the ``freqlens defend`` subcommand to ``sub``: the post-averaging defense of a user's model (Lin et al.
    2019), with the paper's transfer evaluation and the adaptive one.

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``defend`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["defend"].parse_args(["--model", "pkg.mod:make", "--radius", "0.5"])
        >>> args.radius, args.directions, args.eval
        (0.5, 15, 'both')
    """
    p = sub.add_parser("defend", help="post-averaging defense of your model: paper-style and adaptive evaluation")
    add_model_arguments(p)
    p.add_argument("--radius", type=float, required=True,
                   help="averaging radius r")
    p.add_argument("--radius-space", choices=("normalized", "input"), default="normalized",
                   help="normalized: r in (x − mean)/std units (std read from a leading freqlens Normalize or "
                        "--input-std); "
                        "input: r in the units of the input tensor (e.g. [0, 1] pixels)")
    p.add_argument("--input-std", default=None,
                   help="per-channel std of the model's normalisation, e.g. 0.247,0.243,0.261")
    p.add_argument("--directions", type=int, default=15, help="K random directions per image")
    p.add_argument("--mode", choices=("random", "approx"), default="random", help="direction sampling")
    p.add_argument("--eval", choices=("paper", "adaptive", "both"), default="both",
                   help="paper: attacks on the base model, transferred; adaptive: EOT-PGD through the defense")
    p.add_argument("--eot-steps", type=int, default=20, help="PGD steps of the adaptive attack")
    p.add_argument("--attacker-directions", type=int, default=5, help="directions per EOT step")
    p.add_argument("--attacks", default="fgsm,pgd,deepfool,cw,pgd-fixed",
                   help="transfer attacks of the paper protocol, comma-separated: fgsm (FGSM sweep), pgd (minimal "
                        "PGD), deepfool (L2), cw (C&W L2), pgd-fixed (fixed-ε control); default all")
    p.add_argument("--cw-steps", type=int, default=1000,
                   help="C&W iterations per binary-search constant")
    p.add_argument("--square-queries", type=int, default=0,
                   help="adaptive eval: add the score-based Square Attack (L∞ 8/255) on the defended model with this "
                        "query budget per image")
    add_speed_arguments(p, window=False, max_batch_help="sample points of the averaged model per forward pass")
    add_common_arguments(p)
    p.set_defaults(func=_defend)
