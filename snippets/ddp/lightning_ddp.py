# --8<-- [start:imports]
"""Train the Lightning chapter's MNIST model with DDP on two CPU processes."""

import logging
import os
import sys
import warnings
from datetime import timedelta

import lightning.pytorch as pl
import torch
import torchmetrics
from lightning.pytorch.strategies import DDPStrategy
from lightning.pytorch.utilities.warnings import PossibleUserWarning
from mechanics.mnist import prepare_mnist
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split
from torchvision import datasets

logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
logging.getLogger("lightning.fabric").setLevel(logging.WARNING)
warnings.filterwarnings(
    "ignore", ".*does not have many workers", PossibleUserWarning
)
warnings.filterwarnings("ignore", ".*treespec, LeafSpec", FutureWarning)
# The 1,000 test digits split evenly over 2 processes: none is counted twice.
warnings.filterwarnings("ignore", ".*Using `DistributedSampler`.*trainer.test")
# --8<-- [end:imports]


# --8<-- [start:classes]
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


# --8<-- [end:classes]


# --8<-- [start:main]
# How long the processes wait for each other before they give up (the
# default is 30 minutes): when they start, and at every all-reduce.
TIMEOUT = timedelta(seconds=60)
SCRIPT_PROCESS = os.getpid()  # the workers fork from this process


class Report(pl.Callback):
    """What the run did, printed by the process of rank 0 as training ends."""

    def on_train_end(self, trainer, pl_module):
        if trainer.is_global_zero:
            forked = os.getppid() == SCRIPT_PROCESS
            print("rank 0 is a child of the script's process:", forked)
            backend = torch.distributed.get_backend()
            print(f"{trainer.world_size} processes, backend {backend}")
            batches = trainer.num_training_batches
            print(f"{batches} batches per process and epoch")
            print(f"{trainer.global_step} optimizer steps")


def main(weights_path=None):
    pl.seed_everything(123, workers=True)
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=2,
        strategy=DDPStrategy(
            process_group_backend="gloo", timeout=TIMEOUT, start_method="fork"
        ),
        max_epochs=3,
        deterministic=True,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[Report()],
    )
    model, dm = LitMLP(), MNISTDataModule()
    trainer.fit(model, datamodule=dm)  # rank 0's weights come back to model
    val_acc = trainer.callback_metrics["val_acc"]
    results = trainer.test(model, datamodule=dm, verbose=False)
    print(f"validation accuracy {val_acc:.1%}")
    print(f"test accuracy {results[0]['test_acc']:.1%}")
    if weights_path:
        torch.save(model.state_dict(), weights_path)


if __name__ == "__main__":
    main(*sys.argv[1:])
# --8<-- [end:main]
