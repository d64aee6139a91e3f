# --8<-- [start:grad-basics]
import torch
from torch.func import grad

torch.manual_seed(123)


def f(x):
    return torch.sin(x**2)


df = grad(f)
x = torch.tensor(1.5)
print(f"grad(f)(1.5) = {df(x):.4f}")
print(x.requires_grad, x.grad)
d2f = grad(grad(f))
by_hand = 2 * torch.cos(x**2) - 4 * x**2 * torch.sin(x**2)
print(f"grad(grad(f))(1.5) = {d2f(x):.4f}, by hand {by_hand:.4f}")
# --8<-- [end:grad-basics]

# --8<-- [start:grad-refuses]
for name, fn, arg in [
    ("vector output", lambda t: t**2, torch.tensor([1.0, 2.0])),
    ("one-element output", lambda t: (t**2).sum().view(1, 1), torch.ones(2)),
    ("integer input", f, torch.tensor(1)),
]:
    try:
        grad(fn)(arg)
    except RuntimeError as err:
        print(f"{name}: {str(err).splitlines()[0]}")
t = torch.ones(2, requires_grad=True)
(t**2).sum().view(1, 1).backward()
print("backward() on a (1, 1) output:", t.grad)
# --8<-- [end:grad-refuses]

# --8<-- [start:argnums]
from torch.func import grad_and_value


def loss_fn(w, b, x, y):
    z = w * x + b
    return ((y - z) ** 2).sum(), z


w = torch.tensor(1.0)
b = torch.tensor(0.5)
x = torch.tensor([1.4])
y = torch.tensor([2.1])
dw, _ = grad(loss_fn, has_aux=True)(w, b, x, y)
print(f"default argnums=0: dL/dw: {dw:.4g}")
dw, db = grad(loss_fn, argnums=(0, 1), has_aux=True)(w, b, x, y)[0]
print(f"argnums=(0, 1):    dL/dw: {dw:.4g}  dL/db: {db:.4g}")
(dw, db), (loss, z) = grad_and_value(loss_fn, argnums=(0, 1), has_aux=True)(
    w, b, x, y
)
print(f"loss {loss:.4g}, prediction {z.item():.4g}")
try:
    grad(loss_fn)(w, b, x, y)
except RuntimeError as err:
    print(err)
# --8<-- [end:argnums]

# --8<-- [start:closure]
import torch.nn.functional as F
from torch import nn

model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
X = torch.randn(8, 3)
y = torch.randn(8, 1)


def loss_of_weight(weight):
    same = torch.equal(weight, model[0].weight)
    print("same values:", same, " same tensor:", weight is model[0].weight)
    return F.mse_loss(model(X), y)


g = grad(loss_of_weight)(model[0].weight)
print(tuple(g.shape), "all zero:", bool((g == 0).all()))
# --8<-- [end:closure]

# --8<-- [start:functional-call]
from torch.func import functional_call

params = {name: p.detach() for name, p in model.named_parameters()}
print({name: tuple(p.shape) for name, p in params.items()})
print(torch.equal(functional_call(model, params, (X,)), model(X)))
zeros = {name: torch.zeros_like(p) for name, p in params.items()}
print(functional_call(model, zeros, (X[:2],)).flatten())
print(model(X[:2]).flatten())
# --8<-- [end:functional-call]


# --8<-- [start:grad-params]
def loss_of_params(params, X, y):
    return F.mse_loss(functional_call(model, params, (X,)), y)


grads = grad(loss_of_params)(params, X, y)
model.zero_grad()
F.mse_loss(model(X), y).backward()
for name, p in model.named_parameters():
    print(f"{name:9} {torch.equal(grads[name], p.grad)}")
print("any non-zero:", bool((grads["0.weight"] != 0).any()))
print(grads["0.weight"].requires_grad)
attached = grad(loss_of_params)(dict(model.named_parameters()), X, y)
print(attached["0.weight"].requires_grad)
# --8<-- [end:grad-params]

# --8<-- [start:dot-loop]
from torch.func import vmap

A = torch.randn(5, 3)
B = torch.randn(5, 3)
try:
    torch.dot(A, B)
