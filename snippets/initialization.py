# --8<-- [start:setup]
import math

import torch
from torch import nn

torch.manual_seed(1)

X = torch.randn(64, 2)
y = (X[:, :1] * X[:, 1:] > 0).float()
print(X.shape, y.shape, f"{y.mean():.1%} positive")
# --8<-- [end:setup]

# --8<-- [start:constant-init]
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
for layer in (model[0], model[2]):
    nn.init.constant_(layer.weight, 0.5)
    nn.init.zeros_(layer.bias)
print(model[0].weight)
# --8<-- [end:constant-init]


# --8<-- [start:train]
def train(model, num_epochs=300, lr=0.5):
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


loss = train(model)
print(f"loss {loss:.4g}")
print(model[0].weight.data)
print(model[0].bias.data)
# --8<-- [end:train]

# --8<-- [start:hidden-units]
hidden = model[1](model[0](X[:3]))
print(hidden.detach())
# --8<-- [end:hidden-units]


# --8<-- [start:dropout-mask]
dropped = nn.Dropout(0.5)(torch.ones(64, 4)) == 0
print("zeroed (1) in the first three examples:")
print(dropped[:3].int())
counts = dropped.sum(dim=1).bincount(minlength=5)
print("examples by number of units zeroed:", counts.tolist())
# --8<-- [end:dropout-mask]


# --8<-- [start:symmetry-boundary]
def constant_model(width=4, dropout=False):
    """A 2-width-1 tanh network, every weight 0.5 and every bias 0."""
    between = [nn.Dropout(0.5)] if dropout else []
    model = nn.Sequential(
        nn.Linear(2, width), nn.Tanh(), *between, nn.Linear(width, 1)
    )
    for layer in (model[0], model[-1]):
        nn.init.constant_(layer.weight, 0.5)
        nn.init.zeros_(layer.bias)
    return model


