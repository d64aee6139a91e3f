# --8<-- [start:leaf]
import torch

torch.manual_seed(123)

a = torch.tensor(3.14, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
print(a, b)
print(a.is_leaf, a.grad_fn, a.grad)

w = torch.tensor([1.0, 5.0])
print(w.requires_grad)
print((w * 2).is_leaf, (b * 2).is_leaf, (b * 2).grad_fn.name())
w.requires_grad_()
print(w.requires_grad)
# --8<-- [end:leaf]

# --8<-- [start:int-error]
try:
    torch.tensor([1, 2, 3], requires_grad=True)
except RuntimeError as err:
    print(err)
counts = torch.tensor([1, 2, 3])
print(counts.to(torch.float32).requires_grad_())
print((b > 1).requires_grad, b.argmax().requires_grad)
# --8<-- [end:int-error]


# --8<-- [start:compute-z]
def compute_z(a, b, c):
    r1 = torch.sub(a, b)
    r2 = torch.mul(r1, 2)
    z = torch.add(r2, c)
    return z


a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(3.0, requires_grad=True)
z = compute_z(a, b, c)
print(z)
print(z.is_leaf, z.requires_grad)
print(z.float() is z, z.contiguous() is z)
# --8<-- [end:compute-z]

# --8<-- [start:graph]
names = {a: "a", b: "b", c: "c"}


def show_graph(fn, depth=0):
    label = type(fn).__name__
    if hasattr(fn, "variable"):
        label += f"  (adds into {names[fn.variable]}.grad)"
    print("    " * depth + label)
    for child, _ in fn.next_functions:
        if child is not None:
            show_graph(child, depth + 1)


show_graph(z.grad_fn)
# --8<-- [end:graph]

# --8<-- [start:draw-graph]
import matplotlib.pyplot as plt


def draw_graph(output, tensors):
    """Draw the graph behind `output`, following grad_fn and next_functions.

    `tensors` maps names to tensors: a leaf is labelled on its
    AccumulateGrad node, any other tensor on the node that produced it.
    """
    labels = {
        id(t): f"{name}, shape {tuple(t.shape)}" for name, t in tensors.items()
    }
    produced_by = {t.grad_fn: id(t) for t in tensors.values() if t.grad_fn}
    depth, children = {}, {}

    def visit(node, d):
        if depth.get(node, -1) >= d:
            return
        depth[node] = d
        children[node] = [n for n, _ in node.next_functions if n is not None]
        for child in children[node]:
            visit(child, d + 1)

    visit(output.grad_fn, 0)
    layers = [[] for _ in range(max(depth.values()) + 1)]
    for node, d in depth.items():
        layers[d].append(node)

    x = {output.grad_fn: 0.0}
    for nodes in layers[1:]:
        parents = {n: [p for p in x if n in children[p]] for n in nodes}
        wanted = {
            n: sum(x[p] for p in parents[n]) / len(parents[n]) for n in nodes
        }
        nodes.sort(key=wanted.get)
        placed = []
        for n in nodes:
            placed.append(
                max(wanted[n], placed[-1] + 1) if placed else wanted[n]
            )
        shift = (sum(wanted.values()) - sum(placed)) / len(placed)
        for n, position in zip(nodes, placed, strict=True):
            x[n] = position + shift

    span = max(x.values()) - min(x.values())
    size = (max(2.2 * span + 2.6, 5.2), 0.8 * len(layers) + 0.5)
    _, ax = plt.subplots(figsize=size, layout="constrained")
    boxes = {}
    for node, d in depth.items():
        text = type(node).__name__
        color = "#fde2c4"
        if hasattr(node, "variable"):
            text += f"\nleaf {labels.get(id(node.variable), '')}"
            color = "#cfe2f3"
        elif node in produced_by:
            text += f"\n{labels[produced_by[node]]}"
        bbox = dict(boxstyle="round,pad=0.4", fc=color, ec="0.3")
        boxes[node] = ax.text(
            x[node], -d, text, ha="center", va="center", fontsize=9, bbox=bbox
        )
    for node, kids in children.items():
        for child in kids:
            ax.annotate(
                "",
                xy=(0.5, 1),
                xycoords=boxes[child],
                xytext=(0.5, 0),
                textcoords=boxes[node],
                arrowprops=dict(
                    arrowstyle="-|>", color="0.3", shrinkA=5, shrinkB=5
                ),
            )
    ax.set_xlim(min(x.values()) - 0.6, max(x.values()) + 0.6)
    ax.set_ylim(-len(layers) + 0.5, 0.5)
    title = "backward() follows the arrows, from the output to the leaves"
    ax.set_title(title, fontsize=10)
    ax.axis("off")


# --8<-- [end:draw-graph]

# --8<-- [start:draw-z]
r1 = torch.sub(a, b)
r2 = torch.mul(r1, 2)
z = torch.add(r2, c)
draw_graph(z, {"a": a, "b": b, "c": c, "r1": r1, "r2": r2, "z": z})
# --8<-- [end:draw-z]


# --8<-- [start:dynamic-graph]
def square_or_negate(t):
    if t > 0:
        return t * t
    return -t


for value in (3.0, -3.0):
    t = torch.tensor(value, requires_grad=True)
    out = square_or_negate(t)
    out.backward()
    print(f"t = {value}: {out.grad_fn.name()}, t.grad = {t.grad}")
# --8<-- [end:dynamic-graph]

# --8<-- [start:backward-z]
print(a.grad, b.grad, c.grad)
z.backward()
print(a.grad, b.grad, c.grad)
# --8<-- [end:backward-z]

# --8<-- [start:linear-check]
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)
x = torch.tensor([1.4])
y = torch.tensor([2.1])
z = torch.add(torch.mul(w, x), b)
loss = (y - z).pow(2).sum()
loss.backward()
print(f"dL/dw: {w.grad:.4g}  dL/db: {b.grad:.4g}")

