# --8<-- [start:load]
import torch
from mechanics.autompg import load_autompg
from torch import nn

torch.manual_seed(1)
device = "cuda" if torch.cuda.is_available() else "cpu"

df = load_autompg()
print(df.shape)
print(df.head().to_string())
# --8<-- [end:load]

# --8<-- [start:split]
from sklearn.model_selection import train_test_split

df_train, df_test = train_test_split(df, test_size=0.2, random_state=1)
print(len(df_train), "training cars,", len(df_test), "test cars")
# --8<-- [end:split]

# --8<-- [start:scale]
from sklearn.preprocessing import StandardScaler

numeric_columns = [
    "Cylinders",
    "Displacement",
    "Horsepower",
    "Weight",
    "Acceleration",
]
scaler = StandardScaler().fit(df_train[numeric_columns])
for name, frame in (("train", df_train), ("test", df_test)):
    scaled = scaler.transform(frame[numeric_columns])
    print(f"{name:5} mean", scaled.mean(axis=0).round(2) + 0.0)
    print(f"{name:5} std ", scaled.std(axis=0).round(2) + 0.0)
# --8<-- [end:scale]

# --8<-- [start:bucketize]
boundaries = torch.tensor([73, 76, 79])
years = torch.arange(70, 83)
print(years)
print(torch.bucketize(years, boundaries, right=True))
# --8<-- [end:bucketize]

# --8<-- [start:one-hot]
from torch.nn.functional import one_hot

origin = torch.tensor(df_train["Origin"].to_numpy())
print(origin[:6])
print(one_hot(origin - 1, num_classes=3)[:6])
# --8<-- [end:one-hot]


# --8<-- [start:features]
def features(frame):
    """The model's 9 inputs: 5 scaled numbers, the year bucket, the origin."""
    scaled = torch.tensor(scaler.transform(frame[numeric_columns]))
    years = torch.tensor(frame["Model Year"].to_numpy())
    bucket = torch.bucketize(years, boundaries, right=True)
    origin = torch.tensor(frame["Origin"].to_numpy())
    columns = [scaled, bucket[:, None], one_hot(origin - 1, num_classes=3)]
    return torch.cat(columns, dim=1).float()


X_train, X_test = features(df_train), features(df_test)
y_train = torch.tensor(df_train["MPG"].to_numpy()).float()
y_test = torch.tensor(df_test["MPG"].to_numpy()).float()
print(X_train.shape, y_train.shape, X_train.dtype)
print(X_test.shape, y_test.shape)
print([round(value, 3) for value in X_train[0].tolist()])
# --8<-- [end:features]

# --8<-- [start:model]
from torch.utils.data import DataLoader, TensorDataset

batch_size = 8
train_dl = DataLoader(
    TensorDataset(X_train, y_train),
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)


def make_model(hidden_units):
    """Linear layers of the given sizes with ReLUs between, one output."""
    layers = []
    input_size = X_train.shape[1]
    for hidden_unit in hidden_units:
        layers += [nn.Linear(input_size, hidden_unit), nn.ReLU()]
        input_size = hidden_unit
    layers.append(nn.Linear(input_size, 1))
    return nn.Sequential(*layers)


hidden_units = [8, 4]
model = make_model(hidden_units).to(device)
print(model)
# --8<-- [end:model]

# --8<-- [start:train]
loss_fn = nn.MSELoss()
lr = 0.01
num_epochs = 30
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
    optimizer, T_max=num_epochs
)
for epoch in range(1, num_epochs + 1):
    model.train()
    epoch_lr = scheduler.get_last_lr()[0]  # the rate this epoch uses
    total_loss = 0.0
    for X_batch, y_batch in train_dl:
        X_batch, y_batch = X_batch.to(device), y_batch.to(device)
        pred = model(X_batch)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total_loss += loss.item() * len(y_batch)
    scheduler.step()
    if epoch == 1 or epoch % 5 == 0:
        print(
            f"epoch {epoch:2d}  lr {epoch_lr:.5f}"
            f"  train MSE {total_loss / len(y_train):.4g}"
        )
# --8<-- [end:train]

# --8<-- [start:evaluate]
model.eval()
with torch.no_grad():
    pred = model(X_test.to(device))[:, 0].cpu()