except RuntimeError as err:
    print(err)

calls = []


def dot(a, b):
    calls.append(tuple(a.shape))
    return torch.dot(a, b)


looped = torch.stack([dot(A[i], B[i]) for i in range(5)])
print(looped, calls)
calls.clear()
batched = vmap(dot)(A, B)
print(batched, calls)
print(torch.equal(batched, looped))
# --8<-- [end:dot-loop]

# --8<-- [start:batching-rules]
import warnings
from collections import Counter

from torch.utils._python_dispatch import TorchDispatchMode


class Calls(TorchDispatchMode):
    """Counts the calls of the named ATen operators, by argument shapes."""

    def __init__(self, *names):
        super().__init__()
        self.names = names
        self.counts = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in self.names:
            shapes = ", ".join(
                f"{tuple(a.shape)}" if a.any() else f"zeros{tuple(a.shape)}"
                for a in args
                if isinstance(a, torch.Tensor)
            )
            self.counts[f"{name}({shapes})"] += 1
        return func(*args, **(kwargs or {}))


with Calls("dot", "bmm") as seen:
    vmap(torch.dot)(A, B)
print("vmap(torch.dot): ", dict(seen.counts))

samples = torch.cat([A, B], dim=1)
with warnings.catch_warnings(record=True) as caught, Calls("histc") as seen:
    warnings.simplefilter("always")
    hist = vmap(lambda s: torch.histc(s, bins=4))(samples)
print("vmap(torch.histc):", dict(seen.counts))
print(str(caught[0].message).split(" Please")[0])
print(
    torch.equal(hist, torch.stack([torch.histc(s, bins=4) for s in samples]))
)
# --8<-- [end:batching-rules]

# --8<-- [start:in-dims]
v = torch.randn(3)
print(torch.allclose(vmap(torch.dot, in_dims=(0, None))(A, v), A @ v))
print(torch.equal(vmap(torch.dot, in_dims=1)(A.T, B.T), batched))
print(vmap(torch.outer, out_dims=2)(A, B).shape)
calls.clear()
vmap(dot, chunk_size=2)(A, B)
print(calls)
# --8<-- [end:in-dims]


# --8<-- [start:vmap-refuses]
def scale_by_item(a):
    return a * a.sum().item()


def flip_if_negative(a):
    if a.sum() < 0:
        return -a
    return a


def mask_positive(a):
    return a[a > 0].sum()


def mask_keeps_all(a):
    return a[a.abs() >= 0].sum()


for fn in (
    scale_by_item,
    flip_if_negative,
    mask_positive,
    mask_keeps_all,
    F.dropout,
):
    try:
        vmap(fn)(A)
    except RuntimeError as err:
        print(f"{fn.__name__}: {str(err).splitlines()[0]}")


def flip_if_v_negative(a, v):
    if v.sum() < 0:
        return -a * v.sum().item()
    return a


print(vmap(flip_if_v_negative, in_dims=(0, None))(A, v).shape)
fixed = torch.tensor([True, False, True])
print(vmap(lambda a: a[fixed])(A).shape)


def flip_where(a):
    return torch.where(a.sum() < 0, -a, a)


looped = torch.stack([flip_if_negative(a) for a in A])
print(torch.equal(vmap(flip_where)(A), looped))
dropped = vmap(F.dropout, randomness="different")(torch.ones(3, 4))
print(dropped)
same = vmap(F.dropout, randomness="same")(torch.ones(3, 4))
print("same mask in every row:", torch.equal(same, same[:1].expand(3, 4)))
# --8<-- [end:vmap-refuses]

# --8<-- [start:per-sample]
batch_size = 64
X = torch.randn(batch_size, 3)
y = torch.randn(batch_size, 1)


def loss_one(params, x, y):
    pred = functional_call(model, params, (x.unsqueeze(0),))
    return F.mse_loss(pred, y.unsqueeze(0))


per_sample = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, X, y)
print({name: tuple(g.shape) for name, g in per_sample.items()})