with torch.no_grad():
    dl_dw = (2 * x * (w * x + b - y)).item()
    dl_db = (2 * (w * x + b - y)).item()
print(f"dL/dw: {dl_dw:.4g}  dL/db: {dl_db:.4g}")
print(w.grad.item(), dl_dw)
# --8<-- [end:linear-check]

# --8<-- [start:logistic]
import torch.nn.functional as F
from torch.autograd import grad

y = torch.tensor([1.0])
x1 = torch.tensor([1.1])
w1 = torch.tensor([2.2], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)

z = x1 * w1 + b
a = torch.sigmoid(z)
loss = F.binary_cross_entropy(a, y)

grad_w1 = grad(loss, w1, retain_graph=True)
grad_b = grad(loss, b, retain_graph=True)
print(grad_w1)
print(grad_b)
# --8<-- [end:logistic]


# --8<-- [start:draw-logistic]
draw_graph(loss, {"w1": w1, "b": b, "z": z, "a": a, "loss": loss})
mul = z.grad_fn.next_functions[0][0]
print(type(mul).__name__, mul._saved_self, mul._saved_self is x1)
# --8<-- [end:draw-logistic]

# --8<-- [start:logistic-backward]
loss.backward()
print(w1.grad, b.grad)
print(f"(a - y) * x1 = {((a - y) * x1).item():.4f}")
print(f"a - y        = {(a - y).item():.4f}")
# --8<-- [end:logistic-backward]

# --8<-- [start:retain-graph]
loss = F.binary_cross_entropy(torch.sigmoid(x1 * w1 + b), y)
grad(loss, w1)
try:
    grad(loss, b)
except RuntimeError as err:
    print(str(err).split(".")[0] + ".")
# --8<-- [end:retain-graph]

# --8<-- [start:nothing-saved]
p = torch.tensor(1.0, requires_grad=True)
q = torch.tensor(2.0, requires_grad=True)
s = p + q
print(grad(s, p), grad(s, p))
print([name for name in dir(s.grad_fn) if name.startswith("_saved")])
for product in (p * q, x1 * w1):
    print(product.grad_fn._saved_self, product.grad_fn._saved_other)
linear = (x1 * w1 + b).sum()
grad(linear, w1)
print(grad(linear, b))
# --8<-- [end:nothing-saved]

# --8<-- [start:gradcheck]
import warnings

from torch.autograd import gradcheck

z32 = torch.linspace(-3.0, 3.0, 5, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        gradcheck(torch.sigmoid, (z32,))
    except RuntimeError as err:
        print(str(err).split(",")[0])
    print(str(caught[0].message).split(". ")[0] + ".")
    print(gradcheck(torch.sigmoid, (z32,), eps=1e-3))

z64 = torch.linspace(-3.0, 3.0, 5, dtype=torch.float64, requires_grad=True)
print(gradcheck(torch.sigmoid, (z64,)))


def logistic_loss(w1, b):
    z = x1.double() * w1 + b
    return F.binary_cross_entropy(torch.sigmoid(z), y.double())


w64 = torch.tensor([2.2], dtype=torch.float64, requires_grad=True)
b64 = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
print(gradcheck(logistic_loss, (w64, b64)))
# --8<-- [end:gradcheck]


# --8<-- [start:custom-function]
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        a = 1 / (1 + torch.exp(-z))
        ctx.save_for_backward(a)
        return a

    @staticmethod
    def backward(ctx, grad_a):
        (a,) = ctx.saved_tensors
        return grad_a * a * (1 - a)


a = MySigmoid.apply(z64)
print(type(a.grad_fn).__name__)
print(torch.equal(a, torch.sigmoid(z64)))
print(gradcheck(MySigmoid.apply, (z64,)))
# --8<-- [end:custom-function]


# --8<-- [start:custom-function-bug]
class BrokenSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad_a):
        (a,) = ctx.saved_tensors
        return grad_a * a  # forgets the factor (1 - a)


class SummedSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad_a):
        (a,) = ctx.saved_tensors
        return (grad_a * a * (1 - a)).sum()  # one number, not five


class TwoGradientsSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad_a):
        (a,) = ctx.saved_tensors
        return grad_a * a * (1 - a), grad_a  # two gradients for one input


class NoneSecondSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad_a):
        (a,) = ctx.saved_tensors
        return grad_a * a * (1 - a), None  # the extra one is None


sigmoids = (BrokenSigmoid, SummedSigmoid, TwoGradientsSigmoid)
for Sigmoid in (*sigmoids, NoneSecondSigmoid):
    try:
        (grad_z,) = grad(Sigmoid.apply(z64).sum(), z64)
        print(f"{Sigmoid.__name__}: backward ran, shape {tuple(grad_z.shape)}")
    except RuntimeError as err:
        print(f"{Sigmoid.__name__}: {err}")
try:
    gradcheck(BrokenSigmoid.apply, (z64,))
except RuntimeError as err:
    print(type(err).__name__, str(err).split(",")[0])
# --8<-- [end:custom-function-bug]

# --8<-- [start:accumulate-one-pass]
w = torch.tensor(2.0, requires_grad=True)
x = torch.tensor(3.0)
x2 = torch.tensor(4.0)
total = w * x + w * x2
mul_1, mul_2 = (node for node, _ in total.grad_fn.next_functions)
print(type(mul_1).__name__, type(mul_2).__name__)
node = mul_1.next_functions[0][0]
print(type(node).__name__, node is mul_2.next_functions[0][0])
print(node.variable is w)


def report(grad_outputs):
    print("AccumulateGrad receives", grad_outputs[0])


handle = node.register_prehook(report)
total.backward()
print(w.grad)
handle.remove()
# --8<-- [end:accumulate-one-pass]

# --8<-- [start:draw-accumulate]
draw_graph(total, {"w": w, "total": total})
# --8<-- [end:draw-accumulate]

# --8<-- [start:accumulate]
print(w1.grad)
for _ in range(2):
    loss = F.binary_cross_entropy(torch.sigmoid(x1 * w1 + b), y)
    loss.backward()
    print(w1.grad)

w1.grad.zero_()
b.grad.zero_()
print(w1.grad, b.grad)

optimizer = torch.optim.SGD([w1, b], lr=0.1)
loss = F.binary_cross_entropy(torch.sigmoid(x1 * w1 + b), y)
loss.backward()
print(w1.grad)
optimizer.zero_grad()
print(w1.grad)
# --8<-- [end:accumulate]


# --8<-- [start:shared-graph]
w = torch.tensor(2.0, requires_grad=True)
h = torch.sigmoid(3 * w)
(h**2).backward()
try:
    (3 * h).backward()
except RuntimeError as err:
    print(str(err).split(".")[0] + ".")

w.grad = None
h = torch.sigmoid(3 * w)
(h**2).backward(retain_graph=True)
(3 * h).backward()
print(w.grad)
w.grad = None
h = torch.sigmoid(3 * w)
(h**2 + 3 * h).backward()
print(w.grad)
# --8<-- [end:shared-graph]

# --8<-- [start:micro-batches]
X = torch.linspace(-1.0, 1.0, 24).reshape(8, 3)
targets = torch.linspace(0.0, 2.0, 8)
weights = torch.zeros(3, requires_grad=True)

loss = ((X @ weights - targets) ** 2).mean()
(full_batch,) = grad(loss, weights)

for X_part, targets_part in zip(X.split(4), targets.split(4), strict=True):
    loss = ((X_part @ weights - targets_part) ** 2).mean() / 2
    loss.backward()
print(full_batch)
print(weights.grad)
print(torch.allclose(weights.grad, full_batch))
# --8<-- [end:micro-batches]

# --8<-- [start:non-scalar]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
squares = x**2
try:
    squares.backward()
except RuntimeError as err:
    print(err)
