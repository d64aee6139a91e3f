# --8<-- [start:imports]
"""Train the Lightning chapter's MNIST model with plain PyTorch DDP.

Start one copy per process with torchrun, which tells each copy its rank:

    torchrun --standalone --nproc-per-node=2 snippets/ddp/plain_ddp.py
"""

import copy
import os
from datetime import timedelta

import torch
import torch.distributed as dist
from mechanics.mnist import prepare_mnist
from torch import nn
from torch.distributed.fsdp import fully_shard
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset, random_split
from torch.utils.data.distributed import DistributedSampler
from torchvision import datasets

# --8<-- [end:imports]


# --8<-- [start:data-model]
def mnist_datasets(root="data", num_val=500):
    """The three datasets of MNISTDataModule.setup: same digits, same split."""
    train = datasets.MNIST(root, train=True, download=False)
    test = datasets.MNIST(root, train=False, download=False)
    X_train = train.data.unsqueeze(1).float() / 255
    X_test = test.data.unsqueeze(1).float() / 255
    generator = torch.Generator().manual_seed(0)
    sizes = [len(X_train) - num_val, num_val]
    fit, val = random_split(range(len(X_train)), sizes, generator)
    fit, val = fit.indices, val.indices
    mean, std = X_train[fit].mean(), X_train[fit].std()
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    y_train = train.targets
    return (
        TensorDataset(X_train[fit], y_train[fit]),
        TensorDataset(X_train[val], y_train[val]),
        TensorDataset(X_test, test.targets),
    )


def mlp():
    """The layers of LitMLP."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 128),
        nn.ReLU(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


# --8<-- [end:data-model]


# --8<-- [start:helpers]
def print0(*args):
    """Print from the process of rank 0 only."""
    if dist.get_rank() == 0:
        print(*args, flush=True)


def every_rank(value, spec=".4f"):
    """A number from every process, gathered in rank order."""
    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return ", ".join(format(v, spec) for v in values)


def accuracy(model, dataset):
    """Accuracy over a dataset shared out by a DistributedSampler."""
    module = model.module  # the model inside the DDP wrapper
    device = next(module.parameters()).device
    was_training = module.training
    module.eval()  # dropout off, batch norm's running statistics
    sampler = DistributedSampler(dataset, shuffle=False)
    loader = DataLoader(dataset, batch_size=1000, sampler=sampler)
    counts = torch.zeros(2)  # correct, seen
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            correct = (module(X).argmax(dim=1) == y).sum().item()
            counts += torch.tensor([correct, len(y)])
    module.train(was_training)  # back to the mode it was in
    counts = counts.to(device)  # NCCL reduces tensors on the GPU only
    dist.all_reduce(counts)  # sums the counts of all processes
    return counts[0] / counts[1], int(counts[1])


def train_epoch(model, optimizer, loader, loss_fn, device):
    """One epoch of training; returns the loss of every step."""
    losses = []
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()  # all-reduces the gradients
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)


# --8<-- [end:helpers]


# --8<-- [start:device]
def device_and_backend():
    """This process's device, its backend, and DDP's device_ids."""
    local_rank = int(os.environ["LOCAL_RANK"])  # its rank on this machine
    local_world_size = int(os.environ["LOCAL_WORLD_SIZE"])
    if torch.cuda.device_count() >= local_world_size:  # a GPU per process
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank), "nccl", [local_rank]
    return torch.device("cpu"), "gloo", None


# --8<-- [end:device]


# --8<-- [start:checkpoint]
CHECKPOINT = "checkpoint.pt"


def save_checkpoint(model, optimizer, epoch, path=CHECKPOINT):
    """Rank 0 saves the model inside the wrapper and the optimizer."""
    if dist.get_rank() == 0:
        state = {
            "model": model.module.state_dict(),  # no "module." prefix
            "optimizer": optimizer.state_dict(),
            "epoch": epoch,  # the number of epochs done
        }
        torch.save(state, path)
        print(f"saved after epoch {epoch}: {list(state['model'])[:2]} ...")
        print(f"the wrapper's names: {list(model.state_dict())[:2]} ...")


def load_checkpoint(model, optimizer, device, path=CHECKPOINT):
    """Every rank loads the checkpoint; returns the epochs done."""
    dist.barrier()  # rank 0 gets here only once the file is written
    state = torch.load(path, map_location=device)
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


def resume(
    train_set,
    num_epochs,
    batch_size,
    lr,
    device,
    device_ids,
    *,
    with_optimizer=True,
):
    """A new model, wrapper, optimizer, sampler and loader; their state
    comes from the checkpoint. Trains the epochs left; returns the losses."""
    torch.manual_seed(0)  # other weights than the saved ones
    model = mlp().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    done = load_checkpoint(
        model, optimizer if with_optimizer else None, device
    )
    model = DistributedDataParallel(model, device_ids=device_ids)
    sampler = DistributedSampler(train_set, shuffle=True, seed=123)
    loader = DataLoader(train_set, batch_size=batch_size, sampler=sampler)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(done, num_epochs):
        sampler.set_epoch(epoch)
        losses.append(train_epoch(model, optimizer, loader, loss_fn, device))
    return torch.cat(losses)


# --8<-- [end:checkpoint]


# --8<-- [start:fsdp]
def fsdp_gradient(X, y, loss_fn, device):
    """FSDP2 on the MNIST model: each rank's share, and its gradient."""
    torch.manual_seed(0)  # the same model on every rank
    sharded = mlp().to(device)
    fully_shard(sharded)  # splits every parameter's rows between the ranks
    held = sum(p.to_local().numel() for p in sharded.parameters())
    total = sum(p.numel() for p in sharded.parameters())
    print0(f"FSDP2, parameters held: {every_rank(held, ',')} of {total:,}")
    loss_fn(sharded(X), y).backward()  # reduce-scatters the gradients
    bias_grad = sharded[-1].bias.grad  # this rank's share of the gradient
    print0(f"FSDP2, last bias: {bias_grad.to_local().numel()} of 10 numbers")
    torch.manual_seed(0)
    plain = mlp().to(device)  # the same model, not sharded
    loss_fn(plain(X), y).backward()  # this rank's own gradient
    total = plain[-1].bias.grad.clone()
    dist.all_reduce(total)  # the sum of every rank's own gradient
    same = torch.equal(bias_grad.full_tensor(), total / dist.get_world_size())
    print0("FSDP2's gradient is the sum / world size:", same)


