# --8<-- [start:saved-attributes]
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(123)

x = torch.randn(4, requires_grad=True)
w = torch.randn(4, requires_grad=True)


def saved_names(node):
    return [name for name in dir(node) if name.startswith("_saved_")]


def storage(t):
    """Where the memory that holds t's elements starts."""
    return t.untyped_storage().data_ptr()


def same_storage(a, b):
    return storage(a) == storage(b)


p = x * w
print(p.grad_fn.name(), saved_names(p.grad_fn))
print(p.grad_fn._saved_self is x, p.grad_fn._saved_other is w)

e = x.exp()
print(e.grad_fn.name(), saved_names(e.grad_fn))
result = e.grad_fn._saved_result
print(result is e, same_storage(result, e), torch.equal(result, e))

layer = nn.Linear(4, 2)
out = layer(x.unsqueeze(0))
mat1, mat2 = out.grad_fn._saved_mat1, out.grad_fn._saved_mat2
print(out.grad_fn.name(), same_storage(mat1, x))
print(torch.equal(mat2, layer.weight.T), same_storage(mat2, layer.weight))

s = x.sum()
print(s.grad_fn.name(), saved_names(s.grad_fn))

d = F.dropout(x, p=0.5)
mask = d.grad_fn._saved_other
print(d.grad_fn.name(), mask, same_storage(mask, x))

a = x * 1
a.mul_(w)
old = a.grad_fn._saved_self
print(a.grad_fn.name(), same_storage(old, a), torch.equal(old, x))
# --8<-- [end:saved-attributes]

# --8<-- [start:dropped-output]
import weakref


def watch(t):
    """A weak reference to the memory that holds t's elements."""
    return weakref.ref(t.untyped_storage())


big = torch.randn(100_000, requires_grad=True)
e = big.exp()
loss_e = e.sum()
e_memory = watch(e)
s = big.sin()
loss_s = s.sum()
s_memory = watch(s)
del e, s
print("exp output still in memory:", e_memory() is not None)
print("sin output still in memory:", s_memory() is not None)
print(saved_names(loss_s.grad_fn.next_functions[0][0]))
print("bytes the graph holds for exp:", e_memory().nbytes())

loss_e.backward()
print("exp output after backward:", e_memory() is not None)
for attempt in (
    lambda: loss_e.grad_fn.next_functions[0][0]._saved_result,
    loss_e.backward,
):
    try:
        attempt()
    except RuntimeError as err:
        print(str(err).split(". ")[0])
# --8<-- [end:dropped-output]

# --8<-- [start:mlp-saved]
model = nn.Sequential(
    nn.Linear(64, 128),
    nn.ReLU(),
    nn.Linear(128, 128),
    nn.ReLU(),
    nn.Linear(128, 10),
)
X = torch.randn(32, 64)
y = torch.randint(0, 10, (32,))
loss_fn = nn.CrossEntropyLoss()

running = {"layer": None}


def entering(label):
    def hook(module, args):
        running["layer"] = label

    return hook


for name, module in [*model.named_children(), ("loss", loss_fn)]:
    label = name if module is loss_fn else f"{name} {type(module).__name__}"
    module.register_forward_pre_hook(entering(label))


def unpack(t):
    return t


def record_saves(X, y):
    """The loss, and one record per tensor its forward pass saves."""
    known = {storage(p): "parameter" for p in model.parameters()}
    known |= {storage(X): "input X", storage(y): "input y"}
    records = []

    def pack_and_record(t):
        kind = known.setdefault(storage(t), "new")
        if kind == "new":
            known[storage(t)] = f"same as #{len(records)}"
        size = t.untyped_storage().nbytes()
        records.append((running["layer"], tuple(t.shape), t.dtype, size, kind))
        return t.detach()

    with torch.autograd.graph.saved_tensors_hooks(pack_and_record, unpack):
        loss = loss_fn(model(X), y)
    return loss, records


def new_bytes(records):
    return sum(size for *_, size, kind in records if kind == "new")


loss, records = record_saves(X, y)
print(f" #  {'saved by':<9} {'shape':<11} {'dtype':<8} {'storage':<10}  bytes")
for i, (layer, shape, dtype, size, kind) in enumerate(records):
    dtype = str(dtype).removeprefix("torch.")
    print(f"{i:>2}  {layer:<9} {shape!s:<11} {dtype:<8} {kind:<10} {size:>6}")
