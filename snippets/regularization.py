# --8<-- [start:setup]
import torch
from torch import nn, optim

torch.manual_seed(1)
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU(),
)
loss_fn = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.001)
print(loss_fn)
print(optimizer)
# --8<-- [end:setup]

# --8<-- [start:bce-relu-fails]
X = torch.randn(8, 4)
y = torch.randint(0, 2, (8, 32)).float()
output = model(X)
print(f"outputs from {output.min():.4f} to {output.max():.4f}")
try:
    loss_fn(output, y)
except RuntimeError as err:
    print(err)
# --8<-- [end:bce-relu-fails]

# --8<-- [start:bce-by-hand]
p = torch.tensor([0.9, 0.2, 0.6])
target = torch.tensor([1.0, 0.0, 0.0])
by_hand = -(target * p.log() + (1 - target) * (1 - p).log()).mean()
print(f"{loss_fn(p, target):.4f} {by_hand:.4f}")
# --8<-- [end:bce-by-hand]

# --8<-- [start:sigmoid-model]
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.Sigmoid(),
)
loss = loss_fn(model(X), y)
print(f"loss {loss:.4g}")
# --8<-- [end:sigmoid-model]

# --8<-- [start:float32-near-one]
import math

eps = torch.finfo(torch.float32).eps
one = torch.tensor(1.0)
below_one = torch.nextafter(one, torch.tensor(0.0))
print(f"gap above 1.0 (eps):  {eps:.3g}")
print(f"gap below 1.0:        {(one - below_one).item():.3g}")
print(f"largest float32 < 1:  {below_one.item():.8f}")
print("1 + eps / 2 == 1:    ", bool(one + eps / 2 == 1))
print("1 + 0.6 * eps == 1:  ", bool(one + 0.6 * eps == 1))
print(f"exp(-z) <= eps / 2 for z >= {-math.log(eps / 2):.4f}")
# --8<-- [end:float32-near-one]

# --8<-- [start:saturation]
z = torch.tensor([10.0, 16.0, 16.5, 17.0, 20.0, 40.0])
p = torch.sigmoid(z)
p64 = torch.sigmoid(z.double())
print("logit   exp(-z)  1+exp(-z)==1  p == 1     1 - p", end="")
print("  float64 1 - p  float64 p as float32")
for i in range(len(z)):
    e = torch.exp(-z[i])
    print(
        f"{z[i]:5g} {e:9.3g} {bool(1 + e == 1)!s:>13}"
        f" {bool(p[i] == 1)!s:>7} {1 - p[i]:9.3g}"
        f" {1 - p64[i]:14.3g} {p64[i].float():20.8f}"
    )
# --8<-- [end:saturation]

# --8<-- [start:bce-vs-logits]
bce_logits = nn.BCEWithLogitsLoss()
zero = torch.tensor([0.0])
print("logit   BCELoss   grad | BCEWithLogitsLoss   grad")
for z in (2.0, 10.0, 20.0, 50.0):
    logit = torch.tensor([z], requires_grad=True)
    loss = loss_fn(torch.sigmoid(logit), zero)
    (grad,) = torch.autograd.grad(loss, logit)
    stable = bce_logits(logit, zero)
    (stable_grad,) = torch.autograd.grad(stable, logit)
    print(
        f"{z:5g} {loss.item():9.4f} {grad.item():6.4f} |"
        f" {stable.item():17.4f} {stable_grad.item():6.4f}"
    )
# --8<-- [end:bce-vs-logits]

