# --8<-- [start:setup]
import logging
import warnings
from contextlib import contextmanager

import lightning.pytorch as pl
import torch
import torchmetrics
from lightning.pytorch.utilities.warnings import PossibleUserWarning
from mechanics.mnist import prepare_mnist
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split
from torchvision import datasets

logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
logging.getLogger("lightning.fabric").setLevel(logging.WARNING)


@contextmanager
def harmless_warnings_ignored():
    """Silence two warnings that do not apply to this page."""
    with warnings.catch_warnings():
        # Worker processes do not speed up data that is already in memory.
        warnings.filterwarnings(
            "ignore", ".*does not have many workers", PossibleUserWarning
        )
        # Lightning 2.6 calls a torch API that torch 2.14 deprecated.
        warnings.filterwarnings(
            "ignore", ".*treespec, LeafSpec", FutureWarning
        )
        yield


pl.seed_everything(123, workers=True)
print(pl.__version__, torchmetrics.__version__)
# --8<-- [end:setup]


# --8<-- [start:datamodule]
class MNISTDataModule(pl.LightningDataModule):
    """The 4,000 / 1,000 MNIST split, normalized, as in-memory tensors."""

    def __init__(self, root="data", batch_size=64, num_val=500):
        super().__init__()
        self.root, self.batch_size, self.num_val = root, batch_size, num_val

    def prepare_data(self):
        prepare_mnist(self.root)

    def setup(self, stage):
        train = datasets.MNIST(self.root, train=True, download=False)
        test = datasets.MNIST(self.root, train=False, download=False)
        # What ToTensor() and Normalize() do per image, done once for all.
        X_train = train.data.unsqueeze(1).float() / 255
        X_test = test.data.unsqueeze(1).float() / 255
        generator = torch.Generator().manual_seed(0)
        sizes = [len(X_train) - self.num_val, self.num_val]
        fit, val = random_split(range(len(X_train)), sizes, generator)
        fit, val = fit.indices, val.indices
        # Statistics of the training digits alone: the validation digits
        # stay as unseen as the test digits.
        mean, std = X_train[fit].mean(), X_train[fit].std()
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
        y_train = train.targets
        self.train_set = TensorDataset(X_train[fit], y_train[fit])
        self.val_set = TensorDataset(X_train[val], y_train[val])
        self.test_set = TensorDataset(X_test, test.targets)

    def train_dataloader(self):
        return DataLoader(
            self.train_set, batch_size=self.batch_size, shuffle=True
        )

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=1000)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=1000)


dm = MNISTDataModule()
print("prepare_data once per node:", dm.prepare_data_per_node)
dm.prepare_data()
dm.setup("fit")
print(len(dm.train_set), len(dm.val_set), len(dm.test_set))
X, y = next(iter(dm.train_dataloader()))
print(X.shape, X.dtype, y.shape, y.dtype)
# --8<-- [end:datamodule]


# --8<-- [start:module]
class LitMLP(pl.LightningModule):
    """The MNIST MLP, with its loss, metrics and optimizer in one class."""

    def __init__(self, lr=0.001):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
        self.loss_fn = nn.CrossEntropyLoss()
        self.train_acc = torchmetrics.Accuracy(
            task="multiclass", num_classes=10
        )
        self.val_acc = torchmetrics.Accuracy(task="multiclass", num_classes=10)
        self.test_acc = torchmetrics.Accuracy(
            task="multiclass", num_classes=10
        )

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        X, y = batch
        logits = self(X)
        loss = self.loss_fn(logits, y)
        self.train_acc(logits, y)
        self.log(
            "train_loss", loss, on_epoch=True, on_step=False, sync_dist=True
        )
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        X, y = batch
        logits = self(X)
        self.val_acc(logits, y)
        self.log("val_loss", self.loss_fn(logits, y), sync_dist=True)
        self.log("val_acc", self.val_acc)

    def test_step(self, batch, batch_idx):
        X, y = batch
        logits = self(X)
        self.test_acc(logits, y)
        self.log("test_loss", self.loss_fn(logits, y), sync_dist=True)
        self.log("test_acc", self.test_acc)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


model = LitMLP()
print(pl.utilities.model_summary.ModelSummary(model))
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
# --8<-- [end:module]

