# --8<-- [start:plot-ddp-step]
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch


def draw_ddp_step(world_size, batch_size):
    """One DDP optimizer step: what each process does, left to right."""
    fig, ax = plt.subplots(figsize=(8, 0.9 + 1.1 * world_size))
    ax.set_xlim(0, 8.3)
    ax.set_ylim(-0.5, world_size - 0.5)
    ax.invert_yaxis()
    ax.set_axis_off()

    def box(x, y, text, color, height=0.62, width=1.24):
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.04",
                facecolor=color,
                edgecolor="black",
                linewidth=0.8,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=8.5)

    def arrow(x0, y0, x1, y1):
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": "->", "linewidth": 0.9},
        )

    middle = (world_size - 1) / 2
    reduce_x, reduce_height = 4.9, world_size - 0.35
    total = " + ".join(f"g{rank}" for rank in range(world_size))
    box(
        reduce_x,
        middle,
        "all-reduce:\nevery process\ngets the average\n"
        f"({total}) / {world_size}",
        (*plt.get_cmap("tab10")(2)[:3], 0.25),  # light green
        height=reduce_height,
        width=1.5,
    )
    for rank in range(world_size):
        color = plt.get_cmap("tab10")(rank)
        light = (*color[:3], 0.25)
        ax.text(0.05, rank, f"process {rank}", va="center", fontsize=9)
        box(1.65, rank, f"its {batch_size}\ndigits", light)
        box(3.2, rank, f"forward,\nbackward:\ngradient g{rank}", light)
        box(6.7, rank, "optimizer step\nwith the\naverage", light)
        arrow(2.31, rank, 2.54, rank)
        arrow(3.86, rank, reduce_x - 0.79, rank)
        arrow(reduce_x + 0.79, rank, 6.04, rank)
        arrow(7.36, rank, 7.6, rank)
        ax.text(7.65, rank, "same\nweights", va="center", fontsize=8.5)
    ax.set_title(
        f"One DDP step: {world_size} processes, {world_size * batch_size}"
        " digits, one identical update",
        fontsize=10,
    )
    return fig


# --8<-- [end:plot-ddp-step]

# --8<-- [start:ddp-step]
fig = draw_ddp_step(world_size=2, batch_size=64)
# --8<-- [end:ddp-step]

# --8<-- [start:gradient-average]
import torch
from torch import nn

torch.manual_seed(123)
model = nn.Linear(4, 1)
X, y = torch.randn(128, 4), torch.randn(128, 1)
loss_fn = nn.MSELoss()


def gradient(model, X, y):
    """The gradient of the mean loss over one batch, as one flat tensor."""
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters()])


whole = gradient(model, X, y)
halves = (
    gradient(model, X[:64], y[:64]) + gradient(model, X[64:], y[64:])
) / 2
print("batch of 128:     ", whole)
print("average of 2 x 64:", halves)
print(f"largest difference: {(whole - halves).abs().max():.0e}")
# --8<-- [end:gradient-average]


# --8<-- [start:batch-norm]
def gradient_difference(model):
    """How far the average over 2 x 64 is from the batch of 128."""
    whole = gradient(model, X, y)
    first, last = (
        gradient(model, X[:64], y[:64]),
        gradient(model, X[64:], y[64:]),
    )
    return (whole - (first + last) / 2).abs().max()


print("feature means, batch of 128:", X.mean(dim=0))
print("feature means, first 64:    ", X[:64].mean(dim=0))
print("feature means, last 64:     ", X[64:].mean(dim=0))
batch_norm = nn.Sequential(nn.BatchNorm1d(4), model)  # the same Linear
layer_norm = nn.Sequential(nn.LayerNorm(4), model)
print(
    f"BatchNorm1d, largest difference: {gradient_difference(batch_norm):.2e}"
)
print(
    f"LayerNorm, largest difference:   {gradient_difference(layer_norm):.0e}"
)
# --8<-- [end:batch-norm]

# --8<-- [start:sync-batch-norm]
import torch.distributed as dist

sync_norm = nn.SyncBatchNorm(4)
same = torch.equal(sync_norm(X), nn.BatchNorm1d(4)(X))
print("no process group, same output as BatchNorm1d:", same)
# A process group of one process, so that SyncBatchNorm tries to synchronize.
dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
try:
    sync_norm(X)
except ValueError as error:
    print("ValueError:", error)
dist.destroy_process_group()
# --8<-- [end:sync-batch-norm]

# --8<-- [start:ddp-run]
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile

TIME_LIMIT = 300  # seconds for the whole run


