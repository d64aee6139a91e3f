# --8<-- [start:dataset]
import torch
from mechanics.mnist import prepare_mnist
from torchvision import datasets, transforms

torch.manual_seed(123)

root = prepare_mnist()
train_raw = datasets.MNIST(root, train=True, download=False)
test_raw = datasets.MNIST(root, train=False, download=False)
print(len(train_raw), len(test_raw))
image, label = train_raw[0]
print(type(image).__name__, image.size, image.mode, label)
# --8<-- [end:dataset]

# --8<-- [start:to-tensor]
to_tensor = transforms.ToTensor()
x = to_tensor(image)
print(x.shape, x.dtype)
print(f"min {x.min():.1f}, max {x.max():.1f}")
print(
    train_raw.data.dtype,
    train_raw.data.min().item(),
    train_raw.data.max().item(),
)
# --8<-- [end:to-tensor]

# --8<-- [start:normalize]
pixels = train_raw.data.float() / 255
mean, std = pixels.mean().item(), pixels.std().item()
print(f"training pixels: mean {mean:.4f}, std {std:.4f}")

transform = transforms.Compose(
    [transforms.ToTensor(), transforms.Normalize((mean,), (std,))]
)
train_data = datasets.MNIST(
    root, train=True, transform=transform, download=False
)
test_data = datasets.MNIST(
    root, train=False, transform=transform, download=False
)
normalized = torch.stack([x for x, _ in train_data])
print(f"after Normalize: mean {normalized.mean():.3f}", end=", ")
print(f"std {normalized.std():.3f}")
# --8<-- [end:normalize]

# --8<-- [start:dataloader]
from torch.utils.data import DataLoader

batch_size = 64
generator = torch.Generator().manual_seed(123)
train_loader = DataLoader(
    train_data,
    batch_size=batch_size,
    shuffle=True,
    generator=generator,
    num_workers=0,
)

X, y = next(iter(train_loader))
print(X.shape, X.dtype)
print(y.shape, y.dtype)
print("epoch 1, first labels:", y[:12])
_, y_next = next(iter(train_loader))
print("epoch 2, first labels:", y_next[:12])
print(len(train_loader), "batches per epoch")
# --8<-- [end:dataloader]

# --8<-- [start:tensor-dataset]
from torch.utils.data import TensorDataset, default_collate

X_test = torch.stack([x for x, _ in test_data])
train_set = TensorDataset(normalized, train_raw.targets)
test_set = TensorDataset(X_test, test_raw.targets)
x, label = train_set[0]
print(len(train_set), x.shape, label)
print(torch.equal(x, train_data[0][0]))
# Two reads of the same item: new memory from MNIST, a view from TensorDataset.
first, again = train_data[0][0], train_data[0][0]
print(
    first.data_ptr() == again.data_ptr(), x.data_ptr() == normalized.data_ptr()
)
print(f"{normalized.nbytes / 1e6:.1f} MB of float32 pixels")

train_loader = DataLoader(
    train_set, batch_size=batch_size, shuffle=True, generator=generator
)
test_loader = DataLoader(test_set, batch_size=1000)
labels = default_collate([train_set[i] for i in range(4)])[1]
print(labels, labels.dtype)
# --8<-- [end:tensor-dataset]

# --8<-- [start:workers]
import os
import random

import numpy as np
from torch.utils.data import Dataset, get_worker_info


class Reported(Dataset):
    """Eight items, each saying who read it and what random numbers it drew."""

    def __init__(self):
        self.rng = np.random.default_rng(0)  # made here, in the main process
        self.reads = 0

    def __len__(self):
        return 8

    def __getitem__(self, index):
        self.reads += 1
        info = get_worker_info()
        return {
            "worker": info.id,
            "of": info.num_workers,
            "seed": info.seed,
            "process": os.getpid(),
            "read": self.reads,
            "torch": torch.rand(()).item(),
            "random": random.random(),
            "numpy": np.random.rand(),
            "own rng": self.rng.random(),
        }


def read_all(loader):
    """One epoch's items as dicts, sorted by worker and by read."""
    items = []
    for batch in loader:
        rows = zip(
            *[values.tolist() for values in batch.values()], strict=True
        )
        items += [dict(zip(batch, row, strict=True)) for row in rows]
    return sorted(items, key=lambda item: (item["worker"], item["read"]))