# --8<-- [start:flops]
model.example_input_array = torch.zeros(1, 1, 28, 28)  # one image
summary = pl.utilities.model_summary.ModelSummary(model)
print(f"{summary.total_flops:,} FLOPs for one image")
weights = 28 * 28 * 128 + 128 * 64 + 64 * 10
print(f"2 x {weights:,} weights = {2 * weights:,}")
# --8<-- [end:flops]

# --8<-- [start:fit]
import tempfile
from pathlib import Path

from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

workdir = tempfile.TemporaryDirectory()
checkpoint = ModelCheckpoint(
    monitor="val_loss", mode="min", filename="best-{epoch}"
)
trainer = pl.Trainer(
    max_epochs=8,
    accelerator="auto",
    devices=1,
    deterministic=True,
    logger=CSVLogger(workdir.name, name="mnist"),
    callbacks=[checkpoint],
    enable_progress_bar=False,
    enable_model_summary=False,
)
with harmless_warnings_ignored():
    trainer.fit(model, datamodule=dm)
print(trainer.current_epoch, "epochs,", trainer.global_step, "optimizer steps")
print(
    "sanity check: up to", trainer.num_sanity_val_steps, "validation batches"
)
print(
    "deterministic algorithms:", torch.are_deterministic_algorithms_enabled()
)
# --8<-- [end:fit]

# --8<-- [start:metrics]
import pandas as pd

metrics = pd.read_csv(Path(trainer.logger.log_dir) / "metrics.csv")
print(list(metrics.columns))
validated = metrics["val_loss"].count()
print(
    validated,
    "rows with a val_loss, for",
    metrics["epoch"].nunique(),
    "epochs",
)
per_epoch = (
    metrics.groupby("epoch").mean(numeric_only=True).drop(columns="step")
)
print(per_epoch.round(4).to_string())
# --8<-- [end:metrics]

# --8<-- [start:plot-curves]
import matplotlib.pyplot as plt


