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

df_train_all, df_test = train_test_split(df, test_size=0.2, random_state=1)
generator = torch.Generator().manual_seed(1)
perm = torch.randperm(len(df_train_all), generator=generator).numpy()
num_val = len(df_train_all) // 5
df_val = df_train_all.iloc[perm[:num_val]]
df_train = df_train_all.iloc[perm[num_val:]]
print(len(df_train_all), "cars to learn from,", len(df_test), "test cars")
print(len(df_train), "training cars,", len(df_val), "validation cars")
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
for name, frame in (("train", df_train), ("val", df_val), ("test", df_test)):
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


def target(frame):
    return torch.tensor(frame["MPG"].to_numpy()).float()


X_train, y_train = features(df_train), target(df_train)
X_val, y_val = features(df_val), target(df_val)
X_test, y_test = features(df_test), target(df_test)
print(X_train.shape, y_train.shape, X_train.dtype)
print(X_val.shape, X_test.shape)
print([round(value, 3) for value in X_train[0].tolist()])
# --8<-- [end:features]

# --8<-- [start:model]
from torch.utils.data import DataLoader, TensorDataset

batch_size = 8


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
print(make_model(hidden_units))
# --8<-- [end:model]


# --8<-- [start:train]
def predict(model, X):
    """The model's MPG for each row of X, in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return model(X.to(device))[:, 0].cpu()


def train_model(lr, num_epochs, seed=1, report=False):
    """Train a fresh model with Adam and a cosine schedule."""
    torch.manual_seed(seed)
    model = make_model(hidden_units).to(device)
    train_dl = DataLoader(
        TensorDataset(X_train, y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=num_epochs
    )
    history = {"train": [], "val": []}
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
        history["train"].append(total_loss / len(y_train))
        history["val"].append(loss_fn(predict(model, X_val), y_val).item())
        if report and (epoch == 1 or epoch % 5 == 0):
            print(
                f"epoch {epoch:2d}  lr {epoch_lr:.5f}"
                f"  train MSE {history['train'][-1]:.4g}"
                f"  val MSE {history['val'][-1]:.4g}"
            )
    return model, history


loss_fn = nn.MSELoss()
lr = 0.01
num_epochs = 20
model, history = train_model(lr, num_epochs, report=True)
final = loss_fn(predict(model, X_train), y_train).item()
print(f"final weights, train MSE {final:.4g}")
# --8<-- [end:train]

# --8<-- [start:adam-steps]
torch.manual_seed(1)
probe = make_model(hidden_units)
optimizer = torch.optim.Adam(probe.parameters(), lr=0.01)
probe_dl = DataLoader(
    TensorDataset(X_train, y_train),
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(1),
)
steps, gradients = [], []
for X_batch, y_batch in probe_dl:  # one epoch at a constant rate
    before = [p.detach().clone() for p in probe.parameters()]
    loss_fn(probe(X_batch)[:, 0], y_batch).backward()
    gradients += [p.grad.abs().flatten() for p in probe.parameters()]
    optimizer.step()
    optimizer.zero_grad()
    after = [p.detach() for p in probe.parameters()]
    steps += [
        (a - b).abs().flatten() / 0.01
        for a, b in zip(after, before, strict=True)
    ]
steps, gradients = torch.cat(steps), torch.cat(gradients)
q = torch.tensor([0.5, 0.99, 1.0])
print(
    "|gradient|, median 99% max:", *[f"{v:.3g}" for v in gradients.quantile(q)]
)
print("|step| / lr, median 99% max:", *[f"{v:.3g}" for v in steps.quantile(q)])
print(f"steps larger than 1.01 lr: {(steps > 1.01).float().mean():.1%}")
# --8<-- [end:adam-steps]

# --8<-- [start:adam-bound]
beta1, beta2 = 0.9, 0.999  # Adam's defaults
num_steps = 3000
to_end = torch.arange(num_steps - 1, -1, -1)  # steps left after each one
spike = (to_end == 0).float()  # zero until the last step
growing = torch.where(to_end < 300, (beta1 / beta2) ** to_end.double(), 0.0)
gradients = torch.stack([spike, growing.float()], dim=1)
weights = torch.zeros(2, requires_grad=True)
optimizer = torch.optim.Adam([weights], lr=0.01)
for gradient in gradients:
    weights.grad = gradient
    before = weights.detach().clone()
    optimizer.step()
last = (weights.detach() - before).abs() / 0.01
print(f"last |step| / lr: spike after zeros {last[0]:.2f},", end=" ")
print(f"growing {last[1]:.2f}")
# --8<-- [end:adam-bound]

# --8<-- [start:plot-curves]
import matplotlib.pyplot as plt


def plot_curves(history):
    """Training and validation MSE per epoch, on a log scale."""
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = range(1, len(history["train"]) + 1)
    ax.plot(epochs, history["train"], "o-", markersize=3, label="training")
    ax.plot(epochs, history["val"], "s--", markersize=3, label="validation")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (mpg squared)")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


# --8<-- [end:plot-curves]

# --8<-- [start:curves]
fig = plot_curves(history)
# --8<-- [end:curves]

# --8<-- [start:easier]
from sklearn.linear_model import LinearRegression

print(f"MPG std: train {y_train.std():.2f}, val {y_val.std():.2f}")
X_both, y_both = torch.cat([X_train, X_val]), torch.cat([y_train, y_val])
both = LinearRegression().fit(X_both.numpy(), y_both.numpy())
for name, X_part, y_part in (
    ("train", X_train, y_train),
    ("val", X_val, y_val),
):
    fitted = torch.tensor(both.predict(X_part.numpy()))
    mse = ((fitted - y_part) ** 2).mean()
    print(f"straight line fitted to all 313 cars: {name} MSE {mse:.4g}")


def gap_se(X_part, y_part, X_other, y_other, predict_rows):
    """Val minus train MSE, with the SE of two independent means."""
    a = (predict_rows(X_part) - y_part) ** 2
    b = (predict_rows(X_other) - y_other) ** 2
    se = (a.var() / len(a) + b.var() / len(b)) ** 0.5
    return (a.mean() - b.mean()).item(), se.item()


for name, predict_rows in (
    ("network, final weights", lambda X: predict(model, X)),
    ("straight line", lambda X: torch.tensor(both.predict(X.numpy()))),
):
    gap, se = gap_se(X_val, y_val, X_train, y_train, predict_rows)
    print(f"{name}: val minus train MSE {gap:+.2f} ± {se:.2f}")
# --8<-- [end:easier]

# --8<-- [start:choose]
l1 = nn.functional.l1_loss
rates, lengths, seeds = (0.01, 0.1, 0.3), (5, 20), (1, 2, 3)
runs = {(lr, num_epochs, 1): model}  # the run above
val_mae = {}
for key in [(r, n, seed) for r in rates for n in lengths for seed in seeds]:
    if key not in runs:
        runs[key] = train_model(*key)[0]
    val_mae[key] = l1(predict(runs[key], X_val), y_val).item()


def mean_se(values):
    values = torch.tensor(values)
    return values.mean().item(), (values.std() / len(values) ** 0.5).item()


cell = {
    (r, n): mean_se([val_mae[r, n, seed] for seed in seeds])
    for r in rates
    for n in lengths
}
print("validation MAE (mpg), mean ± SE of seeds 1, 2, 3")
print(" " * 9 + "".join(f"{n:>9} epochs" for n in lengths))
for r in rates:
    row = "".join(
        f"  {cell[r, n][0]:6.3f} ± {cell[r, n][1]:.3f}" for n in lengths
    )
    print(f"lr {r:<5}{row}")
lr, num_epochs = min(cell, key=lambda key: cell[key][0])
print(f"chosen: lr {lr}, {num_epochs} epochs")
# --8<-- [end:choose]

# --8<-- [start:seeds]
from scipy import stats

for seed in seeds:
    print(
        f"seed {seed}  validation MAE {val_mae[lr, num_epochs, seed]:.3f} mpg"
    )
ranked = sorted(cell, key=lambda key: cell[key][0])
for r, n in ranked[1:]:
    gaps = [
        val_mae[r, n, seed] - val_mae[lr, num_epochs, seed] for seed in seeds
    ]
    gap, se = mean_se(gaps)
    print(
        f"lr {r}, {n} epochs is worse by {gap:.3f} ± {se:.3f} mpg"
        f" ({gap / se:.1f} SE)"
    )
# 95% of a t distribution with 2 degrees of freedom (3 seeds) lies within:
print(f"95% t interval with 3 seeds: ± {stats.t.ppf(0.975, 2):.1f} SE")
# --8<-- [end:seeds]

# --8<-- [start:evaluate]
model = runs[lr, num_epochs, 1]
pred = predict(model, X_test)
errors = (pred - y_test).abs()
mse = nn.functional.mse_loss(pred, y_test).item()
mae = errors.mean().item()
se = errors.std().item() / len(errors) ** 0.5
# Bootstrap: the MAE of 10,000 resamples of the test cars.
generator = torch.Generator().manual_seed(1)
resamples = torch.randint(
    len(errors), (10_000, len(errors)), generator=generator
)
boot = errors[resamples].mean(dim=1)
low, high = torch.quantile(boot, torch.tensor([0.025, 0.975]))
baseline = (y_train.mean() - y_test).abs().mean().item()
print(f"test MSE {mse:.4g} (mpg squared)")
print(f"test MAE {mae:.4g} mpg")
print(f"standard error {se:.2f} mpg")
print(f"bootstrap 95% interval {low:.2f} to {high:.2f} mpg")
print(f"baseline (training mean {y_train.mean():.2f}) MAE {baseline:.4g} mpg")
# --8<-- [end:evaluate]


# --8<-- [start:plot-function]
def plot_residuals(actual, predicted):
    """Residual (predicted - actual) against the prediction and the target."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharey=True)
    for ax, x, label in zip(
        axes,
        (predicted, actual),
        ("predicted MPG", "actual MPG"),
        strict=True,
    ):
        ax.scatter(
            x,
            predicted - actual,
            edgecolor="black",
            linewidth=0.5,
            alpha=0.8,
        )
        ax.axhline(0, color="gray", linestyle="--", label="perfect prediction")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("predicted - actual (mpg)")
    axes[0].legend(loc="upper left")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-function]