print("get_worker_info() in the main process:", get_worker_info())
reported = Reported()
loader = DataLoader(
    reported,
    batch_size=2,
    num_workers=2,
    generator=torch.Generator().manual_seed(123),
)
firsts = [item for item in read_all(loader) if item["read"] == 1]
print("worker  seed                 torch   random  numpy   own rng")
for item in firsts:
    draws = [item[key] for key in ("torch", "random", "numpy", "own rng")]
    print(
        f"{item['worker']} of {item['of']}  {item['seed']}  "
        + "  ".join(f"{draw:.4f}" for draw in draws)
    )
print("reads of the main process's dataset:", reported.reads)
# --8<-- [end:workers]

# --8<-- [start:worker-seeds]
seeded_torch = all(
    torch.rand((), generator=torch.Generator().manual_seed(item["seed"]))
    == item["torch"]
    for item in firsts
)
seeded_random = all(
    random.Random(item["seed"]).random() == item["random"] for item in firsts
)
print(
    "torch, random seeded with the worker's seed:", seeded_torch, seeded_random
)
try:
    np.random.seed(firsts[0]["seed"])
except ValueError as error:
    print("np.random.seed(seed): ValueError:", error)

state = torch.get_rng_state()
read_all(loader)
moved = not torch.equal(state, torch.get_rng_state())
print("global generator moved:", moved)
# --8<-- [end:worker-seeds]

# --8<-- [start:persistent-workers]
import multiprocessing


def seed_worker(worker_id):
    """Give this worker's copy of the dataset a generator of its own."""
    info = get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed)


for persistent in (False, True):
    print(f"persistent_workers={persistent}")
    loader = DataLoader(
        Reported(),
        batch_size=2,
        num_workers=2,
        worker_init_fn=seed_worker,
        persistent_workers=persistent,
        generator=torch.Generator().manual_seed(123),
    )
    processes = {}  # process id -> 1, 2, ... in the order first seen
    for epoch in (1, 2):
        items = read_all(loader)
        for worker in (0, 1):
            mine = [item for item in items if item["worker"] == worker]
            number = processes.setdefault(
                mine[0]["process"], len(processes) + 1
            )
            print(
                f"  epoch {epoch}, worker {worker}: process {number},"
                f" reads {mine[0]['read']} to {mine[-1]['read']},"
                f" own rng {mine[0]['own rng']:.4f}"
            )
    print("  worker processes alive:", len(multiprocessing.active_children()))
del loader
print("after del loader:", len(multiprocessing.active_children()))
# --8<-- [end:persistent-workers]

# --8<-- [start:fork]
import pickle


class Unpicklable(Reported):
    """Reported, with pickling refused."""

    def __reduce__(self):
        raise TypeError("this dataset refuses to be pickled")


print("start method:", torch.multiprocessing.get_start_method())
try:
    pickle.dumps(Unpicklable())
except TypeError as error:
    print("pickle.dumps: TypeError:", error)
loader = DataLoader(
    Unpicklable(), num_workers=2, generator=torch.Generator().manual_seed(123)
)
print(len(read_all(loader)), "items read by workers")
del loader
# --8<-- [end:fork]

# --8<-- [start:pin-memory]
import warnings

pinned_loader = DataLoader(
    train_set,
    batch_size=batch_size,
    pin_memory=True,
    generator=torch.Generator().manual_seed(123),
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    images, _ = next(iter(pinned_loader))
print("accelerator available:", torch.accelerator.is_available())
print("batch in pinned memory:", images.is_pinned())
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
try:
    images.pin_memory()
except RuntimeError as error:
    print("images.pin_memory(): RuntimeError:", str(error).split(".")[0])
# --8<-- [end:pin-memory]

# --8<-- [start:model]
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"


def make_model():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 128),
        nn.ReLU(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


model = make_model().to(device)
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")
# --8<-- [end:model]

# --8<-- [start:logits]
import math

loss_fn = nn.CrossEntropyLoss()

X, y = X.to(device), y.to(device)
logits = model(X)
print(logits.shape)
print(f"cross-entropy:        {loss_fn(logits, y):.4f}")
log_probs = torch.log_softmax(logits, dim=1)
print(
    f"-log_softmax, picked: {-log_probs[torch.arange(len(y)), y].mean():.4f}"
)
print(f"even guess, -ln(1/10): {-math.log(1 / 10):.4f}")
# --8<-- [end:logits]

# --8<-- [start:log-softmax]
z = torch.tensor([[0.0, 200.0]])
print(torch.softmax(z, dim=1))
print(torch.log(torch.softmax(z, dim=1)))
print(torch.log_softmax(z, dim=1))
# --8<-- [end:log-softmax]

# --8<-- [start:split]
n_samples = len(train_raw)
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]