new = [size for *_, size, kind in records if kind == "new"]
print(
    f"{len(records)} saved tensors; {len(new)} new storages, {sum(new)} bytes"
)
print("parameters:", sum(p.nbytes for p in model.parameters()), "bytes")

for node in (loss.grad_fn, loss.grad_fn.next_functions[0][0]):
    tensors = [
        name
        for name in saved_names(node)
        if isinstance(getattr(node, name), torch.Tensor)
    ]
    print(node.name(), tensors)

for batch_size in (64, 128):
    _, more = record_saves(
        torch.randn(batch_size, 64), torch.randint(0, 10, (batch_size,))
    )
    print(f"batch of {batch_size}: {new_bytes(more)} new bytes")
# --8<-- [end:mlp-saved]

# --8<-- [start:python-numbers]
packed_shapes = []


def pack_and_note(t):
    packed_shapes.append(tuple(t.shape))
    return t.detach()


for name, operation in [
    ("x * 3", lambda: x * 3),
    ("x / 2.0", lambda: x / 2.0),
    ("x * torch.tensor(3.0)", lambda: x * torch.tensor(3.0)),
]:
    packed_shapes.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack_and_note, unpack):
        result = operation()
    other = result.grad_fn._saved_other
    print(f"{name:<21}  pack hook saw {packed_shapes!s:<5}  saved {other!r}")


def graph_nodes(node):
    """Every node that a backward pass from node could reach."""
    nodes, stack = [], [node]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.append(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return nodes


saved_in_graph = [
    name
    for node in graph_nodes(loss.grad_fn)
    for name in saved_names(node)
    if isinstance(getattr(node, name), torch.Tensor)
]
print("MLP: saved tensors in the graph", len(saved_in_graph), end=", ")
print("seen by the pack hook", len(records))
# --8<-- [end:python-numbers]

# --8<-- [start:float16-saves]
import math

parameter_storages = {storage(p) for p in model.parameters()}


def all_equal(tensors, others):
    return all(torch.equal(a, b) for a, b in zip(tensors, others, strict=True))


def max_abs_diff(tensors, others):
    pairs = zip(tensors, others, strict=True)
    return max((a - b).abs().max().item() for a, b in pairs)


relu_outputs = []
for module in model:
    if isinstance(module, nn.ReLU):
        module.register_forward_hook(
            lambda module, args, output: relu_outputs.append(watch(output))
        )


def run_with(pack, unpack):
    """The bytes the graph holds, the ReLU outputs still in memory after
    the forward pass, and the gradients of the model's loss."""
    held = {}

    def pack_and_count(t):
        packed = pack(t)
        for kept in packed if isinstance(packed, tuple) else (packed,):
            if (
                isinstance(kept, torch.Tensor)
                and storage(kept) not in parameter_storages
            ):
                held[storage(kept)] = kept.untyped_storage().nbytes()
        return packed

    model.zero_grad()
    relu_outputs.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack_and_count, unpack):
        loss = loss_fn(model(X), y)
    kept = sum(ref() is not None for ref in relu_outputs)
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    return sum(held.values()), kept, grads


def to_half(t):
    return t.to(torch.float16) if t.is_floating_point() else t.detach()


def half_but_parameters(t):
    return t.detach() if storage(t) in parameter_storages else to_half(t)


def bfloat16_but_parameters(t):
    if storage(t) in parameter_storages or not t.is_floating_point():
        return t.detach()
    return t.to(torch.bfloat16)


def back_to_float(t):
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


print("X.cpu() is X:", X.cpu() is X)
for dtype in (torch.float16, torch.bfloat16):
    bits = 1 - int(math.log2(torch.finfo(dtype).eps))
    print(f"{dtype} keeps {bits} significant bits")