# --8<-- [start:bce-target-one]
print(f"smallest normal float32: {torch.finfo(torch.float32).tiny:.3g}")
one = torch.tensor([1.0])
print("logit         p   BCELoss       grad | BCEWithLogitsLoss   grad")
for z in (-10.0, -20.0, -28.0, -30.0, -50.0, -88.0, -90.0, -100.0):
    logit = torch.tensor([z], requires_grad=True)
    p = torch.sigmoid(logit)
    loss = loss_fn(p, one)
    (grad,) = torch.autograd.grad(loss, logit)
    stable = bce_logits(logit, one)
    (stable_grad,) = torch.autograd.grad(stable, logit)
    print(
        f"{z:5g} {p.item():9.3g} {loss.item():9.4f} {grad.item() + 0:10.4g} |"
        f" {stable.item():17.4f} {stable_grad.item():6.4f}"
    )
# --8<-- [end:bce-target-one]

# --8<-- [start:sigmoid-zero]
largest = torch.finfo(torch.float32).max
print(f"largest float32: {largest:.4g}, its log: {math.log(largest):.4f}")
print("      z     exp(-z)  sigmoid(z)      exp(z)")
for z in (-88.0, -88.72, -88.73, -103.9, -104.0):
    t = torch.tensor(z)
    print(
        f"{z:7g} {torch.exp(-t):11.4g} {torch.sigmoid(t):11.4g}"
        f" {torch.exp(t):11.4g}"
    )
tiny = torch.finfo(torch.float32).tiny
print(f"smallest normal float32: {tiny:.3g}, its log: {math.log(tiny):.4f}")
torch.set_flush_denormal(True)
flushed = [torch.sigmoid(torch.tensor(z)) for z in (-87.3, -87.4, -88.0)]
torch.set_flush_denormal(False)
for z, p in zip((-87.3, -87.4, -88.0), flushed, strict=True):
    print(f"subnormals flushed: sigmoid({z:g}) = {p:.4g}")
# --8<-- [end:sigmoid-zero]

# --8<-- [start:bce-floor]
p = torch.tensor([1e-11, 1e-13], requires_grad=True)
nn.BCELoss(reduction="sum")(p, torch.ones(2)).backward()
print("p:          ", " ".join(f"{v:9.3g}" for v in p.tolist()))
print("d loss / dp:", " ".join(f"{v:9.3g}" for v in p.grad.tolist()))
print("-1 / p:     ", " ".join(f"{-1 / v:9.3g}" for v in p.tolist()))
# --8<-- [end:bce-floor]

# --8<-- [start:logits-by-hand]
z = torch.tensor([2.0, 20.0, -50.0])
target = torch.tensor([0.0, 0.0, 1.0])
by_hand = ((1 - target) * z - nn.functional.logsigmoid(z)).mean()
print(f"{bce_logits(z, target):.4f} {by_hand:.4f}")
z = torch.linspace(-100, 100, 20_001).repeat(2)
target = torch.cat([torch.zeros(20_001), torch.ones(20_001)])
builtin = nn.BCEWithLogitsLoss(reduction="none")(z, target)
used = (1 - target) * z - nn.functional.logsigmoid(z)
softplus = torch.log1p(torch.exp(-z.abs()))
max_form = z.clamp(min=0) - z * target + softplus
print("(1 - y) z - logsigmoid(z), bit for bit:", torch.equal(builtin, used))
print("max(z, 0) - z y + log(1 + exp(-|z|)), bit for bit:", end=" ")
print(torch.equal(builtin, max_form))
print(f"largest difference: {(builtin - max_form).abs().max():.2g}")
print(f"z = -100, y = 0: {builtin[0]:.1g} and {max_form[0]:.1g}")
# --8<-- [end:logits-by-hand]

# --8<-- [start:logits-gradient]
z = torch.linspace(-100, 100, 2001, requires_grad=True)
summed = nn.BCEWithLogitsLoss(reduction="sum")
for target in (0.0, 1.0):
    targets = torch.full_like(z, target)
    (grad,) = torch.autograd.grad(summed(z, targets), z)
    exact = torch.sigmoid(z.detach().double()) - target
    error = (grad - exact).abs().max()
    print(f"target {target:g}: |grad - (sigmoid(z) - y)| < eps:", end=" ")
    print(bool(error < eps))
