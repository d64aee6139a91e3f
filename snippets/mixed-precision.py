# --8<-- [start:bits]
import math

import torch

torch.manual_seed(123)


def fields(t):
    """Sign, exponent and mantissa bits of a 0-d float tensor."""
    width = t.element_size() * 8
    as_int = t.view({2: torch.int16, 4: torch.int32}[t.element_size()])
    pattern = format(as_int.item() & (2**width - 1), f"0{width}b")
    mantissa = round(-math.log2(torch.finfo(t.dtype).eps))
    exponent = width - 1 - mantissa
    sign, rest = pattern[0], pattern[1:]
    return f"{sign} {rest[:exponent]} {rest[exponent:]}"


x = torch.tensor(0.1)
for dtype in [torch.float32, torch.float16, torch.bfloat16]:
    t = x.to(dtype)
    print(f"{dtype!s:15} {fields(t):34} {t.item():.12g}")
# --8<-- [end:bits]

# --8<-- [start:finfo]
print(
    f"{'':15} {'exp':>3} {'mant':>4} {'max':>9} {'eps':>9}"
    f" {'smallest normal':>15} {'smallest subnormal':>18}"
)
for dtype in [torch.float32, torch.float16, torch.bfloat16]:
    info = torch.finfo(dtype)
    mantissa = round(-math.log2(info.eps))
    exponent = info.bits - 1 - mantissa
    subnormal = info.smallest_normal * info.eps
    print(
        f"{dtype!s:15} {exponent:3} {mantissa:4} {info.max:9.3g}"
        f" {info.eps:9.3g} {info.smallest_normal:15.3g} {subnormal:18.3g}"
    )
# --8<-- [end:finfo]

# --8<-- [start:edges]
values = [70000.0, 65520.0, 65519.0, 257.0, 1 + 2**-9, 1e-5, 1e-7, 3e-8]
values += [1e-8, 1e-40, 1e-41]
dtypes = [torch.float32, torch.float16, torch.bfloat16]
print(f"{'value':>12} {'float32':>12} {'float16':>12} {'bfloat16':>12}")
for v in values:
    t = torch.tensor(v, dtype=torch.float64)
    row = [t.to(dtype).item() for dtype in dtypes]
    print(f"{v:12.6g} " + " ".join(f"{r:12.6g}" for r in row))
# --8<-- [end:edges]

# --8<-- [start:spacing]
import matplotlib.pyplot as plt

_, ax = plt.subplots(figsize=(7, 4), layout="constrained")
powers = 2.0 ** torch.arange(-150, 129, dtype=torch.float64)
styles = {torch.float32: "-", torch.float16: "--", torch.bfloat16: ":"}
for dtype, style in styles.items():
    t = powers.to(dtype)
    t = t[(t > 0) & t.isfinite()].unique()
    up = torch.nextafter(t, torch.tensor(math.inf, dtype=dtype))
    t, up = t.double(), up.double()
    keep = up.isfinite()
    relative = (up - t)[keep] / t[keep]
    ax.loglog(t[keep], relative, style, lw=2, label=str(dtype))
ax.set_xlabel("magnitude of the number")
ax.set_ylabel("gap to the next number / number")
ax.grid(True, which="major", alpha=0.3)
_ = ax.legend()
# --8<-- [end:spacing]

# --8<-- [start:autocast-table]
import torch.nn.functional as F


def output_dtypes(device, dtype):
    """The dtype each operation returns for inputs of the given dtype."""
    a = torch.randn(8, 16, device=device).to(dtype)
    w = torch.randn(4, 16, device=device)
    image = torch.randn(1, 3, 8, 8, device=device).to(dtype)
    kernel = torch.randn(2, 3, 3, 3, device=device)
    labels = torch.randint(0, 16, (8,), device=device)
    p = torch.rand(8, 16, device=device).to(dtype)
    ops = {
        "F.linear": lambda: F.linear(a, w),
        "torch.matmul": lambda: a @ w.T,
        "torch.mv": lambda: torch.mv(a, w[0].to(a.dtype)),
        "a @ v": lambda: a @ w[0].to(a.dtype),
        "F.conv2d": lambda: F.conv2d(image, kernel),
        "a + a": lambda: a + a,
        "F.relu": lambda: F.relu(a),
        "torch.exp": lambda: torch.exp(a),
        "torch.sum": lambda: torch.sum(a),
        "F.softmax": lambda: F.softmax(a, dim=1),
        "F.log_softmax": lambda: F.log_softmax(a, dim=1),
        "F.layer_norm": lambda: F.layer_norm(a, (16,)),
        "torch.prod": lambda: torch.prod(a),
        "F.mse_loss": lambda: F.mse_loss(a, torch.zeros_like(a)),
        "F.cross_entropy": lambda: F.cross_entropy(a, labels),
        "F.gaussian_nll_loss": lambda: F.gaussian_nll_loss(a, a, p),
        "F.binary_cross_entropy": lambda: F.binary_cross_entropy(p, p),
    }
    dtypes = {}
    for name, op in ops.items():
        try:
            dtypes[name] = str(op().dtype)
        except RuntimeError as err:
            refused = "unsafe to autocast" in str(err)
            dtypes[name] = "refused" if refused else "needs values"
    return dtypes


