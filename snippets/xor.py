# --8<-- [start:data]
import numpy as np
import torch
from torch import nn

torch.manual_seed(1)
np.random.seed(1)
device = "cuda" if torch.cuda.is_available() else "cpu"

x = np.random.uniform(low=-1, high=1, size=(200, 2))
y = (x[:, 0] * x[:, 1] < 0).astype(np.float32)

n_train = 100
X_train = torch.tensor(x[:n_train], dtype=torch.float32)
y_train = torch.tensor(y[:n_train])
X_valid = torch.tensor(x[n_train:], dtype=torch.float32)
y_valid = torch.tensor(y[n_train:])
print(X_train.shape, y_train.shape)
print(X_valid.shape, y_valid.shape)
print(f"class 1: {y_train.mean():.0%} of train, {y_valid.mean():.0%} of valid")
print(f"always answering class 0: {1 - y_valid.mean():.0%} right on valid")
# --8<-- [end:data]

# --8<-- [start:plot-points]
import matplotlib.pyplot as plt


def plot_points(ax, X, y):
    """Scatter the points by class over the square, with the axes at 0."""
    for label, marker, color in ((0, "o", "tab:blue"), (1, "^", "tab:orange")):
        points = X[y == label]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            marker=marker,
            color=color,
            edgecolor="black",
            linewidth=0.5,
            label=f"class {label}",
        )
    ax.axhline(0, color="gray", linewidth=0.8)
    ax.axvline(0, color="gray", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.figure.legend(loc="outside lower center", ncol=2)


# --8<-- [end:plot-points]

# --8<-- [start:plot-data]
fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ax.set_title("XOR training data")
plot_points(ax, X_train, y_train)
# --8<-- [end:plot-data]

# --8<-- [start:loader]
from torch.utils.data import DataLoader, TensorDataset

batch_size = 2
train_ds = TensorDataset(X_train, y_train)
train_dl = DataLoader(
    train_ds,
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)
X_batch, y_batch = next(iter(train_dl))
print(X_batch)
print(y_batch)
print(len(train_dl), "batches per epoch")
# --8<-- [end:loader]


# --8<-- [start:loader-order]
def first_batch_of_each_epoch(epochs=3):
    """The indices in the first batch of each epoch, shuffled as train_dl."""
    indices = DataLoader(
        range(len(train_ds)),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(1),
    )
    return [next(iter(indices)).tolist() for _ in range(epochs)]


orders = first_batch_of_each_epoch()
print(orders)
print(torch.equal(X_train[orders[0]], X_batch))
with torch.random.fork_rng():
    torch.rand(1000)  # draws from the global generator
    print(first_batch_of_each_epoch())
# --8<-- [end:loader-order]

# --8<-- [start:loader-global-draw]
with torch.random.fork_rng():
    for generator in (None, torch.Generator().manual_seed(1)):
        before = torch.random.get_rng_state()
        next(iter(DataLoader(range(4), generator=generator)))
        print(torch.equal(before, torch.random.get_rng_state()))
# --8<-- [end:loader-global-draw]


# --8<-- [start:train]
def train(
    model, num_epochs, train_dl, X_valid, y_valid, lr=0.05, log_every=10
):
    """Train with SGD on BCEWithLogitsLoss; return the per-epoch history."""
    model = model.to(device)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X_valid, y_valid = X_valid.to(device), y_valid.to(device)
    X_train, y_train = (t.to(device) for t in train_dl.dataset.tensors)
    history = {
        "loss": [],
        "acc": [],
        "end_loss": [],
        "val_loss": [],
        "val_acc": [],
    }
    for epoch in range(1, num_epochs + 1):
        model.train()
        total_loss = correct = 0.0
        for X_batch, y_batch in train_dl:
            X_batch, y_batch = X_batch.to(device), y_batch.to(device)
            logits = model(X_batch)[:, 0]
            loss = loss_fn(logits, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total_loss += loss.item() * len(y_batch)
            correct += ((logits >= 0).float() == y_batch).sum().item()
        model.eval()
        with torch.no_grad():
            end_loss = loss_fn(model(X_train)[:, 0], y_train).item()
            logits = model(X_valid)[:, 0]
            val_loss = loss_fn(logits, y_valid).item()
            val_acc = ((logits >= 0).float() == y_valid).float().mean().item()
        n = len(train_dl.dataset)
        history["loss"].append(total_loss / n)
        history["acc"].append(correct / n)
        history["end_loss"].append(end_loss)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if log_every and epoch % log_every == 0:
            print(
                f"epoch {epoch:3d}"
                f"  loss {total_loss / n:.4g}  acc {correct / n:.1%}"
                f"  val_loss {val_loss:.4g}  val_acc {val_acc:.1%}"
            )
    return history


# --8<-- [end:train]

# --8<-- [start:column-trap]
column = torch.tensor([[1.0], [0.0], [1.0]])
labels = torch.tensor([1.0, 0.0, 1.0])
print((column == labels).shape, (column[:, 0] == labels).shape)
print(f"{(column == labels).float().mean():.1%}", end=" ")
print(f"{(column[:, 0] == labels).float().mean():.1%}")
# --8<-- [end:column-trap]

# --8<-- [start:threshold]
logit = torch.tensor(-1e-8)
probability = torch.sigmoid(logit)
print(probability == 0.5, probability >= 0.5, logit >= 0)
# --8<-- [end:threshold]

# --8<-- [start:linear]
num_epochs = 50
model_linear = nn.Linear(2, 1)
history_linear = train(model_linear, num_epochs, train_dl, X_valid, y_valid)
# --8<-- [end:linear]


# --8<-- [start:plot-regions]
def plot_decision_regions(ax, model, X, y):
    """Shade the class the model predicts over the square, then the points."""
    grid = torch.linspace(-1, 1, 201)
    xx0, xx1 = torch.meshgrid(grid, grid, indexing="xy")
    points = torch.stack([xx0.ravel(), xx1.ravel()], dim=1).to(device)
    model.eval()
    with torch.no_grad():
        prob = torch.sigmoid(model(points)).cpu().reshape(xx0.shape)
    ax.contourf(
        xx0,
        xx1,
        prob,
        levels=[0, 0.5, 1],
        colors=["tab:blue", "tab:orange"],
        alpha=0.25,
    )
    ax.contour(xx0, xx1, prob, levels=[0.5], colors="black", linewidths=1.5)
    plot_points(ax, X, y)


# --8<-- [end:plot-regions]

# --8<-- [start:linear-regions]
fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ax.set_title(f"No hidden layer: {history_linear['val_acc'][-1]:.1%} valid")
plot_decision_regions(ax, model_linear, X_valid, y_valid)
# --8<-- [end:linear-regions]


# --8<-- [start:half-plane]
def accuracy(predicted, y):
    return (predicted == y).float().mean().item()


def half_plane(X):
    """Class 1 in the corner cut off by the line x1 - x0 = 2/3."""
    return (X[:, 1] - X[:, 0] > 2 / 3).float()


# 100,000 fresh points stand for the whole square.
square = torch.Generator().manual_seed(0)
X_square = torch.rand(100_000, 2, generator=square) * 2 - 1
y_square = (X_square[:, 0] * X_square[:, 1] < 0).float()
with torch.no_grad():
    trained_line = (model_linear(X_square.to(device))[:, 0] >= 0).float()
scores = {
    "best half-plane": (
        accuracy(half_plane(X_valid), y_valid),
        accuracy(half_plane(X_square), y_square),
    ),
    "trained line": (
        history_linear["val_acc"][-1],
        accuracy(trained_line.cpu(), y_square),
    ),
}
for name, (valid, whole) in scores.items():
    print(f"{name:15}  valid {valid:.1%}  whole square {whole:.1%}")
p = scores["trained line"][1]
se = (p * (1 - p) / 100) ** 0.5
print(f"standard error of {p:.1%} on 100 points: {se:.1%}")

# The loss over the whole square at w = 0, b = 0, and its gradient.
w = torch.zeros(2, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
loss = nn.BCEWithLogitsLoss()(X_square @ w + b, y_square)
loss.backward()
gradient = " ".join(f"{g:.4f}" for g in [*w.grad, *b.grad])
print(f"at w = 0, b = 0: loss {loss:.4f}, gradient {gradient}")
# --8<-- [end:half-plane]

# --8<-- [start:mlp]
model = nn.Sequential(
    nn.Linear(2, 16),
    nn.ReLU(),
    nn.Linear(16, 16),
    nn.ReLU(),
    nn.Linear(16, 1),
)
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")
# --8<-- [end:mlp]

# --8<-- [start:mlp-train]
history = train(model, num_epochs, train_dl, X_valid, y_valid)
print(f"final validation accuracy {history['val_acc'][-1]:.1%}")
with torch.no_grad():
    predicted = (model(X_square.to(device))[:, 0] >= 0).float().cpu()
test_acc = accuracy(predicted, y_square)
se = (test_acc * (1 - test_acc) / len(y_square)) ** 0.5
print(f"accuracy on the 100,000 fresh points {test_acc:.1%} (SE {se:.2%})")
se_100 = (test_acc * (1 - test_acc) / len(y_valid)) ** 0.5
print(f"standard error of {test_acc:.1%} on 100 points: {se_100:.1%}")
# --8<-- [end:mlp-train]


# --8<-- [start:plot-history]
def plot_history(history, history_linear):
    """Loss and accuracy per epoch; the linear model's accuracy dashed."""
    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3.5))
    ax_loss.plot(epochs, history["loss"], label="train")
    ax_loss.plot(epochs, history["val_loss"], label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("binary cross-entropy")
    ax_loss.set_title("Loss")
    ax_acc.plot(epochs, history["acc"], label="train")
    ax_acc.plot(epochs, history["val_acc"], label="validation")
    ax_acc.plot(
        range(1, len(history_linear["val_acc"]) + 1),
        history_linear["val_acc"],
        color="gray",
        linestyle="--",
        label="validation, no hidden layer",
    )
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title("Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --8<-- [end:plot-history]

# --8<-- [start:history]
from itertools import pairwise

fig = plot_history(history, history_linear)
val_loss = history["val_loss"]
for key, name in [("loss", "the epoch's mean"), ("end_loss", "end-of-epoch")]:
    above = [v > t for v, t in zip(val_loss, history[key], strict=True)]
    first = next(i for i in range(len(above)) if all(above[i:]))
    print(
        f"validation loss above {name} training loss from epoch {first + 1} on"
    )
mean_loss, end_loss = history["loss"][-1], history["end_loss"][-1]
print(
    f"epoch {len(val_loss)}: train {mean_loss:.4g} (epoch's mean),"
    f" {end_loss:.4g} (end of epoch), valid {val_loss[-1]:.4g}"
)
best = min(range(len(val_loss)), key=val_loss.__getitem__)
after = ", ".join(f"{v:.4g}" for v in val_loss[best + 1 :])
print(
    f"lowest validation loss {val_loss[best]:.4g} at epoch {best + 1},"
    f" then {after}"
)
rises = sum(b > a for a, b in pairwise(val_loss))
print(f"validation loss rose in {rises} of {len(val_loss) - 1} epochs")
# --8<-- [end:history]

# --8<-- [start:mlp-regions]
fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ax.set_title(f"Two hidden layers: {history['val_acc'][-1]:.1%} valid")
plot_decision_regions(ax, model, X_valid, y_valid)
# --8<-- [end:mlp-regions]


# --8<-- [start:plot-hidden-lines]
def plot_hidden_lines(ax, model, X, y, title):
    """Regions, the boundary, and each first-layer unit's line w.x + b = 0."""
    grid = torch.linspace(-1, 1, 201)
    xx0, xx1 = torch.meshgrid(grid, grid, indexing="xy")
    points = torch.stack([xx0.ravel(), xx1.ravel()], dim=1).to(device)
    with torch.no_grad():
        logit = model(points).cpu().reshape(xx0.shape)
    ax.contourf(
        xx0,
        xx1,
        logit,
        levels=[logit.min() - 1, 0, logit.max() + 1],
        colors=["tab:blue", "tab:orange"],
        alpha=0.25,
    )
    ax.contour(xx0, xx1, logit, levels=[0], colors="black", linewidths=2)
    weight, bias = model[0].weight.detach().cpu(), model[0].bias.detach().cpu()
    t = torch.linspace(-1, 1, 2)
    for (w0, w1), b in zip(weight.tolist(), bias.tolist(), strict=True):
        if abs(w1) > abs(w0):  # solve w0 x0 + w1 x1 + b = 0 for x1
            ax.plot(t, -(w0 * t + b) / w1, "k--", linewidth=0.8)
        else:
            ax.plot(-(w1 * t + b) / w0, t, "k--", linewidth=0.8)
    for label, marker, color in ((0, "o", "tab:blue"), (1, "^", "tab:orange")):
        ax.scatter(*X[y == label].T, s=12, marker=marker, color=color)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title(title, fontsize=10)


# --8<-- [end:plot-hidden-lines]

# --8<-- [start:boundary-epochs]
import copy

torch.manual_seed(2)
small = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
small_dl = DataLoader(
    train_ds,
    batch_size=10,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)
snapshots, trained = {}, 0
for epoch in (0, 10, 200):
    # SGD keeps no state, so training in pieces is training once.
    train(
        small, epoch - trained, small_dl, X_valid, y_valid, lr=0.5, log_every=0
    )
    trained = epoch
    small.eval()
    with torch.no_grad():
        logits = small(X_valid.to(device))[:, 0].cpu()
    snapshots[epoch] = (
        copy.deepcopy(small),
        accuracy((logits >= 0).float(), y_valid),
    )
    weight, bias = small[0].weight.detach(), small[0].bias.detach()
    distance = bias.abs() / weight.norm(dim=1)  # of each unit's line
    distances = " ".join(f"{d:.2f}" for d in distance.tolist())
    print(f"epoch {epoch:3d}  val_acc {snapshots[epoch][1]:.1%}  {distances}")

fig, axes = plt.subplots(1, 3, figsize=(9, 3.4), layout="constrained")
for ax, (epoch, (snapshot, acc)) in zip(axes, snapshots.items(), strict=True):
    plot_hidden_lines(
        ax, snapshot, X_train, y_train, f"epoch {epoch}: {acc:.0%} valid"
    )
# --8<-- [end:boundary-epochs]

# --8<-- [start:deep-wide]
from itertools import pairwise


def mlp(*sizes):
    """Linear layers of the given sizes with a ReLU between each two."""
    layers = []
    for n_in, n_out in pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


architectures = [(2, 84, 1), (2, 16, 16, 1), (2, 9, 10, 9, 10, 1)]
for sizes in architectures:
    architecture = " -> ".join(map(str, sizes))
    print(f"{architecture:28} {count_parameters(mlp(*sizes)):4d} parameters")
# --8<-- [end:deep-wide]


# --8<-- [start:he-init]
def he_init(model):
    """Kaiming (He) normal weights for ReLU, zero biases."""
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return model


def hidden_stds(model, X):
    """The standard deviation of each hidden layer's ReLU output."""
    stds = []
    with torch.no_grad():
        for layer in model:
            X = layer(X)
            if isinstance(layer, nn.ReLU):
                stds.append(X.std().item())
    return stds


deep = architectures[-1]
torch.manual_seed(1)
default = mlp(*deep)
torch.manual_seed(1)
he = he_init(mlp(*deep))
for name, candidate in [("default", default), ("He", he)]:
    stds = "  ".join(f"{s:.3f}" for s in hidden_stds(candidate, X_valid))
    print(f"{name:8} std after each ReLU: {stds}")
# --8<-- [end:he-init]


# --8<-- [start:deep-wide-train]
def fit(model, seed, num_epochs=100, batch_size=20, lr=0.1):
    """SGD on shuffled batches; return the final training loss."""
    order = torch.Generator().manual_seed(seed)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X, y = X_train.to(device), y_train.to(device)
    for _ in range(num_epochs):
        for batch in torch.randperm(len(y), generator=order).split(batch_size):
            loss = loss_fn(model(X[batch])[:, 0], y[batch])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    with torch.no_grad():
        return loss_fn(model(X)[:, 0], y).item()


def test_logits(model):
    """The logits of the 100,000 fresh points of the square."""
    with torch.no_grad():
        return model(X_square.to(device))[:, 0].cpu()


def mean_se(values):
    values = torch.tensor(values)
    return values.mean().item(), (values.std() / len(values) ** 0.5).item()


seeds = (1, 2, 3, 4, 5)
runs = [(sizes, "He") for sizes in architectures] + [(deep, "default")]
header = f"{'hidden layers':15} {'init':7} {'test accuracy':>15}"
print(f"{header}  lowest  train loss")
results = {}
for sizes, init in runs:
    accs, losses, stds = [], [], []
    for seed in seeds:
        torch.manual_seed(seed)
        candidate = mlp(*sizes).to(device)
        if init == "He":
            he_init(candidate)
        losses.append(fit(candidate, seed))
        logits = test_logits(candidate)
        accs.append(accuracy((logits >= 0).float(), y_square))
        stds.append(logits.std().item())
    hidden = " x ".join(map(str, sizes[1:-1]))
    results[hidden, init] = accs, losses, stds
    mean, se = mean_se(accs)
    print(
        f"{hidden:15} {init:7} {mean:8.1%} ± {se:4.1%}"
        f"  {min(accs):6.1%}  {sum(losses) / len(losses):10.3f}"
    )
print("9 x 10 x 9 x 10, default init, seeds 1 to 5:")
accs, losses, stds = results["9 x 10 x 9 x 10", "default"]
print("  test accuracy ", " ".join(f"{acc:6.1%}" for acc in accs))
print("  train loss    ", " ".join(f"{loss:6.3f}" for loss in losses))
print("  std of logits ", " ".join(f"{std:6.3f}" for std in stds))
wide_accs = results["84", "He"][0]
deep_accs = results["9 x 10 x 9 x 10", "He"][0]
gaps = [w - d for w, d in zip(wide_accs, deep_accs, strict=True)]
mean, se = mean_se(gaps)
print(f"He, 84 minus 9 x 10 x 9 x 10: {mean:+.1%} ± {se:.1%} (same seed)")
print(f"always class 0: {1 - y_square.mean():.1%} of the fresh points")
# --8<-- [end:deep-wide-train]

# --8<-- [start:exercise-no-relu]
linear_stack = nn.Sequential(
    nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)
)
l1, l2, l3 = linear_stack
W = l3.weight @ l2.weight @ l1.weight
b = l3.weight @ (l2.weight @ l1.bias + l2.bias) + l3.bias
print(W.shape, b.shape)
with torch.no_grad():
    print(torch.allclose(linear_stack(X_valid), X_valid @ W.T + b, atol=1e-6))
# --8<-- [end:exercise-no-relu]


# --8<-- [start:exercise-feature]
def with_product(X):
    return torch.cat([X, X[:, :1] * X[:, 1:]], dim=1)


product_dl = DataLoader(
    TensorDataset(with_product(X_train), y_train),
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)
model_product = nn.Linear(3, 1)
history_product = train(
    model_product, 10, product_dl, with_product(X_valid), y_valid, lr=0.5
)
print("weights:", [f"{w:.1f}" for w in model_product.weight[0].tolist()])
# --8<-- [end:exercise-feature]

# --8<-- [start:exercise-bce]
logits = torch.tensor([0.5, -2.0, 30.0])
targets = torch.tensor([1.0, 0.0, 0.0])
print(nn.BCELoss(reduction="none")(torch.sigmoid(logits), targets))
print(nn.BCEWithLogitsLoss(reduction="none")(logits, targets))
print(torch.sigmoid(logits))
z = logits.clone().requires_grad_()
nn.BCELoss(reduction="sum")(torch.sigmoid(z), targets).backward()
print(z.grad)
z = logits.clone().requires_grad_()
nn.BCEWithLogitsLoss(reduction="sum")(z, targets).backward()
print(z.grad)
# --8<-- [end:exercise-bce]


# --8<-- [start:exercise-auc]
def auc(logits, y):
    """How often a class-1 point's logit beats a class-0 point's."""
    positive = logits[y == 1].sort().values
    negative = logits[y == 0]
    beaten_by = len(positive) - torch.searchsorted(
        positive, negative, right=True
    )
    return beaten_by.float().mean().item() / len(positive)


trained = {"no hidden layer": model_linear, "two hidden layers": model}
with torch.no_grad():
    for name, candidate in trained.items():
        logits = candidate(X_square.to(device))[:, 0].cpu()
        right = accuracy((logits >= 0).float(), y_square)
        print(
            f"{name:17}  accuracy {right:.1%}  AUC {auc(logits, y_square):.3f}"
        )

# The line's fresh points sorted by logit, cut into ten bands of 10,000.
with torch.no_grad():
    logits = model_linear(X_square.to(device))[:, 0].cpu()
bands = logits.argsort().chunk(10)
shares = " ".join(f"{y_square[band].mean():.2f}" for band in bands)
print(f"class 1 in each tenth of its logits: {shares}")
# --8<-- [end:exercise-auc]