# --8<-- [end:logits-gradient]

# --8<-- [start:logits-model]
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
)
loss_fn = nn.BCEWithLogitsLoss()
loss = loss_fn(model(X), y)
probabilities = torch.sigmoid(model(X))
print(f"loss {loss:.4g}")
print(probabilities.shape)
# --8<-- [end:logits-model]

# --8<-- [start:cross-entropy]
logits = torch.tensor([[1000.0, 0.0]])
label = torch.tensor([1])
print(nn.functional.cross_entropy(logits, label))
log_probabilities = torch.log(torch.softmax(logits, dim=1))
print(log_probabilities)
print(nn.functional.nll_loss(log_probabilities, label))
# --8<-- [end:cross-entropy]

# --8<-- [start:mse]
prediction = torch.tensor([2.5, 0.0, 2.0])
target = torch.tensor([3.0, -0.5, 2.0])
loss_fn = nn.MSELoss()
print(loss_fn(prediction, target))
print(((prediction - target) ** 2).mean())
# --8<-- [end:mse]

# --8<-- [start:data]
torch.manual_seed(1)
num_features = 20
true_w = torch.zeros(num_features, dtype=torch.float64)
true_w[:3] = torch.tensor([2.0, -3.0, 1.5], dtype=torch.float64)


def make_data(n):
    X = torch.randn(n, num_features, dtype=torch.float64)
    y = X @ true_w + 0.5 * torch.randn(n, dtype=torch.float64)
    return X, y.unsqueeze(1)


X, y = make_data(200)
X_test, y_test = make_data(1000)
X_val, y_val = make_data(200)
print(X.shape, y.shape, X_val.shape, X_test.shape)
# --8<-- [end:data]


# --8<-- [start:train]
def make_model():
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Linear(num_features, 16),
        nn.ReLU(),
        nn.Linear(16, 1),
    )
    return model.double()


def train(model, optimizer, num_epochs, penalty=None, log_every=None):
    loss_fn = nn.MSELoss()
    for epoch in range(1, num_epochs + 1):
        loss = loss_fn(model(X), y)
        if penalty is not None:
            loss = loss + penalty(model)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if log_every and epoch % log_every == 0:
            print(f"  epoch {epoch:4d}  loss {loss.item():.4g}")
    return model


def evaluate(model, X, y):
    with torch.no_grad():
        return nn.functional.mse_loss(model(X), y).item()


# --8<-- [end:train]


# --8<-- [start:first-step]
for name, optimizer_class in [("SGD", optim.SGD), ("Adam", optim.Adam)]:
    model = make_model()
    before = nn.utils.parameters_to_vector(model.parameters()).detach()
    train(model, optimizer_class(model.parameters(), lr=0.01), 1)
    after = nn.utils.parameters_to_vector(model.parameters()).detach()
    step = (after - before).abs()
    print(f"{name:4} |step| from {step.min():.4g} to {step.max():.4g}")
# --8<-- [end:first-step]

# --8<-- [start:adam-eps]
w = torch.zeros(5, requires_grad=True)
w.grad = torch.tensor([1.0, 1e-6, 1e-8, 1e-9, 0.0])
adam = optim.Adam([w], lr=0.01)
print("Adam eps:", adam.defaults["eps"], " betas:", adam.defaults["betas"])
adam.step()
for g, step in zip(w.grad.tolist(), w.detach().abs().tolist(), strict=True):
    print(f"gradient {g:<6g} |step| {step:.2g}")
state = adam.state[w]
print(
    f"stored after one step, gradient 1: exp_avg {state['exp_avg'][0]:.3g},"
    f" exp_avg_sq {state['exp_avg_sq'][0]:.3g}"
)
# --8<-- [end:adam-eps]

# --8<-- [start:sgd-vs-adam]
rates = (0.001, 0.01, 0.1, 1.0)
with torch.no_grad():
    initial_loss = nn.functional.mse_loss(make_model()(X), y).item()