def plot_curves(per_epoch):
    """Loss and accuracy per epoch, training against validation."""
    epochs = per_epoch.index  # counted from 0, as in the checkpoint names
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3.2))
    ax_loss.plot(epochs, per_epoch["train_loss"], "o-", label="training")
    ax_loss.plot(epochs, per_epoch["val_loss"], "s--", label="validation")
    ax_loss.set_xlabel("epoch (from 0)")
    ax_loss.set_ylabel("cross-entropy loss")
    ax_loss.legend()
    ax_acc.plot(epochs, per_epoch["train_acc"], "o-", label="training")
    ax_acc.plot(epochs, per_epoch["val_acc"], "s--", label="validation")
    ax_acc.set_xlabel("epoch (from 0)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    fig.suptitle("Training curves read back from the CSVLogger's metrics.csv")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-curves]

# --8<-- [start:curves]
fig = plot_curves(per_epoch)
# --8<-- [end:curves]

# --8<-- [start:test]
with harmless_warnings_ignored():
    results = trainer.test(model, datamodule=dm, verbose=False)
print(f"test accuracy (last epoch): {results[0]['test_acc']:.1%}")
# --8<-- [end:test]

# --8<-- [start:checkpoint]
import textwrap

best_path = Path(checkpoint.best_model_path)
saved = torch.load(best_path, weights_only=False)  # a file this page wrote
best_epoch = saved["epoch"]
print(best_path.name, "holds:")
print(textwrap.indent(textwrap.fill(", ".join(sorted(saved)), 68), "  "))
print("hyper_parameters:", saved["hyper_parameters"])
best = LitMLP.load_from_checkpoint(best_path)
print(type(best).__name__, best.hparams)
try:  # the file names no class: the base class gets lr=0.001
    pl.LightningModule.load_from_checkpoint(best_path)
except TypeError as error:
    print("TypeError:", error)
with harmless_warnings_ignored():
    validated = trainer.validate(best, datamodule=dm, verbose=False)
    results = trainer.test(best, datamodule=dm, verbose=False)
last_epoch = per_epoch.index[-1]
for epoch in (best_epoch, last_epoch):
    logged = per_epoch.loc[epoch, "val_loss"]
    print(f"val_loss logged after epoch {epoch}: {logged:.4f}")
print(f"val_loss of the reloaded model: {validated[0]['val_loss']:.4f}")
print(f"test accuracy (best checkpoint): {results[0]['test_acc']:.1%}")
workdir.cleanup()
# --8<-- [end:checkpoint]

# --8<-- [start:val-test-gap]
val_acc = per_epoch.loc[best_epoch, "val_acc"]
test_acc = results[0]["test_acc"]
variances = []
for name, acc, n in (("validation", val_acc, 500), ("test", test_acc, 1000)):
    variances.append(acc * (1 - acc) / n)
    se = variances[-1] ** 0.5
    print(f"{name:10}  {acc:.1%} +/- {se:.1%} (standard error, {n} digits)")
gap, se_gap = test_acc - val_acc, sum(variances) ** 0.5
print(f"gap {gap:.1%} +/- {se_gap:.1%}")
low, high = gap - 1.96 * se_gap, gap + 1.96 * se_gap
print(f"95% interval of the gap: {low:.2%} to {high:.2%}")
# --8<-- [end:val-test-gap]


# --8<-- [start:paired]
def right(model):
    """1 for each test digit that the model classifies correctly, else 0."""
    X_test, y_test = dm.test_set[:]
    model.eval()
    with torch.no_grad():
        return (model(X_test).argmax(dim=1) == y_test).float()


def paired(first, second, names):
    """First minus second on the same test digits, digit by digit."""
    first, second = right(first), right(second)
    difference = first - second  # 1, -1 or 0 for each digit
    se = difference.std().item() / len(difference) ** 0.5
    mean = difference.mean().item()
    print(f"{names}: {mean:+.1%} +/- {1.96 * se:.1%} (95%)")
    print("  0 inside the interval:", abs(mean) <= 1.96 * se)
    # As if the two accuracies came from different digits:
    se_unpaired = ((first.var() + second.var()).item() / len(first)) ** 0.5
    print(f"  unpaired, the interval would be +/- {1.96 * se_unpaired:.1%}")
    only_first = int((difference == 1).sum())
    only_second = int((difference == -1).sum())
    print(
        f"  digits right only by the first: {only_first},"
        f" only by the second: {only_second}"
    )


paired(best, model, "best checkpoint minus last epoch")
# --8<-- [end:paired]

# --8<-- [start:callbacks]
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor


class LitMLPCosine(LitMLP):
    """LitMLP with a cosine learning-rate schedule over num_epochs."""

    def __init__(self, lr=0.001, num_epochs=10):
        super().__init__(lr)
        self.save_hyperparameters()  # now lr and num_epochs

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=self.hparams.num_epochs
        )
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


def cosine_trainer(name):
    """A Trainer that stops early, logs the rate, keeps every epoch."""
    return pl.Trainer(
        max_epochs=10,
        deterministic=True,
        logger=CSVLogger(workdir.name, name=name),
        callbacks=[
            EarlyStopping(monitor="val_loss", mode="min", patience=2),
            LearningRateMonitor(logging_interval="epoch"),
            ModelCheckpoint(
                dirpath=Path(workdir.name) / "checkpoints",
                monitor="val_loss",
                mode="min",
                save_top_k=-1,
            ),
        ],
        enable_progress_bar=False,
        enable_model_summary=False,
    )


def history(trainer):
    """The rate and the validation loss of each epoch, from metrics.csv."""
    metrics = pd.read_csv(Path(trainer.logger.log_dir) / "metrics.csv")
    # The monitor logs the rate at an epoch's first step, with no epoch.
    rates = metrics.dropna(subset="lr-Adam")
    rates.index = rates["step"] // trainer.num_training_batches
    val_loss = metrics.dropna(subset="val_loss").set_index("epoch")["val_loss"]
    table = pd.DataFrame({"lr": rates["lr-Adam"], "val_loss": val_loss})
    return table.rename_axis("epoch").round(5)


workdir = tempfile.TemporaryDirectory()
trainer = cosine_trainer("cosine")
# The first run's start: the same seed, the datamodule listing's draw of
# one shuffled batch, then the model: the same weights and data order.
pl.seed_everything(123, workers=True)
next(iter(dm.train_dataloader()))
cosine = LitMLPCosine()
with harmless_warnings_ignored():
    trainer.fit(cosine, datamodule=dm)