# Normalize with the statistics of the training part alone.
pixels = train_raw.data.unsqueeze(1).float() / 255
mean, std = pixels[train_indices].mean(), pixels[train_indices].std()
print(f"training part: mean {mean:.4f}, std {std:.4f}")
X_all = (pixels - mean) / std
X_test = (test_raw.data.unsqueeze(1).float() / 255 - mean) / std
train_set = TensorDataset(
    X_all[train_indices], train_raw.targets[train_indices]
)
val_set = TensorDataset(X_all[val_indices], train_raw.targets[val_indices])
test_set = TensorDataset(X_test, test_raw.targets)
print(len(train_set), len(val_set), len(test_set))

train_loader = DataLoader(
    train_set, batch_size=batch_size, shuffle=True, generator=generator
)
val_loader = DataLoader(val_set, batch_size=1000)
test_loader = DataLoader(test_set, batch_size=1000)
# --8<-- [end:split]

# --8<-- [start:train]
import copy

num_epochs = 10
lr = 0.001


def train_epoch(model, loader, optimizer):
    """One pass over ``loader``; returns the mean loss and the accuracy."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        logits = model(X)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return total_loss / seen, correct / seen


def evaluate(model, loader):
    """Mean loss and accuracy over ``loader``, without training."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            logits = model(X)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return total_loss / seen, correct / seen