print(f"training loss before training: {initial_loss:.4g}")
print("training loss after 200 epochs:")
print("lr   " + "".join(f"{rate:>10g}" for rate in rates))
for name, optimizer_class in [("SGD", optim.SGD), ("Adam", optim.Adam)]:
    row = ""
    for rate in rates:
        model = make_model()
        train(model, optimizer_class(model.parameters(), lr=rate), 200)
        with torch.no_grad():
            row += f"{nn.functional.mse_loss(model(X), y).item():10.4g}"
    print(f"{name:5}{row}")
# --8<-- [end:sgd-vs-adam]


# --8<-- [start:l1-penalty]
lam = 0.01
model = make_model()
penalty = lam * model[2].weight.abs().sum()
print(penalty)
penalty.backward()
print(model[2].weight.grad[0, :4])
print(model[2].weight[0, :4].detach())
# --8<-- [end:l1-penalty]


# --8<-- [start:three-models]
def l1_penalty(lam):
    def penalty(model):
        weights = (model[0].weight, model[2].weight)
        return lam * sum(w.abs().sum() for w in weights)

    return penalty


def l2_penalty(lam):
    def penalty(model):
        weights = (model[0].weight, model[2].weight)
        return lam / 2 * sum(w.square().sum() for w in weights)

    return penalty


lr, num_epochs = 0.05, 1000
penalties = {"none": None, "L2": l2_penalty(lam), "L1": l1_penalty(lam)}
models = {}
for name, penalty in penalties.items():
    model = make_model()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    models[name] = train(model, optimizer, num_epochs, penalty=penalty)
    train_loss, val_loss = evaluate(model, X, y), evaluate(model, X_val, y_val)
    print(f"{name:4} train {train_loss:.4g}  validation {val_loss:.4g}")
# --8<-- [end:three-models]

# --8<-- [start:near-zero]
print("      |w| < 1e-3   inputs 1-3   inputs 4-20   |v| < 1e-3")
for name, model in models.items():
    w = model[0].weight.detach()
    small = w.abs() < 1e-3
    relevant = w[:, :3].abs().mean()
    irrelevant = w[:, 3:].abs().mean()
    quiet = (model[2].weight.detach().abs() < 1e-3).sum()
    print(
        f"{name:4} {small.sum():4d} = {small.float().mean():5.1%}"
        f"   {relevant:10.3f}   {irrelevant:11.3f}   {quiet:10d}"
    )
# --8<-- [end:near-zero]


# --8<-- [start:plot-histograms]
import matplotlib.pyplot as plt


def plot_weight_histograms(models):
    """One histogram of the first-layer weights per model."""
    fig, axes = plt.subplots(
        1, len(models), figsize=(9, 3), sharex=True, sharey=True
    )
    bins = torch.linspace(-1.025, 1.025, 42).tolist()
    for ax, (name, model) in zip(axes, models.items(), strict=True):
        w = model[0].weight.detach().flatten()
        ax.hist(w.clamp(-1, 1).tolist(), bins=bins, color="tab:blue")
        ax.set(title=name, xlabel="weight value")
    axes[0].set_ylabel("number of weights")
    fig.suptitle("First-layer weights after training")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-histograms]

# --8<-- [start:figure]
fig = plot_weight_histograms(models)
# --8<-- [end:figure]

# --8<-- [start:oscillation]
model = models["L1"]
w = model[0].weight
small = w.detach().abs() < 1e-3
print("exactly zero:", (w == 0).sum().item())
before = w.detach().sign()
crossed = torch.zeros_like(small)
for _ in range(10):
    train(model, optimizer, 1, penalty=penalties["L1"])
    crossed |= w.detach().sign() != before
print(f"crossed zero in 10 steps: {(crossed & small).sum()} of {small.sum()}")
# --8<-- [end:oscillation]


