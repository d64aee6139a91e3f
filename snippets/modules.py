# --8<-- [start:network]
import torch
from torch import nn

torch.manual_seed(123)


class NeuralNetwork(nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.layers = nn.Sequential(
            # first hidden layer
            nn.Linear(num_inputs, 30),
            nn.ReLU(),
            # second hidden layer
            nn.Linear(30, 20),
            nn.ReLU(),
            # output layer
            nn.Linear(20, num_outputs),
        )

    def forward(self, x):
        logits = self.layers(x)
        return logits


model = NeuralNetwork(num_inputs=50, num_outputs=3)
print(model)
# --8<-- [end:network]


# --8<-- [start:missing-init]
class Forgetful(nn.Module):
    def __init__(self):
        self.layer = nn.Linear(2, 2)


try:
    Forgetful()
except AttributeError as err:
    print(err)
# --8<-- [end:missing-init]

# --8<-- [start:count]
num_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(num_params)
# --8<-- [end:count]

# --8<-- [start:named-parameters]
for name, p in model.named_parameters():
    print(f"{name:18} {tuple(p.shape)!s:9} {p.numel():5d}")
# --8<-- [end:named-parameters]

# --8<-- [start:draw-mlp]
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch


def draw_mlp(model):
    """Draw the chain of nn.Linear layers and activations inside `model`."""
    columns, links = [], []
    for name, module in model.named_modules():
        if list(module.children()):
            continue
        if isinstance(module, nn.Linear):
            if not columns:
                columns.append({"units": module.in_features, "notes": []})
            links.append((name, module))
            columns.append({"units": module.out_features, "notes": []})
        elif columns:
            columns[-1]["notes"].append(f"{type(module).__name__} ({name})")
    largest = max(column["units"] for column in columns)
    _, ax = plt.subplots(figsize=(2.1 * len(columns) + 0.2, 3.2))
    for i, column in enumerate(columns):
        x, height = 3.0 * i, 0.3 + 2.4 * column["units"] / largest
        if i == 0:
            kind, color = "input", "#cfe2f3"
        elif i == len(columns) - 1:
            kind, color = "output", "#d9ead3"
        else:
            kind, color = "hidden", "#fde2c4"
        box = FancyBboxPatch(
            (x - 0.4, -height / 2),
            0.8,
            height,
            boxstyle="round,pad=0.05",
            fc=color,
            ec="0.3",
        )
        ax.add_patch(box)
        units = column["units"]
        top = f"{units} unit" if units == 1 else f"{units} units"
        ax.text(x, height / 2 + 0.15, top, ha="center", va="bottom")
        below = "\n".join([kind, *column["notes"]])
        ax.text(x, -height / 2 - 0.15, below, ha="center", va="top")
    for i, (name, linear) in enumerate(links):
        count = sum(p.numel() for p in linear.parameters())
        start = 3.0 * i + 0.5
        arrow = dict(arrowstyle="-|>", color="0.3")
        ax.annotate(
            "", xy=(start + 2.0, 0), xytext=(start, 0), arrowprops=arrow
        )
        shape = f"Linear({linear.in_features}, {linear.out_features})"
        ax.text(
            start + 1.0,
            0.12,
            f"{name}\n{shape}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
        ax.text(
            start + 1.0,
            -0.12,
            f"{count:,} parameters",
            ha="center",
            va="top",
            fontsize=8,
        )
    total = sum(p.numel() for p in model.parameters())
    ax.set_title(f"{type(model).__name__}: {total:,} parameters")
    ax.set_xlim(-0.8, 3.0 * (len(columns) - 1) + 0.8)
    ax.set_ylim(-1.95, 1.8)
    ax.axis("off")


# --8<-- [end:draw-mlp]

# --8<-- [start:architecture]
draw_mlp(model)
# --8<-- [end:architecture]

# --8<-- [start:parameter-type]
weight = model.layers[0].weight
print(type(weight).__name__, isinstance(weight, torch.Tensor))
print(weight.requires_grad, weight.is_leaf)
# --8<-- [end:parameter-type]

# --8<-- [start:call]
X = torch.rand(2, 50)
logits = model(X)
print(logits)
# --8<-- [end:call]


# --8<-- [start:hook]
def reporter(name):
    def hook(module, inputs, output):
        print(f"  hook on {name}: output {tuple(output.shape)}")

    return hook


handles = [
    model.register_forward_hook(reporter("model")),
    model.layers[0].register_forward_hook(reporter("model.layers[0]")),
]
print("model(X)")
logits = model(X)
print("model.forward(X)")
logits = model.forward(X)
for handle in handles:
    handle.remove()
# --8<-- [end:hook]


# --8<-- [start:pre-hook]
def flatten_input(module, args):
    if not args:  # the input came by keyword
        return None  # None leaves the arguments as they are
    return args[0].flatten(start_dim=1)


images = X.view(2, 5, 10)
try:
    model(images)
except RuntimeError as err:
    print(err)
handle = model.register_forward_pre_hook(flatten_input)
print(torch.equal(model(images), model(X)))
try:
    model(x=images)
except RuntimeError as err:
    print(err)
handle.remove()


def flatten_keywords(module, args, kwargs):
    flat = {name: value.flatten(start_dim=1) for name, value in kwargs.items()}
    return args, flat


handle = model.register_forward_pre_hook(flatten_keywords, with_kwargs=True)
print(torch.equal(model(x=images), model(X)))
handle.remove()
# --8<-- [end:pre-hook]

# --8<-- [start:backward-hook]
import warnings


def shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


def grad_reporter(name):
    def hook(module, grad_input, grad_output):
        print(f"  {name}: grad_input {shapes(grad_input)},", end=" ")
        print(f"grad_output {shapes(grad_output)}")

    return hook


def weight_reporter(grad):
    print(f"  tensor hook on layers[0].weight: grad {tuple(grad.shape)}")


handles = [
    model.layers[0].register_full_backward_hook(grad_reporter("layers[0]")),
    model.layers[4].register_full_backward_hook(grad_reporter("layers[4]")),
    model.layers[0].weight.register_hook(weight_reporter),
]
print("input requires grad:")
model(X.clone().requires_grad_()).sum().backward()
print("input does not:")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model(X).sum().backward()
first_sentence = str(caught[0].message).split(". ")[0]
print(f"{caught[0].category.__name__}: {first_sentence}.")
for handle in handles:
    handle.remove()
model.zero_grad()
# --8<-- [end:backward-hook]


# --8<-- [start:backward-hook-refuses]
def outcome(run):
    """The shape of what run() returns, or the first sentence of its error."""
    try:
        return tuple(run().shape)
    except RuntimeError as err:
        return str(err).split(". ")[0]


handle = model.layers[0].register_full_backward_hook(
    grad_reporter("layers[0]")
)
in_place_after = nn.Sequential(model.layers[0], nn.ReLU(inplace=True))
print("in-place ReLU after it:", outcome(lambda: in_place_after(X)))
in_place_after.eval()
print("  in eval mode:        ", outcome(lambda: in_place_after(X)))
in_place_after.train()
with torch.no_grad():
    print("  under torch.no_grad: ", outcome(lambda: in_place_after(X)))
in_place_after.requires_grad_(False)
print("  parameters frozen:   ", outcome(lambda: in_place_after(X)))
in_place_after.requires_grad_(True)
wrapped = model.layers[0](X)
print("  its output:          ", wrapped.grad_fn.name())
with torch.no_grad():
    print("  relu_ under no_grad: ", outcome(lambda: wrapped.relu_()))
plain_after = nn.Sequential(model.layers[0], nn.ReLU())
print("plain ReLU after it:   ", outcome(lambda: plain_after(X)))
try:
    model.layers[0].register_backward_hook(grad_reporter("layers[0]"))
except RuntimeError as err:
    print(err)
handle.remove()
hooked_relu = nn.ReLU(inplace=True)
hooked_relu.register_full_backward_hook(grad_reporter("ReLU"))
print(
    "hooked in-place ReLU:  ", outcome(lambda: hooked_relu(model.layers[0](X)))
)
# --8<-- [end:backward-hook-refuses]

# --8<-- [start:state-dict]
state = model.state_dict()
print(type(state).__name__)
print(list(state)[:2])
print(list(state) == [name for name, _ in model.named_parameters()])
print(state["layers.0.weight"].requires_grad)
print(state["layers.0.weight"].data_ptr() == weight.data_ptr())
# --8<-- [end:state-dict]

# --8<-- [start:state-dict-snapshot]
import copy

best = model.state_dict()
best_copy = copy.deepcopy(model.state_dict())
before = model.layers[4].bias.detach().clone()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = model(X).square().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def rounded(t):
    return [round(v, 4) for v in t.tolist()]


print("before the steps:", rounded(before))
print("model now:       ", rounded(model.layers[4].bias))
print("state_dict():    ", rounded(best["layers.4.bias"]))
print("deepcopy:        ", rounded(best_copy["layers.4.bias"]))
# --8<-- [end:state-dict-snapshot]

# --8<-- [start:save-load]
import tempfile
from pathlib import Path

restored = NeuralNetwork(num_inputs=50, num_outputs=3)
print(torch.equal(restored(X), model(X)))
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "model.pt"
    torch.save(model.state_dict(), path)
    print(restored.load_state_dict(torch.load(path)))
print(torch.equal(restored(X), model(X)))
# --8<-- [end:save-load]

# --8<-- [start:load-mismatch]
wider = NeuralNetwork(num_inputs=50, num_outputs=4)
try:
    wider.load_state_dict(model.state_dict())
except RuntimeError as err:
    print(str(err).replace("\t", "  "))
print(torch.equal(wider.layers[0].weight, model.layers[0].weight))
# --8<-- [end:load-mismatch]


# --8<-- [start:load-shape-exceptions]
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))


