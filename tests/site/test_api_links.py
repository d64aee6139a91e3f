"""API names in inline code link to the official reference (pytorch_mechanics.api_links).

The URL rules are checked name by name against where the PyTorch, torchvision,
Lightning and torchmetrics documentation put each kind of object; a scratch
site shows that a misspelled name fails the strict build, naming page and line.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO

from pytorch_mechanics import api_links

TORCH = "https://docs.pytorch.org/docs/stable/"
VISION = "https://docs.pytorch.org/vision/stable/"
LIGHTNING = "https://lightning.ai/docs/pytorch/stable/api/"
METRICS = "https://lightning.ai/docs/torchmetrics/stable/"

EXPECTED = {
    # functions and classes with a generated page, written with their alias
    "torch.zeros": TORCH + "generated/torch.zeros.html",
    "torch.no_grad": TORCH + "generated/torch.no_grad.html",
    "nn.Linear": TORCH + "generated/torch.nn.Linear.html",
    "F.relu": TORCH + "generated/torch.nn.functional.relu.html",
    "optim.SGD": TORCH + "generated/torch.optim.SGD.html",
    "torch.optim.lr_scheduler.StepLR": (
        TORCH + "generated/torch.optim.lr_scheduler.StepLR.html"
    ),
    # modules whose page is not their name less "torch."
    "torch.compiler": TORCH + "torch.compiler.html",
    "torch.compiler.config": TORCH + "torch.compiler.config.html",
    "torch.overrides": TORCH + "torch.overrides.html",
    "torch.utils.checkpoint": TORCH + "checkpoint.html",
    "torch.autograd.forward_ad": (
        TORCH + "autograd.html#forward-mode-automatic-differentiation"
    ),
    # documented under the module that defines them
    "nn.Parameter": TORCH + "generated/torch.nn.parameter.Parameter.html",
    "nn.Flatten": TORCH + "generated/torch.nn.modules.flatten.Flatten.html",
    "torch.set_grad_enabled": (
        TORCH + "generated/torch.autograd.grad_mode.set_grad_enabled.html"
    ),
    "torch.utils.data.DistributedSampler": (
        TORCH + "data.html#torch.utils.data.distributed.DistributedSampler"
    ),
    # modules, and modules documented on one page
    "torch": TORCH + "torch.html",
    "torch.nn.functional": TORCH + "nn.functional.html",
    "torch.utils.data": TORCH + "data.html",
    "nn.init.xavier_uniform_": TORCH + "nn.init.html#torch.nn.init.xavier_uniform_",
    "torch.utils.data.DataLoader": TORCH + "data.html#torch.utils.data.DataLoader",
    "torch.distributed.all_reduce": (
        TORCH + "distributed.html#torch.distributed.all_reduce"
    ),
    # pages of their own, dtypes and layouts
    "torch.Tensor": TORCH + "tensors.html",
    "torch.finfo": TORCH + "type_info.html#torch.finfo",
    "torch.float32": TORCH + "tensor_attributes.html#torch.dtype",
    "torch.strided": TORCH + "tensor_attributes.html#torch.layout",
    # tensor members
    "torch.Tensor.view": TORCH + "generated/torch.Tensor.view.html",
    "torch.Tensor.is_leaf": TORCH + "generated/torch.Tensor.is_leaf.html",
    "torch.Tensor.T": TORCH + "tensors.html#torch.Tensor.T",
    "torch.Tensor.grad_fn": TORCH + "autograd.html#autograd-graph",
    "torch.Tensor.data": TORCH + "tensors.html",
    # members of other classes: the class that defines them
    "nn.Linear.forward": TORCH
    + "generated/torch.nn.Linear.html#torch.nn.Linear.forward",
    "nn.Linear.state_dict": (
        TORCH + "generated/torch.nn.Module.html#torch.nn.Module.state_dict"
    ),
    "nn.Module.__call__": TORCH + "generated/torch.nn.Module.html",
    "optim.SGD.zero_grad": TORCH + "generated/torch.optim.Optimizer.zero_grad.html",
    # torchvision
    "torchvision.datasets.MNIST": VISION + "generated/torchvision.datasets.MNIST.html",
    "torchvision.transforms": VISION + "transforms.html",
    "torchvision.models.resnet18": (
        VISION + "models/generated/torchvision.models.resnet18.html"
    ),
    # Lightning
    "lightning.Trainer": LIGHTNING + "lightning.pytorch.trainer.trainer.Trainer.html",
    "L.LightningModule": LIGHTNING + "lightning.pytorch.core.LightningModule.html",
    "L.LightningModule.log": (
        LIGHTNING + "lightning.pytorch.core.LightningModule.html"
        "#lightning.pytorch.core.LightningModule.log"
    ),
    "L.LightningModule.prepare_data": (
        LIGHTNING + "lightning.pytorch.core.hooks.DataHooks.html"
        "#lightning.pytorch.core.hooks.DataHooks.prepare_data"
    ),
    "L.LightningModule.parameters": (
        TORCH + "generated/torch.nn.Module.html#torch.nn.Module.parameters"
    ),
    "pl.callbacks.ModelCheckpoint": (
        LIGHTNING + "lightning.pytorch.callbacks.ModelCheckpoint.html"
    ),
    "pl.loggers.CSVLogger": (
        LIGHTNING + "lightning.pytorch.loggers.csv_logs.html"
        "#lightning.pytorch.loggers.csv_logs.CSVLogger"
    ),
    # torchmetrics: one page per metric
    "torchmetrics.Accuracy": METRICS + "classification/accuracy.html",
    "torchmetrics.MeanSquaredError": METRICS + "regression/mean_squared_error.html",
    "torchmetrics.functional.accuracy": METRICS + "classification/accuracy.html",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_url_is_derived_from_the_object(name):
    assert api_links.url_for(name) == EXPECTED[name]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("torch.zerso", "torch has no attribute 'zerso'"),
        ("nn.Lineer", "torch.nn has no attribute 'Lineer'"),
        ("torch.Tensor.vieww", "torch.Tensor has no attribute 'vieww'"),
    ],
)
def test_a_misspelled_name_does_not_resolve(name, reason):
    with pytest.raises(api_links.Unresolved, match=reason):
        api_links.url_for(name)


def test_a_plain_value_is_not_linked():
    assert api_links.url_for("torch.__version__") is None


def test_only_plain_inline_code_outside_links_blocks_and_headings_is_linked():
    html = (
        "<h2>The <code>torch.zeros</code> call</h2>"
        "<p>Call <code>torch.zeros(2, 3)</code>, <code>t.view(6)</code>, "
        '<a href="x"><code>nn.Linear</code></a> and <code>torch.zerso</code>.</p>'
        '<div class="highlight"><pre><code>torch.ones</code></pre></div>'
    )
    reported = []
    text, count = api_links.link_api_names(
        html, api_links.Resolutions(None), lambda *args: reported.append(args)
    )
    assert count == 1
    assert (
        f'<a class="api-link" href="{TORCH}generated/torch.zeros.html">'
        "<code>torch.zeros(2, 3)</code></a>"
    ) in text
    assert "<h2>The <code>torch.zeros</code> call</h2>" in text
    assert "<pre><code>torch.ones</code></pre>" in text
    assert reported == [
        ("torch.zerso", "torch.zerso", "torch has no attribute 'zerso'")
    ]


def test_resolutions_are_kept_for_the_installed_versions(tmp_path):
    path = tmp_path / "api_links.json"
    first = api_links.Resolutions(path)
    assert first.url("torch.zeros") == EXPECTED["torch.zeros"]
    first.save()
    stored = json.loads(path.read_text())
    stored["names"]["torch.zeros"] = ["https://example.org/", None]
    path.write_text(json.dumps(stored))
    assert api_links.Resolutions(path).url("torch.zeros") == "https://example.org/"
    stored["versions"] = "{}"
    path.write_text(json.dumps(stored))
    assert api_links.Resolutions(path).url("torch.zeros") == EXPECTED["torch.zeros"]


MKDOCS_YML = f"""
site_name: Test site
plugins:
  - listings
