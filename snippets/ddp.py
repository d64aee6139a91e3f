# --8<-- [start:run-script]
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

    The script runs in a new session and process group, so that one
    os.killpg stops it and every process it started in that group: at the
    time limit, and after the script ends, whatever it left behind.
    torchrun starts each of its processes in a session of its own and stops
    them when it ends, so at the time limit it first gets a SIGTERM and time
    to do so.
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
            script.terminate()  # SIGTERM: torchrun stops its processes
            with contextlib.suppress(subprocess.TimeoutExpired):
                script.wait(timeout=60)
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


# --8<-- [end:run-script]

# --8<-- [start:run-plain]
torchrun = [
    "-m",
    "torch.distributed.run",
    "--standalone",
    "--nproc-per-node=2",
]
print(run_script(*torchrun, "plain_ddp.py"), end="")
# --8<-- [end:run-plain]

# --8<-- [start:scale-then-sum]
import torch

for world_size in (2, 3, 4):
    numbers = torch.arange(world_size * 100_000) % 9973 - 4986
    grads = (numbers / 997).reshape(world_size, 100_000)  # a row a process
    sum_then_divide = grads.sum(dim=0) / world_size
    divide_then_sum = (grads * (1 / world_size)).sum(dim=0)  # as DDP
    differ = (sum_then_divide != divide_then_sum).sum().item()
    print(f"{world_size} processes: {differ:,} of 100,000 numbers differ")
big = torch.tensor([3e38, 3e38])  # two processes' gradients, near the max
print(f"(g0 + g1) / 2:   {(big.sum() / 2).item():.3g}")
print(f"g0 / 2 + g1 / 2: {(big * (1 / 2)).sum().item():.3g}")
# --8<-- [end:scale-then-sum]

# --8<-- [start:device]
import torch.distributed as dist

print("GPUs:", torch.cuda.device_count())
print("NCCL built in:", dist.is_nccl_available())
try:  # a process group of one process, with NCCL
    dist.init_process_group(
        "nccl", store=dist.HashStore(), rank=0, world_size=1
    )
    print("NCCL: a process group of one process")
    dist.destroy_process_group()
except ValueError as error:
    print("NCCL: ValueError:", error)

from torch import nn
from torch.nn.parallel import DistributedDataParallel

dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
for device_ids in (None, [], [0]):  # a model on the CPU
    try:
        DistributedDataParallel(nn.Linear(2, 2), device_ids=device_ids)
        print(f"CPU model, device_ids={device_ids}: wrapped")
    except ValueError as error:
        message = str(error).split(" arguments")[0]
        print(f"CPU model, device_ids={device_ids}: ValueError: {message} ...")
dist.destroy_process_group()
# --8<-- [end:device]

# --8<-- [start:set-epoch]
import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

sampler = DistributedSampler(range(8), num_replicas=2, rank=0, seed=123)
for epoch in range(2):
    print(f"epoch {epoch}, no set_epoch:", list(sampler))
for epoch in range(2):
    sampler.set_epoch(epoch)
    print(f"epoch {epoch}, set_epoch:   ", list(sampler))
for num_replicas in (4, 1):  # the same seed and epoch, other world sizes
    other = DistributedSampler(
        range(8), num_replicas=num_replicas, rank=0, seed=123
    )
    other.set_epoch(1)
    print(f"epoch 1, {num_replicas} process(es):", list(other))
# --8<-- [end:set-epoch]

# --8<-- [start:checkpoint]
import textwrap

checkpoint = torch.load("checkpoint.pt")  # what rank 0 of the run saved
print("saved:", list(checkpoint), "| epochs done:", checkpoint["epoch"])
print("model:", list(checkpoint["model"]))
adam = checkpoint["optimizer"]["state"][0]  # Adam's state of 1.weight
print(f"Adam, per parameter: {list(adam)}, step {adam['step']:.0f}")
model = nn.Sequential(  # the MNIST model, on one process
    nn.Flatten(),
    nn.Linear(28 * 28, 128),
    nn.ReLU(),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 10),
)
print("loaded:", model.load_state_dict(checkpoint["model"]))
# The same tensors under the names of the wrapper's own state_dict.
as_wrapper = {"module." + k: v for k, v in checkpoint["model"].items()}
try:
    model.load_state_dict(as_wrapper)