cpu = torch.autograd.graph.save_on_cpu()
pinned = torch.autograd.graph.save_on_cpu(pin_memory=True)
variants = {
    "float32": (lambda t: t.detach(), unpack),
    "save_on_cpu": (cpu.pack_hook, cpu.unpack_hook),
    "save_on_cpu, pinned": (pinned.pack_hook, pinned.unpack_hook),
    "float16, all": (to_half, back_to_float),
    "float16, not params": (half_but_parameters, back_to_float),
    "bfloat16, not params": (bfloat16_but_parameters, back_to_float),
}
_, _, float32_grads = run_with(*variants["float32"])
print(f"largest gradient {max(g.abs().max() for g in float32_grads):.2g}")
print(f"{'hooks':<21} {'bytes':>6}  ReLU outputs kept  equal  max diff")
for name, hooks in variants.items():
    held, kept, grads = run_with(*hooks)
    diff = max_abs_diff(grads, float32_grads)
    same = all_equal(grads, float32_grads)
    print(f"{name:<21} {held:>6}  {kept:<17}  {same!s:<5}  {diff:.2g}")
# --8<-- [end:float16-saves]

# --8<-- [start:checkpoint]
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

width, depth = 256, 8
blocks = nn.Sequential(
    *[
        nn.Sequential(
            nn.Linear(width, 4 * width),
            nn.GELU(),
            nn.Linear(4 * width, width),
        )
        for _ in range(depth)
    ]
)
X_deep = torch.randn(64, width)
block_parameters = {storage(p) for p in blocks.parameters()}
current = {"block": 0}
calls = {"first": [0] * depth, "last": [0] * depth}


def entering_block(i):
    def hook(module, args):
        current["block"] = i

    return hook


def count_call(which, i):
    def hook(module, args):
        calls[which][i] += 1

    return hook


gelu_outputs = []


def watch_output(module, args, output):
    gelu_outputs.append(watch(output))


for i, block in enumerate(blocks):
    block.register_forward_pre_hook(entering_block(i))
    block[0].register_forward_pre_hook(count_call("first", i))
    block[2].register_forward_pre_hook(count_call("last", i))
    block[1].register_forward_hook(watch_output)


def measure(run):
    """New bytes saved per block (the loss last), the shapes block 0
    saves, GELU outputs still in memory after the forward pass, calls of
    each block's first and last Linear, gradients."""
    saved = [0] * (depth + 1)
    seen = set()
    shapes = []

    def pack(t):
        if storage(t) not in block_parameters | seen:
            seen.add(storage(t))
            saved[current["block"]] += t.untyped_storage().nbytes()
            if current["block"] == 0:
                shapes.append(tuple(t.shape))
        return t.detach()

    blocks.zero_grad()
    calls["first"] = [0] * depth
    calls["last"] = [0] * depth
    current["block"] = 0
    gelu_outputs.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        out = run(X_deep)
        current["block"] = depth
        loss = out.square().mean()
    alive = sum(ref() is not None for ref in gelu_outputs)
    loss.backward()
    grads = [p.grad.clone() for p in blocks.parameters()]
    return saved, shapes, alive, dict(calls), grads


def plain(h):
    return blocks(h)


def each_block(h):
    for i, block in enumerate(blocks):
        current["block"] = i
        h = checkpoint(block, h, use_reentrant=False)
    return h


def two_segments(h):
    return checkpoint_sequential(blocks, 2, h, use_reentrant=False)


runs = {
    name: measure(run)
    for name, run in [
        ("no checkpointing", plain),
        ("each block", each_block),
        ("2 segments", two_segments),
    ]
}
plain_grads = runs["no checkpointing"][-1]
for name, (saved, shapes, alive, calls_made, grads) in runs.items():
    same = all_equal(grads, plain_grads)
    print(f"{name}: saved {sum(saved) // 1024} KiB, {alive} GELU outputs kept")
    print(f"    block 0 saves {shapes}")
    print(f"    first Linear of each block ran {calls_made['first']} times")
    print(f"    last Linear of each block ran  {calls_made['last']} times")
    print(f"    gradients equal to no checkpointing: {same}")
# --8<-- [end:checkpoint]

# --8<-- [start:checkpoint-early-stop]
from torch.utils.checkpoint import set_checkpoint_early_stop

ending_in_flatten = nn.Sequential(
    nn.Linear(width, 4 * width),
    nn.GELU(),
    nn.Linear(4 * width, width),
    nn.Flatten(),
)
module_calls = [0] * len(ending_in_flatten)


def count_module_call(i):
    def hook(module, args):
        module_calls[i] += 1

    return hook


