"""Link the API names written in inline code to their official reference.

Inline code that starts with a module and a dotted name, such as `torch.zeros`,
`nn.Linear(2, 4)`, `F.relu`, `optim.SGD`, `torch.Tensor.view`,
`torchvision.datasets.MNIST`, `lightning.Trainer` (also `L.` and `pl.`) or
`torchmetrics.Accuracy`, is resolved in the installed packages (importlib and
getattr) and becomes a link to the page that the package's documentation gives
that object. The URL is derived from the object: its kind (module, class,
function, method, dtype), the class that really defines a method (an inherited
`state_dict` links to `torch.nn.Module`), and for the few objects PyTorch
documents under their defining module (`torch.nn.parameter.Parameter`) its real
qualified name. A name that does not resolve (a typo, an API removed in an
upgrade) is logged as an error, so `mkdocs build --strict` fails, naming the
page, the line and the name. No request is made: resolutions are kept in
`.cache/api_links.json` for the installed versions, so a warm build need not
import the packages. The MkDocs plugin (``listings.adapters.mkdocs_plugin``) calls
``link_api_names`` on each page's HTML.
"""

from __future__ import annotations

import hashlib
import html
import importlib
import inspect
import json
import re
import warnings
from pathlib import Path

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from listings.files import version, write_atomically

# How pages write a package (d2l and the Lightning docs use these aliases).
ALIASES = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "optim": "torch.optim",
    "torchvision": "torchvision",
    "lightning": "lightning",
    "L": "lightning",
    "pl": "lightning.pytorch",
    "torchmetrics": "torchmetrics",
}
DISTRIBUTIONS = ("torch", "torchvision", "lightning", "torchmetrics")
# An API name, alone or called or indexed: `nn.Linear(2, 4)`, `torch.arange(6)[1:]`.
API_NAME = re.compile(
    r"(?P<name>(?:" + "|".join(ALIASES) + r")(?:\.[A-Za-z_]\w*)+)(?:\s*[(\[].*)?",
    re.DOTALL,
)

TORCH = "https://docs.pytorch.org/docs/stable/"
VISION = "https://docs.pytorch.org/vision/stable/"
LIGHTNING = "https://lightning.ai/docs/pytorch/stable/"
METRICS = "https://lightning.ai/docs/torchmetrics/stable/"