except RuntimeError as error:
    print("RuntimeError:", str(error).splitlines()[0])
    for line in str(error).splitlines()[1:]:
        print("   ", textwrap.shorten(line, 70))
result = model.load_state_dict(as_wrapper, strict=False)  # no error
missing, unexpected = len(result.missing_keys), len(result.unexpected_keys)
print(f"strict=False: {missing} missing, {unexpected} unexpected")
# --8<-- [end:checkpoint]

# --8<-- [start:padding]
from collections import Counter

digits = range(1001)  # a test set of 1,001 digits, for 2 processes
for drop_last in (False, True):
    shares = [
        list(
            DistributedSampler(
                digits,
                num_replicas=2,
                rank=rank,
                shuffle=False,
                drop_last=drop_last,
            )
        )
        for rank in range(2)
    ]
    counts = Counter(shares[0] + shares[1])
    twice = [digit for digit, count in counts.items() if count > 1]
    never = [digit for digit in digits if digit not in counts]
    print(
        f"drop_last={drop_last}: {len(shares[0])} + {len(shares[1])}"
        f" = {counts.total()} counted, twice: {twice}, never: {never}"
    )
# --8<-- [end:padding]

# --8<-- [start:linear-scaling]
torch.manual_seed(123)
X, y = torch.randn(128, 4), torch.randn(128, 1)
loss_fn = nn.MSELoss()


def sgd(batches, lr):
    """The weights after one SGD step per batch, from the same start."""
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for X_batch, y_batch in batches:
        optimizer.zero_grad()
        loss_fn(model(X_batch), y_batch).backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


start = sgd([], lr=0.0)
for lr in (0.01, 0.1, 0.5):
    two_small = sgd([(X[:64], y[:64]), (X[64:], y[64:])], lr=lr)
    one_large = sgd([(X, y)], lr=2 * lr)
    moved = (two_small - start).abs().max()
    apart = (two_small - one_large).abs().max()
    print(f"lr {lr}: moved {moved:.4f}, apart {apart:.4f}")
# --8<-- [end:linear-scaling]

# --8<-- [start:warm-up]
batch_size, lr = 64, 0.001  # a setting tuned on one process
k = 8  # processes, each with batches of batch_size
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=k * lr)
warm_up = torch.optim.lr_scheduler.LinearLR(
    optimizer, start_factor=1 / k, total_iters=5
)
for step in range(7):
    print(f"step {step}: lr {optimizer.param_groups[0]['lr']:.4f}")
    optimizer.step()  # after the step's backward
    warm_up.step()
# --8<-- [end:warm-up]

# --8<-- [start:adam-scale]
torch.manual_seed(123)
gradients = torch.randn(5, 3)  # five steps' gradients for 3 parameters


def weights_after(optimizer_class, scale, **options):
    """The weights after five steps on the gradients times scale."""
    weights = torch.zeros(3, requires_grad=True)
    optimizer = optimizer_class([weights], lr=0.01, **options)
    for gradient in gradients:
        weights.grad = scale * gradient
        optimizer.step()
    return weights.detach()


for optimizer_class in (torch.optim.SGD, torch.optim.Adam):
    for scale in (1, 10):
        weights = weights_after(optimizer_class, scale)
        name = optimizer_class.__name__
        print(f"{name:4}, gradients x {scale:2}:", weights)