for i, module in enumerate(ending_in_flatten):
    module.register_forward_pre_hook(count_module_call(i))

for early_stop in (True, False):
    module_calls[:] = [0] * len(ending_in_flatten)
    with set_checkpoint_early_stop(early_stop):
        out = checkpoint(ending_in_flatten, X_deep, use_reentrant=False)
    out.square().mean().backward()
    counts = ", ".join(
        f"{type(module).__name__} {n}"
        for module, n in zip(ending_in_flatten, module_calls, strict=True)
    )
    print(f"early stop {early_stop}: {counts}")
# --8<-- [end:checkpoint-early-stop]

# --8<-- [start:checkpoint-figure]
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 3.5))
positions = np.arange(depth + 1)
styles = [("no checkpointing", ""), ("each block", "//"), ("2 segments", "..")]
for k, (name, hatch) in enumerate(styles):
    saved_kib = np.array(runs[name][0]) / 1024
    ax.bar(
        positions + (k - 1) * 0.27,
        saved_kib,
        width=0.27,
        label=name,
        hatch=hatch,
        edgecolor="black",
    )
ax.set_xticks(positions, [str(i) for i in range(depth)] + ["loss"])
ax.set_xlabel("block")
ax.set_ylabel("new saved tensors (KiB)")
ax.set_ylim(0, 760)
_ = ax.legend(loc="upper left", ncol=3)
# --8<-- [end:checkpoint-figure]

# --8<-- [start:grad-of-grad]
t = torch.tensor(2.0, requires_grad=True)
cube = t**3
(first,) = torch.autograd.grad(cube, t, create_graph=True)
print("d/dt t^3 at 2:", first)
(second,) = torch.autograd.grad(first, t, create_graph=True)
print("d2/dt2:", second)
(third,) = torch.autograd.grad(second, t)
print("d3/dt3:", third)

(plain_first,) = torch.autograd.grad(t**3, t)
print(plain_first, plain_first.requires_grad)
try:
    torch.autograd.grad(plain_first, t)
except RuntimeError as err:
    print(err)
# --8<-- [end:grad-of-grad]

# --8<-- [start:hvp]
gradient_passes = [0]


def count_pass(grad):
    gradient_passes[0] += 1


def f(v):
    v.register_hook(count_pass)
    return (torch.sin(v) * v.square()).sum()


theta = torch.randn(5, requires_grad=True)
u = torch.randn(5)

(g,) = torch.autograd.grad(f(theta), theta, create_graph=True)
(hvp,) = torch.autograd.grad(g @ u, theta)
print("gradient passes for H @ u:", gradient_passes[0])

gradient_passes[0] = 0
H = torch.autograd.functional.hessian(f, theta)
print("gradient passes for H:", gradient_passes[0], tuple(H.shape))
print(hvp)
print(H @ u)
print(f"max abs diff {(H @ u - hvp).abs().max():.2g}")
close = torch.allclose(H @ u, hvp, rtol=1e-5, atol=1e-6)
print("allclose (rtol=1e-5, atol=1e-6):", close)
import unittest.mock

grad_calls = [0]
real_grad = torch.autograd.grad


def counting_grad(*args, **kwargs):
    grad_calls[0] += 1
    return real_grad(*args, **kwargs)


for name, packaged_product in [
    ("vhp", torch.autograd.functional.vhp),
    ("hvp", torch.autograd.functional.hvp),
]:
    gradient_passes[0] = grad_calls[0] = 0
    with unittest.mock.patch("torch.autograd.grad", counting_grad):
        _, packaged = packaged_product(f, theta, u)
    print(
        f"{name}: {grad_calls[0]} calls of torch.autograd.grad,",
        f"{gradient_passes[0]} gradient passes,",
        f"max abs diff {(packaged - hvp).abs().max():.2g}",
    )

saves = [0]


def count_save(t):
    saves[0] += 1
    return t.detach()


loss = f(theta)
for create_graph in (False, True):
    saves[0] = 0
    with torch.autograd.graph.saved_tensors_hooks(count_save, unpack):
        torch.autograd.grad(
            loss, theta, create_graph=create_graph, retain_graph=True
        )
    print(f"create_graph={create_graph}: the backward pass saved {saves[0]}")
# --8<-- [end:hvp]