with torch.autocast("cpu", dtype=torch.bfloat16):
    from_float32 = output_dtypes("cpu", torch.float32)
    from_bfloat16 = output_dtypes("cpu", torch.bfloat16)
    x = torch.randn(3)
    mixed = (x.bfloat16() + x).dtype
print(f"{'under autocast':23} {'float32 in':15} bfloat16 in")
for name in from_float32:
    print(f"{name:23} {from_float32[name]:15} {from_bfloat16[name]}")
print("bfloat16 + float32 ->", mixed)
# --8<-- [end:autocast-table]

# --8<-- [start:autocast-promote]
buffer = torch.zeros(4, dtype=torch.bfloat16)
source, index = torch.ones(2), torch.tensor([0, 2])
try:
    buffer.index_copy(0, index, source)
except RuntimeError as err:
    print("outside:", err)
with torch.autocast("cpu", dtype=torch.bfloat16):
    print("inside:", buffer.index_copy(0, index, source).dtype)
# --8<-- [end:autocast-promote]

# --8<-- [start:bf16-kernels]
total = torch.tensor(0.0, dtype=torch.bfloat16)
for _ in range(1000):
    total += 1
ones = torch.ones(1000, dtype=torch.bfloat16)
print("adding 1 a thousand times in bfloat16:", total.item())
print("torch.sum of a thousand bfloat16 ones: ", ones.sum().item())

a = torch.randn(64, 1000).bfloat16()
ops = {
    "torch.sum(a, dim=1)": lambda t: torch.sum(t, dim=1),
    "torch.sum(a, dim=0)": lambda t: torch.sum(t, dim=0),
    "torch.exp(a)": torch.exp,
    "F.softmax(a, dim=1)": lambda t: F.softmax(t, dim=1),
    "F.softmax(a, dim=0)": lambda t: F.softmax(t, dim=0),
    "F.log_softmax(a, dim=1)": lambda t: F.log_softmax(t, dim=1),
    "F.log_softmax(a, dim=0)": lambda t: F.log_softmax(t, dim=0),
    "F.layer_norm(a, (1000,))": lambda t: F.layer_norm(t, (1000,)),
}
print(f"largest error of the bfloat16 kernel on a {tuple(a.shape)}, in steps:")
for name, op in ops.items():
    exact = op(a.double())
    step = 2.0 ** (torch.floor(torch.log2(exact.abs())) - 7)
    error = ((op(a).double() - exact) / step).abs().max()
    print(f"  {name:25} {error:.2f}")
# --8<-- [end:bf16-kernels]

# --8<-- [start:bf16-cancel]
for power in [-20, -30]:
    terms = torch.tensor([1.0, 2.0**power, -1.0], dtype=torch.float64)
    print(
        f"1 + 2**{power} - 1:  bfloat16 sum {terms.bfloat16().sum():.3g},"
        f"  float32 sum {terms.float().sum():.3g},  exact {terms.sum():.3g}"
    )
# --8<-- [end:bf16-cancel]

# --8<-- [start:loss-dtype]
logits = (3 * torch.randn(256, 10)).bfloat16()
labels = torch.randint(0, 10, (256,))
exact = F.cross_entropy(logits.double(), labels)
in_bfloat16 = F.cross_entropy(logits, labels)
with torch.autocast("cpu", dtype=torch.bfloat16):
    under_autocast = F.cross_entropy(logits, labels)