looped = {name: [] for name in params}
backward_calls = 0
for i in range(batch_size):
    model.zero_grad()
    F.mse_loss(model(X[i : i + 1]), y[i : i + 1]).backward()
    backward_calls += 1
    for name, p in model.named_parameters():
        looped[name].append(p.grad.clone())
looped = {name: torch.stack(g) for name, g in looped.items()}
print("backward() calls in the loop:", backward_calls)
diff = max((per_sample[n] - looped[n]).abs().max() for n in params)
print(f"max abs difference {diff:.1e}")
# --8<-- [end:per-sample]

# --8<-- [start:per-sample-rounding]
whole = model(X)
one_by_one = torch.cat([model(X[i : i + 1]) for i in range(batch_size)])
forward = vmap(lambda x: functional_call(model, params, (x.unsqueeze(0),)))
print("vmap's forward equals model(X):", torch.equal(forward(X)[:, 0], whole))
diff = (one_by_one - whole).abs().max()
print(f"one example at a time vs model(X): {diff:.1e}")
looped_func = [grad(loss_one)(params, X[i], y[i]) for i in range(batch_size)]
same = all(
    torch.equal(torch.stack([g[n] for g in looped_func]), looped[n])
    for n in params
)
print("grad in a Python loop equals backward() in a loop:", same)
# --8<-- [end:per-sample-rounding]

# --8<-- [start:per-sample-mean]
model.zero_grad()
F.mse_loss(model(X), y).backward()
diff = max(
    (per_sample[n].mean(0) - p.grad).abs().max()
    for n, p in model.named_parameters()
)
print(f"mean of the per-sample gradients vs the batch gradient: {diff:.1e}")
norms = torch.cat([g.flatten(1) for g in per_sample.values()], 1).norm(dim=1)
print(f"per-sample gradient norms from {norms.min():.3g} to {norms.max():.3g}")
# --8<-- [end:per-sample-mean]

# --8<-- [start:per-sample-one-backward]
z1 = model[0](X)
h1 = torch.tanh(z1)
z2 = model[2](h1)
z1.retain_grad()
z2.retain_grad()
model.zero_grad()
F.mse_loss(z2, y).backward()
from_one_pass = {}
for layer, z, layer_input in (("0", z1, X), ("2", z2, h1.detach())):
    out_grad = z.grad * batch_size  # each example's own loss, not 1/64 of it
    from_one_pass[f"{layer}.weight"] = (
        out_grad[:, :, None] * layer_input[:, None]
    )
    from_one_pass[f"{layer}.bias"] = out_grad
diff = max((from_one_pass[n] - per_sample[n]).abs().max() for n in params)
print(f"one backward pass vs vmap(grad(loss_one)): {diff:.1e}")
# --8<-- [end:per-sample-one-backward]

# --8<-- [start:jacrev]
from torch.func import jacrev, vjp

x = torch.tensor([1.0, 2.0, 3.0])
print(jacrev(lambda t: t**2)(x))
_, vjp_fn = vjp(lambda t: t**2, x)
print(vjp_fn(torch.tensor([1.0, 0.1, 0.01])))

M = torch.randn(2, 3)


def f(x):
    return M @ torch.tanh(x)


x = torch.randn(3)
J_hand = M * (1 - torch.tanh(x) ** 2)
J_rev = jacrev(f)(x)
J_autograd = torch.autograd.functional.jacobian(f, x)
print(tuple(J_rev.shape))
print(f"jacrev   vs hand: {(J_rev - J_hand).abs().max():.1e}")
print(f"autograd vs hand: {(J_autograd - J_hand).abs().max():.1e}")
print(torch.equal(J_rev, J_autograd))
_, vjp_fn = vjp(f, x)
rows = [vjp_fn(e)[0] for e in torch.eye(2)]
print(torch.equal(torch.stack(rows), J_rev))
# --8<-- [end:jacrev]

# --8<-- [start:jvp]
warnings.filterwarnings(
    "ignore",
    message=r"`torch.jit.script` is deprecated",
    category=FutureWarning,
)
import torch.autograd.forward_ad as fwAD
from torch.func import jvp


def sin_sq(x):
    return torch.sin(x**2)