def fit(model, num_epochs, log=True):
    """Train with Adam; keep the weights of the best validation epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "val_loss": [], "val_acc": []}
    best_acc, best_epoch, best_state = -1.0, 0, None
    for epoch in range(1, num_epochs + 1):
        loss, acc = train_epoch(
            model, loader=train_loader, optimizer=optimizer
        )
        val_loss, val_acc = evaluate(model, val_loader)
        history["loss"].append(loss)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if val_acc > best_acc:
            best_acc, best_epoch = val_acc, epoch
            best_state = copy.deepcopy(model.state_dict())
        if log:
            print(
                f"epoch {epoch:2d}  loss {loss:.4f}  acc {acc:.1%}"
                f"  val_loss {val_loss:.4f}  val_acc {val_acc:.1%}"
            )
    model.load_state_dict(best_state)
    return history, best_epoch


start_state = copy.deepcopy(model.state_dict())  # replayed further down
start_order = generator.get_state()
history, best_epoch = fit(model, num_epochs)
print(f"best validation accuracy after epoch {best_epoch}")
# --8<-- [end:train]


# --8<-- [start:plot-history]
import matplotlib.pyplot as plt


def plot_history(history, best_epoch):
    """Training and validation loss per epoch; the chosen epoch marked."""
    epochs = range(1, len(history["loss"]) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(epochs, history["loss"], "o-", label="training")
    ax.plot(epochs, history["val_loss"], "s--", label="validation")
    ax.axvline(best_epoch, color="gray", linestyle=":", label="chosen epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title("Loss per epoch")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# --8<-- [end:plot-history]

# --8<-- [start:history-figure]
fig = plot_history(history, best_epoch)
# --8<-- [end:history-figure]


# --8<-- [start:evaluate]
def predict(model, loader):
    """Predicted and true labels for every example in ``loader``."""
    model.eval()
    predicted, true = [], []
    with torch.no_grad():
        for X, y in loader:
            predicted.append(model(X.to(device)).argmax(dim=1).cpu())
            true.append(y)
    return torch.cat(predicted), torch.cat(true)


def test_once(model, name=""):
    """Test accuracy with its binomial standard error and 95% interval."""
    predicted, true = predict(model, test_loader)
    accuracy = (predicted == true).float().mean().item()
    se = math.sqrt(accuracy * (1 - accuracy) / len(true))
    print(f"{name}test accuracy {accuracy:.1%} on {len(true)} held-out digits")
    print(f"standard error {se:.2%}, 95% interval +/- {1.96 * se:.1%}")
    return predicted, true


predicted, true = test_once(model)
# --8<-- [end:evaluate]

# --8<-- [start:baseline]
torch.manual_seed(123)
linear = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)).to(device)
_, linear_epoch = fit(linear, num_epochs, log=False)
print(f"best validation accuracy after epoch {linear_epoch}")
predicted_linear, _ = test_once(linear, "softmax regression: ")
# Paired: the same 1,000 digits, right (1) or wrong (0) for each model.
gain = (predicted == true).float() - (predicted_linear == true).float()
se = gain.std().item() / math.sqrt(len(gain))
print(f"MLP minus softmax regression: {gain.mean():.1%} +/- {1.96 * se:.1%}")
# --8<-- [end:baseline]

# --8<-- [start:sum-order]
values = torch.tensor([1 / k for k in range(1, 1001)])  # float32
forward = torch.tensor(0.0)
for value in values:
    forward += value
backward = torch.tensor(0.0)
for value in values.flip(0):
    backward += value
print(
    f"largest first {forward.item():.7f}, smallest first {backward.item():.7f}"
)
step = torch.nextafter(forward, torch.tensor(float("inf"))) - forward
steps = ((forward - backward).abs() / step).item()
print(f"{steps:.0f} float32 steps apart (one step here is {step.item():.1e})")
print(f"in float64: {sum(1 / k for k in range(1, 1001)):.7f}")
# --8<-- [end:sum-order]

# --8<-- [start:plot-predictions]


def plot_predictions(images, predicted, true):
    """A grid of 24 digits titled with their predictions, mistakes in red."""
    fig, axes = plt.subplots(3, 8, figsize=(8, 3.6))
    for i, ax in enumerate(axes.flat):
        ax.imshow(images[i].numpy(), cmap="gray_r")
        right = predicted[i] == true[i]
        ax.set_title(
            f"{predicted[i].item()}"
            if right
            else f"{predicted[i].item()} (is {true[i]})",
            color="black" if right else "red",
            fontsize=10,
        )
        ax.set_axis_off()
    fig.suptitle(
        "Predicted labels for the first 24 test digits (mistakes in red)"
    )
    fig.tight_layout()
    return fig


# --8<-- [end:plot-predictions]

# --8<-- [start:figure-predictions]
fig = plot_predictions(test_raw.data, predicted, true)
# --8<-- [end:figure-predictions]

# --8<-- [start:confusion]
confusion = torch.zeros(10, 10, dtype=torch.int64)
confusion.index_put_((true, predicted), torch.tensor(1), accumulate=True)
print("true \\ predicted")
print("     " + "".join(f"{digit:5d}" for digit in range(10)))
for digit, row in enumerate(confusion.tolist()):
    print(f"{digit:5d}" + "".join(f"{count:5d}" for count in row))
# --8<-- [end:confusion]


# --8<-- [start:plot-confusion]
def plot_confusion(confusion):
    """A confusion matrix as a heat map, with each nonzero count written."""
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    ax.imshow(confusion.numpy(), cmap="Blues")
    for i in range(10):
        for j in range(10):
            count = confusion[i, j].item()
            if count:
                ax.text(
                    j,
                    i,
                    count,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if count > 50 else "black",
                )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Confusion matrix on the {confusion.sum():,} test digits")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-confusion]

# --8<-- [start:confusion-figure]
fig = plot_confusion(confusion)
# --8<-- [end:confusion-figure]

# --8<-- [start:checkpoint-run]
small_set = TensorDataset(*train_set[:640])  # 10 batches of 64


def new_run(seed):
    """A small model with dropout, its optimizer, schedule and batches."""
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 32),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(32, 10),
    ).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    order = torch.Generator().manual_seed(seed)
    return {
        "model": net,
        "optimizer": opt,
        "scheduler": torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5),
        "generator": order,
        "loader": DataLoader(
            small_set, batch_size=64, shuffle=True, generator=order
        ),
    }


def train(run, num_epochs):
    """Train for ``num_epochs``; the mean training loss of each."""
    net, opt = run["model"], run["optimizer"]
    net.train()
    losses = []
    for _ in range(num_epochs):
        total = 0.0
        for X_batch, y_batch in run["loader"]:
            loss = loss_fn(net(X_batch.to(device)), y_batch.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        run["scheduler"].step()
        losses.append(total / len(run["loader"]))
    return losses


# --8<-- [end:checkpoint-run]


# --8<-- [start:checkpoint-save]
def save(run, path):
    """Everything the next epoch depends on, in one file."""
    torch.save(
        {
            "model": run["model"].state_dict(),
            "optimizer": run["optimizer"].state_dict(),
            "scheduler": run["scheduler"].state_dict(),
            "torch_rng": torch.get_rng_state(),  # dropout on the CPU
            "cuda_rng": (  # dropout on a GPU
                torch.cuda.get_rng_state_all()
                if torch.cuda.is_available()
                else []
            ),
            "loader_rng": run["generator"].get_state(),  # the batch order
        },
        path,
    )


def resume(path, rng=True):
    """A fresh run (another seed), then everything from the file."""
    run = new_run(seed=0)
    state = torch.load(path)  # weights_only: tensors and plain values
    run["model"].load_state_dict(state["model"])
    run["optimizer"].load_state_dict(state["optimizer"])
    run["scheduler"].load_state_dict(state["scheduler"])
    if rng:
        torch.set_rng_state(state["torch_rng"])
        if torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        run["generator"].set_state(state["loader_rng"])
    return run


# --8<-- [end:checkpoint-save]

# --8<-- [start:resume-exactly]
import tempfile
from pathlib import Path

whole = new_run(seed=123)
losses_whole = train(whole, 4)

folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "checkpoint.pt"
stopped = new_run(seed=123)
losses_stopped = train(stopped, 2)
save(stopped, path)
print("checkpoint:", ", ".join(sorted(torch.load(path))))
resumed = resume(path)
print("learning rate after loading:", resumed["scheduler"].get_last_lr())
losses_resumed = losses_stopped + train(resumed, 2)
no_rng = resume(path, rng=False)
losses_no_rng = losses_stopped + train(no_rng, 2)
folder.cleanup()

print("epoch  uninterrupted  stopped, resumed  resumed without RNG states")
for epoch in range(4):
    print(
        f"{epoch + 1:5}  {losses_whole[epoch]:13.4f}"
        f"  {losses_resumed[epoch]:16.4f}  {losses_no_rng[epoch]:26.4f}"
    )
for name, run in (("resumed", resumed), ("without RNG states", no_rng)):
    same = all(
        torch.equal(a, b)
        for a, b in zip(
            whole["model"].parameters(), run["model"].parameters(), strict=True
        )
    )
    print(f"final weights equal, {name}: {same}")
# --8<-- [end:resume-exactly]


# --8<-- [start:resume-workers]
class Noisy(Dataset):
    """Item i is i plus noise, as a random augmentation would add."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return index + torch.rand(())