log_probs = F.log_softmax(logits.double(), dim=1).bfloat16()
rows = {
    "exact (float64)": exact,
    "under autocast": under_autocast,
    "computed in bfloat16": in_bfloat16,
    "exact, rounded to bfloat16": exact.bfloat16(),
    "rounded log-probs, float64": F.nll_loss(log_probs.double(), labels),
    "rounded log-probs, bfloat16": F.nll_loss(log_probs, labels),
}
for name, value in rows.items():
    print(f"{name:28} {value:.6f}  {value.dtype}")
# --8<-- [end:loss-dtype]

# --8<-- [start:forward-dtypes]
from torch import nn

model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
X = torch.randn(8, 16)
y = torch.randint(0, 4, (8,))
with torch.autocast("cpu", dtype=torch.bfloat16):
    hidden = model[1](model[0](X))
    logits = model[2](hidden)
    loss = F.cross_entropy(logits, y)
hidden.retain_grad()
loss.backward()
print("parameters:", {p.dtype for p in model.parameters()})
print("hidden:", hidden.dtype, " logits:", logits.dtype, " loss:", loss.dtype)
print("gradients: hidden", hidden.grad.dtype)
print("gradients: parameters", {p.grad.dtype for p in model.parameters()})
# --8<-- [end:forward-dtypes]

# --8<-- [start:graph]
names = {p: name for name, p in model.named_parameters()}


def show(fn, depth=0):
    label = type(fn).__name__
    if hasattr(fn, "variable"):
        label += f" ({names[fn.variable]}, {fn.variable.dtype})"
    print("  " * depth + label)
    for child, _ in fn.next_functions:
        if child is not None:
            show(child, depth + 1)


show(loss.grad_fn)
# --8<-- [end:graph]

# --8<-- [start:master-weights]
update = 1e-3
for dtype in [torch.float32, torch.bfloat16]:
    weight = torch.tensor(1.0, dtype=dtype)
    print(f"{dtype!s:15} 1.0 + {update} = {(weight + update).item()}")
    for _ in range(1000):
        weight += update
    print(f"{dtype!s:15} after 1000 such steps: {weight.item():.4f}")
# --8<-- [end:master-weights]

# --8<-- [start:outside]
try:
    model[2](hidden)
except RuntimeError as err:
    print(err)
print(model[2](hidden.float()).dtype)
# --8<-- [end:outside]

# --8<-- [start:underflow]
grads = torch.tensor([1e-3, 1e-5, 1e-7, 1e-8, 1e-9])
scale = 2.0**16


def show_row(label, t):
    print(f"{label:22}" + " ".join(f"{v:10.4g}" for v in t.tolist()))


show_row("float32", grads)
show_row("float16", grads.half())
show_row("bfloat16", grads.bfloat16())
show_row("float16 of grads*2**16", (grads * scale).half())
show_row("... back / 2**16", (grads * scale).half().float() / scale)

many = torch.randn(100_000) * 1e-3
for factor in [2.0**16, 1000.0]:
    exact = torch.equal(many * factor / factor, many)
    print(f"float32 times {factor:.0f}, then divided, is unchanged: {exact}")
# --8<-- [end:underflow]

# --8<-- [start:fp16-backward]
layer = nn.Linear(64, 256)
X = torch.randn(32, 64)
with torch.no_grad():
    target = layer(X) + 1e-3 * torch.randn(32, 256)

for dtype, scale in [
    (torch.float16, 1.0),
    (torch.float16, 2.0**16),
    (torch.bfloat16, 1.0),
]:
    layer.zero_grad()
    with torch.autocast("cpu", dtype=dtype):
        out = layer(X)
        loss = F.mse_loss(out, target)
    out.retain_grad()
    (loss * scale).backward()
    exact = 2 * (out.double() - target) / out.numel()
    grad_out = out.grad.double() / scale
    grad_w = layer.weight.grad.double() / scale
    exact_w = exact.T @ X.double()
    zero = (out.grad == 0).float().mean()
    tiny = torch.finfo(out.grad.dtype).smallest_normal
    subnormal = ((out.grad != 0) & (out.grad.abs() < tiny)).float().mean()
    error = (grad_w - exact_w).norm() / exact_w.norm()
    print(
        f"{dtype!s:14} scale {scale:5.0f}: out.grad {zero:5.1%} zero,"
        f" {subnormal:5.1%} subnormal; weight.grad off by {error:.2%}"
    )
# --8<-- [end:fp16-backward]