scaled = Scaled()
result = scaled.load_state_dict({"scale": torch.tensor([7.0])})
print(result, scaled.scale.detach(), scaled.scale.shape)
lazy = nn.LazyLinear(3)
print(lazy.load_state_dict(nn.Linear(5, 3).state_dict()), lazy.weight.shape)
# --8<-- [end:load-shape-exceptions]


# --8<-- [start:load-strict]
class Pretrained(nn.Module):
    def __init__(self, head_size=3):
        super().__init__()
        self.body = nn.Linear(4, 16)
        self.head = nn.Linear(16, head_size)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 16)
        self.regress = nn.Linear(16, 1)
        self.register_buffer("target_mean", torch.zeros(1))


pretrained, regressor = Pretrained(), Regressor()
try:
    regressor.load_state_dict(pretrained.state_dict())
except RuntimeError as err:
    print(str(err).replace("\t", "  "))
fresh = regressor.regress.weight.detach().clone()
result = regressor.load_state_dict(pretrained.state_dict(), strict=False)
print("missing:", result.missing_keys)
print("unexpected:", result.unexpected_keys)
print(torch.equal(regressor.body.weight, pretrained.body.weight))
print(torch.equal(regressor.regress.weight, fresh))
try:
    Pretrained(head_size=5).load_state_dict(
        pretrained.state_dict(), strict=False
    )