for eps in (1e-8, 0.0):  # Adam's default eps, then none
    x1 = weights_after(torch.optim.Adam, 1, eps=eps)
    x10 = weights_after(torch.optim.Adam, 10, eps=eps)
    print(
        f"Adam, eps={eps:g}: x 10 equal to x 1: {torch.equal(x1, x10)},"
        f" largest difference {(x10 - x1).abs().max():.1e}"
    )
print("Adam, gradients x 1e-6:", weights_after(torch.optim.Adam, 1e-6))
# --8<-- [end:adam-scale]

# --8<-- [start:adam-batch]
torch.manual_seed(123)
mean_gradient, lr = 0.05, 0.01  # the gradient over all the data
progress = {}
for batch_size in (64, 128, 1024):
    weights = torch.zeros(1000, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=lr)
    for step in range(300):
        if step == 100:  # after Adam's running means have settled
            start = weights.detach().clone()
        noise = torch.randn(1000) / batch_size**0.5
        weights.grad = mean_gradient + noise
        optimizer.step()
    progress[batch_size] = (start - weights.detach()).mean() / 200 / lr
    ratio = progress[batch_size] / progress[64]
    print(
        f"batch {batch_size:4}: {progress[batch_size]:.3f} x lr per step,"
        f" {ratio:.2f} x batch 64's"
    )
# --8<-- [end:adam-batch]

# --8<-- [start:memory]
torch.manual_seed(123)
model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 128),
    nn.ReLU(),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()
X, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
loss_fn(model(X), y).backward()
optimizer.step()


def numbers(tensors):
    return sum(t.numel() for t in tensors)


params = list(model.parameters())
state = [t for s in optimizer.state.values() for t in s.values() if t.ndim]
print(f"parameters:       {numbers(params):,}")
print(f"gradients:        {numbers(p.grad for p in params):,}")
print(f"Adam's two means: {numbers(state):,}")
# --8<-- [end:memory]

# --8<-- [start:exercise-padding]
for shuffle in (False, True):
    shares = [
        list(
            DistributedSampler(
                range(10), num_replicas=4, rank=rank, shuffle=shuffle, seed=0
            )
        )
        for rank in range(4)
    ]
    print(f"shuffle={shuffle}:", shares)
# --8<-- [end:exercise-padding]


# --8<-- [start:exercise-warm-up]
train_digits = range(3500)
for k in (1, 2, 8):
    sampler = DistributedSampler(train_digits, num_replicas=k, rank=0)
    loader = DataLoader(train_digits, batch_size=64, sampler=sampler)
    warm_up_steps = 5 * len(loader)
    optimizer = torch.optim.SGD(nn.Linear(4, 1).parameters(), lr=k * 0.001)
    warm_up = torch.optim.lr_scheduler.LinearLR(
        optimizer, start_factor=1 / k, total_iters=warm_up_steps
    )
    for _ in range(warm_up_steps):
        optimizer.step()
        warm_up.step()
    print(
        f"k = {k}: {len(loader)} steps per epoch, warm-up of"
        f" {warm_up_steps} steps, to lr {optimizer.param_groups[0]['lr']:.4f}"
    )
# --8<-- [end:exercise-warm-up]


# --8<-- [start:exercise-dropout]
import io

torch.manual_seed(123)
X, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
model = nn.Sequential(
    nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2)
)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()


def train_steps(num_steps):
    """Train for num_steps steps; return the loss of every step."""
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)


train_steps(3)
file = io.BytesIO()  # a file in memory
state = {
    "model": model.state_dict(),
    "optimizer": optimizer.state_dict(),
    "generator": torch.get_rng_state(),  # where the dropout masks come from
}
torch.save(state, file)
uninterrupted = train_steps(3)
for with_generator in (False, True):
    file.seek(0)
    state = torch.load(file)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if with_generator:
        torch.set_rng_state(state["generator"])
    same = torch.equal(train_steps(3), uninterrupted)
    print(f"generator's state loaded: {with_generator}, same losses: {same}")
# --8<-- [end:exercise-dropout]