# Modules whose page is not their name without "torch." (nn.html, optim.html...).
TORCH_MODULE_PAGES = {
    "torch": "torch.html",
    "torch.utils.data": "data.html",
    "torch.utils.checkpoint": "checkpoint.html",
    # Pages named with the module's full name.
    "torch.compiler": "torch.compiler.html",
    "torch.compiler.config": "torch.compiler.config.html",
    "torch.overrides": "torch.overrides.html",
    # Documented as a section of the autograd page.
    "torch.autograd.forward_ad": "autograd.html#forward-mode-automatic-differentiation",
}
# Objects with a page or anchor of their own outside generated/.
TORCH_PAGES = {
    "torch.Tensor": "tensors.html",
    "torch.dtype": "tensor_attributes.html#torch.dtype",
    "torch.device": "tensor_attributes.html#torch.device",
    "torch.layout": "tensor_attributes.html#torch.layout",
    "torch.memory_format": "tensor_attributes.html#torch.memory_format",
    "torch.finfo": "type_info.html#torch.finfo",
    "torch.iinfo": "type_info.html#torch.iinfo",
    "torch.Size": "size.html",
    "torch.autocast": "amp.html#torch.autocast",
    "torch.optim.Optimizer": "optim.html#torch.optim.Optimizer",
    "torch.autograd.Function": "autograd.html#torch.autograd.Function",
    # FSDP2 has a page of its own; FSDP1 is documented on fsdp.html.
    "torch.distributed.fsdp.fully_shard": (
        "distributed.fsdp.fully_shard.html#torch.distributed.fsdp.fully_shard"
    ),
    "torch.distributed.fsdp.FullyShardedDataParallel": (
        "fsdp.html#torch.distributed.fsdp.FullyShardedDataParallel"
    ),
}
# Modules documented on one page, each object an anchor on it.
TORCH_ONE_PAGE_MODULES = {
    "torch.nn.init": "nn.init.html",
    "torch.utils.data": "data.html",
    "torch.utils.data.distributed": "data.html",
    "torch.distributed": "distributed.html",
    "torch.multiprocessing": "multiprocessing.html",
    "torch.testing": "testing.html",
    "torch.random": "random.html",
    "torch.hub": "hub.html",
    "torch.utils.checkpoint": "checkpoint.html",
    "torch.overrides": "torch.overrides.html",
    "torch.backends.cudnn": "backends.html",
    "torch.backends.cuda": "backends.html",
    "torch.backends.mps": "backends.html",
}
# Objects PyTorch documents under the module that defines them, not where
# they are usually imported from (nn.Parameter is torch.nn.parameter.Parameter).
TORCH_REAL_NAMES = {
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.nn.parameter.UninitializedParameter",
    "torch.nn.parameter.UninitializedBuffer",
    "torch.nn.modules.flatten.Flatten",
    "torch.nn.modules.flatten.Unflatten",
    "torch.nn.modules.lazy.LazyModuleMixin",
    "torch.autograd.grad_mode.set_grad_enabled",
    "torch.autograd.grad_mode.inference_mode",
    "torch.utils.data.distributed.DistributedSampler",
}
# Classes whose methods each have a page (generated/torch.Tensor.view.html).
TORCH_MEMBER_PAGES = {
    "torch.Tensor",
    "torch.optim.Optimizer",
    "torch.autograd.Function",
    "torch.autograd.graph.Node",
}
# Tensor attributes documented elsewhere than a page of their own.
TENSOR_ATTRIBUTES = {
    "T": "tensors.html#torch.Tensor.T",
    "H": "tensors.html#torch.Tensor.H",
    "mT": "tensors.html#torch.Tensor.mT",
    "mH": "tensors.html#torch.Tensor.mH",
    "dtype": "tensor_attributes.html#torch.dtype",
    "layout": "tensor_attributes.html#torch.layout",
    "grad_fn": "autograd.html#autograd-graph",
}
# Tensor attributes (not methods) that have a generated page.
TENSOR_DOCUMENTED_ATTRIBUTES = {
    "device", "grad", "imag", "is_cuda", "is_leaf", "is_meta", "is_quantized",
    "itemsize", "nbytes", "ndim", "real", "requires_grad", "retains_grad", "shape",
}  # fmt: skip

VISION_MODULE_PAGES = {
    "torchvision": "index.html",
    "torchvision.transforms.v2": "transforms.html",
}

# Lightning's API reference: packages whose classes each have a page
# (api/lightning.pytorch.callbacks.ModelCheckpoint.html), and packages whose
# modules each have one (api/lightning.pytorch.loggers.csv_logs.html).
LIGHTNING_CLASS_PACKAGES = (
    "lightning.pytorch.accelerators",
    "lightning.pytorch.callbacks",
    "lightning.pytorch.cli",
    "lightning.pytorch.core",
    "lightning.pytorch.plugins.precision",
    "lightning.pytorch.plugins.environments",
    "lightning.pytorch.plugins.io",
    "lightning.pytorch.plugins",
    "lightning.pytorch.profilers",
    "lightning.pytorch.strategies",
    "lightning.pytorch.trainer.trainer",
    "lightning.pytorch.tuner.tuning",
)
LIGHTNING_MODULE_PACKAGES = ("lightning.pytorch.loggers", "lightning.pytorch.utilities")
LIGHTNING_PAGES = {
    "lightning.fabric.utilities.seed.seed_everything": (
        "https://lightning.ai/docs/fabric/stable/api/utilities.html#seed-everything"
    ),
}
METRICS_PAGES = {
    "torchmetrics.metric.Metric": "references/metric.html#torchmetrics.Metric",
    "torchmetrics.collections.MetricCollection": "pages/overview.html#metriccollection",
}
METRIC_TASKS = re.compile(
    r"^(?:Binary|Multiclass|Multilabel|binary_|multiclass_|multilabel_)"
)