except RuntimeError as err:
    print(str(err).splitlines()[1].strip())
# --8<-- [end:load-strict]

# --8<-- [start:train-eval]
dropout = nn.Dropout(p=0.5)
ones = torch.ones(8)
print(dropout.training)
print(dropout(ones))
dropout.eval()
print(dropout.training)
print(dropout(ones))
# --8<-- [end:train-eval]

# --8<-- [start:eval-recursive]
model.eval()
print([m.training for m in model.modules()])
print(model(X).requires_grad)
model.train()
print([m.training for m in model.modules()])
# --8<-- [end:eval-recursive]

# --8<-- [start:sequential]
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU(),
)
print(model)
# --8<-- [end:sequential]

# --8<-- [start:sequential-index]
print(model[0])
print(model[0].weight.shape, model[0].bias.shape)
print(len(model))
print(model[:2])
print(model[:2][0] is model[0])
print(model(torch.rand(5, 4)).shape)
# --8<-- [end:sequential-index]


# --8<-- [start:plain-list]
class PlainList(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(4, 16), nn.Linear(16, 32)]

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x


plain = PlainList()
print(plain(torch.rand(5, 4)).shape)
print(plain)
print(len(list(plain.parameters())))
try:
    torch.optim.SGD(plain.parameters(), lr=0.001)
except ValueError as err:
    print(err)
print(plain.state_dict())
plain.eval()
print(plain.layers[0].training)
# --8<-- [end:plain-list]


# --8<-- [start:plain-list-silent]
class Blocks(nn.Module):
    def __init__(self, container):
        super().__init__()
        self.blocks = container([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x))
        return self.head(x)


def train_blocks(container):
    torch.manual_seed(0)
    X, y = torch.rand(8, 4), torch.rand(8, 1)
    blocks = Blocks(container)
    initial = blocks.blocks[0].weight.detach().clone()
    optimizer = torch.optim.SGD(blocks.parameters(), lr=0.1)
    print("tensors trained:", len(list(blocks.parameters())))
    for epoch in range(20):
        loss = nn.functional.mse_loss(blocks(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch in (0, 19):
            print(f"epoch {epoch + 1:2d}  loss {loss.item():.4g}")
    block_weight = blocks.blocks[0].weight
    print("blocks[0] has a .grad:", block_weight.grad is not None)
    print("blocks[0] unchanged:", torch.equal(block_weight, initial))


train_blocks(list)
# --8<-- [end:plain-list-silent]


# --8<-- [start:module-list]
class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 16), nn.Linear(16, 32)])

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x


stack = Stack()
print(stack)
print([name for name, _ in stack.named_parameters()])
# --8<-- [end:module-list]

# --8<-- [start:plain-list-fixed]
train_blocks(nn.ModuleList)
# --8<-- [end:plain-list-fixed]


# --8<-- [start:module-dict]
class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 16)
        self.heads = nn.ModuleDict(
            {"classify": nn.Linear(16, 3), "regress": nn.Linear(16, 1)}
        )

    def forward(self, x, task):
        return self.heads[task](torch.relu(self.body(x)))


two_heads = TwoHeads()
x = torch.rand(5, 4)
print(two_heads(x, "classify").shape, two_heads(x, "regress").shape)
for name, _ in two_heads.named_parameters():
    print(name)
# --8<-- [end:module-dict]


# --8<-- [start:my-module]
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = torch.empty(3, 4)
        nn.init.xavier_normal_(self.w1)
        self.w2 = torch.empty(4, 7)
        nn.init.xavier_normal_(self.w2)


my_module = MyModule()
print(my_module)
print(list(my_module.parameters()))
print(my_module.state_dict())
my_module.to(torch.float64)
print(my_module.w1.dtype)
my_module.to("meta")
print(my_module.w1.device)
# --8<-- [end:my-module]