single = torch.tensor([[3.0]], requires_grad=True)
(single**2).backward()
print(tuple(single.shape), single.grad)
v = torch.tensor([1.0, 0.1, 0.01])
squares.backward(gradient=v)
print(x.grad)
J = torch.autograd.functional.jacobian(lambda t: t**2, x.detach())
print(J)
print(v @ J)
# --8<-- [end:non-scalar]

# --8<-- [start:retain-grad]
w = torch.tensor(2.0, requires_grad=True)
h = 3 * w
(h**2).backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(h.is_leaf, h.grad)
message = str(caught[0].message)
print(caught[0].category.__name__ + ":", ". ".join(message.split(". ")[:2]))

w.grad = None
h = 3 * w
h.retain_grad()
(h**2).backward()
print(h.grad, w.grad)
# --8<-- [end:retain-grad]

# --8<-- [start:hook]
w.grad = None
h = 3 * w
handle = h.register_hook(lambda grad: print("gradient reaching h:", grad))
(h**2).backward()
print(w.grad)
handle.remove()

w.grad = None
h = 3 * w
print(h.retain_grad())
h.register_hook(lambda grad: grad.clamp(-1.0, 1.0))
(h**2).backward()
print(h.grad, w.grad)
# --8<-- [end:hook]

# --8<-- [start:inplace-error]
loss = F.binary_cross_entropy(torch.sigmoid(x1 * w1 + b), y)
loss.backward()
try:
    w1 -= 0.1 * w1.grad
except RuntimeError as err:
    print(err)

with torch.no_grad():
    w1 -= 0.1 * w1.grad
    z = x1 * w1 + b
print(w1)
print(z.requires_grad, z.grad_fn)
# --8<-- [end:inplace-error]


# --8<-- [start:set-grad-enabled]
def forward(is_train):
    with torch.set_grad_enabled(is_train):
        return torch.sigmoid(x1 * w1 + b)


print(forward(is_train=True))
print(forward(is_train=False))
print(torch.is_grad_enabled())
# --8<-- [end:set-grad-enabled]

# --8<-- [start:inference-mode]
with torch.inference_mode():
    a_inference = torch.sigmoid(x1 * w1 + b)
with torch.no_grad():
    a_no_grad = torch.sigmoid(x1 * w1 + b)
print(a_inference.requires_grad, a_inference.is_inference())
print(a_no_grad.requires_grad, a_no_grad.is_inference())
print((w1 * a_no_grad).grad_fn.name())
print((w1 + a_inference).grad_fn.name(), grad((w1 + a_inference).sum(), w1))
attempts = {
    "w1 * a_inference": lambda: w1 * a_inference,
    "a_inference.add_(1)": lambda: a_inference.add_(1),
    "a_inference.requires_grad_()": lambda: a_inference.requires_grad_(),
    "a_inference._version": lambda: a_inference._version,
}
for code, attempt in attempts.items():
    try:
        attempt()
    except RuntimeError as err:
        print(f"{code}: {str(err).split('.')[0]}.")
print((w1 * a_inference.clone()).grad_fn.name())

t = torch.ones(3)
with torch.inference_mode():
    view, cloned = t[1:], t.clone()
    t.add_(1)
print(view.is_inference(), t.is_inference(), cloned.is_inference(), t._version)
view.add_(1)
print(t)
# --8<-- [end:inference-mode]

# --8<-- [start:detach]
import numpy as np

a = torch.sigmoid(x1 * w1 + b)
try:
    a.numpy()
except RuntimeError as err:
    print(err)
try:
    np.asarray(a)
except RuntimeError as err:
    print(err)
frozen = a.detach()
print(frozen, frozen.requires_grad)
print(frozen.numpy(), a.numpy(force=True))
# --8<-- [end:detach]

# --8<-- [start:detach-shares]
print(frozen.untyped_storage().data_ptr() == a.untyped_storage().data_ptr())
frozen[0] = 0.5
print(a)
copy = a.detach().clone()
copy[0] = 0.0
print(a, copy.untyped_storage().data_ptr() == a.untyped_storage().data_ptr())
# --8<-- [end:detach-shares]

# --8<-- [start:version]
a = torch.sigmoid(x1 * w1 + b)
print(a._version)
a.detach()[0] = 0.5
print(a._version)
try:
    a.backward()
except RuntimeError as err:
    print(str(err).split(" Hint")[0])
# --8<-- [end:version]

# --8<-- [start:version-shared]
t = torch.zeros(3)
view, detached, data = t[1:], t.detach(), t.data
view.add_(1)
detached.add_(1)
print(t._version, view._version, detached._version, data._version)
data.add_(1)
print(t._version, data._version)
# --8<-- [end:version-shared]