mse = nn.functional.mse_loss(pred, y_test).item()
mae = nn.functional.l1_loss(pred, y_test).item()
print(f"test MSE {mse:.4g} (mpg squared)")
print(f"test MAE {mae:.4g} mpg")
# --8<-- [end:evaluate]


# --8<-- [start:seeds]
def test_mae(seed):
    """Train a fresh model as above from ``seed``; its test MAE in mpg."""
    torch.manual_seed(seed)
    model = make_model(hidden_units).to(device)
    loader = DataLoader(
        TensorDataset(X_train, y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=num_epochs
    )
    for _ in range(num_epochs):
        model.train()
        for X_batch, y_batch in loader:
            X_batch, y_batch = X_batch.to(device), y_batch.to(device)
            loss = loss_fn(model(X_batch)[:, 0], y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()
    model.eval()
    with torch.no_grad():
        pred = model(X_test.to(device))[:, 0].cpu()
    return nn.functional.l1_loss(pred, y_test).item()


maes = [mae]  # seed 1: the model trained above
for seed in (2, 3, 4):
    maes.append(test_mae(seed))
for seed, seed_mae in enumerate(maes, start=1):
    print(f"seed {seed}  test MAE {seed_mae:.3f} mpg")
print(f"spread (largest - smallest): {max(maes) - min(maes):.2f} mpg")
# --8<-- [end:seeds]

# --8<-- [start:plot-function]
import matplotlib.pyplot as plt


def plot_predictions(actual, predicted, title):
    """Predicted against actual MPG, with the diagonal of perfect ones."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(actual, predicted, edgecolor="black", linewidth=0.5, alpha=0.8)
    limits = [5, 50]
    ax.plot(
        limits,
        limits,
        color="gray",
        linestyle="--",
        label="perfect prediction",
    )
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.set_aspect("equal")
    ax.set_xlabel("actual MPG")
    ax.set_ylabel("predicted MPG")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


# --8<-- [end:plot-function]

# --8<-- [start:plot]
fig = plot_predictions(y_test, pred, f"Test cars: MAE {mae:.2f} mpg")
# --8<-- [end:plot]

# --8<-- [start:exercise-baseline]
from sklearn.linear_model import LinearRegression

baseline = LinearRegression().fit(X_train.numpy(), y_train.numpy())
baseline_pred = torch.tensor(baseline.predict(X_test.numpy()))
baseline_mae = (baseline_pred - y_test).abs().mean()
print(f"linear regression test MAE {baseline_mae:.4g} mpg")
# --8<-- [end:exercise-baseline]


# --8<-- [start:exercise-unscaled]
def unscaled_features(frame):
    numbers = torch.tensor(frame[numeric_columns].to_numpy())
    years = torch.tensor(frame["Model Year"].to_numpy())
    bucket = torch.bucketize(years, boundaries, right=True)
    origin = torch.tensor(frame["Origin"].to_numpy())
    columns = [numbers, bucket[:, None], one_hot(origin - 1, num_classes=3)]
    return torch.cat(columns, dim=1).float()


torch.manual_seed(1)
unscaled_dl = DataLoader(
    TensorDataset(unscaled_features(df_train), y_train),
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)
model_unscaled = make_model(hidden_units)
optimizer = torch.optim.SGD(model_unscaled.parameters(), lr=0.001)
for step, (X_batch, y_batch) in enumerate(unscaled_dl, start=1):
    loss = loss_fn(model_unscaled(X_batch)[:, 0], y_batch)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if step <= 3:
        print(f"step {step}  loss {loss.item():.4g}")
with torch.no_grad():
    X_all = unscaled_features(df)  # all 392 cars
    hidden1 = model_unscaled[:2](X_all)
    hidden2 = model_unscaled[:4](X_all)
    pred_unscaled = model_unscaled(X_all)[:, 0]
for name, hidden in (("1", hidden1), ("2", hidden2)):
    active = (hidden > 0).any(dim=0).sum().item()
    print(f"hidden layer {name}: {active} of {hidden.shape[1]} units ever on")
print(
    f"predictions: {pred_unscaled.min():.4g} to {pred_unscaled.max():.4g} mpg"
)
# --8<-- [end:exercise-unscaled]

# --8<-- [start:exercise-right]
print(torch.bucketize(years, boundaries, right=True))
print(torch.bucketize(years, boundaries, right=False))
# --8<-- [end:exercise-right]