print(history(trainer).to_string())
print("stopped after epoch", trainer.early_stopping_callback.stopped_epoch)
print("best:", Path(trainer.checkpoint_callback.best_model_path).name)
logged = pd.read_csv(Path(trainer.logger.log_dir) / "metrics.csv")
first_epoch = logged.dropna(subset="val_loss")["val_loss"].iloc[0]
print("epoch 0 as in the first run:", first_epoch == per_epoch["val_loss"][0])
# --8<-- [end:callbacks]


# --8<-- [start:test-best]
with harmless_warnings_ignored():
    results = trainer.test(datamodule=dm, ckpt_path="best", verbose=False)
print("tested:", Path(trainer.ckpt_path).name)
print(f"test accuracy: {results[0]['test_acc']:.1%}")
paired(trainer.lightning_module, best, "cosine minus constant rate")
# --8<-- [end:test-best]

# --8<-- [start:resume]
epoch_3 = Path(workdir.name) / "checkpoints" / "epoch=3-step=220.ckpt"
states = torch.load(epoch_3, weights_only=False)["callbacks"]
stopping = next(v for k, v in states.items() if k.startswith("EarlyStop"))
print(
    f"saved EarlyStopping: best_score {stopping['best_score']:.5f},"
    f" wait_count {stopping['wait_count']}"
)
resumed = cosine_trainer("resumed")
with harmless_warnings_ignored():
    # On purpose: the resumed run writes where the first one did.
    warnings.filterwarnings(
        "ignore", "Checkpoint directory .* is not empty", UserWarning
    )
    resumed.fit(LitMLPCosine(), datamodule=dm, ckpt_path=epoch_3)
print("resumed from", epoch_3.name)
print(history(resumed).to_string())
print("stopped after epoch", resumed.early_stopping_callback.stopped_epoch)
print(resumed.global_step, "optimizer steps in all")
workdir.cleanup()
# --8<-- [end:resume]

# --8<-- [start:tensorboard]
from lightning.pytorch.loggers import TensorBoardLogger

tb_dir = tempfile.TemporaryDirectory()


def tb_trainer(max_epochs):
    """A Trainer that logs to TensorBoard and keeps its last checkpoint."""
    return pl.Trainer(
        max_epochs=max_epochs,
        deterministic=True,
        logger=TensorBoardLogger(
            tb_dir.name, name="mnist", version=0, default_hp_metric=False
        ),
        callbacks=[ModelCheckpoint(save_last=True)],
        enable_progress_bar=False,
        enable_model_summary=False,
    )


pl.seed_everything(123, workers=True)
first_two = tb_trainer(max_epochs=2)
with harmless_warnings_ignored():
    first_two.fit(LitMLP(), datamodule=dm)
print(f"fit: {first_two.current_epoch} epochs, {first_two.global_step} steps")
more = tb_trainer(max_epochs=4)
with harmless_warnings_ignored():
    # On purpose: the run goes on in the same folder.
    warnings.filterwarnings(
        "ignore", "Checkpoint directory .* is not empty", UserWarning
    )
    more.fit(LitMLP(), datamodule=dm, ckpt_path="last")
print(
    f"fit(ckpt_path='last'), max_epochs=4: {more.current_epoch} epochs,"
    f" {more.global_step} steps"
)
# --8<-- [end:tensorboard]

# --8<-- [start:tensorboard-read]
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)


def scalars(path):
    """The scalars of one event file, or of every one in a folder."""
    events = EventAccumulator(str(path))
    events.Reload()
    return {
        tag: {event.step: event.value for event in events.Scalars(tag)}
        for tag in sorted(events.Tags()["scalars"])
    }


log_dir = Path(more.logger.log_dir)
logged = scalars(log_dir)
print("scalar tags:", list(logged))
table = pd.DataFrame(logged).rename_axis("step").astype({"epoch": int})
print(table.round(4).to_string())
# Named by the time and the host that wrote them, in the order written.
for n, path in enumerate(sorted(log_dir.glob("events.out.tfevents.*")), 1):
    print(f"event file {n}: steps {list(scalars(path)['val_loss'])}")