def noisy_loader(persistent, generator=None):
    """Two workers; shuffled by ``generator`` where there is one."""
    return DataLoader(
        Noisy(),
        batch_size=2,
        shuffle=generator is not None,
        num_workers=2,
        persistent_workers=persistent,
        generator=generator,
    )


def epochs(loader, count):
    """The items of ``count`` epochs, one tensor per epoch."""
    return [torch.cat(list(loader)) for _ in range(count)]


print("epochs that draw from the global generator, of 3:")
for persistent in (False, True):
    loader = noisy_loader(persistent)  # no generator of its own
    moved = []
    for _ in range(3):
        state = torch.get_rng_state()
        epochs(loader, 1)
        moved.append(not torch.equal(state, torch.get_rng_state()))
    del loader
    print(f"  persistent_workers={persistent}: {moved}")

print("epochs 3 and 4 as uninterrupted, loader's state saved after epoch 2:")
for persistent in (False, True):
    whole = epochs(
        noisy_loader(persistent, torch.Generator().manual_seed(9)), 4
    )
    order = torch.Generator().manual_seed(9)
    epochs(noisy_loader(persistent, order), 2)
    restored = torch.Generator()
    restored.set_state(order.get_state())
    rest = epochs(noisy_loader(persistent, restored), 2)
    same = [torch.equal(a, b) for a, b in zip(whole[2:], rest, strict=True)]
    print(f"  persistent_workers={persistent}: {same}")


def order_loader(generator):
    """20 numbers in 10 shuffled batches, no workers."""
    return DataLoader(
        range(20), batch_size=2, shuffle=True, generator=generator
    )