# --8<-- [start:data-silent]
z = torch.zeros(1, requires_grad=True)
a = torch.sigmoid(z)
a.data.fill_(0.9)
print(a._version, a)
a.backward()
print(z.grad, "instead of sigmoid'(0) =", 0.5 * (1 - 0.5))

z.grad = None
a = torch.sigmoid(z)
a.detach().numpy()[0] = 0.9
print(a._version, a)
a.backward()
print(z.grad)
# --8<-- [end:data-silent]

# --8<-- [start:inplace-ok]
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
y.add_(1)
y.sum().backward()
print(y._version, y.grad_fn.name(), x.grad)

x.grad = None
y = x.exp()
y.add_(1)
try:
    y.sum().backward()
except RuntimeError as err:
    print(str(err).split(" Hint")[0])
y = x.exp() + 1
y.sum().backward()
print(x.grad)
# --8<-- [end:inplace-ok]

# --8<-- [start:inplace-now]
y = x * 2
first, second = y.unbind()
with torch.no_grad():
    head = y[:1]
with torch.inference_mode():
    tail = y[1:]
ones = torch.ones(1)
attempts = {
    "x[0].add_(1)": lambda: x[0].add_(1),
    "first.add_(1)": lambda: first.add_(1),
    "head.add_(1)": lambda: head.add_(1),
    "tail.add_(1)": lambda: tail.add_(1),
    "y[:1].expand(2).add_(1)": lambda: y[:1].expand(2).add_(1),
    "ones.expand(2).fill_(0)": lambda: ones.expand(2).fill_(0),
}
for code, attempt in attempts.items():
    try:
        attempt()
        print(f"{code}: ran")
    except RuntimeError as err:
        print(f"{code}: {str(err).split('. ')[0].rstrip('.')}.")
# --8<-- [end:inplace-now]

# --8<-- [start:thermometer]
celsius = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
unknown = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(celsius)
t_u = torch.tensor(unknown)


def model(t_u, w, b):
    return w * t_u + b


def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()


w = torch.ones(())
b = torch.zeros(())
t_p = model(t_u, w, b)
print(t_p.shape)
print(f"{loss_fn(t_p, t_c):.4g}")
# --8<-- [end:thermometer]


# --8<-- [start:grad-fn]
def dloss_fn(t_p, t_c):
    return 2 * (t_p - t_c) / t_p.size(0)


def dmodel_dw(t_u, w, b):
    return t_u


def dmodel_db(t_u, w, b):
    return 1.0


def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])


dloss_dw, dloss_db = grad_fn(t_u, t_c, t_p, w, b)
print(f"dL/dw {dloss_dw:.4g}  dL/db {dloss_db:.4g}")
# --8<-- [end:grad-fn]


# --8<-- [start:diverge]
def training_loop(num_epochs, lr, params, t_u, t_c, report=()):
    for epoch in range(1, num_epochs + 1):
        w, b = params
        t_p = model(t_u, w, b)
        loss = loss_fn(t_p, t_c)
        params = params - lr * grad_fn(t_u, t_c, t_p, w, b)
        if epoch in report:
            w, b = params
            row = f"epoch {epoch:4d}  loss {loss:<9.4g}"
            print(f"{row}  w {w:<10.4g} b {b:.4g}")
    return params


params = training_loop(
    num_epochs=100,
    lr=1e-2,
    params=torch.tensor([1.0, 0.0]),
    t_u=t_u,
    t_c=t_c,
    report=(1, 2, 3, 4, 10, 11, 22, 23),
)
# --8<-- [end:diverge]

# --8<-- [start:curvature]
from torch.autograd.functional import hessian


def hessian_for(x):
    """The Hessian of the loss over (w, b) for the input x."""

    def loss_of(params):
        return loss_fn(model(x, *params), t_c)

    return hessian(loss_of, torch.tensor([1.0, 0.0]))


H = hessian_for(t_u)
print(f"d2L/dw2 {H[0, 0]:.4g}  d2L/dw db {H[0, 1]:.4g}  d2L/db2 {H[1, 1]:.4g}")
eigenvalues = torch.linalg.eigvalsh(H)
print(f"eigenvalues {eigenvalues[0]:.3f} and {eigenvalues[1]:.0f}")
largest = 2 / eigenvalues[1]
print(f"largest stable lr 2 / {eigenvalues[1]:.0f} = {largest:.2g}")
for lr in (1e-2, 1e-4):
    steep, flat = (1 - lr * eigenvalues.flip(0)).abs()
    print(f"lr {lr:g}: |1 - lr * eigenvalue| = {steep:.4g} and {flat:.7f}")
# --8<-- [end:curvature]