# --8<-- [start:scaler]
print(torch.amp.GradScaler("cpu").state_dict())
model = nn.Linear(16, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0**20, growth_interval=2)
X = torch.randn(64, 16)
y = torch.randn(64, 1)
print("step  scale    finite  weights moved  Adam's step  next scale")
for step in range(8):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        loss = F.mse_loss(model(X), y)
    scale = scaler.get_scale()
    scaler.scale(loss).backward()
    finite = all(p.grad.isfinite().all() for p in model.parameters())
    before = model.weight.detach().clone()
    scaler.step(optimizer)
    scaler.update()
    moved = not torch.equal(before, model.weight)
    adam_step = optimizer.state[model.weight].get("step", torch.tensor(0))
    print(
        f"{step:4}  {scale:7.0f}  {finite!s:6}  {moved!s:13}"
        f"  {adam_step.item():11.0f}  {scaler.get_scale():.0f}"
    )
# --8<-- [end:scaler]

# --8<-- [start:scaler-fused]
import copy


def two_overflowing_steps(fused):
    net = copy.deepcopy(model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=fused)
    told = []  # (grad_scale, found_inf) that scaler.step set for each call

    def record(o, args, kwargs):
        told.append((o.grad_scale.item(), o.found_inf.item()))

    opt.register_step_pre_hook(record)
    big = torch.amp.GradScaler("cpu", init_scale=2.0**20)
    before = net.weight.detach().clone()
    for _ in range(2):
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.float16):
            loss = F.mse_loss(net(X), y)
        big.scale(loss).backward()
        big.step(opt)
        big.update()
    state = {k: v.tolist() for k, v in opt.state[net.weight].items()}
    moved = not torch.equal(before, net.weight)
    print(f"fused={fused!s:5}  weights moved {moved}")
    print(f"{'':12} opt.step() called {len(told)} times: {told}")
    print(f"{'':12} state: {sorted(state)}, step {state.get('step', '-')}")


two_overflowing_steps(fused=False)
two_overflowing_steps(fused=True)
# --8<-- [end:scaler-fused]


# --8<-- [start:unscale]
def grad_norm(model):
    return torch.cat([p.grad.flatten() for p in model.parameters()]).norm()


optimizer.zero_grad()
with torch.autocast("cpu", dtype=torch.float16):
    loss = F.mse_loss(model(X), y)
scaled_loss = scaler.scale(loss)
print(f"scale {scaler.get_scale():.0f}, loss {loss:.4f}")
print(f"scaled loss {scaled_loss:.1f}")
scaled_loss.backward()
print(f"gradient norm, scaled:   {grad_norm(model):.1f}")
scaler.unscale_(optimizer)
print(f"gradient norm, unscaled: {grad_norm(model):.4f}")
try:
    scaler.unscale_(optimizer)
except RuntimeError as err:
    print(err)
nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print(f"gradient norm, clipped:  {grad_norm(model):.4f}")
scaler.step(optimizer)
scaler.update()

half_model = nn.Linear(16, 1).half()
half_optimizer = torch.optim.SGD(half_model.parameters(), lr=0.1)
scaler.scale(F.mse_loss(half_model(X.half()), y.half())).backward()
try:
    scaler.step(half_optimizer)
except ValueError as err:
    print(err)

switched_off = torch.amp.GradScaler("cpu", enabled=False)
print(switched_off.scale(loss) is loss, switched_off.get_scale())
# --8<-- [end:unscale]

# --8<-- [start:train-setup]
device = "cuda" if torch.cuda.is_available() else "cpu"
teacher = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 4))
X_train, X_test = torch.randn(4096, 20), torch.randn(4096, 20)
with torch.no_grad():
    y_train, y_test = teacher(X_train).argmax(1), teacher(X_test).argmax(1)
X_train, y_train = X_train.to(device), y_train.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)