# --8<-- [start:my-module-fixed]
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(3, 4))
        nn.init.xavier_normal_(self.w1)
        self.w2 = nn.Parameter(torch.empty(4, 7))
        nn.init.xavier_normal_(self.w2)
        self.register_buffer("running_mean", torch.zeros(7))
        self.register_buffer("num_batches", torch.tensor(0))
        self.register_buffer("scratch", torch.zeros(7), persistent=False)


my_module = MyModule()
print([name for name, _ in my_module.named_parameters()])
print([name for name, _ in my_module.named_buffers()])
print(list(my_module.state_dict()))
my_module.to(torch.float64)
print(
    my_module.w1.dtype,
    my_module.running_mean.dtype,
    my_module.num_batches.dtype,
    my_module.scratch.dtype,
)
my_module.to("meta")
print(
    my_module.w1.device,
    my_module.running_mean.device,
    my_module.num_batches.device,
    my_module.scratch.device,
)
# --8<-- [end:my-module-fixed]

# --8<-- [start:module-cpu]
layer = nn.Linear(2, 2)
print(
    layer.cpu() is layer, layer.to(torch.float64) is layer, layer.weight.dtype
)
# --8<-- [end:module-cpu]

# --8<-- [start:custom-layer]
import math


class Affine(nn.Module):
    """y = x W^T + b, as nn.Linear computes it."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


model = nn.Sequential(Affine(4, 8), nn.ReLU(), Affine(8, 1, bias=False))
print(model)
print([name for name, _ in model.named_parameters()])
print(repr(nn.Module.extra_repr(model[0])))
# --8<-- [end:custom-layer]

# --8<-- [start:custom-layer-check]
torch.manual_seed(0)
affine = Affine(4, 8)
torch.manual_seed(0)
linear = nn.Linear(4, 8)
print(torch.equal(affine.weight, linear.weight))
linear = nn.Linear(4, 8)
print(affine.load_state_dict(linear.state_dict()))
x = torch.rand(5, 4)
print(torch.allclose(affine(x), linear(x)))
# --8<-- [end:custom-layer-check]

# --8<-- [start:functional]
import torch.nn.functional as F

x = torch.linspace(-2, 2, 5)
print(torch.relu(x), F.relu(x), nn.ReLU()(x), sep="\n")
modules = ["ReLU", "Dropout", "MaxPool2d", "OneHot", "Normalize"]
print("modules:", [name for name in modules if hasattr(nn, name)])


class DropNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 4)
        self.follow_mode = False

    def forward(self, x):
        h = self.layer(x)
        if self.follow_mode:
            return F.dropout(h, p=0.5, training=self.training)
        return F.dropout(h, p=0.5)


torch.manual_seed(0)
net = DropNet().eval()
for follow_mode in (False, True):
    net.follow_mode = follow_mode
    first, second = net(torch.ones(1, 4)), net(torch.ones(1, 4))
    print(f"follow_mode={follow_mode}:", first.detach())
    print("  same output twice:", torch.equal(first, second))
# --8<-- [end:functional]

# --8<-- [start:linear-bias]
for bias in (True, False):
    layer = nn.Linear(1, 1, bias=bias)
    print(layer, [name for name, _ in layer.named_parameters()])
# --8<-- [end:linear-bias]

# --8<-- [start:thermo-data]
celsius = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
unknown = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(celsius)
t_u = torch.tensor(unknown)
t_un = 0.1 * t_u

torch.manual_seed(123)
linear_model = nn.Linear(1, 1)
print(t_un.shape)
try:
    linear_model(t_un)
except RuntimeError as err:
    print(err)
# --8<-- [end:thermo-data]

# --8<-- [start:unsqueeze]
t_c = t_c.unsqueeze(1)
t_un = t_un.unsqueeze(1)
print(t_un.shape)
print(linear_model(t_un[:3]))
print(linear_model(torch.ones(10, 1)).shape)

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    per_pair = nn.MSELoss(reduction="none")
    mismatched = per_pair(linear_model(t_un), t_c[:, 0])
print(mismatched.shape, caught[0].category.__name__)
# --8<-- [end:unsqueeze]

# --8<-- [start:thermo-split]
n_samples = t_un.shape[0]
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]
print(train_indices, val_indices)

train_t_un, train_t_c = t_un[train_indices], t_c[train_indices]
val_t_un, val_t_c = t_un[val_indices], t_c[val_indices]
# --8<-- [end:thermo-split]

# --8<-- [start:one-step]
probe = copy.deepcopy(linear_model)
optimizer = torch.optim.SGD(probe.parameters(), lr=1e-2)
loss_fn = nn.MSELoss()
print("before backward:", probe.weight.grad)
for call in (1, 2):
    loss_fn(probe(train_t_un), train_t_c).backward()
    print(f"after backward {call}:", probe.weight.grad)
weight_before = probe.weight.item()
optimizer.step()
change = probe.weight.item() - weight_before
print(f"step changed the weight by {change:.4g}")
print(f"-lr * grad:                {-1e-2 * probe.weight.grad.item():.4g}")
print(probe.weight.grad_fn, probe.weight.is_leaf, probe.weight.requires_grad)
optimizer.zero_grad()
print("after zero_grad:", probe.weight.grad)
# --8<-- [end:one-step]


# --8<-- [start:thermo-loop]
def training_loop(num_epochs, optimizer, model, loss_fn, train, val, report):
    (X_train, y_train), (X_val, y_val) = train, val
    for epoch in range(1, num_epochs + 1):
        train_loss = loss_fn(model(X_train), y_train)
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), y_val)
        optimizer.zero_grad()
        train_loss.backward()
        optimizer.step()
        if epoch in report:
            row = f"epoch {epoch:4d}  train {train_loss:<7.4g}"
            print(f"{row} val {val_loss:.4g}")


train = (train_t_un, train_t_c)
val = (val_t_un, val_t_c)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(linear_model.parameters(), lr=1e-2)
training_loop(
    3000, optimizer, linear_model, loss_fn, train, val, report=(1, 1000, 3000)
)
print(linear_model.weight)
print(linear_model.bias)
# --8<-- [end:thermo-loop]

# --8<-- [start:seq-model]
seq_model = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
print(seq_model)
print([tuple(p.shape) for p in seq_model.parameters()])
# --8<-- [end:seq-model]

# --8<-- [start:seq-named]
from collections import OrderedDict

seq_model = nn.Sequential(
    OrderedDict(
        [
            ("hidden_linear", nn.Linear(1, 13)),
            ("hidden_activation", nn.Tanh()),
            ("output_linear", nn.Linear(13, 1)),
        ]
    )
)
print(seq_model)
for name, p in seq_model.named_parameters():
    print(f"{name:22} {tuple(p.shape)}")
print(seq_model.output_linear.bias)
# --8<-- [end:seq-named]

# --8<-- [start:seq-architecture]
draw_mlp(seq_model)
# --8<-- [end:seq-architecture]

# --8<-- [start:seq-train]
optimizer = torch.optim.Adam(seq_model.parameters(), lr=1e-2)
training_loop(
    2000, optimizer, seq_model, loss_fn, train, val, report=(1, 1000, 2000)
)
# --8<-- [end:seq-train]


# --8<-- [start:plot-models]
def plot_models(models):
    """The data points and each model's curve over the readings."""
    t_range = torch.linspace(20.0, 90.0, 200).unsqueeze(1)
    _, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(t_u[train_indices], train_t_c, "o", label="training")
    ax.plot(t_u[val_indices], val_t_c, "s", mfc="none", label="validation")
    with torch.no_grad():
        for i, (label, model) in enumerate(models.items()):
            style = ["-", "--", ":"][i % 3]
            ax.plot(t_range, model(0.1 * t_range), style, label=label)
    ax.set_xlabel("reading of the unknown thermometer (t_u)")
    ax.set_ylabel("temperature in °C (t_c)")
    ax.legend()


