# --8<-- [start:subclass]
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name

torch.manual_seed(123)


calls = []


class Logged(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        calls.append(resolve_name(func))
        return super().__torch_function__(func, types, args, kwargs or {})


a = torch.randn(2, 3).as_subclass(Logged)
b = torch.randn(2, 3)
for code in ["torch.add(a, b)", "a + b", "b + a", "a.add(b)", "1 - a", "a.T"]:
    calls.clear()
    result = eval(code)
    print(f"{code:16} {type(result).__name__:7} {calls}")
# --8<-- [end:subclass]


# --8<-- [start:count-adds]
class CountAdds(torch.Tensor):
    adds = 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.add:
            cls.adds += 1
        return super().__torch_function__(func, types, args, kwargs or {})


c = torch.ones(3).as_subclass(CountAdds)
sums = [torch.add(c, 1), c + 1, 1 + c, c.add(1)]
print(f"{CountAdds.adds} of {len(sums)} additions counted")
# --8<-- [end:count-adds]


# --8<-- [start:function-mode]
class FunctionLog(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls.append(resolve_name(func))
        return func(*args, **(kwargs or {}))


model = nn.Linear(3, 2)
X = torch.randn(4, 3)
y = torch.randn(4, 2)
with FunctionLog() as log:
    loss = F.mse_loss(model(X), y)
    zeros = torch.zeros(2)
    one = torch.tensor([1.0])
    is_tensor = torch.is_tensor(X)
print(log.calls)
ignored = torch.overrides.get_ignored_functions()
print([f in ignored for f in [torch.zeros, torch.tensor, torch.is_tensor]])
calls.clear()
zeros = torch.zeros(2, 3, out=torch.empty(2, 3).as_subclass(Logged))
print(calls)
with torch.device("meta"):
    stack = torch.overrides._get_current_function_mode_stack()
    print([type(mode).__name__ for mode in stack], torch.zeros(2).device)
# --8<-- [end:function-mode]

# --8<-- [start:aten-op]
add = torch.ops.aten.add.Tensor
print(add, torch.equal(add(X, 1), X + 1))
print(X.requires_grad, torch._C._dispatch_keys(X))
print(torch._C._dispatch_keys(torch.zeros(2, device="meta")))
# --8<-- [end:aten-op]

# --8<-- [start:draw-layers]
import matplotlib.pyplot as plt

python_side = [
    ("Python", "torch.add(a, b), a + b, F.linear(x, w)"),
    ("__torch_function__", "tensor subclasses, TorchFunctionMode"),
]
dispatcher = [
    ("Autocast", "only under torch.autocast: casts the inputs"),
    ("Autograd", "records a node; expands composite operators"),
    ("ADInplaceOrView", "view and in-place bookkeeping"),
    ("Python key", "TorchDispatchMode, __torch_dispatch__"),
    ("CPU, CUDA, Meta", "the kernel: arithmetic (Meta: shapes only)"),
]
rows = [(*row, -i, "#cfe2f3") for i, row in enumerate(python_side)]
rows += [(*row, -2.6 - i, "#fde2c4") for i, row in enumerate(dispatcher)]
rows[-1] = (*rows[-1][:3], "#d9ead3")
fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
for name, role, top, color in rows:
    box = plt.Rectangle((0.7, top - 0.38), 2.6, 0.76, fc=color, ec="0.3")
    ax.add_patch(box)
    label = dict(fc=color, ec="none", pad=0)
    ax.text(2.0, top, name, ha="center", va="center", fontsize=11, bbox=label)
    ax.text(3.5, top, role, ha="left", va="center", fontsize=10)
frame = plt.Rectangle(
    (0.55, -7.15), 7.6, 5.05, fill=False, ec="0.55", ls="--", lw=1
)
ax.add_patch(frame)
ax.text(0.7, -2.0, "dispatcher: aten::add.Tensor, key by key, highest first")
ax.annotate(
    "",
    xy=(0.3, -7.0),
    xytext=(0.3, 0.4),
    arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1.5),
)
ax.text(0.12, -3.3, "one call, top to bottom", rotation=90, va="center")
ax.set_xlim(0, 8.3)
ax.set_ylim(-7.25, 0.5)
_ = ax.axis("off")
# --8<-- [end:draw-layers]

# --8<-- [start:inplace-or-view]
aten = torch.ops.aten
inplace_or_view = torch._C.DispatchKey.ADInplaceOrView
inplace = [aten.add_.Tensor, aten._foreach_add_.Scalar, aten.detach_.default]
for op in [aten.t.default, *inplace]:
    print(f"{op!s:25} {op.has_kernel_for_dispatch_key(inplace_or_view)}")
v = torch.zeros(3)
before = v._version
torch._foreach_add_([v], 1)
print(before, v._version)
# --8<-- [end:inplace-or-view]

# --8<-- [start:dispatch-mode]
from torch.utils._python_dispatch import TorchDispatchMode


class OpLog(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func).removeprefix("aten.").removesuffix(".default")
        self.ops.append(name)
        return func(*args, **(kwargs or {}))


def ops(code):
    """The ATen operators that evaluating `code` calls, in order."""
    with OpLog() as log:
        eval(code)
    return log.ops


print(ops("F.mse_loss(model(X), y)"))
t = torch.ones(3)
print(ops("[torch.add(t, 1), t + 1, 1 + t, t.add(1)]"))
print(ops("t.add_(1)"))
# --8<-- [end:dispatch-mode]

# --8<-- [start:composite]
x = torch.randn(4, 3)
w = torch.randn(2, 3)
for code in [
    "x @ w.T",
    "F.linear(x, w)",
    "torch.einsum('ij,kj->ik', x, w)",
    "F.dropout(x, 0.5)",
    "x.reshape(12)",
    "x.T.reshape(12)",
]:
    print(f"{code:32} {ops(code)}")
print(w.T.untyped_storage().data_ptr() == w.untyped_storage().data_ptr())
composite = torch._C.DispatchKey.CompositeImplicitAutograd
names = ["matmul", "linear", "einsum", "dropout", "reshape", "mm", "permute"]
operators = [getattr(torch.ops.aten, name).default for name in names]
print([op.has_kernel_for_dispatch_key(composite) for op in operators])
# --8<-- [end:composite]

# --8<-- [start:grad-modes]
x = torch.randn(4, 3, requires_grad=True)
print(ops("torch.exp(x)"), ops("torch.sin(x)"))


def saved(node):
    return [name for name in dir(node) if name.startswith("_saved")]


print(saved(torch.exp(x).grad_fn), saved(torch.sin(x).grad_fn))
autograd_key = torch._C.DispatchKey.AutogradFunctionality
for mode in [torch.enable_grad, torch.no_grad, torch.inference_mode]:
    with mode():
        grad_on = torch.is_grad_enabled()
        key_off = torch._C._dispatch_tls_is_dispatch_key_excluded(autograd_key)
        print(
            f"{mode.__name__:15} grad mode {grad_on!s:5} "
            f"autograd key off {key_off!s:5} "
            f"{ops('torch.exp(x)')} {ops('F.linear(x, w)')}"
        )
with torch.inference_mode():
    x_made_inside = torch.ones(4, 3)
print(torch._C._dispatch_keys(x_made_inside))
print(
    ops("F.linear(x_made_inside, x_made_inside)"),
    ops("F.linear(x_made_inside, w)"),
)
# --8<-- [end:grad-modes]

# --8<-- [start:autocast]
with torch.autocast("cpu", dtype=torch.bfloat16):
    with OpLog() as first:
        out = model(X)
        loss = F.mse_loss(out, y)
    with OpLog() as second:
        out = model(X)
print(first.ops)
print(second.ops)
print(out.dtype, loss.dtype)
inputs = [n.name() for n, _ in out.grad_fn.next_functions if n is not None]
print(out.grad_fn.name(), inputs)
with torch.autocast("cpu", dtype=torch.bfloat16, cache_enabled=False):
    print(ops("model(X)"), ops("model(X)"))
with torch.autocast("cpu", dtype=torch.bfloat16):
    print(ops("model(X)"))
    for _ in range(2):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            print(ops("model(X)"))
# --8<-- [end:autocast]

# --8<-- [start:meta]
with torch.device("meta"):
    model_meta = nn.Linear(3, 2)
X_meta, y_meta = X.to("meta"), y.to("meta")
print(ops("F.mse_loss(model_meta(X_meta), y_meta)"))
print(F.mse_loss(model_meta(X_meta), y_meta))
big = torch.empty(100_000, 100_000, device="meta")
product = big @ big
print(product, product.untyped_storage().data_ptr())
# --8<-- [end:meta]

# --8<-- [start:backward]
X = torch.randn(8, 3)
y = torch.randn(8, 1)
w = torch.randn(3, 1, requires_grad=True)
with OpLog() as forward:
    loss = F.mse_loss(X @ w, y)
with OpLog() as backward:
    loss.backward(retain_graph=True)
with OpLog() as again:
    loss.backward()
print("forward: ", forward.ops)
print("backward:", backward.ops)
print("again:   ", again.ops)
node, names = loss.grad_fn, []
while node is not None:
    names.append(node.name())
    node = next((n for n, _ in node.next_functions if n is not None), None)
print(" -> ".join(names))
u = torch.ones(3, requires_grad=True)
print("u.sum(): ", ops("u.sum().backward()"), u.grad.stride())
# --8<-- [end:backward]

# --8<-- [start:bce]
z = torch.randn(4, 2, requires_grad=True)
target = (torch.rand(4, 2) > 0.5).float()
loss_fn = nn.BCEWithLogitsLoss()
with OpLog() as forward:
    loss = loss_fn(z, target)
with OpLog() as backward:
    loss.backward()
print("forward: ", forward.ops)
print("backward:", backward.ops)
print(torch.equal(z.grad, (torch.sigmoid(z) - target) / z.numel()))
z2 = z.detach().requires_grad_()
loss2 = F.binary_cross_entropy(torch.sigmoid(z2), target)
print("sigmoid, then BCELoss:", ops("loss2.backward()"))
# --8<-- [end:bce]


# --8<-- [start:export]
class Regression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def forward(self, X, y):
        return F.mse_loss(self.linear(X), y)


def aten_ops(graph):
    """The ATen operators a graph calls, in order."""
    return [n.target for n in graph.nodes if str(n.target).startswith("aten.")]


def short(ops):
    return [
        str(op).removeprefix("aten.").removesuffix(".default") for op in ops
    ]


exported = torch.export.export(Regression(), (X, y))
print(short(aten_ops(exported.graph)))
decomposed = exported.run_decompositions()
print(short(aten_ops(decomposed.graph)))
core = torch.Tag.core
print([core in op.tags for op in aten_ops(exported.graph)])
print([core in op.tags for op in aten_ops(decomposed.graph)])
print(
    core in torch.ops.aten.t.default.tags,
    core in torch.ops.aten.permute.default.tags,
)
print(len(torch.export.default_decompositions()))
# --8<-- [end:export]

# --8<-- [start:joint]
from torch.fx.experimental.proxy_tensor import make_fx


def loss_of(w, features, targets):
    return F.mse_loss(features @ w, targets)


def show(graph):
    for n in graph.nodes:
        if n.op == "call_function":
            args = ", ".join(str(arg) for arg in n.args)
            print(f"{n.name} = {short([n.target])[0]}({args})")


w = torch.randn(3, 1)
joint = make_fx(torch.func.grad(loss_of))(w, X, y)
print(short(aten_ops(joint.graph)))
table = torch.export.default_decompositions()
lowered = make_fx(torch.func.grad(loss_of), decomposition_table=table)
show(lowered(w, X, y).graph)
# --8<-- [end:joint]

# --8<-- [start:built-on]
import torch.distributed as dist
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.distributed.fsdp import fully_shard
from torch.fx.experimental.proxy_tensor import ProxyTorchDispatchMode

print(
    issubclass(FakeTensorMode, TorchDispatchMode),
    issubclass(ProxyTorchDispatchMode, TorchDispatchMode),
)
dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
sharded = nn.Linear(3, 2)
fully_shard(sharded)
weight = sharded.weight
print(type(weight).__name__, weight.placements, weight.to_local().shape)
print(torch._C._dispatch_keys(weight))
with OpLog() as log:
    doubled = weight * 2
print(log.ops, type(doubled).__name__, doubled.placements)
print(torch.equal(doubled.to_local(), 2 * weight.to_local()))
dist.destroy_process_group()
# --8<-- [end:built-on]

# --8<-- [start:exercise-step]
params = list(nn.Linear(3, 2).parameters())
for p in params:
    p.grad = torch.ones_like(p)
for foreach in [None, False, True]:
    optimizer = torch.optim.SGD(params, lr=0.1, foreach=foreach)
    with OpLog() as log:
        optimizer.step()
    print(f"foreach={foreach}: {log.ops}")
# --8<-- [end:exercise-step]

# --8<-- [start:exercise-inference]
x = torch.randn(4, 3)
with torch.inference_mode():
    x_inference = x.clone()
for mode, name in [
    (torch.no_grad, "x"),
    (torch.inference_mode, "x"),
    (torch.no_grad, "x_inference"),
]:
    with mode():
        softmax = ops(f"F.softmax({name}, dim=-1)")
        layer_norm = ops(f"F.layer_norm({name}, (3,))")
    print(f"{mode.__name__:15} {name:11} {softmax} {layer_norm}")
# --8<-- [end:exercise-inference]


# --8<-- [start:exercise-flops]
from torch.utils.flop_counter import FlopCounterMode

aten = torch.ops.aten


class MatmulFlops(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.flops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        matrices = {aten.mm.default: args[:2], aten.addmm.default: args[1:]}
        if func in matrices:
            a, b = matrices[func][:2]
            (n, k), m = a.shape, b.shape[1]
            self.flops += 2 * n * k * m
        return func(*args, **(kwargs or {}))


mlp = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
X = torch.randn(16, 3)
with MatmulFlops() as mine:
    mlp(X).sum().backward()
with FlopCounterMode(display=False) as theirs:
    mlp(X).sum().backward()
print(mine.flops, theirs.get_total_flops())
# --8<-- [end:exercise-flops]