def train(dtype, seed, num_steps=300, batch_size=128, lr=3e-3):
    """Train a fresh model; dtype=torch.float32 switches autocast off."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(20, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, 4),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scaler = torch.amp.GradScaler(device, enabled=dtype == torch.float16)
    use_autocast = dtype != torch.float32
    losses, skipped = [], 0
    for _ in range(num_steps):
        idx = torch.randint(0, len(X_train), (batch_size,)).to(device)
        with torch.autocast(device, dtype=dtype, enabled=use_autocast):
            loss = F.cross_entropy(model(X_train[idx]), y_train[idx])
        optimizer.zero_grad()
        scale = scaler.get_scale()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        skipped += scaler.get_scale() < scale
        losses.append(loss.item())
    with torch.no_grad():
        with torch.autocast(device, dtype=dtype, enabled=use_autocast):
            logits = model(X_test)
        test_loss = F.cross_entropy(logits.float(), y_test).item()
        accuracy = (logits.argmax(1) == y_test).float().mean().item()
    return torch.tensor(losses), test_loss, accuracy, skipped


# --8<-- [end:train-setup]

# --8<-- [start:train-compare]
runs = {d: train(d, seed=0) for d in [torch.float32, torch.bfloat16]}
runs[torch.float16] = train(torch.float16, seed=0)
reference = runs[torch.float32][0]
print(
    f"{'':15} {'last 50 steps':>13} {'test loss':>9} {'accuracy':>8}"
    f" {'largest gap':>11} {'skipped':>7}"
)
for dtype, (losses, test_loss, accuracy, skipped) in runs.items():
    gap = (losses - reference).abs().max()
    print(
        f"{dtype!s:15} {losses[-50:].mean():13.4f} {test_loss:9.4f}"
        f" {accuracy:8.1%} {gap:11.4f} {skipped:7}"
    )

_, (left, right) = plt.subplots(1, 2, figsize=(8, 3.4), layout="constrained")
styles = {torch.float32: "-", torch.bfloat16: "--", torch.float16: ":"}
window = torch.ones(20) / 20
for dtype, (losses, *_) in runs.items():
    smooth = torch.conv1d(losses.view(1, 1, -1), window.view(1, 1, -1))
    color = f"C{list(runs).index(dtype)}"
    left.plot(smooth.flatten(), styles[dtype], c=color, lw=2, label=str(dtype))
    if dtype != torch.float32:
        gap = losses - reference
        right.plot(gap, styles[dtype], c=color, lw=1, label=str(dtype))
left.set_xlabel("step")
left.set_ylabel("training loss (mean of 20 steps)")
_ = left.legend()
right.set_xlabel("step")
right.set_ylabel("loss minus float32 loss, same batch")
_ = right.legend()
# --8<-- [end:train-compare]

# --8<-- [start:train-seeds]
seeds = [1, 2, 3, 4, 5]
test_losses = {
    d: torch.tensor([train(d, seed)[1] for seed in seeds])
    for d in [torch.float32, torch.bfloat16]
}
diff = test_losses[torch.bfloat16] - test_losses[torch.float32]
se = diff.std() / len(seeds) ** 0.5
t = 2.776  # two-sided 95% quantile of Student's t with 4 degrees of freedom
print("float32  ", " ".join(f"{v:.4f}" for v in test_losses[torch.float32]))
print("bfloat16 ", " ".join(f"{v:.4f}" for v in test_losses[torch.bfloat16]))
low, high = diff.mean() - t * se, diff.mean() + t * se
print(f"bfloat16 - float32: {diff.mean():+.4f} +- {se:.4f} (SE)")
print(f"95% interval: {low:+.4f} to {high:+.4f}")
# --8<-- [end:train-seeds]

# --8<-- [start:fp16-range]
big = torch.tensor([12.0])
many = torch.full((100,), 1000.0)
for dtype in [torch.float16, torch.bfloat16]:
    print(
        f"{dtype!s:15} exp(12) = {torch.exp(big.to(dtype)).item():g},"
        f" sum of 100 x 1000 = {many.to(dtype).sum().item():g}"
    )
# --8<-- [end:fp16-range]

# --8<-- [start:cuda-lists]
import warnings
from contextlib import contextmanager

from torch._subclasses.fake_tensor import FakeTensorMode


@contextmanager
def cuda_autocast_state(dtype):
    """torch.autocast("cuda")'s entry and exit, minus its GPU check."""
    enabled = torch.is_autocast_enabled("cuda")
    previous = torch.get_autocast_dtype("cuda")
    cache = torch.is_autocast_cache_enabled()
    torch.set_autocast_enabled("cuda", True)
    torch.set_autocast_dtype("cuda", dtype)
    torch.autocast_increment_nesting()
    torch.set_autocast_cache_enabled(True)
    try:
        yield
    finally:
        if torch.autocast_decrement_nesting() == 0:
            torch.clear_autocast_cache()
        torch.set_autocast_enabled("cuda", enabled)
        torch.set_autocast_dtype("cuda", previous)
        torch.set_autocast_cache_enabled(cache)


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with torch.autocast("cuda"):
        print("in torch.autocast('cuda'):", torch.is_autocast_enabled("cuda"))