value, slope = jvp(sin_sq, (torch.tensor(1.5),), (torch.tensor(1.0),))
print(f"jvp: f(1.5) = {value:.4f}, f'(1.5) = {slope:.4f}")

with fwAD.dual_level():
    dual = fwAD.make_dual(torch.tensor(1.5), torch.tensor(1.0))
    out = sin_sq(dual)
    primal, tangent = fwAD.unpack_dual(out)
    print(f"dual: f(1.5) = {primal:.4f}, f'(1.5) = {tangent:.4f}")
    print(out.grad_fn, out.requires_grad)
    leaf = torch.tensor(1.5, requires_grad=True)
    out = sin_sq(fwAD.make_dual(leaf, torch.tensor(1.0)))
    print(type(out.grad_fn).__name__, out.requires_grad)
# --8<-- [end:jvp]

# --8<-- [start:jacfwd]
from torch.func import jacfwd

columns = [jvp(f, (x,), (e,))[1] for e in torch.eye(3)]
print(torch.equal(torch.stack(columns, dim=1), jacfwd(f)(x)))
J_fwd = jacfwd(f)(x)
print(f"jacfwd vs hand: {(J_fwd - J_hand).abs().max():.1e}")
print(f"jacfwd vs jacrev: {(J_fwd - J_rev).abs().max():.1e}")
# --8<-- [end:jacfwd]

# --8<-- [start:count-passes]
evaluations = 0


def counted(fn):
    def wrapper(x):
        global evaluations
        evaluations += 1
        return fn(x)

    return wrapper


def by_columns(fn, x):
    """The Jacobian from one JVP per input: n of them."""
    return torch.stack([jvp(fn, (x,), (e,))[1] for e in torch.eye(len(x))], 1)


def by_rows(fn, x):
    """The Jacobian from one VJP per output: m of them."""
    y, vjp_fn = vjp(fn, x)
    return torch.stack([vjp_fn(e)[0] for e in torch.eye(len(y))])


W_tall = torch.randn(100, 2)
W_wide = torch.randn(2, 100) / 10
cases = {
    "tall": (lambda x: torch.tanh(W_tall @ x), torch.randn(2)),
    "wide": (lambda x: torch.tanh(W_wide @ x), torch.randn(100)),
    "loss": (lambda x: torch.tanh(x).sum(0, keepdim=True), torch.randn(100)),
}
for name, (fn, x) in cases.items():
    evaluations = 0
    J_cols = by_columns(counted(fn), x)
    jvps = evaluations
    evaluations = 0
    J_rows = by_rows(counted(fn), x)
    n, m = x.numel(), J_rows.shape[0]
    print(
        f"{name}: n={n:3} m={m:3}  JVPs {jvps:3} (f run {jvps:3} times)  "
        f"VJPs {m:3} (f run {evaluations} time)  "
        f"max abs difference {(J_cols - J_rows).abs().max():.1e}"
    )

from torch.utils.flop_counter import FlopCounterMode


def mv_flops(matrix_shape, vector_shape, *args, **kwargs):
    m, k = matrix_shape
    return 2 * m * k


methods = {
    "JVP loop": by_columns,
    "jacfwd": lambda fn, x: jacfwd(fn)(x),
    "VJP loop": by_rows,
    "jacrev": lambda fn, x: jacrev(fn)(x),
}
for name in ("tall", "wide"):
    fn, x = cases[name]
    for method, build in methods.items():
        evaluations = 0
        mapping = {torch.ops.aten.mv: mv_flops}
        with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
            build(counted(fn), x)
        runs = f"{evaluations} time" + ("s" if evaluations > 1 else "")
        flops = counter.get_total_flops()
        print(f"{name} {method:8}: f run {runs:>9}, {flops:7,} FLOPs")

fn, x = cases["wide"]
with Calls("mv", "mm") as seen:
    jvp(fn, (x,), (torch.eye(100)[0],))
print("one jvp call:", dict(seen.counts))
with Calls("mv", "mm") as seen:
    jacfwd(fn)(x)
print("jacfwd:      ", dict(seen.counts))
# --8<-- [end:count-passes]

# --8<-- [start:draw-jacobians]
import matplotlib.pyplot as plt