def run_script(*args, time_limit=TIME_LIMIT):
    """Run a Python script in a fresh process and return what it printed.

    The script runs in a new session and process group, which every process
    it starts joins (unless it makes a group of its own), so that one
    os.killpg stops them all: at the time limit, and after the script ends,
    whatever it left behind.
    """
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        script = subprocess.Popen(
            [sys.executable, *args],
            stdout=out,
            stderr=err,
            text=True,
            start_new_session=True,
        )
        try:
            script.wait(timeout=time_limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        with contextlib.suppress(ProcessLookupError):  # none left
            os.killpg(script.pid, signal.SIGKILL)
        script.wait()
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    command = " ".join(args)
    if timed_out:
        raise RuntimeError(
            f"{command!r} ran past {time_limit} s: stopped, with every "
            "process it started"
        )
    if script.returncode != 0:
        # The last "SomeError: message" line: the exception that ended it.
        raised = re.findall(r"^[\w.]+(?:Error|Exception)\b.*", errors, re.M)
        raise RuntimeError(
            f"{command!r} failed (exit status {script.returncode}): "
            + (raised[-1] if raised else errors.strip()[-500:])
        )
    return printed


workdir = tempfile.TemporaryDirectory()
weights_path = os.path.join(workdir.name, "ddp.pt")
print(run_script("lightning_ddp.py", weights_path), end="")
# --8<-- [end:ddp-run]

# --8<-- [start:fail-fast]
from datetime import timedelta

print("default timeout:", dist.default_pg_timeout)
try:  # a rendezvous for 2 processes that only 1 process reaches
    dist.TCPStore(
        "127.0.0.1",
        0,
        world_size=2,
        is_master=True,
        timeout=timedelta(seconds=1),
    )
except dist.DistStoreError as error:
    print(type(error).__name__ + ":", str(error).split(". ")[-1])
try:
    run_script("-c", "import time; time.sleep(600)", time_limit=0.2)
except RuntimeError as error:
    print(error)
# --8<-- [end:fail-fast]

# --8<-- [start:one-process]
from torch.utils.data import DataLoader, TensorDataset, random_split
from torch.utils.data.distributed import DistributedSampler
from torchvision import datasets

# MNISTDataModule.setup, step by step: the same digits, the same split.
train = datasets.MNIST("data", train=True, download=False)
test = datasets.MNIST("data", train=False, download=False)
X_train = train.data.unsqueeze(1).float() / 255
X_test = test.data.unsqueeze(1).float() / 255
split = torch.Generator().manual_seed(0)
fit, val = random_split(range(len(X_train)), [3500, 500], split)
fit, val = fit.indices, val.indices
mean, std = X_train[fit].mean(), X_train[fit].std()
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
train_set = TensorDataset(X_train[fit], train.targets[fit])
val_set = TensorDataset(X_train[val], train.targets[val])
test_set = TensorDataset(X_test, test.targets)

# LitMLP's layers, built after the same seed as in the script.
torch.manual_seed(123)
single = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 128),
    nn.ReLU(),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 10),
)
optimizer = torch.optim.Adam(single.parameters(), lr=0.001)
cross_entropy = nn.CrossEntropyLoss()

# The order the DDP run's sampler shuffled the digits in, not split.
order = DistributedSampler(train_set, num_replicas=1, rank=0, seed=123)
loader = DataLoader(train_set, batch_size=128, sampler=order)
steps = 0
for epoch in range(3):
    order.set_epoch(epoch)
    for images, labels in loader:
        loss = cross_entropy(single(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1


def accuracy(dataset):
    images, labels = dataset[:]
    with torch.no_grad():
        return (single(images).argmax(dim=1) == labels).float().mean()


print(f"1 process, batches of {loader.batch_size}")
print(f"{len(loader)} batches per epoch")
print(f"{steps} optimizer steps")
print(f"validation accuracy {accuracy(val_set):.1%}")
print(f"test accuracy {accuracy(test_set):.1%}")

ddp_weights = torch.load(weights_path)  # LitMLP's names: "model.1.weight"
difference = max(
    (single.state_dict()[name.removeprefix("model.")] - weights).abs().max()
    for name, weights in ddp_weights.items()
)
print(f"largest weight difference from the DDP model: {difference:.0e}")
workdir.cleanup()
# --8<-- [end:one-process]

# --8<-- [start:exercise-sampler]
for rank in range(2):
    sampler = DistributedSampler(
        train_set, num_replicas=2, rank=rank, shuffle=True, seed=123
    )
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    print(f"rank {rank}: {len(sampler)} digits, {len(loader)} batches")
first = set(DistributedSampler(train_set, num_replicas=2, rank=0, seed=123))
second = set(DistributedSampler(train_set, num_replicas=2, rank=1, seed=123))
print(
    "shared digits:", len(first & second), "| together:", len(first | second)
)
# --8<-- [end:exercise-sampler]

# --8<-- [start:exercise-uneven]
uneven = (
    gradient(model, X[:100], y[:100]) + gradient(model, X[100:], y[100:])
) / 2
print("batch of 128:       ", whole)
print("average of 100 + 28:", uneven)

odd = list(range(5))  # five samples for two ranks
for rank in range(2):
    sampler = DistributedSampler(odd, num_replicas=2, rank=rank, shuffle=False)
    print(f"rank {rank}:", list(sampler))
# --8<-- [end:exercise-uneven]

# --8<-- [start:exercise-accumulate]
model.zero_grad()
for part in (slice(0, 64), slice(64, 128)):
    (loss_fn(model(X[part]), y[part]) / 2).backward()  # adds to .grad
accumulated = torch.cat([p.grad.flatten() for p in model.parameters()])
print("accumulated:", accumulated)
difference = (whole - accumulated).abs().max()
print(f"largest difference from the batch of 128: {difference:.0e}")
# --8<-- [end:exercise-accumulate]