# --8<-- [start:plot]
fig = plot_residuals(y_test, pred)
residual = pred - y_test
high_mpg = y_test >= 38
print(f"{high_mpg.sum()} test cars at 38 mpg or more,")
print(f"{(residual[high_mpg] < 0).sum()} of them predicted too low")


def mean_se_text(values):
    """Mean ± standard error, in mpg."""
    mean, se = mean_se(values.tolist())
    return f"{mean:+.2f} ± {se:.2f} mpg"


print(f"mean residual below 38 mpg   {mean_se_text(residual[~high_mpg])}")
print(f"mean residual at 38 or more  {mean_se_text(residual[high_mpg])}")
top = pred.argsort()[-len(residual[high_mpg]) :]
print(f"mean residual of the {len(top)} highest predictions", end=" ")
print(mean_se_text(residual[top]))


def corr(a, b):
    """Pearson's correlation, rounded to 2 decimals (and -0.00 to 0.00)."""
    return round(torch.corrcoef(torch.stack([a, b]))[0, 1].item(), 2) + 0.0


print(
    f"spread (std): actual {y_test.std():.2f}, predicted {pred.std():.2f} mpg"
)
print("correlation of the residual with")
print(f"  the actual MPG     {corr(residual, y_test):+.2f}")
print(f"  the predicted MPG  {corr(residual, pred):+.2f}")
# A straight line fitted by least squares to the training cars themselves.
line = LinearRegression().fit(X_train.numpy(), y_train.numpy())
line_pred = torch.tensor(line.predict(X_train.numpy()))
line_residual = line_pred - y_train
high_train = y_train >= 38
print(f"least squares, on its own {len(y_train)} training cars:")
print(f"  with the actual MPG     {corr(line_residual, y_train):+.2f}")
print(f"  with the predicted MPG  {corr(line_residual, line_pred):+.2f}")
print(f"  mean residual of its {high_train.sum()} cars at 38 or more", end=" ")
print(f"{line_residual[high_train].mean():+.2f} mpg")
# --8<-- [end:plot]

