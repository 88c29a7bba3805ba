"""Importer speed: symrf.from_torch + a full analysis against what the model itself costs, measured in one run.

Targets (the issue "Analyse real models"):

- ``from_torch`` + full analysis of torchvision's resnet50 (model already built): at most 0.75x one warm forward
  pass of the same model on a 1x3x224x224 input (``torch.fx.symbolic_trace`` alone is printed for scale);
- ``symrf rf --torch torchvision.models:resnet50`` as a whole process: at most 1.3x
  ``python -c "import torch, torchvision; torchvision.models.resnet50()"``;
- an input of 8192x8192 costs the importer nothing more than 224x224 (no activations are ever allocated).

Needs torch and torchvision (``pip install torch torchvision``, CPU is enough). Run: ``python bench/bench_import.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time

import torch
import torchvision
from timing import best_of, symrf_command

import symrf

MODELS = ("resnet50", "vgg16", "mobilenet_v2", "efficientnet_b0", "densenet121", "convnext_tiny")


def process_time(command: list[str], repeats: int = 3) -> float:
    """The best wall time of a whole process."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} threads")
    model = torchvision.models.resnet50().eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        model(x)
        forward = best_of(5, lambda: model(x))
    trace = best_of(5, lambda: torch.fx.symbolic_trace(model))
    imported = best_of(5, lambda: symrf.analyze(symrf.from_torch(model, 224), (224, 224)).rows)
    print(f"resnet50 forward pass (1x3x224x224, warm): {forward * 1000:7.1f} ms")
    print(f"torch.fx.symbolic_trace alone:             {trace * 1000:7.1f} ms  ({trace / forward:.2f}x)")
    print(f"from_torch + full analysis:                {imported * 1000:7.1f} ms  ({imported / forward:.2f}x, "
          f"target <= 0.75x)")
    large = best_of(5, lambda: symrf.analyze(symrf.from_torch(model, 8192), (8192, 8192)).rows)
    print(f"the same at 8192x8192:                     {large * 1000:7.1f} ms  ({large / imported:.2f}x of 224)")

    baseline = process_time([sys.executable, "-c", "import torch, torchvision; torchvision.models.resnet50()"])
    whole = process_time(symrf_command("rf", "--torch", "torchvision.models:resnet50", "--input-size", "224"))
    print(f"python -c 'import torch, torchvision; resnet50()': {baseline:6.2f} s")
    print(f"symrf rf --torch torchvision.models:resnet50:      {whole:6.2f} s  ({whole / baseline:.2f}x, "
          f"target <= 1.3x)")

    started = time.perf_counter()
    family = symrf.analyze(symrf.from_torch(torchvision.models.resnet50(), symbolic="counts"))
    spent = time.perf_counter() - started
    stage = family.layer("layer4")
    at = {"n_layer1": 3, "n_layer2": 4, "n_layer3": 6, "n_layer4": 3}
    print(f"\nresnet50's family (symbolic='counts', {spent * 1000:.0f} ms): layer4 rf = {stage.rf[0]}")
    print(f"  at (3, 4, 6, 3): {family.subs(**at).layer('layer4').rf[0]} (resnet50: 427); "
          f"at (3, 4, 23, 3): {family.subs(**{**at, 'n_layer3': 23}).layer('layer4').rf[0]} (resnet101: 971)")

    print("\nlast feature layer of torchvision models at 224x224 (rf, rf_local, jump, effective padding):")
    for name in MODELS:
        net = getattr(torchvision.models, name)().eval()
        started = time.perf_counter()
        analysis = symrf.analyze(symrf.from_torch(net, 224), (224, 224))
        spent = time.perf_counter() - started
        row = analysis.layer("features" if name != "resnet50" else "layer4")
        print(f"  {name:16s} rf {row.rf}  rf_local {row.rf_local}  jump {row.jump}  "
              f"eff. pad {row.effective_padding}  ({spent * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