# --8<-- [start:near-minimum]
A = torch.stack([t_u, torch.ones_like(t_u)], dim=1)
best = torch.linalg.lstsq(A, t_c[:, None]).solution.squeeze(1)
print(f"minimum at w {best[0]:.4f}, b {best[1]:.4f}")
params = best + torch.tensor([1e-3, 0.0])
for _ in range(3):
    w, b = params
    gradient = grad_fn(t_u, t_c, model(t_u, w, b), w, b)
    params = params - 1e-2 * gradient
    distance = (params - best).norm()
    print(f"gradient {gradient.norm():<8.3g} then distance {distance:.4g}")
# --8<-- [end:near-minimum]

# --8<-- [start:small-lr]
params = training_loop(
    num_epochs=1000,
    lr=1e-4,
    params=torch.tensor([1.0, 0.0]),
    t_u=t_u,
    t_c=t_c,
    report=(1, 2, 10, 100, 1000),
)
# --8<-- [end:small-lr]

# --8<-- [start:normalized]
t_un = 0.1 * t_u
params = training_loop(
    num_epochs=5000,
    lr=1e-2,
    params=torch.tensor([1.0, 0.0]),
    t_u=t_un,
    t_c=t_c,
    report=(1, 2, 10, 100, 1000, 5000),
)
print(params)
# --8<-- [end:normalized]

# --8<-- [start:conditioning]
t_us = (t_u - t_u.mean()) / t_u.std()
inputs = {
    "t_u": t_u,
    "0.1 * t_u": t_un,
    "0.001 * t_u": 0.001 * t_u,
    "centred": t_u - t_u.mean(),
    "standardized": t_us,
}
for name, x in inputs.items():
    H = hessian_for(x)
    low, high = torch.linalg.eigvalsh(H)
    print(
        f"{name:12}  d2L/dw db {H[0, 1].abs():6.2f}"
        f"  eigenvalues {low:<8.3g} {high:<6.4g}"
        f"  condition number {high / low:.4g}"
    )
# --8<-- [end:conditioning]

# --8<-- [start:standardized]
params = training_loop(
    num_epochs=20,
    lr=0.5,
    params=torch.tensor([1.0, 0.0]),
    t_u=t_us,
    t_c=t_c,
    report=(1, 2, 5, 20),
)
w, b = params
w_u, b_u = w / t_u.std(), b - w * t_u.mean() / t_u.std()
print(f"in terms of t_u: w {w_u:.4f}, b {b_u:.4f}")
# --8<-- [end:standardized]


# --8<-- [start:plot-valley]
def descent_path(x, lr, num_epochs):
    """The parameters after each step of gradient descent from (1, 0)."""
    params = torch.tensor([1.0, 0.0])
    path = [params]
    for _ in range(num_epochs):
        w, b = params
        t_p = model(x, w, b)
        params = params - lr * grad_fn(x, t_c, t_p, w, b)
        path.append(params)
    return torch.stack(path)


def plot_valley(ax, x, lr, num_epochs, title, legend_loc):
    """Contours of the loss over (w, b) and the path of gradient descent."""
    path = descent_path(x, lr, num_epochs)
    low, high = path.min(0).values, path.max(0).values
    margin = 0.25 * (high - low)
    w_grid = torch.linspace(low[0] - margin[0], high[0] + margin[0], 200)
    b_grid = torch.linspace(low[1] - margin[1], high[1] + margin[1], 200)
    W, B = torch.meshgrid(w_grid, b_grid, indexing="xy")
    L = ((W[..., None] * x + B[..., None] - t_c) ** 2).mean(-1)
    levels = torch.logspace(0.5, 3.5, 13)
    ax.contour(W, B, L, levels=levels, colors="0.6", linewidths=0.8)
    ax.plot(*path.T, "-", color="C0", label=f"path, lr = {lr}")
    ax.plot(*path[:11].T, "o", color="C0", ms=3, label="first 10 steps")
    ax.plot(*path[-1], "*", color="C1", ms=12, label=f"epoch {num_epochs}")
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.set_title(title, fontsize=10)
    ax.legend(loc=legend_loc, fontsize=8)


# --8<-- [end:plot-valley]

# --8<-- [start:valley]
_, (left, right) = plt.subplots(1, 2, figsize=(8, 3.6), layout="constrained")
plot_valley(left, t_un, 1e-2, 5000, "input 0.1 * t_u", "lower left")
plot_valley(right, t_us, 0.5, 20, "input standardized", "upper left")
# --8<-- [end:valley]