print("next version:", TensorBoardLogger(tb_dir.name, name="mnist").version)
default = pl.Trainer(default_root_dir=tb_dir.name, enable_progress_bar=False)
print("default logger:", type(default.logger).__name__, default.logger.name)
tb_dir.cleanup()
# --8<-- [end:tensorboard-read]

# --8<-- [start:lr-find]
import contextlib
import copy
import io

from lightning.pytorch.tuner import Tuner

pl.seed_everything(123, workers=True)
lr_model = LitMLP()
initial = copy.deepcopy(lr_model.state_dict())
finder_trainer = pl.Trainer(
    max_epochs=10,
    deterministic=True,
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
bar = io.StringIO()  # lr_find draws a progress bar of its own, on stderr
with harmless_warnings_ignored(), contextlib.redirect_stderr(bar):
    finder = Tuner(finder_trainer).lr_find(
        lr_model, datamodule=dm, min_lr=1e-5, max_lr=1.0, num_training=100
    )
print("progress bar caught:", "Finding best initial lr" in bar.getvalue())
rates, losses = finder.results["lr"], finder.results["loss"]
print(f"{len(rates)} steps, rate {rates[0]:.0e} to {rates[-1]:.2g}")
suggestion = finder.suggestion()
print(
    f"suggestion: {suggestion:.2g}, now lr_model.hparams.lr:",
    f"{lr_model.hparams.lr:.2g}",
)
# The steepest fall of the smoothed loss, the first 10 and the last left out.
kept, kept_rates = torch.tensor(losses[10:-1]), torch.tensor(rates[10:-1])
slopes = torch.gradient(kept, spacing=[kept_rates])[0]
print("recomputed:", rates[10 + slopes.argmin().item()] == suggestion)
slopes = torch.gradient(kept, spacing=[kept_rates.log()])[0]
steepest = rates[10 + slopes.argmin().item()]
print(f"steepest against the log of the rate: {steepest:.2g}")
same = all(
    torch.equal(initial[k], v) for k, v in lr_model.state_dict().items()
)
print("weights as before lr_find:", same)
# The smoothing: a = 0.98 a + 0.02 loss from a = 0, divided by 1 - 0.98**(k+1)
# after k steps. After one step, that undoes to:
first = losses[0] * (1 - 0.98**2) / 0.02
X_fit, y_fit = dm.train_set[:]
with torch.no_grad():  # the weights are the untrained ones again
    untrained = lr_model.loss_fn(lr_model(X_fit), y_fit).item()
print(
    f"first point {losses[0]:.2f}, undone {first:.2f},"
    f" untrained model's loss {untrained:.2f}"
)
fig = finder.plot(suggest=True)
_ = fig.axes[0].set_title("Learning-rate range test (Tuner.lr_find)")
# --8<-- [end:lr-find]


# --8<-- [start:clipping]
class ClipProbe(pl.Callback):
    """Gradient norms before and after the Trainer clips them."""

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        # Called before clipping: copies keep the gradients as they are.
        self.copies = []
        for p in pl_module.parameters():
            self.copies.append(torch.zeros_like(p))
            self.copies[-1].grad = p.grad.clone()

    def on_train_batch_end(self, trainer, pl_module, *args):
        clipped = [p.grad for p in pl_module.parameters()]
        after = torch.nn.utils.get_total_norm(clipped)
        # Plain PyTorch on the copies; it returns the norm before clipping.
        before = torch.nn.utils.clip_grad_norm_(self.copies, max_norm=0.75)
        same = all(
            torch.equal(c.grad, g)
            for c, g in zip(self.copies, clipped, strict=True)
        )
        print(
            f"step {trainer.global_step}: norm {before:.4f} -> {after:.4f},"
            f" as clip_grad_norm_: {same}"
        )


pl.seed_everything(123, workers=True)
clip_trainer = pl.Trainer(
    max_steps=5,
    limit_val_batches=0,
    gradient_clip_val=0.75,
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
    callbacks=[ClipProbe()],
)
with harmless_warnings_ignored():
    clip_trainer.fit(LitMLP(), datamodule=dm)
print(
    f"stopped by max_steps after {clip_trainer.global_step} of 55 batches:"
    f" current_epoch {clip_trainer.current_epoch}"
)
# clip_grad_norm_ scales by 0.75 / (norm + 1e-6) wherever that is below 1.
for norm in (2.0, 0.7499995, 0.74999):
    weight = torch.zeros(1, dtype=torch.float64)
    weight.grad = torch.tensor([norm], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([weight], max_norm=0.75)
    print(f"norm {norm} -> {weight.grad.item():.9f}")
# --8<-- [end:clipping]

# --8<-- [start:accelerator]
from lightning.pytorch.accelerators import CPUAccelerator, CUDAAccelerator

trainer = pl.Trainer(
    accelerator="auto",
    devices="auto",
    max_epochs=1,
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
print("CUDA available:", torch.cuda.is_available())
print(type(trainer.accelerator).__name__, trainer.num_devices)
print(trainer.strategy.root_device, type(trainer.strategy).__name__)
counts = [CPUAccelerator.auto_device_count()]
counts.append(CUDAAccelerator.auto_device_count())  # all visible GPUs
print("auto_device_count: CPU {}, CUDA {}".format(*counts))
two = pl.Trainer(accelerator="cpu", devices=2, logger=False)
print("devices=2:", two.num_devices, type(two.strategy).__name__)
# --8<-- [end:accelerator]


# --8<-- [start:exercise-fast-dev-run]
class ModeProbe(pl.Callback):
    """Print the model's mode and autograd's state as each step starts."""

    def report(self, stage, pl_module):
        print(
            f"{stage:10}  model.training={pl_module.training!s:5}  "
            f"grad={torch.is_grad_enabled()!s:5}  "
            f"inference_mode={torch.is_inference_mode_enabled()}"
        )

    def on_train_batch_start(self, trainer, pl_module, *args):
        self.report("training", pl_module)

    def on_validation_batch_start(self, trainer, pl_module, *args):
        self.report("validation", pl_module)

    def on_test_batch_start(self, trainer, pl_module, *args):
        self.report("test", pl_module)


trainer = pl.Trainer(
    fast_dev_run=True,
    accelerator="auto",
    devices=1,
    logger=False,
    callbacks=[ModeProbe()],
    enable_progress_bar=False,
    enable_model_summary=False,
)
with harmless_warnings_ignored():
    trainer.fit(LitMLP(), datamodule=dm)
    print(trainer.global_step, "optimizer step")
    print(sorted(trainer.callback_metrics))
    trainer.test(trainer.lightning_module, datamodule=dm, verbose=False)


def probe_test(**kwargs):
    """A one-batch test with the ModeProbe, under a fresh Trainer."""
    trainer = pl.Trainer(
        fast_dev_run=True,
        logger=False,
        callbacks=[ModeProbe()],
        enable_progress_bar=False,
        enable_model_summary=False,
        **kwargs,
    )
    trainer.test(LitMLP(), datamodule=dm, verbose=False)


import os

import torch.distributed as dist

with harmless_warnings_ignored():
    print("inference_mode=False:")
    probe_test(inference_mode=False)
    print("a gloo process group of one process:")
    with tempfile.TemporaryDirectory() as store:
        dist.init_process_group(
            "gloo",
            init_method="file://" + os.path.join(store, "store"),
            rank=0,
            world_size=1,
        )
        # One process: there is nothing for sync_dist to synchronize.
        warnings.filterwarnings(
            "ignore", ".*sync_dist=True", PossibleUserWarning
        )
        probe_test()
        dist.destroy_process_group()
# --8<-- [end:exercise-fast-dev-run]

# --8<-- [start:exercise-plain-model]
print(list(saved["state_dict"])[:2])
plain = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 128),
    nn.ReLU(),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 10),
)
plain.load_state_dict(
    {
        name.removeprefix("model."): weights
        for name, weights in saved["state_dict"].items()
    }
)
images, labels = dm.val_set[:]
with torch.no_grad():
    accuracy = (plain(images).argmax(dim=1) == labels).float().mean()
print(f"plain model, validation accuracy {accuracy:.1%}")
logged = per_epoch.loc[best_epoch, "val_acc"]
print(f"logged after epoch {best_epoch}, val_acc     {logged:.1%}")
# --8<-- [end:exercise-plain-model]