# --8<-- [start:proximal]
def soft_threshold_(weight, threshold):
    with torch.no_grad():
        shrunk = (weight.abs() - threshold).clamp(min=0)
        weight.copy_(weight.sign() * shrunk)


def train_l1_proximal(model, lam, num_epochs):
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        train(model, optimizer, 1)
        for layer in (model[0], model[2]):
            soft_threshold_(layer.weight, lr * lam)
    return model


proximal = train_l1_proximal(make_model(), lam, num_epochs)
w = proximal[0].weight
print(f"exactly zero: {(w == 0).sum().item()} of {w.numel()}")
print(f"validation loss {evaluate(proximal, X_val, y_val):.4g}")
# --8<-- [end:proximal]


# --8<-- [start:sweep]
def fit(name, lam):
    model = make_model()
    if name == "L1":
        return train_l1_proximal(model, lam, num_epochs)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    return train(model, optimizer, num_epochs, penalty=l2_penalty(lam))


strengths = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
trained = {("L1", lam): proximal, ("L2", lam): models["L2"]}  # lam = 0.01
errors = {"L1": [], "L2": []}
swept = {"L1": [], "L2": []}
print(f"{'':10}{'L1 train':>9} {'valid.':>8}   {'L2 train':>9} {'valid.':>8}")
for lam_i in strengths:
    row = f"lam {lam_i:<6g}"
    for name in errors:
        if (name, lam_i) in trained:
            model = trained[name, lam_i]
        else:
            model = fit(name, lam_i)
        pair = evaluate(model, X, y), evaluate(model, X_val, y_val)
        errors[name].append(pair)
        swept[name].append(model)
        row += f"{pair[0]:9.4f} {pair[1]:8.4f}   "
    print(row.rstrip())
best = {}
for name in errors:
    i = min(range(len(strengths)), key=lambda i: errors[name][i][1])
    best[name] = i
    print(f"{name}: lowest validation loss at lambda {strengths[i]:g}")
zeros = (swept["L1"][best["L1"]][0].weight == 0).sum().item()
print(f"L1 there: {zeros} of 320 first-layer weights exactly zero")
strongest = swept["L1"][-1]
all_zero = all(
    (layer.weight == 0).all() for layer in (strongest[0], strongest[2])
)
print(f"L1 at lambda {strengths[-1]:g}: every weight zero: {all_zero}")
# --8<-- [end:sweep]