print("warning:", caught[0].message)
print("default dtype: cpu", torch.get_autocast_dtype("cpu"))
print("default dtype: cuda", torch.get_autocast_dtype("cuda"))
with FakeTensorMode():
    with cuda_autocast_state(torch.float16):
        cuda_float16 = output_dtypes("cuda", torch.float16)
    with cuda_autocast_state(torch.bfloat16):
        cuda_bfloat16 = output_dtypes("cuda", torch.bfloat16)
        p = torch.rand(8, device="cuda")
        try:
            F.binary_cross_entropy(p, p)
        except RuntimeError as err:
            refusal = str(err)
print(f"{'':23} {'CPU, bfloat16':15} {'CUDA, float16':15} CUDA, bfloat16")
for name in from_bfloat16:
    print(
        f"{name:23} {from_bfloat16[name]:15} {cuda_float16[name]:15}"
        f" {cuda_bfloat16[name]}"
    )
print(refusal)
# --8<-- [end:cuda-lists]

# --8<-- [start:cuda-dtype-arg]
with FakeTensorMode(), cuda_autocast_state(torch.float16):
    h = torch.randn(
        8, 16, device="cuda", dtype=torch.float16, requires_grad=True
    )
    results = {
        "torch.exp(h)": torch.exp(h),
        "F.layer_norm(h, (16,))": F.layer_norm(h, (16,)),
        "F.softmax(h, dim=1)": F.softmax(h, dim=1),
        "F.softmax(h, dim=1, dtype=torch.float16)": F.softmax(
            h, dim=1, dtype=torch.float16
        ),
        "torch.sum(h)": torch.sum(h),
        "torch.sum(h, dtype=torch.float16)": torch.sum(h, dtype=torch.float16),
    }
for name, out in results.items():
    node = out.grad_fn
    below = type(node.next_functions[0][0]).__name__
    print(f"{name:41} {out.dtype!s:14} {type(node).__name__} <- {below}")
# --8<-- [end:cuda-dtype-arg]

# --8<-- [start:exercise-integers]
for dtype in [torch.float16, torch.bfloat16]:
    n = torch.arange(1, 5000, dtype=torch.float64)
    inexact = n[n.to(dtype).double() != n]
    first = inexact[0]
    print(
        f"{dtype!s:15} every integer up to {first - 1:.0f};"
        f" {first:.0f} becomes {first.to(dtype):.0f}"
    )
# --8<-- [end:exercise-integers]

# --8<-- [start:exercise-float64]
with torch.autocast("cpu", dtype=torch.bfloat16):
    for dtype in [torch.float64, torch.float32, torch.float16]:
        a = torch.randn(4, 8, dtype=dtype)
        w = torch.randn(3, 8, dtype=dtype)
        print(f"{dtype!s:14} -> {F.linear(a, w).dtype}")
# --8<-- [end:exercise-float64]

# --8<-- [start:exercise-disable]
first, second = nn.Linear(16, 16), nn.Linear(16, 4)
with torch.autocast("cpu", dtype=torch.bfloat16):
    h = first(torch.randn(8, 16))
    with torch.autocast("cpu", enabled=False):
        print("softmax:", F.softmax(h, dim=1).dtype)
        try:
            second(h)
        except RuntimeError as err:
            print(err)
        print("after .float():", second(h.float()).dtype)
# --8<-- [end:exercise-disable]

# --8<-- [start:exercise-activations]
embed, norm, project = (
    nn.Embedding(10, 16),
    nn.LayerNorm(16),
    nn.Linear(16, 16),
)
with torch.autocast("cpu", dtype=torch.bfloat16):
    outputs = {"nn.Embedding": embed(torch.tensor([1, 2, 3]))}
    outputs["nn.LayerNorm"] = norm(outputs["nn.Embedding"])
    outputs["nn.Linear"] = project(outputs["nn.LayerNorm"])
    outputs["F.relu"] = F.relu(outputs["nn.Linear"])
    outputs["nn.LayerNorm again"] = norm(outputs["F.relu"])
    outputs["residual add"] = (
        outputs["nn.LayerNorm again"] + outputs["nn.LayerNorm"]
    )
    outputs["torch.prod"] = torch.prod(outputs["residual add"])
for t in outputs.values():
    t.retain_grad()
outputs["torch.prod"].backward()
for name, t in outputs.items():
    print(f"{name:18} output {t.dtype!s:15} gradient {t.grad.dtype}")
# --8<-- [end:exercise-activations]