print("an epoch stopped after 3 of its 10 batches:")
order = torch.Generator().manual_seed(9)
at_start = order.get_state()
batches = iter(order_loader(order))
next(batches)  # batch 1
after_1 = order.get_state()
next(batches)  # batch 2
next(batches)  # batch 3
after_3 = order.get_state()
rest = [next(batches) for _ in range(7)]  # batches 4 to 10
after_10 = order.get_state()
print(
    "  loader's generator moved by batches 2 to 10:",
    not torch.equal(after_1, after_10),
)
print("  a batch after the last:", next(batches, "none, the epoch ends"))
print(
    "  moved when the epoch ended:",
    not torch.equal(after_10, order.get_state()),
)
# What it drew: a base seed, the order, and one more permutation of 20.
replay = torch.Generator().manual_seed(9)
torch.empty((), dtype=torch.int64).random_(generator=replay)
torch.randperm(20, generator=replay)
torch.randperm(20, generator=replay)
print(
    "  as a base seed and two permutations:",
    torch.equal(replay.get_state(), order.get_state()),
)
next_epoch = list(order_loader(order))
for name, state in (
    ("after batch 3", after_3),
    ("as the epoch began", at_start),
):
    restored = torch.Generator()
    restored.set_state(state)
    batches = iter(order_loader(restored))
    for _ in range(3):  # skip the batches done
        next(batches)
    same = all(torch.equal(a, b) for a, b in zip(rest, batches, strict=True))
    print(f"  rest as uninterrupted, state saved {name}: {same}")
restored = torch.Generator()
restored.set_state(after_3)
same = all(
    torch.equal(a, b)
    for a, b in zip(next_epoch, order_loader(restored), strict=True)
)
print(f"  next epoch as uninterrupted, state saved after batch 3: {same}")
# --8<-- [end:resume-workers]


# --8<-- [start:plot-weights]
def plot_weights(weight, n=8):
    """The first n rows of a 784-input weight matrix as 28 x 28 images."""
    fig, axes = plt.subplots(1, n, figsize=(8, 1.5), layout="constrained")
    for i, ax in enumerate(axes):
        image = weight[i].reshape(28, 28).cpu()
        limit = image.abs().max().item()
        ax.imshow(image.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {i}", fontsize=9)
        ax.set_axis_off()
    fig.suptitle("First-layer weights (red positive, blue negative)")
    return fig


# --8<-- [end:plot-weights]

# --8<-- [start:weights-figure]
weight = model[1].weight.detach()
model.eval()
with torch.no_grad():  # the first ReLU's output on every training digit
    hidden = model[:3](train_set.tensors[0].to(device))
active = (hidden > 0).float().mean(dim=0)
print(tuple(weight.shape), f"unit 3 active on {active[3]:.1%} of digits")
print(
    "units zero on every training digit:",
    (active == 0).nonzero()[:, 0].tolist(),
)
fig = plot_weights(weight)
# --8<-- [end:weights-figure]

# --8<-- [start:dead-units]
dead = (active == 0).nonzero()[:, 0]
pixels = train_set.tensors[0].flatten(1).to(device)


def above_zero(layer):
    """Digit by digit, for each dead unit: is its input above zero?"""
    with torch.no_grad():
        return pixels @ layer.weight[dead].T + layer.bias[dead] > 0


# The same training again, from the same weights and batches, step by step.
replay = copy.deepcopy(model)
replay.load_state_dict(start_state)
generator.set_state(start_order)
optimizer = torch.optim.Adam(replay.parameters(), lr=lr)
layer = replay[1]
at_start = above_zero(layer).float().mean(dim=0)
alive_until = torch.zeros(len(dead), dtype=torch.int64)
zero_gradient, moved = [], []
replay.train()
for _ in range(best_epoch):
    for X_batch, y_batch in train_loader:
        X_batch, y_batch = X_batch.to(device), y_batch.to(device)
        loss = loss_fn(replay(X_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        zero_gradient.append((layer.weight.grad[dead] == 0).all(dim=1))
        before = layer.weight[dead].detach().clone()
        optimizer.step()
        moved.append((layer.weight[dead] != before).any(dim=1))
        alive_until[above_zero(layer).any(dim=0)] = len(moved)
zero_gradient, moved = torch.stack(zero_gradient), torch.stack(moved)

same = torch.equal(layer.weight, model[1].weight)
print(f"{len(moved)} steps, ending at the model's weights: {same}")
header = ["unit", "active at start", "alive until step", "steps since"]
header += ["zero gradient", "moved", "last move"]
print("  ".join(header))
for i, unit in enumerate(dead.tolist()):
    until = alive_until[i].item()
    row = [unit, f"{at_start[i]:.1%}", until, len(moved) - until]
    row += [zero_gradient[until:, i].sum(), moved[until:, i].sum()]
    row += [moved[:, i].nonzero().max() + 1]
    print(
        "  ".join(f"{v:>{len(h)}}" for v, h in zip(row, header, strict=True))
    )
# --8<-- [end:dead-units]


# --8<-- [start:zero-gradient]
def moves(make_optimizer, steps=4):
    """How one weight moves after its gradient of 1 turns to 0 for good."""
    weight = nn.Parameter(torch.ones(1))
    optimizer = make_optimizer([weight])
    changes = []
    for gradient in [1.0] + [0.0] * steps:
        weight.grad = torch.tensor([gradient])
        before = weight.item()
        optimizer.step()
        changes.append(weight.item() - before)
    return changes[1:]


optimizers = {
    "SGD": lambda p: torch.optim.SGD(p, lr=lr),
    "SGD, momentum=0.9": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "SGD, weight_decay=0.1": lambda p: torch.optim.SGD(
        p, lr=lr, weight_decay=0.1
    ),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=lr),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=lr),
    "RMSprop, momentum=0.9": lambda p: torch.optim.RMSprop(
        p, lr=lr, momentum=0.9
    ),
    "Adadelta": lambda p: torch.optim.Adadelta(p, lr=lr),
    "Rprop": lambda p: torch.optim.Rprop(p, lr=lr),
    "Adam": lambda p: torch.optim.Adam(p, lr=lr),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=lr),
}
print(f"{'zero-gradient step:':22}", "  ".join(f"{k:>8}" for k in range(1, 5)))
for name, make_optimizer in optimizers.items():
    print(f"{name:22}", "  ".join(f"{m:+.1e}" for m in moves(make_optimizer)))