# --8<-- [start:nan-gradient]
def safe_sqrt_sum(v):
    roots = torch.where(v > 0, v.sqrt(), 0.0)
    return roots.sum()


v = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
total = safe_sqrt_sum(v)
total.backward()
print(total, v.grad)
# --8<-- [end:nan-gradient]

# --8<-- [start:detect-anomaly]
import warnings


def where_it_was_made(message):
    """The first line of anomaly mode's warning and the innermost frame
    of the forward traceback, without the file's path."""
    lines = message.splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith("  File ")]
    function = lines[frames[-1]].rsplit(" in ", 1)[1]
    return lines[0], f"in {function}: {lines[frames[-1] + 1].strip()}"


v.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.detect_anomaly():
            total = safe_sqrt_sum(v)
            total.backward()
    except RuntimeError as err:
        print("RuntimeError:", err)
print(str(caught[0].message))
for line in where_it_was_made(str(caught[1].message)):
    print(line)
print(v.grad)
# --8<-- [end:detect-anomaly]


# --8<-- [start:nan-fix]
def safer_sqrt_sum(v):
    inside = torch.where(v > 0, v, 1.0)
    roots = torch.where(v > 0, inside.sqrt(), 0.0)
    return roots.sum()


warnings.filterwarnings("ignore", message="Anomaly Detection has been enabled")
v.grad = None
with torch.autograd.detect_anomaly():
    safer_sqrt_sum(v).backward()
print(v.grad)
# --8<-- [end:nan-fix]


# --8<-- [start:check-nan-false]
def exp_then_shift(v):
    grown = v.exp()
    grown.add_(1)
    return grown.sum()


v.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with torch.autograd.set_detect_anomaly(True, check_nan=False):
        print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
        safe_sqrt_sum(v).backward()
        print(v.grad)
        try:
            exp_then_shift(v).backward()
        except RuntimeError as err:
            print("RuntimeError:", str(err).split(": [")[0])
print(torch.is_anomaly_enabled(), "warnings caught:", len(caught))
for line in where_it_was_made(str(caught[0].message)):
    print(line)
# --8<-- [end:check-nan-false]

# --8<-- [start:forward-nan]
v.grad = None
with torch.autograd.detect_anomaly():
    logs = torch.log(v - 1)
    print(logs)
    logs.sum().backward()
print(v.grad)


def log_squared_sum(v):
    logs = torch.log(v - 1)
    return (logs * logs).sum()


v.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.detect_anomaly():
            log_squared_sum(v).backward()
    except RuntimeError as err:
        print("RuntimeError:", err)
for line in where_it_was_made(str(caught[-1].message)):
    print(line)
# --8<-- [end:forward-nan]

# --8<-- [start:optimizer-in-backward]
import copy

reference = copy.deepcopy(model)
in_backward = copy.deepcopy(model)
optimizer = torch.optim.Adam(reference.parameters(), lr=1e-3)
optimizers = {
    p: torch.optim.Adam([p], lr=1e-3) for p in in_backward.parameters()
}


def grad_bytes(module):
    return sum(
        p.grad.nbytes for p in module.parameters() if p.grad is not None
    )


produced = []


def watch_parameter_grads(grad_inputs, grad_outputs):
    """A node hook of AddmmBackward0: its gradients for the bias and for
    the weight (transposed) are the first and the third it computes."""
    produced.extend(watch(g) for g in (grad_inputs[0], grad_inputs[2]))


def parameter_grad_bytes():
    """Bytes of parameter gradients alive: in .grad, or computed and not
    yet accumulated."""
    alive = {
        storage(p.grad): p.grad.nbytes
        for p in in_backward.parameters()
        if p.grad is not None
    }
    for ref in produced:
        if (memory := ref()) is not None:
            alive[memory.data_ptr()] = memory.nbytes()
    return sum(alive.values())


peak = {"in .grad": 0, "alive": 0}


def step_now(p):
    peak["in .grad"] = max(peak["in .grad"], grad_bytes(in_backward))
    peak["alive"] = max(peak["alive"], parameter_grad_bytes())
    optimizers[p].step()
    optimizers[p].zero_grad()


for p in in_backward.parameters():
    p.register_post_accumulate_grad_hook(step_now)