# --8<-- [start:autograd-loop]
def training_loop(num_epochs, lr, params, t_u, t_c):
    for _ in range(num_epochs):
        if params.grad is not None:
            params.grad.zero_()
        loss = loss_fn(model(t_u, *params), t_c)
        loss.backward()
        with torch.no_grad():
            params -= lr * params.grad
    return params


params_autograd = training_loop(
    num_epochs=5000,
    lr=1e-2,
    params=torch.tensor([1.0, 0.0], requires_grad=True),
    t_u=t_un,
    t_c=t_c,
)
print(params_autograd)
# --8<-- [end:autograd-loop]

# --8<-- [start:unpacking]
params = torch.tensor([1.0, 0.0], requires_grad=True)
w, b = params
print(params.is_leaf, w.is_leaf, w.grad_fn.name(), w._base is params)
loss = loss_fn(model(t_un, w, b), t_c)
loss.backward()
print(params.grad)
for differentiable in (False, True):
    try:
        torch.optim.SGD([w, b], lr=1e-2, differentiable=differentiable)
        print(f"differentiable={differentiable}: accepted")
    except ValueError as err:
        print(f"differentiable={differentiable}: {err}")

w.retain_grad()
b.retain_grad()
optimizer = torch.optim.SGD([w, b], lr=1e-2)
for step in (1, 2):
    try:
        loss = loss_fn(model(t_un, w, b), t_c)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step {step}: params {params.detach()}")
    except RuntimeError as err:
        print(f"step {step}: {str(err).split('. ')[0]}.")
# --8<-- [end:unpacking]

# --8<-- [start:sgd]
from torch import optim

params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.SGD([params], lr=1e-2)
for _ in range(5000):
    loss = loss_fn(model(t_un, *params), t_c)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(params)
print(f"{loss:.4g}")
# --8<-- [end:sgd]

# --8<-- [start:optimizer-swap]
for Optimizer in (optim.SGD, optim.Adam, optim.LBFGS):
    trial = torch.tensor([1.0, 0.0], requires_grad=True)
    optimizer = Optimizer([trial], lr=1e-2)
    loss = loss_fn(model(t_un, *trial), t_c)
    optimizer.zero_grad()
    loss.backward()
    try:
        optimizer.step()
        print(f"{Optimizer.__name__}: step() done")
    except TypeError as err:
        print(f"{Optimizer.__name__}: {err}")


losses = []


def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(t_un, *trial), t_c)
    loss.backward()
    losses.append(loss.item())
    return loss


optimizer.step(closure)
print(f"LBFGS: step(closure) evaluated the loss {len(losses)} times,", end=" ")
print(f"from {losses[0]:.4g} down to {losses[-1]:.4g}")
# --8<-- [end:optimizer-swap]

# --8<-- [start:split]
n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]
print(train_indices, val_indices)

train_t_un, train_t_c = t_un[train_indices], t_c[train_indices]
val_t_un, val_t_c = t_un[val_indices], t_c[val_indices]
# --8<-- [end:split]

# --8<-- [start:train-val]
params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.SGD([params], lr=1e-2)
train_losses, val_losses = [], []
for epoch in range(1, 2001):
    train_loss = loss_fn(model(train_t_un, *params), train_t_c)
    with torch.no_grad():
        val_loss = loss_fn(model(val_t_un, *params), val_t_c)
    optimizer.zero_grad()
    train_loss.backward()
    optimizer.step()
    train_losses.append(train_loss.item())
    val_losses.append(val_loss.item())
    if epoch in (1, 2, 3, 100, 500, 1000, 2000):
        print(f"epoch {epoch:4d}  train {train_loss:.4g}  val {val_loss:.4g}")
print(params)
print(train_loss.requires_grad, val_loss.requires_grad)
# --8<-- [end:train-val]

# --8<-- [start:loss-curves]
from itertools import pairwise

falls = all(now < before for before, now in pairwise(train_losses))
print("training loss below the epoch before, every time:", falls)
runs = []
for epoch, (before, now) in enumerate(pairwise(val_losses), start=2):
    if now > before and runs and runs[-1][1] == epoch - 1:
        runs[-1][1] = epoch
    elif now > before:
        runs.append([epoch, epoch])
spans = " and ".join(f"{start}-{end}" for start, end in runs)
print("validation loss rises at epochs", spans)
peak = runs[0][1]
print(f"validation loss at epoch 2: {val_losses[1]:.4g}, at {peak}:", end=" ")
print(f"{val_losses[peak - 1]:.4g}")
best_epoch = torch.tensor(val_losses).argmin().item() + 1
print(f"lowest validation loss {min(val_losses):.4g} at epoch {best_epoch}")
epochs = range(1, len(train_losses) + 1)
_, ax = plt.subplots(figsize=(6, 4))
ax.plot(epochs, train_losses, "-", label="training loss (9 readings)")
ax.plot(epochs, val_losses, "--", label="validation loss (2 readings)")
ax.axvline(best_epoch, color="0.5", linestyle=":", label="lowest validation")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mean squared error")
_ = ax.legend()
# --8<-- [end:loss-curves]