class Unresolved(LookupError):
    """A name that looks like an API name but names nothing installed."""


def _import(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(name)


def resolve(name: str) -> tuple[object, object | None, str]:
    """The object a written name denotes, its container, and its full name.

    ``nn.Linear`` gives (the class, the module torch.nn, "torch.nn.Linear").
    Raises Unresolved when a part of the name does not exist.
    """
    head, _, rest = name.partition(".")
    full = f"{ALIASES[head]}.{rest}" if rest else ALIASES[head]
    parts = full.split(".")
    try:
        obj = _import(parts[0])
    except ImportError as exc:
        raise Unresolved(f"{parts[0]} is not installed") from exc
    parent = None
    for i, part in enumerate(parts[1:], start=2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                child = getattr(obj, part)
            except AttributeError:
                child = None
                if inspect.ismodule(obj):
                    try:
                        child = _import(".".join(parts[:i]))
                    except ImportError:
                        child = None
        if child is None:
            owner = ".".join(parts[: i - 1])
            raise Unresolved(f"{owner} has no attribute '{part}'")
        parent, obj = obj, child
    return obj, parent, full


def _real_name(obj) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"


def _defining_class(cls: type, member: str) -> type:
    return next((k for k in inspect.getmro(cls) if member in vars(k)), cls)


def _public_class_name(cls: type) -> str:
    """torch.nn.modules.module.Module -> torch.nn.Module: the shortest module
    on the way to the defining one that exports the class."""
    real = _real_name(cls)
    if real in TORCH_REAL_NAMES or cls.__module__ is None:
        return real
    parts = cls.__module__.split(".")
    for i in range(1, len(parts) + 1):
        module = ".".join(parts[:i])
        try:
            if getattr(_import(module), cls.__name__, None) is cls:
                return f"{module}.{cls.__name__}"
        except ImportError:
            continue
    return real


def _is_api_object(obj) -> bool:
    return inspect.isclass(obj) or callable(obj) or inspect.isdatadescriptor(obj)


# PyTorch


def _torch_page(documented: str) -> str:
    if documented in TORCH_PAGES:
        return TORCH_PAGES[documented]
    module = documented.rpartition(".")[0]
    if module in TORCH_ONE_PAGE_MODULES:
        return f"{TORCH_ONE_PAGE_MODULES[module]}#{documented}"
    return f"generated/{documented}.html"


def _tensor_member(member: str) -> str:
    if member in TENSOR_ATTRIBUTES:
        return TENSOR_ATTRIBUTES[member]
    if member.startswith("_"):
        return "tensors.html"
    import torch

    static = inspect.getattr_static(torch.Tensor, member)
    if inspect.isdatadescriptor(static) and member not in TENSOR_DOCUMENTED_ATTRIBUTES:
        return "tensors.html"
    return f"generated/torch.Tensor.{member}.html"


def _torch_member(cls: type, container: str, member: str) -> str:
    import torch

    defining = _defining_class(cls, member)
    if defining in (torch.Tensor, torch._C.TensorBase):
        return _tensor_member(member)
    owner = container if defining is cls else _public_class_name(defining)
    if owner in TORCH_MEMBER_PAGES and not member.startswith("_"):
        return f"generated/{owner}.{member}.html"
    page = _torch_page(owner).partition("#")[0]
    if member.startswith("_"):
        return page
    return f"{page}#{owner}.{member}"


def torch_url(obj, parent, full: str) -> str | None:
    import torch

    if inspect.ismodule(obj):
        return TORCH + TORCH_MODULE_PAGES.get(
            full, full.removeprefix("torch.") + ".html"
        )
    for kind in (torch.dtype, torch.layout, torch.memory_format):
        if isinstance(obj, kind):
            return TORCH + TORCH_PAGES[f"torch.{kind.__name__}"]
    if not _is_api_object(obj):
        return None
    if inspect.isclass(parent):
        container, _, member = full.rpartition(".")
        return TORCH + _torch_member(parent, container, member)
    real = _real_name(obj)
    return TORCH + _torch_page(real if real in TORCH_REAL_NAMES else full)


# torchvision


def vision_url(obj, parent, full: str) -> str | None:
    if inspect.ismodule(obj):
        return VISION + VISION_MODULE_PAGES.get(
            full, full.removeprefix("torchvision.") + ".html"
        )
    if not _is_api_object(obj):
        return None
    if inspect.isclass(parent):
        container, _, member = full.rpartition(".")
        defining = _defining_class(parent, member)
        owner = container if defining is parent else _real_name(defining)
        if not owner.startswith("torchvision."):  # inherited from torch
            return torch_url(obj, parent, full.replace(container, owner, 1))
        page = vision_url(defining, None, owner)
        return page if member.startswith("_") else f"{page}#{owner}.{member}"
    if full.startswith("torchvision.models.") and full.count(".") == 2:
        return f"{VISION}models/generated/{full}.html"
    return f"{VISION}generated/{full}.html"


# Lightning


def _lightning_page(obj) -> tuple[str, str | None]:
    """The page of a Lightning class or function, and the name it documents."""
    real = _real_name(obj)
    if real in LIGHTNING_PAGES:
        return LIGHTNING_PAGES[real], None
    module, name = obj.__module__, obj.__name__
    for package in sorted(LIGHTNING_CLASS_PACKAGES, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            exported = getattr(_import(package), name, None) is obj
            documented = f"{package}.{name}" if exported else f"{module}.{name}"
            return f"{LIGHTNING}api/{documented}.html", documented
    for package in LIGHTNING_MODULE_PACKAGES:
        if module.startswith(package + "."):
            return f"{LIGHTNING}api/{module}.html#{module}.{name}", f"{module}.{name}"
    return f"{LIGHTNING}api_references.html", None


def lightning_url(obj, parent, full: str) -> str | None:
    if inspect.ismodule(obj):
        if full in ("lightning", "lightning.pytorch"):
            return LIGHTNING
        return f"{LIGHTNING}api_references.html"
    if not _is_api_object(obj):
        return None
    if inspect.isclass(parent):
        member = full.rpartition(".")[2]
        defining = _defining_class(parent, member)
        if not defining.__module__.startswith("lightning."):  # e.g. from torch
            return torch_url(obj, parent, f"{_public_class_name(defining)}.{member}")
        page, documented = _lightning_page(defining)
        if documented is None or member.startswith("_"):
            return page.partition("#")[0]
        return f"{page.partition('#')[0]}#{documented}.{member}"
    return _lightning_page(obj)[0]


# torchmetrics


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return name.lower()


def metrics_url(obj, parent, full: str) -> str | None:
    if inspect.ismodule(obj):
        return METRICS
    if not _is_api_object(obj):
        return None
    if inspect.isclass(parent):
        return metrics_url(parent, None, full.rpartition(".")[0])
    real = _real_name(obj)
    if real in METRICS_PAGES:
        return METRICS + METRICS_PAGES[real]
    parts = obj.__module__.split(".")
    if parts[1:2] == ["functional"]:
        parts = parts[:1] + parts[2:]
    if len(parts) < 3 or parts[1] in ("metric", "collections", "utilities", "wrappers"):
        return METRICS
    domain = parts[1]
    return f"{METRICS}{domain}/{_snake(METRIC_TASKS.sub('', obj.__name__))}.html"


URLS = {
    "torch": torch_url,
    "torchvision": vision_url,
    "lightning": lightning_url,
    "torchmetrics": metrics_url,
}


def url_for(name: str) -> str | None:
    """The reference URL of a written API name (None for a plain value such as
    ``torch.__version__``); raises Unresolved if it names nothing."""
    obj, parent, full = resolve(name)
    parts = full.split(".")
    if parts[:2] == ["torch", "__future__"]:  # a public module, on a page of its own
        return f"{TORCH}future_mod.html#{full}"

    def private(part: str) -> bool:
        return part.startswith("_") and not (
            part.startswith("__") and part.endswith("__")
        )

    if any(map(private, parts[:-1])) or (
        parts[-1].startswith("_") and not inspect.isclass(parent)
    ):  # torch._dynamo.explain, torch._foreach_add_: no page documents it
        return None
    return URLS[full.partition(".")[0]](obj, parent, full)


def versions() -> dict[str, str]:
    return {name: version(name) for name in DISTRIBUTIONS}


class Resolutions:
    """url_for, remembered on disk for the installed versions."""

    def __init__(self, path: Path | None):
        self.path = path
        # The URL rules are this file: a changed rule must not be answered
        # from names resolved under the old one.
        rules = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
        self.key = json.dumps({**versions(), "rules": rules}, sort_keys=True)
        self.known: dict[str, list] = {}
        self.changed = False
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text())
            except (OSError, ValueError):
                stored = {}
            if stored.get("versions") == self.key:
                self.known = stored.get("names", {})

    def url(self, name: str) -> str | None:
        """The URL of a name; raises Unresolved as url_for does."""
        if name not in self.known:
            try:
                self.known[name] = [url_for(name), None]
            except Unresolved as exc:
                self.known[name] = [None, str(exc)]
            self.changed = True
        url, error = self.known[name]
        if error is not None:
            raise Unresolved(error)
        return url

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        data = {"versions": self.key, "names": self.known}
        write_atomically(self.path, json.dumps(data, indent=0, sort_keys=True))
        self.changed = False


# Inline code outside links, code blocks and headings (a link in a heading
# would fight its permalink).
PROTECTED = re.compile(
    r"<a\b.*?</a>|<pre\b.*?</pre>|<h[1-6]\b.*?</h[1-6]>|<code\b[^>]*>.*?</code>",
    re.DOTALL,
)
PLAIN_CODE = re.compile(r"<code>([^<]*)</code>")


def line_of(source: str, code: str) -> int:
    """The line of ``source`` where the inline code ``code`` is written."""
    for candidate in (f"`{code}`", code):
        at = source.find(candidate)
        if at >= 0:
            return source.count("\n", 0, at) + 1
    return 1


def link_api_names(text: str, resolutions: Resolutions, report) -> tuple[str, int]:
    """HTML with each API name in plain inline code linked; ``report(code,
    name, reason)`` is called for a name that does not resolve."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        chunk = match.group(0)
        code_match = PLAIN_CODE.fullmatch(chunk)
        if code_match is None:
            return chunk
        code = html.unescape(code_match.group(1))
        name = API_NAME.fullmatch(code.strip())
        if name is None:
            return chunk
        try:
            url = resolutions.url(name.group("name"))
        except Unresolved as exc:
            report(code, name.group("name"), str(exc))
            return chunk
        if url is None:
            return chunk
        count += 1
        return f'<a class="api-link" href="{html.escape(url)}">{chunk}</a>'

    return PROTECTED.sub(replace, text), count


def unresolved_message(where: str, source: str, code: str, name: str, reason: str):
    package = ALIASES[name.partition(".")[0]].partition(".")[0]
    return (
        f"{where}:{line_of(source, code)}: `{name}` names nothing in the installed "
        f"{package} {versions()[package]} ({reason}); spell it as the reference "
        "does, or drop the module prefix if it is not an API name"
    )


class ApiLinksExtension(Extension):
    """``markdown_extensions: [pytorch_mechanics.api_links]``: API names linked for a
    generator that runs no MkDocs plugin (Zensical); under MkDocs the site's
    hook (``pytorch_mechanics.hooks``) links them and fails the strict build
    on a name that does not resolve."""

    def __init__(self, **kwargs):
        self.config = {"cache": [".cache/api_links.json", "where resolutions are kept"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        resolutions = Resolutions(Path(self.getConfig("cache")))
        md.postprocessors.register(_Linker(md, resolutions), "listings-api-links", 4)


class _Linker(Postprocessor):
    def __init__(self, md, resolutions: Resolutions):
        super().__init__(md)
        self.resolutions = resolutions

    def run(self, text: str) -> str:
        text, _ = link_api_names(text, self.resolutions, lambda *found: None)
        self.resolutions.save()
        return text


def makeExtension(**kwargs):
    return ApiLinksExtension(**kwargs)