# --8<-- [start:exercise-baseline]
from sklearn.linear_model import LinearRegression

linear = LinearRegression().fit(X_train.numpy(), y_train.numpy())
linear_pred = torch.tensor(linear.predict(X_test.numpy())).float()
linear_errors = (linear_pred - y_test).abs()
print(f"linear regression test MAE {linear_errors.mean():.4g} mpg")
# The same resamples of the test cars, for both models at once.
gap = (linear_errors - errors)[resamples].mean(dim=1)
low, high = torch.quantile(gap, torch.tensor([0.025, 0.975]))
print(f"gap {(linear_errors - errors).mean():.3f} mpg")
print(f"bootstrap 95% interval of the gap {low:.2f} to {high:.2f} mpg")
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

# --8<-- [start:exercise-wider]
longer = num_epochs + 10
for seed in seeds:
    runs[lr, longer, seed] = train_model(lr, longer, seed=seed)[0]
    val_mae[lr, longer, seed] = l1(
        predict(runs[lr, longer, seed], X_val), y_val
    ).item()
for n in (num_epochs, longer):
    maes = " ".join(f"{val_mae[lr, n, seed]:.3f}" for seed in seeds)
    print(f"lr {lr}, {n} epochs, seeds 1 2 3: {maes}")
gaps = [
    val_mae[lr, longer, seed] - val_mae[lr, num_epochs, seed] for seed in seeds
]
gap, se = mean_se(gaps)
print(f"{longer} minus {num_epochs} epochs: {gap:+.3f} ± {se:.3f} mpg")
# --8<-- [end:exercise-wider]