# --8<-- [end:zero-gradient]

# --8<-- [start:saliency]
digits = X_test[:4].to(device).requires_grad_()
scores = model(digits)
answers = scores.argmax(dim=1)
rows = torch.arange(len(digits), device=device)
(saliency,) = torch.autograd.grad(scores[rows, answers].sum(), digits)
print("answers", answers.tolist(), "true", test_raw.targets[:4].tolist())
print("gradient", tuple(saliency.shape))

# The first digit's score alone: the same gradient, and none for the others.
(alone,) = torch.autograd.grad(model(digits)[0, answers[0]], digits)
print(torch.allclose(alone[0], saliency[0]), alone[1:].abs().max().item())

step = 0.1 * saliency.sign()
with torch.no_grad():
    for name, moved in [("as drawn", digits), ("+ step", digits + step)]:
        winning = model(moved)[rows, answers]
        print(f"{name:9}", " ".join(f"{s:6.2f}" for s in winning.tolist()))
# --8<-- [end:saliency]


# --8<-- [start:plot-saliency]
def plot_saliency(images, saliency, answers):
    """Each digit above the size of its winning logit's gradient."""
    fig, axes = plt.subplots(2, len(images), figsize=(7, 4))
    for i, image in enumerate(images):
        axes[0, i].imshow(image.numpy(), cmap="gray_r")
        axes[0, i].set_title(f"answer {answers[i]}", fontsize=10)
        axes[1, i].imshow(saliency[i, 0].abs().cpu().numpy(), cmap="Reds")
    for ax in axes.flat:
        ax.set_axis_off()
    fig.suptitle("Four test digits (top) and |gradient of the answer's logit|")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-saliency]

# --8<-- [start:saliency-figure]
fig = plot_saliency(test_raw.data[:4], saliency, answers.tolist())
# --8<-- [end:saliency-figure]

# --8<-- [start:softmax-gradient]
target = torch.tensor([3])
for head in ("logits", "softmax"):
    z = torch.zeros(1, 10)
    z[0, 0] = 8.0  # confident that the digit is a 0; it is a 3
    z.requires_grad_()
    output = z if head == "logits" else torch.softmax(z, dim=1)
    loss = loss_fn(output, target)
    loss.backward()
    print(f"{head:8} loss {loss:.4f}  gradient norm {z.grad.norm():.2e}")