def fit(model, optimizer_class, lr, num_epochs=300):
    optimizer = optimizer_class(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        loss = nn.BCEWithLogitsLoss()(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def row_gap(model):
    """Largest difference between a hidden unit's weights and unit 0's."""
    weight = model[0].weight.detach()
    return (weight - weight[0]).abs().max().item()


def size(gap):
    """A difference, coarsely: exactly 0, below 1e-4 or above 0.01."""
    if gap == 0:
        return "0"
    return "below 1e-4" if gap < 1e-4 else "above 0.01" if gap > 0.01 else gap


SGD, Adam = torch.optim.SGD, torch.optim.Adam
runs = [
    ("2-4-1", "SGD", constant_model(), SGD, 0.5),
    ("2-4-1", "Adam", constant_model(), Adam, 0.01),
    ("2-4-1", "SGD, dropout", constant_model(dropout=True), SGD, 0.5),
    ("2-100-1", "SGD", constant_model(100), SGD, 0.5),
    ("2-100-1", "Adam", constant_model(100), Adam, 0.01),
]
print("network  training      rows bit for bit equal  largest difference")
for network, training, model, optimizer_class, lr in runs:
    fit(model, optimizer_class, lr)
    gap = row_gap(model)
    print(f"{network:8} {training:13} {gap == 0!s:23} {size(gap)}")
# --8<-- [end:symmetry-boundary]


# --8<-- [start:tie-rounding]
def all_equal(t):
    """Whether every column of t equals the first one, bit for bit."""
    return torch.equal(t, t[..., :1].expand_as(t))


model = constant_model(100)
optimizer = SGD(model.parameters(), lr=0.5)
while all_equal(model[0].bias.detach()):
    z = model[0](X)
    z.retain_grad()
    loss = nn.BCEWithLogitsLoss()(model[2](model[1](z)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
bias_grad = model[0].bias.grad
print("the 100 columns of z.grad equal:", all_equal(z.grad))
print("bias gradients equal:", all_equal(bias_grad))
print(
    "bias gradient = z.grad.sum(dim=0):", torch.equal(bias_grad, z.grad.sum(0))
)
each = torch.stack([column.sum() for column in z.grad.T])
print("each column summed on its own, equal:", all_equal(each))
print("units whose sum differs from unit 0's:", end=" ")
print((bias_grad != bias_grad[0]).nonzero().flatten().tolist())
sgd_wide = runs[3][2]
fit(sgd_wide, SGD, 0.5, num_epochs=700)
print("2-100-1, SGD, after 1000 steps:", size(row_gap(sgd_wide)))
column = z.grad[:, :1]  # unit 0's 64 numbers, repeated below as n columns
for n in (4, 5, 100):
    sums = column.expand(-1, n).contiguous().sum(dim=0)
    differ = (sums != sums[0]).nonzero().flatten().tolist()
    print(f"{n:3} copies of unit 0's column, sums that differ: {differ}")
# --8<-- [end:tie-rounding]

# --8<-- [start:half-constant]
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
nn.init.constant_(model[0].weight, 0.5)
nn.init.zeros_(model[0].bias)
v = model[2].weight.detach()
print("outgoing weights:", v)
nn.BCEWithLogitsLoss()(model(X), y).backward()
grad = model[0].weight.grad
print("row j of the gradient / v_j:")
print(grad / v.T)
model.zero_grad()
loss = train(model)
print(f"after training: loss {loss:.4g}")
print(model[0].weight.data)
# --8<-- [end:half-constant]

# --8<-- [start:random-init]
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
loss = train(model)
print(f"loss {loss:.4g}")
print(model[0].weight.data)
# --8<-- [end:random-init]

# --8<-- [start:scale]
torch.manual_seed(1)
n_in = 256
x = torch.randn(1000, n_in)
for std in (1.0, 0.01, 1 / math.sqrt(n_in)):
    W = torch.randn(n_in, n_in) * std
    print(f"weight std {std:<7.4g} -> output std {(x @ W).std():.3g}")
# --8<-- [end:scale]

# --8<-- [start:xavier-normal]
torch.manual_seed(1)
w = torch.empty(2, 3)
nn.init.xavier_normal_(w)
print(w)
print(f"std of the distribution: {math.sqrt(2 / (3 + 2)):.4f}")
# --8<-- [end:xavier-normal]

# --8<-- [start:xavier-uniform]
nn.init.xavier_uniform_(w)
print(w)
print(f"bound: {math.sqrt(6 / (3 + 2)):.4f}")
# --8<-- [end:xavier-uniform]

# --8<-- [start:xavier-vector]
try:
    nn.init.xavier_normal_(torch.empty(3))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:xavier-vector]

# --8<-- [start:sequential]
torch.manual_seed(1)
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU(),
)
print(model)
print(model[0].weight.shape)
# --8<-- [end:sequential]

# --8<-- [start:sequential-xavier]
import inspect

try:
    model[0].weight.normal_()
except RuntimeError as err:
    print(err)
for line in inspect.getsource(nn.init.xavier_normal_).splitlines():
    if "no_grad" in line:
        print(line.strip())
returned = nn.init.xavier_normal_(model[0].weight)
print(returned is model[0].weight)
print(model[0].weight[:3].detach())
# --8<-- [end:sequential-xavier]

# --8<-- [start:sequential-uniform]
nn.init.xavier_uniform_(model[0].weight)
bound = math.sqrt(6 / (4 + 16))
print(f"bound {bound:.4f}, largest |w| {model[0].weight.abs().max():.4f}")
# --8<-- [end:sequential-uniform]

# --8<-- [start:empirical]
n_out, n_in = 1000, 500
W = torch.empty(n_out, n_in)
nn.init.xavier_normal_(W)
std = math.sqrt(2 / (n_in + n_out))
print(f"normal:  std {W.std():.4f}, formula {std:.4f}")
nn.init.xavier_uniform_(W)
bound = math.sqrt(6 / (n_in + n_out))
print(f"uniform: std {W.std():.4f}, max |w| {W.abs().max():.4f}")
print(f"         bound {bound:.4f}, bound/sqrt(3) {bound / math.sqrt(3):.4f}")
# --8<-- [end:empirical]

# --8<-- [start:default-source]
import textwrap

source = inspect.getsource(nn.Linear.reset_parameters)
print(textwrap.dedent(source).rstrip())
# --8<-- [end:default-source]

# --8<-- [start:default-init]
layer = nn.Linear(n_in, n_out)
bound = 1 / math.sqrt(n_in)
print(f"max |w| {layer.weight.abs().max():.4f}, 1/sqrt(fan_in) {bound:.4f}")
print(f"max |b| {layer.bias.abs().max():.4f}")
std = layer.weight.std()
print(f"std {std:.4f}, bound/sqrt(3) {bound / math.sqrt(3):.4f}")
print(f"gain {nn.init.calculate_gain('leaky_relu', math.sqrt(5)):.4f}")
# --8<-- [end:default-init]


# --8<-- [start:tanh-float32]
z = torch.tensor([5.0, 9.0, 10.0], requires_grad=True)
(grad32,) = torch.autograd.grad(torch.tanh(z).sum(), z)
z64 = z.detach().double().requires_grad_()
(grad64,) = torch.autograd.grad(torch.tanh(z64).sum(), z64)
print(" z    float32    float64")
for i in range(len(z)):
    print(f"{z[i]:2g} {grad32[i]:10.3g} {grad64[i]:10.3g}")
# --8<-- [end:tanh-float32]


# --8<-- [start:deep-stack]
def make_stack(init, depth=10, width=256, activation=nn.Tanh):
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        if init is not None:
            init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    return nn.Sequential(*layers)


def layer_stats(model, x):
    """Std of each activation's output and of the gradient reaching it."""
    outputs = []
    h = x
    for layer in model:
        h = layer(h)
        if not isinstance(layer, nn.Linear):
            h.retain_grad()
            outputs.append(h)
    h.backward(torch.randn_like(h))
    return (
        [out.std().item() for out in outputs],
        [out.grad.std().item() for out in outputs],
    )


inits = {
    "too small": lambda w: nn.init.normal_(w, std=0.01),
    "too large": lambda w: nn.init.normal_(w, std=1.0),
    "default": None,
    "xavier": nn.init.xavier_normal_,
}
torch.manual_seed(1)
x = torch.randn(500, 256, dtype=torch.float64)
stats = {}
for name, init in inits.items():
    stats[name] = layer_stats(make_stack(init).double(), x)
print("activation std")
print("layer" + "".join(f"{name:>11}" for name in inits))
for i in range(10):
    row = "".join(f"{stats[name][0][i]:11.3g}" for name in inits)
    print(f"{i + 1:5d}{row}")
# --8<-- [end:deep-stack]

# --8<-- [start:deep-stack-grad]
print("gradient std")
print("layer" + "".join(f"{name:>11}" for name in inits))
for i in range(10):
    row = "".join(f"{stats[name][1][i]:11.3g}" for name in inits)
    print(f"{i + 1:5d}{row}")
# --8<-- [end:deep-stack-grad]

# --8<-- [start:plot-stats]
import matplotlib.pyplot as plt


def plot_layer_stats(stats):
    """Activation and gradient std per layer, one line per initialization."""
    fig, (ax_act, ax_grad) = plt.subplots(1, 2, figsize=(8, 3.5), sharex=True)
    for name, (activation_std, gradient_std) in stats.items():
        layers = range(1, len(activation_std) + 1)
        ax_act.plot(layers, activation_std, marker="o", label=name)
        ax_grad.plot(layers, gradient_std, marker="o", label=name)
    ax_act.set(title="Activations", ylabel="standard deviation", yscale="log")
    ax_grad.set(title="Gradients", yscale="log")
    for ax in (ax_act, ax_grad):
        ax.set_xlabel("layer")
        ax.set_xticks(list(layers))
    ax_act.legend(title="init", fontsize="small")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-stats]

# --8<-- [start:figure]
fig = plot_layer_stats(stats)
# --8<-- [end:figure]

# --8<-- [start:sigmoid]
torch.manual_seed(1)
model = make_stack(nn.init.xavier_normal_, activation=nn.Sigmoid)
model = model.double()
_, gradient_std = layer_stats(model, x)
print("sigmoid, xavier")
print("layer    mean     std  std over inputs  gradient std")
h = x
with torch.no_grad():
    for i in range(10):
        h = model[2 * i + 1](model[2 * i](h))
        over_inputs = h.std(dim=0).mean()
        print(
            f"{i + 1:5d} {h.mean():7.3f} {h.std():7.3f}"
            f" {over_inputs:16.3g} {gradient_std[i]:13.3g}"
        )
torch.manual_seed(1)
with torch.no_grad():
    h = make_stack(nn.init.xavier_normal_).double()(x)
over_inputs = h.std(dim=0).mean()
print(f"tanh, xavier, layer 10: std {h.std():.3g},", end=" ")
print(f"over inputs {over_inputs:.3g}")
# --8<-- [end:sigmoid]

# --8<-- [start:relu]
relu_inits = {
    "xavier": nn.init.xavier_normal_,
    "kaiming": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}
torch.manual_seed(1)
for name, init in relu_inits.items():
    model = make_stack(init, activation=nn.ReLU).double()
    with torch.no_grad():
        h = model(x)
    print(f"{name:8} last layer: rms {h.square().mean().sqrt():.3g}")
# --8<-- [end:relu]

# --8<-- [start:gains]
gains = {}
for name in ("linear", "sigmoid", "tanh", "relu"):
    gains[name] = nn.init.calculate_gain(name)
for a in (0.01, 0.2, math.sqrt(5)):
    gains[f"leaky_relu, a={a:.4g}"] = nn.init.calculate_gain("leaky_relu", a)
gains["tanh, a=0.2"] = nn.init.calculate_gain("tanh", 0.2)
for label, gain in gains.items():
    print(f"{label:20} {gain:.4f}")
torch.manual_seed(1)
w = nn.init.kaiming_normal_(torch.empty(512, 512))
print(f"kaiming_normal_ defaults: std {w.std():.4f}", end=" ")
print(f"= sqrt(2)/sqrt(512) {math.sqrt(2 / 512):.4f}")
# --8<-- [end:gains]

# --8<-- [start:fan-out]
from itertools import pairwise

widths = [2048, 1024, 512, 256, 128]
torch.manual_seed(1)
x_wide = torch.randn(256, widths[0], dtype=torch.float64)
print("mode     rms after layer 1..4      gradient rms at the input")
for mode in ("fan_in", "fan_out"):
    torch.manual_seed(1)
    layers = []
    for n_in, n_out in pairwise(widths):
        linear = nn.Linear(n_in, n_out)
        nn.init.kaiming_normal_(linear.weight, mode=mode, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers).double()
    h = x_wide.clone().requires_grad_()
    inputs, rms = h, []
    for layer in model:
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            rms.append(f"{h.square().mean().sqrt():.3g}")
    h.backward(torch.randn_like(h))
    grad_rms = inputs.grad.square().mean().sqrt()
    print(f"{mode:8} {' '.join(f'{r:>5}' for r in rms)} {grad_rms:17.3g}")
# --8<-- [end:fan-out]

# --8<-- [start:exercise-gain]
gain = nn.init.calculate_gain("tanh")
print(f"gain {gain:.4f}")
torch.manual_seed(1)
model = make_stack(lambda w: nn.init.xavier_normal_(w, gain=gain))
model = model.double()
activation_std, _ = layer_stats(model, x)
print(" ".join(f"{s:.3g}" for s in activation_std))
# --8<-- [end:exercise-gain]


# --8<-- [start:exercise-apply]
def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


torch.manual_seed(1)
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU(),
)
visited = []
model.apply(lambda module: visited.append(type(module).__name__))
print(*visited)
model.apply(init_weights)
for layer in (model[0], model[2]):
    n_out, n_in = layer.weight.shape
    bound = math.sqrt(6 / (n_in + n_out))
    largest = layer.weight.abs().max()
    print(f"{n_in:2d} -> {n_out:2d}: max |w| {largest:.4f} <= {bound:.4f}")
# --8<-- [end:exercise-apply]

# --8<-- [start:exercise-conv]
conv = nn.Conv2d(3, 16, kernel_size=5)
fan_in, fan_out = 3 * 5 * 5, 16 * 5 * 5
bound = math.sqrt(6 / (fan_in + fan_out))
nn.init.xavier_uniform_(conv.weight)
print(conv.weight.shape)
print(f"bound {bound:.4f}, max |w| {conv.weight.abs().max():.4f}")
# --8<-- [end:exercise-conv]