# The site's hook, which links the API names.
hooks:
  - {REPO / "pytorch_mechanics" / "hooks.py"}
nav:
  - Page: page.md
"""


def test_a_misspelled_name_fails_the_strict_build(site):
    (site.root / "mkdocs.yml").write_text(MKDOCS_YML)
    site.page(
        "page", "# Page\n\nMake one with `torch.zeros`.\n\nOr `torch.zerso(3)`.\n"
    )
    done = site.mkdocs("build", "--strict")
    assert done.returncode != 0
    assert "docs/page.md:5: `torch.zerso` names nothing in the installed torch" in (
        done.stderr
    )
    html = (site.root / "site" / "page" / "index.html").read_text()
    assert f'href="{EXPECTED["torch.zeros"]}"' in html


def test_names_in_private_modules_resolve_but_link_nowhere():
    """``torch._dynamo.explain`` exists, so it passes; no page of PyTorch's
    reference documents it, so it gets no link (a link would be a 404)."""
    for name in (
        "torch._dynamo.explain",
        "torch.utils._python_dispatch.TorchDispatchMode",
        "torch._foreach_add_",
    ):
        assert api_links.url_for(name) is None, name
    assert api_links.url_for("torch.Tensor._base") is not None
    assert api_links.url_for(
        "torch.__future__.set_swap_module_params_on_conversion"
    ).endswith("future_mod.html#torch.__future__.set_swap_module_params_on_conversion")