# --8<-- [start:plot-sweep]
def plot_sweep(strengths, errors):
    """Training and validation loss against the penalty's strength."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.5), sharey=True)
    for ax, (name, pairs) in zip(axes, errors.items(), strict=True):
        train_losses, val_losses = zip(*pairs, strict=True)
        ax.plot(strengths, train_losses, marker="o", label="training")
        ax.plot(strengths, val_losses, marker="s", ls="--", label="validation")
        ax.axhline(0.25, color="gray", ls=":", label="noise variance")
        ax.set(title=name, xscale="log", yscale="log")
        ax.set_xlabel(r"strength $\lambda$")
    axes[0].set_ylabel("mean squared error")
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


# --8<-- [end:plot-sweep]

# --8<-- [start:sweep-figure]
fig = plot_sweep(strengths, errors)
# --8<-- [end:sweep-figure]

# --8<-- [start:weight-decay]
model_a = make_model()
model_b = make_model()
decay = 0.1
optimizer_a = optim.SGD(model_a.parameters(), lr=lr, weight_decay=decay)
optimizer_b = optim.SGD(model_b.parameters(), lr=lr)


def l2_all(model):
    return decay / 2 * sum(p.square().sum() for p in model.parameters())


def same(model_a, model_b):
    pairs = zip(model_a.parameters(), model_b.parameters(), strict=True)
    return all(torch.allclose(a, b, atol=1e-6) for a, b in pairs)


train(model_a, optimizer_a, 10)
train(model_b, optimizer_b, 10, penalty=l2_all)
print(same(model_a, model_b))
# --8<-- [end:weight-decay]


# --8<-- [start:adamw]
def run(make_optimizer, penalty=None, shrink_first=False):
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    if shrink_first:

        def shrink(optimizer, args, kwargs):
            with torch.no_grad():
                for p in model.parameters():
                    p.mul_(1 - lr * decay)

        optimizer.register_step_pre_hook(shrink)
    return train(model, optimizer, 10, penalty=penalty)


adam_decay = run(lambda p: optim.Adam(p, lr=lr, weight_decay=decay))
adam_l2 = run(lambda p: optim.Adam(p, lr=lr), penalty=l2_all)
adamw = run(lambda p: optim.AdamW(p, lr=lr, weight_decay=decay))
adam_shrunk = run(lambda p: optim.Adam(p, lr=lr), shrink_first=True)
print("Adam, weight_decay == Adam + L2 penalty:", same(adam_decay, adam_l2))
print("AdamW == Adam + L2 penalty:            ", same(adamw, adam_l2))
print("AdamW == shrink the weights, then Adam:", same(adamw, adam_shrunk))
# --8<-- [end:adamw]

# --8<-- [start:adam-decoupled]
import inspect

adam_decoupled = run(
    lambda p: optim.Adam(
        p, lr=lr, weight_decay=decay, decoupled_weight_decay=True
    )
)
pairs = zip(adam_decoupled.parameters(), adamw.parameters(), strict=True)
print("equal to AdamW, bit for bit:", all(torch.equal(a, b) for a, b in pairs))
print("AdamW is a subclass of Adam:", issubclass(optim.AdamW, optim.Adam))
source = inspect.getsource(optim.AdamW.__init__)
print([line.strip() for line in source.splitlines() if "decoupled" in line])
for optimizer_class in (optim.Adam, optim.AdamW):
    defaults = optimizer_class(make_model().parameters()).defaults
    print(f"{optimizer_class.__name__} default weight_decay:", end=" ")
    print(defaults["weight_decay"])
# --8<-- [end:adam-decoupled]

# --8<-- [start:dropout-modes]
torch.manual_seed(3)
dropout = nn.Dropout(p=0.5)
print(dropout.training, dropout(torch.ones(8)))
dropout.eval()
print(dropout.training, dropout(torch.ones(8)))
# --8<-- [end:dropout-modes]


# --8<-- [start:dropout]
def make_dropout_model(p):
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Linear(num_features, 16),
        nn.ReLU(),
        nn.Dropout(p),
        nn.Linear(16, 1),
    )
    return model.double()


dropout_models = {}
print("p     train  validation  (validation in training mode)")
for p in (0.0, 0.1, 0.2, 0.5):
    if p == 0.0:
        model = models["none"]  # the same training, already done
    else:
        model = make_dropout_model(p)
        train(model, optim.SGD(model.parameters(), lr=lr), num_epochs)
    val_in_train_mode = evaluate(model, X_val, y_val)
    model.eval()
    dropout_models[p] = model
    train_loss, val_loss = evaluate(model, X, y), evaluate(model, X_val, y_val)
    print(
        f"{p:<4g} {train_loss:7.4g} {val_loss:11.4g} {val_in_train_mode:12.4g}"
    )
best_p = min(
    (0.1, 0.2, 0.5), key=lambda p: evaluate(dropout_models[p], X_val, y_val)
)
print(f"lowest validation loss at p = {best_p:g}")
# --8<-- [end:dropout]

# --8<-- [start:early-stopping]
import copy

model = make_model()
optimizer = optim.SGD(model.parameters(), lr=lr)
patience = 100
history = []
best_loss, best_epoch, stop_epoch = math.inf, 0, None
for epoch in range(1, num_epochs + 1):
    train(model, optimizer, 1)
    history.append((evaluate(model, X, y), evaluate(model, X_val, y_val)))
    if history[-1][1] < best_loss:
        best_loss, best_epoch = history[-1][1], epoch
        best_state = copy.deepcopy(model.state_dict())
        live_state = model.state_dict()
    if stop_epoch is None and epoch - best_epoch >= patience:
        stop_epoch = epoch
print(f"best epoch {best_epoch}: validation {best_loss:.4g}")
print(f"epoch {num_epochs}: validation {history[-1][1]:.4g}")
print(f"patience {patience} would stop at epoch {stop_epoch}")
same_as_now = torch.equal(live_state["0.weight"], model[0].weight)
print("state_dict() kept at the best epoch == last weights:", same_as_now)
model.load_state_dict(best_state)
stopped_model = model
print(f"restored the copy: validation {evaluate(model, X_val, y_val):.4g}")
# --8<-- [end:early-stopping]


# --8<-- [start:plot-history]
def plot_history(history, best_epoch):
    """Training and validation loss per epoch, with the best epoch."""
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = range(1, len(history) + 1)
    train_losses, val_losses = zip(*history, strict=True)
    ax.plot(epochs, train_losses, label="training")
    ax.plot(epochs, val_losses, ls="--", label="validation")
    ax.axvline(best_epoch, color="gray", ls=":", label="best epoch")
    ax.set(xlabel="epoch", ylabel="mean squared error", yscale="log")
    ax.legend()
    fig.tight_layout()
    return fig


# --8<-- [end:plot-history]

# --8<-- [start:history-figure]
fig = plot_history(history, best_epoch)
# --8<-- [end:history-figure]

# --8<-- [start:test]
chosen = {"no penalty": models["none"]}
for name in errors:
    label = f"{name}, lambda {strengths[best[name]]:g}"
    chosen[label] = swept[name][best[name]]
chosen[f"dropout {best_p:g}"] = dropout_models[best_p]
chosen[f"stopped at epoch {best_epoch}"] = stopped_model
with torch.no_grad():
    squared = {
        name: (model(X_test) - y_test).square().flatten()
        for name, model in chosen.items()
    }
    squared["true weights"] = (X_test @ true_w - y_test.flatten()).square()
print("test MSE, with a 95% interval (1.96 standard errors)")
for name, errors_i in squared.items():
    half_width = 1.96 * errors_i.std() / math.sqrt(len(errors_i))
    print(f"{name:22} {errors_i.mean():.3f} +/- {half_width:.3f}")
l1_label, l2_label, dropout_label = list(chosen)[1:4]
for label in (l2_label, dropout_label):
    difference = squared[label] - squared[l1_label]
    half_width = 1.96 * difference.std() / math.sqrt(len(difference))
    name = label.split(",")[0]
    print(f"{name} minus L1: {difference.mean():.3f} +/- {half_width:.3f}")
# --8<-- [end:test]

# --8<-- [start:exercise-gradient]
loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
z = torch.tensor([-3.0, 0.0, 2.0, 30.0], requires_grad=True)
target = torch.tensor([1.0, 0.0, 1.0, 0.0])
loss_fn(z, target).backward()
print(z.grad)
print(torch.sigmoid(z.detach()) - target)
# --8<-- [end:exercise-gradient]


# --8<-- [start:exercise-groups]
model_a = make_model()
model_b = make_model()
weights = [model_a[0].weight, model_a[2].weight]
biases = [model_a[0].bias, model_a[2].bias]
groups = [
    {"params": weights, "weight_decay": lam},
    {"params": biases, "weight_decay": 0.0},
]
train(model_a, optim.SGD(groups, lr=lr), 10)
optimizer_b = optim.SGD(model_b.parameters(), lr=lr)
train(model_b, optimizer_b, 10, penalty=l2_penalty(lam))
print(same(model_a, model_b))
# --8<-- [end:exercise-groups]