# Outputs moving from an even guess to one-hot, fed to the loss as logits.
perfect = torch.nn.functional.one_hot(target, 10).float()
outputs, losses = [], []
for share in (0.0, 0.5, 0.9, 1.0):
    output = share * perfect + (1 - share) / 10
    outputs.append(f"{output[0, 3]:7.3f}")
    losses.append(f"{loss_fn(output, target):7.4f}")
print("output for the true digit:", " ".join(outputs))
print("loss through the softmax: ", " ".join(losses))
p_best = torch.softmax(perfect, dim=1)[0, 3]
print(f"one-hot output: the loss's probability of the true digit {p_best:.4f}")
# --8<-- [end:softmax-gradient]

# --8<-- [start:softmax-run]
train_images, train_labels = train_set.tensors
train_rows = torch.arange(len(train_labels))
print("head     epoch  training loss  p(true digit)  validation accuracy")
right = {}
for head in ("logits", "softmax"):
    torch.manual_seed(123)
    generator.manual_seed(123)
    candidate = make_model()
    if head == "softmax":
        candidate.append(nn.Softmax(dim=1))
    candidate = candidate.to(device)
    candidate_optimizer = torch.optim.Adam(candidate.parameters(), lr=lr)
    for epoch in range(1, 6):
        loss, _ = train_epoch(candidate, train_loader, candidate_optimizer)
        _, val_acc = evaluate(candidate, val_loader)
        with torch.no_grad():
            output = candidate(train_images.to(device)).cpu()
        if head == "logits":
            output = torch.softmax(output, dim=1)
        p_true = output[train_rows, train_labels].mean()
        se = math.sqrt(val_acc * (1 - val_acc) / len(val_set))
        val_text = f"{val_acc:.1%} +/- {1.96 * se:.1%}"
        print(
            f"{head:8} {epoch:5}  {loss:13.4f}  {p_true:13.3f}  {val_text:>19}"
        )
    predicted_val, true_val = predict(candidate, val_loader)
    right[head] = (predicted_val == true_val).float()
# Paired, on the same 800 validation digits.
head_gain = right["logits"] - right["softmax"]
se = head_gain.std().item() / math.sqrt(len(head_gain))
print(
    f"logits minus softmax after 5 epochs: {head_gain.mean():.1%}"
    f" +/- {1.96 * se:.1%}"
)
# --8<-- [end:softmax-run]

# --8<-- [start:exercise-hardest]
recall = confusion.diag() / confusion.sum(dim=1)
hardest = recall.argmin().item()
print(
    f"hardest digit: {hardest}, recognized {recall[hardest]:.1%} of the time"
)
most_confused = confusion[hardest].clone()
most_confused[hardest] = 0
print(f"most often taken for: {most_confused.argmax().item()}")
precision = confusion.diag() / confusion.sum(dim=0)
least = precision.argmin().item()
print(
    f"least reliable answer: {least}, right {precision[least]:.1%} of the time"
)
# --8<-- [end:exercise-hardest]

# --8<-- [start:exercise-dropout]
torch.manual_seed(123)
with_dropout = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 128),
    nn.ReLU(),
    nn.Dropout(0.2),
    nn.Linear(128, 10),
).to(device)
batch = X[:4]
with torch.no_grad():
    with_dropout.train()
    print(torch.equal(with_dropout(batch), with_dropout(batch)))
    with_dropout.eval()
    print(torch.equal(with_dropout(batch), with_dropout(batch)))
    dropped = nn.Dropout(0.2)(torch.ones(100_000))
    zeroed = (dropped == 0).float().mean()
    kept = dropped.max()
    print(
        f"{zeroed:.3f} zeroed, the rest {kept:.2f}, mean {dropped.mean():.3f}"
    )
# --8<-- [end:exercise-dropout]

# --8<-- [start:exercise-no-grad]
out = model(X[:4])
print(out.requires_grad, type(out.grad_fn).__name__)
with torch.no_grad():
    out = model(X[:4])
print(out.requires_grad, out.grad_fn)
# --8<-- [end:exercise-no-grad]