# --8<-- [end:plot-models]

# --8<-- [start:compare]
plot_models({"linear_model": linear_model, "seq_model": seq_model})
# --8<-- [end:compare]

# --8<-- [start:dataset]
from torch.utils.data import DataLoader, Dataset


class Readings(Dataset):
    """Thermometer readings: (scaled input, target) pairs."""

    def __init__(self, t_u, t_c):
        self.t_u, self.t_c = t_u, t_c
        self.requested = []

    def __len__(self):
        return len(self.t_u)

    def __getitem__(self, index):
        self.requested.append(index)
        return 0.1 * self.t_u[index : index + 1], self.t_c[index]


train_data = Readings(t_u[train_indices], t_c[train_indices])
print(len(train_data))
print(train_data[0])
train_data.requested.clear()
batch_size = 4
loader = DataLoader(
    train_data,
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(0),
)
for X_batch, y_batch in loader:
    print(X_batch.shape, y_batch.shape)
print(train_data.requested)
# --8<-- [end:dataset]

# --8<-- [start:dataset-train]
torch.manual_seed(123)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
num_epochs = 1000
for epoch in range(1, num_epochs + 1):
    total = 0.0
    for X_batch, y_batch in loader:
        loss = loss_fn(model(X_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X_batch)
    if epoch in (1, 500, num_epochs):
        print(f"epoch {epoch:4d}  train {total / len(train_data):.4g}")
print(f"weight {model.weight.item():.4f}, bias {model.bias.item():.4f}")
# --8<-- [end:dataset-train]

# --8<-- [start:param-groups]
torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(4, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 1)
)
decay = [p for p in model.parameters() if p.ndim >= 2]
no_decay = [p for p in model.parameters() if p.ndim < 2]
optimizer = torch.optim.AdamW(
    [
        {"params": decay, "weight_decay": 0.1},
        {"params": no_decay, "weight_decay": 0.0},
    ],
    lr=0.01,
)
for group in optimizer.param_groups:
    print(len(group["params"]), "tensors, weight_decay", group["weight_decay"])
before = {name: p.detach().clone() for name, p in model.named_parameters()}
for p in model.parameters():
    p.grad = torch.zeros_like(p)
optimizer.step()
for name, p in model.named_parameters():
    if torch.equal(p, before[name]):
        print(f"{name:9} unchanged")
    else:
        factor = (p.norm() / before[name].norm()).item()
        print(f"{name:9} scaled by {factor:.4f}")