for _ in range(3):
    optimizer.zero_grad()
    loss_fn(reference(X), y).backward()
    after_backward = grad_bytes(reference)
    optimizer.step()
    loss = loss_fn(in_backward(X), y)
    produced.clear()
    for node in graph_nodes(loss.grad_fn):
        if node.name() == "AddmmBackward0":
            node.register_hook(watch_parameter_grads)
    loss.backward()

print("gradient bytes after backward, usual loop:", after_backward)
print("step in backward, most bytes in .grad at once:", peak["in .grad"])
print("step in backward, most gradient bytes alive at once:", peak["alive"])
print("largest parameter:", max(p.nbytes for p in model.parameters()))
linears = [m for m in model if isinstance(m, nn.Linear)]
print(
    "largest layer, weight and bias:",
    max(m.weight.nbytes + m.bias.nbytes for m in linears),
)
same = all_equal(reference.parameters(), in_backward.parameters())
print("same parameters after 3 steps:", same)
# --8<-- [end:optimizer-in-backward]

# --8<-- [start:accumulate-in-backward]
reference = copy.deepcopy(model)
accumulating = copy.deepcopy(model)
optimizer = torch.optim.Adam(reference.parameters(), lr=1e-3)
optimizers = {
    p: torch.optim.Adam([p], lr=1e-3) for p in accumulating.parameters()
}
accumulated = {p: 0 for p in accumulating.parameters()}


def step_every_second(p):
    accumulated[p] += 1
    if accumulated[p] % 2 == 0:
        optimizers[p].step()
        optimizers[p].zero_grad()


for p in accumulating.parameters():
    p.register_post_accumulate_grad_hook(step_every_second)

halves = [(X[:16], y[:16]), (X[16:], y[16:])]
for _ in range(3):
    for k, (inputs, targets) in enumerate(halves):
        loss_fn(reference(inputs), targets).backward()
        loss_fn(accumulating(inputs), targets).backward()
        if k == 0:
            between = grad_bytes(accumulating)
    optimizer.step()
    optimizer.zero_grad()

print("gradient bytes kept between the two passes:", between)
same = all_equal(reference.parameters(), accumulating.parameters())
print("same parameters after 3 steps of 2 passes:", same)
# --8<-- [end:accumulate-in-backward]

# --8<-- [start:exercise-outputs]
x = torch.randn(1000, requires_grad=True)
for name, fn in [
    ("tanh", torch.tanh),
    ("cos", torch.cos),
    ("relu", torch.relu),
    ("x * 3", lambda t: t * 3),
    ("softmax", lambda t: torch.softmax(t, dim=0)),
]:
    result = fn(x)
    total = result.sum()
    memory = watch(result)
    del result
    print(f"{name:<8} output kept: {memory() is not None}")
# --8<-- [end:exercise-outputs]

# --8<-- [start:exercise-dropout]
noisy = nn.Sequential(nn.Linear(16, 64), nn.Dropout(0.5), nn.Linear(64, 1))
inputs = torch.randn(8, 16)


def noisy_grads(**checkpoint_args):
    noisy.zero_grad()
    torch.manual_seed(0)
    if checkpoint_args:
        out = checkpoint(noisy, inputs, use_reentrant=False, **checkpoint_args)
    else:
        out = noisy(inputs)
    out.sum().backward()
    return [p.grad.clone() for p in noisy.parameters()]


reference_grads = noisy_grads()
for preserve in (True, False):
    grads = noisy_grads(preserve_rng_state=preserve)
    same = all_equal(grads, reference_grads)
    diff = max_abs_diff(grads, reference_grads)
    print(f"preserve_rng_state={preserve}: equal {same}, max diff {diff:.3g}")
# --8<-- [end:exercise-dropout]


# --8<-- [start:exercise-half-once]
def half_once():
    copies = {}

    def pack(t):
        if storage(t) in parameter_storages or not t.is_floating_point():
            return t.detach()
        key = (storage(t), t.shape, t.stride(), t.storage_offset())
        if key not in copies or copies[key][0]() is None:
            copies[key] = (watch(t), t.to(torch.float16))
        return copies[key][1]

    return pack


held, kept, grads = run_with(half_once(), back_to_float)
print(held, "bytes, max diff", f"{max_abs_diff(grads, float32_grads):.2g}")
# --8<-- [end:exercise-half-once]