# --8<-- [start:plot-fit]
def plot_fit(w_fit, b_fit):
    """The data points and the line t_c = w * (0.1 * t_u) + b."""
    line_u = torch.linspace(20.0, 85.0, 2)
    _, ax = plt.subplots(figsize=(6, 4))
    fit_label = f"fitted line, w = {w_fit:.3f}, b = {b_fit:.2f}"
    ax.plot(t_u[train_indices], train_t_c, "o", label="training")
    ax.plot(t_u[val_indices], val_t_c, "s", mfc="none", label="validation")
    ax.plot(line_u, model(0.1 * line_u, w_fit, b_fit), label=fit_label)
    ax.set_xlabel("reading of the unknown thermometer (t_u)")
    ax.set_ylabel("temperature in °C (t_c)")
    ax.legend()


# --8<-- [end:plot-fit]

# --8<-- [start:figure]
w_fit, b_fit = params.detach()
plot_fit(w_fit, b_fit)
# --8<-- [end:figure]

# --8<-- [start:input-data]
num_features = 100
signal = 0.2


def make_data(n):
    y = torch.randint(0, 2, (n,)).float()
    X = torch.randn(n, num_features) + signal * (2 * y[:, None] - 1)
    return X, y


X_train, y_train = make_data(1000)
X_test, y_test = make_data(1000)

w = torch.zeros(num_features, requires_grad=True)
b = torch.zeros((), requires_grad=True)
optimizer = optim.SGD([w, b], lr=0.5)
num_epochs = 50
for _ in range(num_epochs):
    logits = X_train @ w + b
    loss = F.binary_cross_entropy_with_logits(logits, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def accuracy(X, y):
    with torch.no_grad():
        return ((X @ w + b > 0).float() == y).float().mean()


print(f"training accuracy {accuracy(X_train, y_train):.1%}")
print(f"test accuracy     {accuracy(X_test, y_test):.1%}")
# --8<-- [end:input-data]

# --8<-- [start:input-grad]
x = X_test[0].clone().requires_grad_()
target = y_test[0]
loss = F.binary_cross_entropy_with_logits(x @ w + b, target)
(grad_x,) = grad(loss, x)
print(f"label {target:.0f}, gradient of shape {tuple(grad_x.shape)}")
print(f"p(class 1) = {torch.sigmoid(x @ w + b):.1%}")

eps = 0.25
x_adv = x + eps * grad_x.sign()
p_adv = torch.sigmoid(x_adv @ w + b)
print(f"p(class 1) = {p_adv:.1%}, p(class 0) = {1 - p_adv:.1%} after the step")
print(f"largest change of a feature: {(x_adv - x).abs().max():.2f}")
# --8<-- [end:input-grad]

# --8<-- [start:input-grad-all]
X = X_test.clone().requires_grad_()
loss = F.binary_cross_entropy_with_logits(X @ w + b, y_test)
(grad_X,) = grad(loss, X)
X_adv = X_test + eps * grad_X.sign()
X_noise = X_test + eps * torch.randn_like(X_test).sign()
print(f"clean       {accuracy(X_test, y_test):.1%}")
print(f"random step {accuracy(X_noise, y_test):.1%}")
print(f"gradient    {accuracy(X_adv, y_test):.1%}")
with torch.no_grad():
    print(f"eps * |w|_1 = {eps * w.abs().sum():.2f}")
    print(f"eps * |w|_2 = {eps * w.norm():.2f}")
# --8<-- [end:input-grad-all]

# --8<-- [start:exercise-chain]
x = torch.tensor(1.5, requires_grad=True)
f = torch.sin(x**2)
f.backward()
print(f"autograd: {x.grad:.4f}")
print(f"by hand:  {2 * x.detach() * torch.cos(x.detach() ** 2):.4f}")
# --8<-- [end:exercise-chain]

# --8<-- [start:exercise-accumulate]
w = torch.tensor(2.0, requires_grad=True)
(w**2).backward()
(3 * w).backward()
print(w.grad)
w.grad = None
(w**2 + 3 * w).backward()
print(w.grad)
# --8<-- [end:exercise-accumulate]

# --8<-- [start:exercise-detach]
x = torch.tensor(3.0, requires_grad=True)
y = x * x.detach()
y.backward()
print(y, x.grad)
# --8<-- [end:exercise-detach]