# --8<-- [end:param-groups]

# --8<-- [start:optimizer-state]
train_X, train_y = train_t_un, train_t_c


def make_network():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2)


def train_steps(model, optimizer, num_steps):
    for _ in range(num_steps):
        loss = loss_fn(model(train_X), train_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


model, optimizer = make_network()
train_steps(model, optimizer, 100)
state = optimizer.state_dict()
print(list(state))
print(list(state["state"]), list(state["state"][0]))
print(state["state"][0]["step"], state["state"][0]["exp_avg"].shape)
print(state["param_groups"][0]["lr"], state["param_groups"][0]["params"])
# --8<-- [end:optimizer-state]

# --8<-- [start:resume]
import io

straight, straight_optimizer = make_network()
loss = train_steps(straight, straight_optimizer, 200)
print(f"200 steps at once:             loss {loss:.4g}")

buffer = io.BytesIO()
checkpoint = {
    "model": model.state_dict(),
    "optimizer": optimizer.state_dict(),
    "epoch": 100,
}
torch.save(checkpoint, buffer)

buffer.seek(0)
checkpoint = torch.load(buffer, weights_only=True)
resumed, resumed_optimizer = make_network()
resumed.load_state_dict(checkpoint["model"])
resumed_optimizer.load_state_dict(checkpoint["optimizer"])
loss = train_steps(resumed, resumed_optimizer, 100)
same = all(map(torch.equal, resumed.parameters(), straight.parameters()))
print(f"100 + checkpoint + 100:        loss {loss:.4g}  same: {same}")

restarted, fresh_optimizer = make_network()
restarted.load_state_dict(checkpoint["model"])
loss = train_steps(restarted, fresh_optimizer, 100)
same = all(map(torch.equal, restarted.parameters(), straight.parameters()))
print(f"100 + model only + 100:        loss {loss:.4g}  same: {same}")
# --8<-- [end:resume]

# --8<-- [start:weights-only]
import collections
import datetime
import pickle

import numpy as np


def refusal(err, short=False):
    """The reason weights_only gave, without the advice around it."""
    reason = str(err).split("WeightsUnpickler error: ")[1].strip()
    reason = reason.split("\n")[0]
    return reason.split(" was not")[0] if short else reason


def load_back(value, allowed=()):
    """Save ``value``, load it with weights_only=True: the value or why not."""
    buffer = io.BytesIO()
    torch.save(value, buffer)
    buffer.seek(0)
    with torch.serialization.safe_globals(list(allowed)):
        return torch.load(buffer, weights_only=True)


values = [
    torch.ones(2),
    3,
    0.5,
    "adam",
    None,
    b"\x00\x01",
    (1, [2], {3}),
    collections.OrderedDict(lr=0.01),
    torch.float16,
    torch.device("cpu"),
    torch.Size([2, 3]),
    np.mean([2.5, 3.5]),
    np.arange(3),
    datetime.date(2024, 1, 1),
    collections.defaultdict(list),
]
for value in values:
    try:
        shown = f"loads    {load_back(value)!r}"
    except pickle.UnpicklingError as err:
        shown = f"refused  {refusal(err, short=True)}"
    print(f"{type(value).__name__:13}{shown}")

val_loss = np.mean([2.5, 3.5])
try:
    load_back({"epoch": 3, "val_loss": val_loss})
except pickle.UnpicklingError as err:
    print(refusal(err))
allowed = []
for trusted in [np._core.multiarray.scalar, np.dtype, type(val_loss.dtype)]:
    allowed.append(trusted)
    names = ", ".join(item.__name__ for item in allowed)
    try:
        print(f"allowing {names}:", load_back({"val_loss": val_loss}, allowed))
    except pickle.UnpicklingError as err:
        print(f"allowing {names}: refused, {refusal(err, short=True)}")
print(load_back({"epoch": 3, "val_loss": float(val_loss)}))
# --8<-- [end:weights-only]


# --8<-- [start:tied]
class TinyLM(nn.Module):
    """Embeds tokens, then scores every token of the vocabulary."""

    def __init__(self, vocab_size=10, dim=4):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, vocab_size, bias=False)
        self.out.weight = self.embed.weight  # one parameter, two names

    def forward(self, tokens):
        return self.out(self.embed(tokens))


def same_storage(a, b):
    """Whether a and b read the same block of memory."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


lm = TinyLM()
print(lm.embed.weight.shape, lm.out.weight.shape)
print(lm.out.weight is lm.embed.weight)
print([name for name, _ in lm.named_parameters()])
print([name for name, _ in lm.named_parameters(remove_duplicate=False)])
optimizer = torch.optim.SGD(lm.parameters(), lr=0.1)
print(len(optimizer.param_groups[0]["params"]))
state = lm.state_dict()
print(list(state), same_storage(state["embed.weight"], state["out.weight"]))
print(
    sum(p.numel() for p in lm.parameters()),
    sum(t.numel() for t in state.values()),
)
# --8<-- [end:tied]

# --8<-- [start:tied-save]
import zipfile


def saved(obj):
    """torch.save obj into memory; the buffer, ready to read."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