# --8<-- [end:fsdp]


# --8<-- [start:main]
TIMEOUT = timedelta(seconds=60)  # how long the processes wait for each other


def main(num_epochs=3, batch_size=64, lr=0.001, save_after=2):
    device, backend, device_ids = device_and_backend()
    # torchrun's environment variables say where the processes meet (the
    # address and port of torchrun's store), this process's rank and the
    # world size.
    dist.init_process_group(backend, timeout=TIMEOUT)
    rank, world_size = dist.get_rank(), dist.get_world_size()
    print0(f"{world_size} processes, backend {dist.get_backend()}")
    print0("devices:", every_rank(str(device), ""))
    if rank == 0:
        prepare_mnist("data")
    dist.barrier()  # the others wait until rank 0 has written the files
    train_set, val_set, test_set = mnist_datasets()

    torch.manual_seed(123 + rank)  # a different model on every rank
    model = mlp().to(device)
    first = model[1].weight[0, 0].item()
    print0("first weight, before DDP:", every_rank(first))
    unsynced = DistributedDataParallel(
        copy.deepcopy(model), device_ids=device_ids, init_sync=False
    )
    first = unsynced.module[1].weight[0, 0].item()
    print0("after DDP, init_sync=False:", every_rank(first))
    del unsynced
    # Broadcasts rank 0's parameters and buffers.
    model = DistributedDataParallel(model, device_ids=device_ids)
    first = model.module[1].weight[0, 0].item()
    print0("after DDP, by default:     ", every_rank(first))

    sampler = DistributedSampler(train_set, shuffle=True, seed=123)
    loader = DataLoader(train_set, batch_size=batch_size, sampler=sampler)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    print0(f"{len(loader)} batches per process and epoch")

    # One batch, backward without and with the all-reduce.
    X, y = next(iter(loader))
    X, y = X.to(device), y.to(device)
    with model.no_sync():  # this process's own gradient
        loss_fn(model(X), y).backward()
    own = model.module[-1].bias.grad.clone()
    model.zero_grad()
    loss_fn(model(X), y).backward()  # the all-reduce
    grad = model.module[-1].bias.grad
    total = own.clone()
    dist.all_reduce(total)  # g0 + g1: the sum of the processes' own
    same = torch.equal(grad, total / world_size)
    print0(f"DDP's gradient equals (g0 + g1) / {world_size}:", same)
    scaled = own * (1 / world_size)  # as DDP scales it into its bucket
    dist.all_reduce(scaled)  # g0 / 2 + g1 / 2
    same = torch.equal(grad, scaled)
    print0(
        f"DDP's gradient equals g0 / {world_size} + g1 / {world_size}:", same
    )

    losses = []
    for epoch in range(num_epochs):
        sampler.set_epoch(epoch)  # a new shuffle, the same on every rank
        losses.append(train_epoch(model, optimizer, loader, loss_fn, device))
        if epoch + 1 == save_after:
            save_checkpoint(model, optimizer, epoch + 1)
    print0(f"{sum(map(len, losses))} optimizer steps")
    val_acc, val_seen = accuracy(model, val_set)
    print0(f"validation accuracy {val_acc:.1%} ({val_seen} digits)")
    test_acc, test_seen = accuracy(model, test_set)
    print0(f"test accuracy {test_acc:.1%} ({test_seen} digits)")

    # The epochs after the checkpoint, trained again from the checkpoint.
    after = torch.cat(losses[save_after:])  # the uninterrupted run's
    print0("uninterrupted:      mean loss", every_rank(after.mean().item()))
    options = train_set, num_epochs, batch_size, lr, device, device_ids
    for name, with_optimizer in (("resumed", True), ("model only", False)):
        resumed = resume(*options, with_optimizer=with_optimizer)
        mean = every_rank(resumed.mean().item())
        same = every_rank(torch.equal(resumed, after), "")
        print0(
            f"{name + ':':19} mean loss {mean},"
            f" the same {len(after)} losses: {same}"
        )
    fsdp_gradient(X, y, loss_fn, device)  # FSDP2 on this rank's first batch
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
# --8<-- [end:main]