J_tall = jacfwd(cases["tall"][0])(cases["tall"][1]).numpy()
J_wide = jacrev(cases["wide"][0])(cases["wide"][1]).numpy()


def show(ax, J):
    limit = abs(J).max()
    ax.imshow(
        J,
        aspect="auto",
        interpolation="nearest",
        cmap="RdBu",
        vmin=-limit,
        vmax=limit,
    )


fig, (ax_tall, ax_wide) = plt.subplots(
    1, 2, figsize=(8, 3.4), width_ratios=(1, 3)
)
show(ax_tall, J_tall)
ax_tall.axvline(0.5, color="black", linewidth=2)
ax_tall.set_title("tall: 100 outputs, 2 inputs\n2 JVPs, one per column")
ax_tall.set_xticks([0, 1], ["JVP 1", "JVP 2"])
ax_tall.set_ylabel("output i")
show(ax_wide, J_wide)
ax_wide.axhline(0.5, color="black", linewidth=2)
ax_wide.set_title("wide: 2 outputs, 100 inputs\n2 VJPs, one per row")
ax_wide.set_yticks([0, 1], ["VJP 1", "VJP 2"])
ax_wide.set_xlabel("input j")
fig.tight_layout()
# --8<-- [end:draw-jacobians]

# --8<-- [start:hessian]
from torch.func import hessian

celsius = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
unknown = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(celsius)
t_u = torch.tensor(unknown)


def thermometer_loss(params):
    w, b = params
    return ((w * t_u + b - t_c) ** 2).mean()


start = torch.tensor([1.0, 0.0])
H = hessian(thermometer_loss)(start)
print(f"d2L/dw2 {H[0, 0]:.4g}  d2L/dw db {H[0, 1]:.4g}  d2L/db2 {H[1, 1]:.4g}")
H_autograd = torch.autograd.functional.hessian(thermometer_loss, start)
print(torch.equal(H, H_autograd))
print(torch.equal(H, jacfwd(jacrev(thermometer_loss))(start)))
H_hand = 2 * torch.tensor([[(t_u**2).mean(), t_u.mean()], [t_u.mean(), 1.0]])
print(
    f"max abs difference from the hand formula {(H - H_hand).abs().max():.1e}"
)
# --8<-- [end:hessian]

# --8<-- [start:exercise-hvp]
v = torch.tensor([1.0, -1.0])
_, hvp = jvp(grad(thermometer_loss), (start,), (v,))
print(f"jvp of grad: {hvp[0]:.5g}, {hvp[1]:.4g}")
print(f"H @ v:       {(H @ v)[0]:.5g}, {(H @ v)[1]:.4g}")
# --8<-- [end:exercise-hvp]

# --8<-- [start:exercise-clip]
max_norm = 1.0
factors = (max_norm / norms).clamp(max=1.0)
clipped = {
    n: g * factors.view(-1, *[1] * (g.dim() - 1))
    for n, g in per_sample.items()
}
clipped_norms = torch.cat([g.flatten(1) for g in clipped.values()], 1).norm(
    dim=1
)
print(f"{int((norms > max_norm).sum())} of {batch_size} examples clipped")
excess = (clipped_norms - max_norm).max()
print(f"any norm over 1: {bool(excess > 0)}, by at most {excess:.1e}")
print("all at most 1 + 1e-6:", bool((clipped_norms <= max_norm + 1e-6).all()))
step = {n: g.mean(0) for n, g in clipped.items()}
print({n: tuple(g.shape) for n, g in step.items()})
# --8<-- [end:exercise-clip]

# --8<-- [start:exercise-ensemble]
from torch.func import stack_module_state

models = [
    nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
    for _ in range(4)
]
stacked, _ = stack_module_state(models)
print({name: tuple(p.shape) for name, p in stacked.items()})


def predict(params, X):
    return functional_call(model, params, (X,))


ensemble = vmap(predict, in_dims=(0, None))(stacked, X)
looped = torch.stack([m(X) for m in models])
print(tuple(ensemble.shape), torch.allclose(ensemble, looped))
# --8<-- [end:exercise-ensemble]