cloned = {name: t.clone() for name, t in state.items()}
for name, obj in (("tied", state), ("cloned", cloned)):
    records = zipfile.ZipFile(saved(obj)).namelist()
    print(f"{name:6}", [record for record in records if "/data/" in record])
loaded = torch.load(saved(state), weights_only=True)
print(same_storage(loaded["embed.weight"], loaded["out.weight"]))
fresh_lm = TinyLM()
print(fresh_lm.load_state_dict(loaded))
print(fresh_lm.out.weight is fresh_lm.embed.weight)
print(torch.equal(fresh_lm.out.weight, lm.out.weight))
# --8<-- [end:tied-save]

# --8<-- [start:meta]
with torch.device("meta"):
    skeleton = NeuralNetwork(num_inputs=50, num_outputs=3)
meta_weight = skeleton.layers[0].weight
print(meta_weight)
storage = meta_weight.untyped_storage()
print(storage.device, storage.nbytes(), storage.data_ptr() == 0)
huge = nn.Linear(100_000, 100_000, device="meta")
storage = huge.weight.untyped_storage()
print(f"{storage.nbytes():,} bytes", storage.data_ptr() == 0)
print(skeleton(torch.empty(2, 50, device="meta")).shape)
try:
    meta_weight.tolist()
except NotImplementedError as err:
    print(err)
try:
    skeleton.to("cpu")
except NotImplementedError as err:
    print(err)
# --8<-- [end:meta]


# --8<-- [start:meta-to-empty]
def reset_all(model):
    """Initialize every submodule that knows how (reset_parameters)."""
    for module in model.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()


def not_resettable(model):
    """Modules with parameters of their own and no reset_parameters."""
    return [
        type(module).__name__
        for module in model.modules()
        if list(module.parameters(recurse=False))
        and not hasattr(module, "reset_parameters")
    ]


skeleton.to_empty(device="cpu")
weight = skeleton.layers[0].weight
print(type(weight).__name__, weight.device, weight.requires_grad)
torch.manual_seed(0)
reset_all(skeleton)
torch.manual_seed(0)
reference = NeuralNetwork(num_inputs=50, num_outputs=3)
print(all(map(torch.equal, skeleton.parameters(), reference.parameters())))
print(not_resettable(reference), not_resettable(MyModule()))
attention = nn.MultiheadAttention(embed_dim=8, num_heads=2)
print(not_resettable(attention))
with torch.device("meta"):
    meta_attention = nn.MultiheadAttention(embed_dim=8, num_heads=2)
meta_attention.to_empty(device="cpu")
reset_all(meta_attention)
print(
    "nonzero out_proj.bias:",
    torch.count_nonzero(attention.out_proj.bias).item(),
    torch.count_nonzero(meta_attention.out_proj.bias).item(),
)
# --8<-- [end:meta-to-empty]

# --8<-- [start:meta-load]
with torch.device("meta"):
    skeleton = NeuralNetwork(num_inputs=50, num_outputs=3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(skeleton.load_state_dict(reference.state_dict()))
print(skeleton.layers[0].weight.device, len(caught), "warnings")
print(str(caught[0].message).split(" (Did")[0])
with torch.device("meta"):
    meta_norm = nn.BatchNorm1d(3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    meta_norm.load_state_dict(nn.BatchNorm1d(3).state_dict())
n_params = len(list(meta_norm.parameters()))
n_buffers = len(list(meta_norm.buffers()))
print(f"{n_params} parameters, {n_buffers} buffers:", len(caught), "warnings")
early = torch.optim.SGD(skeleton.parameters(), lr=0.1)
print(skeleton.load_state_dict(reference.state_dict(), assign=True))
assigned = skeleton.layers[0].weight
print(type(assigned).__name__, assigned.device, assigned.requires_grad)
print(early.param_groups[0]["params"][0] is assigned)
print(same_storage(assigned, reference.layers[0].weight))
source = NeuralNetwork(num_inputs=50, num_outputs=3)
with torch.device("meta"):
    frozen = NeuralNetwork(num_inputs=50, num_outputs=3)
frozen.layers[0].requires_grad_(False)
frozen.load_state_dict(source.state_dict(keep_vars=True), assign=True)
print(
    frozen.layers[0].weight is source.layers[0].weight,
    source.layers[0].weight.requires_grad,
)
# --8<-- [end:meta-load]


# --8<-- [start:mmap]
def offsets(state, raw):
    """Each tensor's place relative to the first: in memory, in the file."""
    tensors = list(state.values())
    start = tensors[0].untyped_storage().data_ptr()
    in_memory = [t.untyped_storage().data_ptr() - start for t in tensors]
    file_start = raw.find(tensors[0].numpy().tobytes())
    in_file = [raw.find(t.numpy().tobytes()) - file_start for t in tensors]
    return in_memory, in_file


folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "model.pt"
torch.save(reference.state_dict(), path)
raw = path.read_bytes()
read = torch.load(path, weights_only=True)
mapped = torch.load(path, weights_only=True, mmap=True)
print(all(map(torch.equal, read.values(), mapped.values())))
in_memory, in_file = offsets(mapped, raw)
print("mapped:", in_memory, in_memory == in_file)
in_memory, in_file = offsets(read, raw)
print("read:  ", in_memory == in_file)
try:
    torch.load(saved(reference.state_dict()), weights_only=True, mmap=True)
except ValueError as err:
    print(err)
with torch.device("meta"):
    loaded_model = NeuralNetwork(num_inputs=50, num_outputs=3)
loaded_model.load_state_dict(mapped, assign=True)
print(same_storage(loaded_model.layers[0].weight, mapped["layers.0.weight"]))
print(torch.equal(loaded_model(X), reference(X)))
# --8<-- [end:mmap]

# --8<-- [start:mmap-writes]
import mmap

mapped["layers.4.bias"].zero_()
on_disk = torch.load(path, weights_only=True)["layers.4.bias"]
print(loaded_model.layers[4].bias.detach())
print(torch.equal(on_disk, reference.layers[4].bias))
with torch.serialization.set_default_mmap_options(mmap.MAP_SHARED):
    shared = torch.load(path, weights_only=True, mmap=True)
shared["layers.4.bias"].zero_()
print(torch.load(path, weights_only=True)["layers.4.bias"])
del read, mapped, shared, loaded_model
folder.cleanup()
# --8<-- [end:mmap-writes]

# --8<-- [start:meta-tied]
with torch.device("meta"):
    tied = TinyLM()
tied.to_empty(device="cpu")
print(
    tied.out.weight is tied.embed.weight,
    same_storage(tied.out.weight, tied.embed.weight),
    len(list(tied.parameters())),
)
with torch.device("meta"):
    tied = TinyLM()
tied.load_state_dict(loaded, assign=True)
print(
    tied.out.weight is tied.embed.weight,
    same_storage(tied.out.weight, tied.embed.weight),
    len(list(tied.parameters())),
)
tied.out.weight = tied.embed.weight
print(tied.out.weight is tied.embed.weight, len(list(tied.parameters())))
torch.__future__.set_swap_module_params_on_conversion(True)
with torch.device("meta"):
    tied = TinyLM()
tied.to_empty(device="cpu")
print(tied.out.weight is tied.embed.weight, len(list(tied.parameters())))
with torch.device("meta"):
    tied = TinyLM()
early = torch.optim.SGD(tied.parameters(), lr=0.1)
tied.load_state_dict(loaded, assign=True)
print(
    tied.out.weight is tied.embed.weight,
    len(list(tied.parameters())),
    torch.equal(tied.embed.weight, loaded["embed.weight"]),
    early.param_groups[0]["params"][0] is tied.embed.weight,
)
torch.__future__.set_swap_module_params_on_conversion(False)
# --8<-- [end:meta-tied]

# --8<-- [start:exercise-count]
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU(),
)
print(sum(p.numel() for p in model.parameters()))
# --8<-- [end:exercise-count]

# --8<-- [start:exercise-freeze]
model = NeuralNetwork(num_inputs=50, num_outputs=3)
model.layers[0].requires_grad_(False)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
print(sum(p.numel() for p in model.parameters()))
# --8<-- [end:exercise-freeze]


# --8<-- [start:exercise-shared]
class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(8, 8)

    def forward(self, x):
        return self.layer(torch.relu(self.layer(x)))


twice = Twice()
print(twice(torch.rand(2, 8)).shape)
print(sum(p.numel() for p in twice.parameters()))
# --8<-- [end:exercise-shared]

# --8<-- [start:exercise-batches]
print(len(train_data))
print(len(DataLoader(train_data, batch_size=batch_size)))
print(len(DataLoader(train_data, batch_size=batch_size, drop_last=True)))
# --8<-- [end:exercise-batches]

# --8<-- [start:exercise-hook-count]
from collections import Counter

from torch.utils.checkpoint import checkpoint


def count_hooks(use_reentrant=None):
    """One backward pass through Twice; use_reentrant=None: no checkpoint."""
    twice = Twice()
    fired, grads = Counter(), []
    twice.layer.register_full_backward_hook(
        lambda module, grad_input, grad_output: fired.update(["module hook"])
    )

    def tensor_hook(grad):
        fired.update(["tensor hook"])
        grads.append(grad)

    twice.layer.weight.register_hook(tensor_hook)

    def layer(x):
        if use_reentrant is None:
            return twice.layer(x)
        return checkpoint(twice.layer, x, use_reentrant=use_reentrant)

    layer(
        torch.relu(layer(torch.rand(2, 8, requires_grad=True)))
    ).sum().backward()
    total = twice.layer.weight.grad
    print(f"{use_reentrant!s:5}", dict(sorted(fired.items())), end=" ")
    print(
        [torch.equal(g, total) for g in grads], torch.equal(sum(grads), total)
    )


for use_reentrant in (None, True, False):
    count_hooks(use_reentrant)
# --8<-- [end:exercise-hook-count]
