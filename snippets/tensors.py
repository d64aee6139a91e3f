# --8<-- [start:create]
import torch

torch.manual_seed(123)

tensor0d = torch.tensor(1)
tensor1d = torch.tensor([1, 2, 3])
tensor2d = torch.tensor([[1, 2], [3, 4]])
tensor3d = torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
print(tensor0d)
print(tensor1d)
print(tensor2d)
print(tensor3d)
# --8<-- [end:create]

# --8<-- [start:ndim]
for t in (tensor0d, tensor1d, tensor2d, tensor3d):
    print(t.ndim, tuple(t.shape), t.numel())
# --8<-- [end:ndim]

# --8<-- [start:dtype-int]
print(tensor1d.dtype)
# --8<-- [end:dtype-int]

# --8<-- [start:python-int]
huge = 2**100
print(huge)
print(torch.iinfo(torch.int64).max)
try:
    torch.tensor(huge)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:python-int]

# --8<-- [start:dtype-float]
floatvector = torch.tensor([1.0, 2.0, 3.0])
print(floatvector)
print(floatvector.dtype)
# --8<-- [end:dtype-float]

# --8<-- [start:dtype-sizes]
for dtype in (torch.int64, torch.float64, torch.float32, torch.bfloat16):
    info = (
        torch.finfo(dtype) if dtype.is_floating_point else torch.iinfo(dtype)
    )
    eps = getattr(info, "eps", "-")
    print(f"{dtype!s:15} {info.bits:2d} bits  max={info.max:.3g}  eps={eps}")
# --8<-- [end:dtype-sizes]

# --8<-- [start:to]
floatvector32 = tensor1d.to(torch.float32)
print(floatvector32)
print(floatvector32.dtype)
print(tensor1d.dtype)
print(tensor1d.to(torch.int64) is tensor1d)
print(tensor1d.to(torch.int64, copy=True) is tensor1d)
# --8<-- [end:to]

# --8<-- [start:promotion]
bools = torch.tensor([True, False, True])
print("bool    + int64  ->", torch.result_type(bools, tensor1d))
print("int64   + 0.5    ->", torch.result_type(tensor1d, 0.5))
print("float32 + 0.5    ->", torch.result_type(floatvector, 0.5))
print("float32 + 2j     ->", torch.result_type(floatvector, 2j))
print("int64   / 2      ->", (tensor1d / 2).dtype)
print("int64   // 2     ->", (tensor1d // 2).dtype)
print("default float    ->", torch.get_default_dtype())
# --8<-- [end:promotion]

# --8<-- [start:promotion-wrap]
small = torch.tensor([1], dtype=torch.int8)
print(small + 1000)
# --8<-- [end:promotion-wrap]

# --8<-- [start:promotion-precision]
counts = torch.tensor([123_456_789])
print(123_456_789 + 0.5)
print((counts + 0.5).dtype, (counts + 0.5).item())
print(torch.tensor([16_777_216, 16_777_217]).to(torch.float32).tolist())
print((counts.to(torch.float64) + 0.5).item())
# --8<-- [end:promotion-precision]

# --8<-- [start:promotion-tiers]
int8s = torch.tensor([1], dtype=torch.int8)
int64s = torch.tensor([1, 2])
float32s = torch.tensor([1.0])
float16s = torch.ones(1, dtype=torch.float16)
bfloat16s = torch.ones(1, dtype=torch.bfloat16)
half = torch.tensor(0.5, dtype=torch.float64)  # 0-d
imaginary = torch.tensor(1j, dtype=torch.complex128)  # 0-d
uint8s = torch.tensor([1], dtype=torch.uint8)
cases = [
    ("int8[1]    + tensor(1000)", int8s + torch.tensor(1000)),
    ("int8[1]    + tensor([1000])", int8s + torch.tensor([1000])),
    ("int64[2]   + 0.5", int64s + 0.5),
    ("int64[2]   + tensor(0.5, float64)", int64s + half),
    ("float32[1] + tensor(0.5, float64)", float32s + half),
    ("float32[1] + tensor(1j, complex128)", float32s + imaginary),
    ("int64[2]   + tensor(1j, complex128)", int64s + imaginary),
    ("float16[1] + bfloat16[1]", float16s + bfloat16s),
    ("uint8[1]   + int8[1]", uint8s + int8s),
]
for name, result in cases:
    print(f"{name:36} -> {result.dtype}  {result.tolist()}")
try:
    torch.tensor([1], dtype=torch.uint32) + int64s
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:promotion-tiers]

# --8<-- [start:promotion-inplace]
x = torch.tensor([1, 2])
try:
    x += 0.5
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(x)
x32 = torch.tensor([0.1])
x64 = torch.tensor([0.1], dtype=torch.float64)
print((x32 + x64).dtype)
x32 += x64
print(x32.dtype)
filled = torch.tensor([1, 2]).fill_(0.5)
overwritten = torch.tensor([1, 2]).copy_(torch.tensor([0.7, 1.9]))
assigned = torch.tensor([1, 2])
assigned[0] = 0.5
scaled = torch.tensor([1, 2])
scaled.addcmul_(scaled, scaled, value=0.5)
print("fill_(0.5)                 ", filled.tolist())
print("copy_(tensor([0.7, 1.9]))  ", overwritten.tolist())
print("[0] = 0.5                  ", assigned.tolist())
print("addcmul_(x, x, value=0.5)  ", scaled.tolist())
try:
    torch.tensor([1, 2]).add_(torch.tensor([1, 2]), alpha=0.5)
except RuntimeError as err:
    print("add_(x, alpha=0.5)         ", err)
# --8<-- [end:promotion-inplace]

# --8<-- [start:numpy-dtype]
import numpy as np
from torch import nn

array = np.array([0.5, 1.5, 2.5])
print(array.dtype, torch.tensor(array).dtype)
print([array[0], 1.0], "->", torch.tensor([array[0], 1.0]).dtype)
layer = nn.Linear(3, 1)
try:
    layer(torch.tensor(array))
except RuntimeError as err:
    print(err)
print(layer(torch.as_tensor(array, dtype=torch.float32)).dtype)
# --8<-- [end:numpy-dtype]

# --8<-- [start:numpy-sharing]
copied = torch.tensor(array)
shared = torch.from_numpy(array)
array[0] = 100
print(copied)
print(shared)
shared.numpy()[1] = -1
print(array)
try:
    layer.weight.numpy()
except RuntimeError as err:
    print(err)
print(layer.weight.detach().numpy().shape)
conjugated = torch.tensor([1 + 2j]).conj()
for special in (torch.ones(2, dtype=torch.bfloat16), conjugated):
    for force in (False, True):
        try:
            converted = special.numpy(force=force)
        except (TypeError, RuntimeError) as err:
            message = str(err).split(". ")[0]
            print(f"force={force!s:5} {type(err).__name__}: {message}")
converted[0] = 0
print(conjugated)
forced = layer.weight.numpy(force=True)
print(np.shares_memory(forced, layer.weight.detach().numpy()))
# --8<-- [end:numpy-sharing]

# --8<-- [start:item]
loss = torch.tensor([0.25, 0.75]).mean()
print(loss, loss.item(), type(loss.item()).__name__)
print(torch.tensor([[7]]).item())
for one in (torch.tensor([True]), torch.tensor(1 + 2j)):
    print(one.dtype, type(one.item()).__name__)
try:
    torch.tensor([0.25, 0.75]).item()
except RuntimeError as err:
    print(err)
print(torch.tensor([[1, 2], [3, 4]]).tolist())
# --8<-- [end:item]

# --8<-- [start:shape]
tensor2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor2d)
print(tensor2d.shape)
print(isinstance(tensor2d.shape, tuple))
# --8<-- [end:shape]

# --8<-- [start:reshape]
print(tensor2d.reshape(3, 2))
print(tensor2d.view(3, 2))
print(tensor2d.view(-1))
# --8<-- [end:reshape]

# --8<-- [start:strides]
print(tensor2d.stride())
print(tensor2d.is_contiguous())
print(tensor2d.as_strided((6,), (1,)))
# --8<-- [end:strides]


# --8<-- [start:transpose]
def same_storage(a, b):
    """Whether a and b read the same block of memory."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


transposed = tensor2d.T
print(transposed)
print(transposed.stride())
print(transposed.is_contiguous())
print(same_storage(transposed, tensor2d))
print(transposed.as_strided((6,), (1,)))
# --8<-- [end:transpose]

# --8<-- [start:transpose-batch]
import warnings

batch = torch.arange(24).reshape(2, 3, 4)
torch.set_warn_always(True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    reversed_axes = batch.T
torch.set_warn_always(False)
print(reversed_axes.shape)
first_sentence = str(caught[0].message).split(". ")[0]
print(f"{caught[0].category.__name__}: {first_sentence}.")
print(batch.mT.shape, batch.mT.stride())
print(torch.equal(batch.mT[1], batch[1].T))
# --8<-- [end:transpose-batch]

# --8<-- [start:draw-storage]
from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

COLORS = plt.get_cmap("Pastel1").colors
WHITE = (1.0, 1.0, 1.0)


def storage_of(view):
    """The whole storage under a view, read in memory order."""
    size = view.untyped_storage().nbytes() // view.element_size()
    return view.as_strided((size,), (1,), 0)


def draw_cells(ax, positions, values, labels):
    """A grid of cells coloured by storage position (white: None)."""
    rows, cols = len(positions), len(positions[0])
    image = [
        [COLORS[k] if k is not None else WHITE for k in row]
        for row in positions
    ]
    ax.imshow(image, extent=(0, cols, rows, 0))
    for i in range(rows):
        for j in range(cols):
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="k"))
            text = {"ha": "center", "va": "center"}
            ax.text(j + 0.5, i + 0.42, values[i][j], fontsize=13, **text)
            ax.text(j + 0.5, i + 0.8, labels[i][j], fontsize=7.5, **text)
    ax.axis("off")


def draw_storage(views):
    """Per 2-d view: its elements with the storage position each index
    reaches, and the storage cells it reads, in the order it reads them."""
    fig, axes = plt.subplots(
        len(views),
        2,
        figsize=(8, 2.5 * len(views)),
        gridspec_kw={"width_ratios": [1, 2]},
    )
    panels = zip(views.items(), axes, strict=True)
    for (name, view), (ax_view, ax_mem) in panels:
        rows, cols = view.shape
        offset, (s0, s1) = view.storage_offset(), view.stride()
        positions = [
            [offset + i * s0 + j * s1 for j in range(cols)]
            for i in range(rows)
        ]
        draw_cells(
            ax_view,
            positions,
            [[str(v) for v in row] for row in view.tolist()],
            [
                [f"[{i},{j}] → {k}" for j, k in enumerate(row)]
                for i, row in enumerate(positions)
            ],
        )
        ax_view.set_title(
            f"{name}: stride {view.stride()}, offset {offset}", fontsize=10
        )
        ax_view.set(xlim=(-0.1, 3.1), ylim=(3.1, -0.1))

        order = [k for row in positions for k in row]
        storage = storage_of(view).tolist()
        draw_cells(
            ax_mem,
            [[k if k in order else None for k in range(len(storage))]],
            [[str(v) for v in storage]],
            [[f"storage {k}" for k in range(len(storage))]],
        )
        for n, k in enumerate(order, start=1):
            ax_mem.text(k + 0.95, 0.05, f"#{n}", ha="right", va="top", size=8)
        for n, (a, b) in enumerate(pairwise(order), start=1):
            y = -0.05 if b > a else 1.05
            ax_mem.annotate(
                "",
                xy=(b + 0.5, y),
                xytext=(a + 0.5, y),
                arrowprops={
                    "arrowstyle": "->",
                    "connectionstyle": "arc3,rad=-0.4",
                    "color": plt.get_cmap("viridis")(n / len(order)),
                },
            )
        ax_mem.set_title(f"storage, in the order {name} reads it", fontsize=10)
        ax_mem.set(xlim=(-0.1, 6.1), ylim=(2.3, -1.3))
    fig.tight_layout()


# --8<-- [end:draw-storage]

# --8<-- [start:storage-figure]
views = {
    "tensor2d": tensor2d,
    "tensor2d.T": tensor2d.T,
    "tensor2d[:, 1:]": tensor2d[:, 1:],
}
for name, view in views.items():
    print(
        f"{name:16} shape {tuple(view.shape)}  stride {view.stride()}  "
        f"offset {view.storage_offset()}"
    )
draw_storage(views)
# --8<-- [end:storage-figure]

# --8<-- [start:offset-address]
right = tensor2d[:, 1:]
print(right.data_ptr() - tensor2d.data_ptr(), tensor2d.element_size())
print(same_storage(right, tensor2d))
# --8<-- [end:offset-address]

# --8<-- [start:storage-base]
storage = tensor2d.untyped_storage()
print(type(storage).__name__, storage.nbytes())
print(right.untyped_storage().nbytes(), right.numel() * right.element_size())
print(right._base is tensor2d, transposed._base is tensor2d, tensor2d._base)
deeper = transposed[1:]
print(deeper._base is tensor2d, deeper._base is transposed)
detached = tensor2d.detach()
print(detached._base, same_storage(detached, tensor2d))
with torch.inference_mode():
    made_there = torch.arange(6)
    tail = made_there[1:]
print(tail._base, same_storage(tail, made_there))
# --8<-- [end:storage-base]

# --8<-- [start:storage-save]
import io

big = torch.zeros(1_000_000)
head = big[:2]
print(head.untyped_storage().nbytes(), head.clone().untyped_storage().nbytes())
for name, saved in (("big[:2]", head), ("big[:2].clone()", head.clone())):
    buffer = io.BytesIO()
    torch.save(saved, buffer)
    print(f"torch.save({name}) writes {buffer.getbuffer().nbytes:,} bytes")
# --8<-- [end:storage-save]

# --8<-- [start:view-error]
try:
    transposed.view(6)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:view-error]

# --8<-- [start:reshape-copies]
flat = transposed.reshape(6)
print(flat)
print(flat.is_contiguous())
print(same_storage(flat, tensor2d))
print(same_storage(tensor2d.reshape(3, 2), tensor2d))
# --8<-- [end:reshape-copies]

# --8<-- [start:sharing]
viewed = tensor2d.view(3, 2)
viewed[0, 0] = 100
print(tensor2d)
flat[0] = -1
print(tensor2d)
print(transposed[0, 0])
# --8<-- [end:sharing]

# --8<-- [start:view-rule]
grid = torch.arange(12).reshape(3, 4)
odd = grid[:, 1::2]
print(odd)
print(odd.stride(), odd.storage_offset(), odd.is_contiguous())
print(odd.stride(0) == odd.stride(1) * odd.size(1))
odd_flat = odd.view(6)
print(odd_flat, odd_flat.stride(), odd_flat.storage_offset())
print(same_storage(odd_flat, grid))
odd_flat[0] = -1
print(grid[0])
# --8<-- [end:view-rule]

# --8<-- [start:view-rule-size-one]
row = grid[:, :1].T
print(row.shape, row.stride(), row.stride(0) == row.stride(1) * row.size(1))
print(row.view(3), same_storage(row.view(3), grid))
empty = torch.zeros(0, 3).T
passes = empty.stride(0) == empty.stride(1) * empty.size(1)
print(empty.shape, empty.stride(), passes)
print(empty.view(-1).shape, empty.view(5, 0, 2).shape)
# --8<-- [end:view-rule-size-one]

# --8<-- [start:view-rule-fails]
left = grid[:, :2]
print(left)
print(left.stride(), left.storage_offset(), left.is_contiguous())
print(left.stride(0) == left.stride(1) * left.size(1))
try:
    left.view(6)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(same_storage(left.reshape(6), grid))
# --8<-- [end:view-rule-fails]

# --8<-- [start:view-split]
columns = grid.T
print(columns.shape, columns.stride(), columns.is_contiguous())
try:
    columns.view(12)
except RuntimeError as err:
    print(type(err).__name__)
split = columns.view(2, 2, 3)
print(split.shape, split.stride())
print(same_storage(split, grid))
print(torch.equal(split[1, 0], columns[2]))
# --8<-- [end:view-split]

# --8<-- [start:contiguous]
fixed = transposed.contiguous()
print(fixed.stride())
print(fixed.view(6))
print(tensor2d.contiguous() is tensor2d)
# --8<-- [end:contiguous]

# --8<-- [start:clone-strides]
copied = transposed.clone()
print(copied.stride(), copied.is_contiguous(), same_storage(copied, tensor2d))
try:
    copied.view(6)
except RuntimeError as err:
    print(type(err).__name__)
print(transposed.clone(memory_format=torch.contiguous_format).stride())
print(odd.stride(), odd.clone().stride())
print(odd.T.stride(), odd.T.clone().stride(), odd.T.clone().is_contiguous())
# --8<-- [end:clone-strides]

# --8<-- [start:indexing]
X = torch.arange(12.0).reshape(6, 2)
results = {
    "X[:2]": X[:2],
    "X[1]": X[1],
    "X[torch.tensor(1)]": X[torch.tensor(1)],
    "X[torch.tensor([0, 1])]": X[torch.tensor([0, 1])],
    "X[[0, 1]]": X[[0, 1]],
    "X[X[:, 0] > 6]": X[X[:, 0] > 6],
}
for name, result in results.items():
    print(f"{name:24} {result.tolist()!s:27} {same_storage(result, X)}")
# --8<-- [end:indexing]

# --8<-- [start:indexing-argmax]
scores = torch.tensor([0.1, 2.0, 0.3])
rows = torch.zeros(3, 2)
i = scores.argmax()
print(i, i.shape)
best = rows[i]
best += 1
print(rows.tolist(), same_storage(best, rows))
kept = rows[i].clone()
kept += 1
print(rows.tolist(), same_storage(kept, rows))
# --8<-- [end:indexing-argmax]

# --8<-- [start:indexing-0d]
for index in (
    torch.tensor(1),
    torch.tensor(1, dtype=torch.int32),
    torch.tensor(1, dtype=torch.uint8),
    torch.tensor(True),
    True,
):
    picked = X[index]
    print(
        f"X[{index!r}]".ljust(33), tuple(picked.shape), same_storage(picked, X)
    )
# --8<-- [end:indexing-0d]

# --8<-- [start:indexing-split]
shuffled = torch.randperm(6)
train_indices, val_indices = shuffled[:4], shuffled[4:]
print(train_indices.tolist(), val_indices.tolist())
X_train, X_val = X[train_indices], X[val_indices]
X_train -= X_train.mean(dim=0)
print(X[:, 0].tolist())
X_first = X[:4]
X_first -= X_first.mean(dim=0)
print(X[:, 0].tolist())
X[val_indices] = 0
print(X[:, 0].tolist())
# --8<-- [end:indexing-split]

# --8<-- [start:cat-stack]
a, b = torch.zeros(2, 3), torch.ones(2, 3)
print(torch.cat([a, b]).shape, torch.cat([a, b], dim=1).shape)
print(torch.stack([a, b]).shape, torch.stack([a, b], dim=-1).shape)
for joined in (torch.cat([a, b]), torch.stack([a, b]), torch.cat([a])):
    print(same_storage(joined, a) or same_storage(joined, b))
images = [torch.zeros(1, 28, 28) for _ in range(32)]
print(torch.stack(images).shape)
try:
    torch.stack([torch.zeros(3), torch.zeros(2)])
except RuntimeError as err:
    print(err)
try:
    torch.cat([a, torch.zeros(2, 2)])
except RuntimeError as err:
    print(err)
print(torch.cat([a, torch.zeros(2, 2)], dim=1).shape)
# --8<-- [end:cat-stack]

# --8<-- [start:matmul]
tensor2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor2d.matmul(tensor2d.T))
print(tensor2d @ tensor2d.T)
# --8<-- [end:matmul]

# --8<-- [start:matmul-shapes]
try:
    tensor2d @ tensor2d
except RuntimeError as err:
    print(err)
print((tensor2d.T @ tensor2d).shape)
print((tensor2d * tensor2d).shape)
# --8<-- [end:matmul-shapes]

# --8<-- [start:broadcast]
w = torch.ones(())
z = torch.zeros(5)
print(w + z)
stretched = torch.broadcast_to(w, z.shape)
print(stretched.stride(), same_storage(stretched, w))
rows = torch.arange(3).unsqueeze(1)
cols = torch.arange(4)
print(rows.shape, cols.shape)
print(rows * 10 + cols)
# --8<-- [end:broadcast]

# --8<-- [start:broadcast-error]
offsets = torch.tensor([100, 200])
try:
    tensor2d + offsets
except RuntimeError as err:
    print(err)
print(offsets.unsqueeze(1).shape)
print(tensor2d + offsets.unsqueeze(1))
# --8<-- [end:broadcast-error]

# --8<-- [start:expand]
numbers = torch.tensor([[1], [2], [3]])
wide = numbers.expand(3, 4)
print(wide)
print(wide.stride(), same_storage(wide, numbers))
print(wide.untyped_storage().nbytes())
try:
    wide += 1
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err).splitlines()[0]}")
# --8<-- [end:expand]

# --8<-- [start:expand-writes]
at = (torch.tensor([0, 0]), torch.tensor([0, 1]))  # wide[0, 0] and wide[0, 1]
everywhere = torch.ones(3, 4, dtype=torch.bool)
writes = {
    "wide.fill_(9)": lambda wide: wide.fill_(9),
    "wide.fill_(torch.tensor(9))": lambda wide: wide.fill_(torch.tensor(9)),
    "wide.zero_()": lambda wide: wide.zero_(),
    "wide[0, 1] = 7": lambda wide: wide.__setitem__((0, 1), 7),
    "wide[0] = 7": lambda wide: wide.__setitem__(0, 7),
    "wide[:] = 7": lambda wide: wide.__setitem__(slice(None), 7),
    "wide.mul_(2)": lambda wide: wide.mul_(2),
    "wide.copy_(ones)": lambda wide: wide.copy_(torch.ones(3, 4)),
    "wide[at] = torch.tensor([5, 6])": lambda wide: wide.__setitem__(
        at, torch.tensor([5, 6])
    ),
    "wide.index_put_(at, ones, accumulate=True)": lambda wide: wide.index_put_(
        at, torch.ones(2, dtype=torch.int64), accumulate=True
    ),
    "wide.masked_fill_(everywhere, 4)": lambda wide: wide.masked_fill_(
        everywhere, 4
    ),
}
torch.set_warn_always(True)
messages = {}
for name, write in writes.items():
    numbers = torch.tensor([[1], [2], [3]])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            write(numbers.expand(3, 4))
        messages[name] = [str(warning.message) for warning in caught]
        warned = ", UserWarning" if caught else ""
        print(f"{name:43} numbers is now {numbers[:, 0].tolist()}{warned}")
    except RuntimeError as err:
        print(f"{name:43} {type(err).__name__}")
torch.set_warn_always(False)
print(messages["wide[at] = torch.tensor([5, 6])"][0].split(". ")[0])
numbers = torch.tensor([[1], [2], [3]])
copied = numbers.expand(3, 4).clone()
copied += 1
print(copied.stride(), numbers[:, 0].tolist(), copied[:, 0].tolist())
# --8<-- [end:expand-writes]

# --8<-- [start:broadcast-inplace]
table = torch.zeros(3, 4)
table += torch.arange(4)
print(table)
narrow = torch.zeros(3, 1)
try:
    narrow += torch.arange(4)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print((narrow + torch.arange(4)).shape)
spare = torch.zeros(3, 1)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.add(narrow, torch.arange(4), out=spare)
print(spare.shape)
sentences = str(caught[0].message).split(". ")
print(f"{caught[0].category.__name__}: {sentences[0]}.")
print(f"{sentences[1]}.")
try:
    torch.add(narrow, torch.arange(4), out=narrow)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:broadcast-inplace]

# --8<-- [start:broadcast-loss]
import warnings

from torch import nn

loss_fn = nn.MSELoss()
y = torch.tensor([1.0, 2.0, 3.0, 4.0])
pred = y.unsqueeze(1)
print(pred.shape, y.shape, (pred - y).shape)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    wrong = loss_fn(pred, y)
print(f"{caught[0].category.__name__}: {caught[0].message}")
right = loss_fn(pred[:, 0], y)
print(f"loss (N, 1) vs (N,): {wrong.item():.4g}")
print(f"loss (N,) vs (N,):   {right.item():.4g}")
# --8<-- [end:broadcast-loss]

# --8<-- [start:broadcast-train]
X = torch.tensor([[-1.0], [0.0], [1.0], [2.0]])
y = 3 * X[:, 0] + 2
num_epochs, lr = 100, 0.3


def fit(take_column):
    torch.manual_seed(123)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(num_epochs):
        pred = model(X)
        if take_column:
            pred = pred[:, 0]
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    model_broken = fit(take_column=False)
model_fixed = fit(take_column=True)
print("targets:", y.tolist(), " mean:", y.mean().item())
for name, model in (
    ("(N, 1) vs (N,)", model_broken),
    ("(N,) vs (N,)", model_fixed),
):
    weight, bias = model.weight.item(), model.bias.item()
    print(f"{name:15} weight {weight:.3f}, bias {bias:.3f}")
# --8<-- [end:broadcast-train]

# --8<-- [start:broadcast-bce]
try:
    nn.BCEWithLogitsLoss()(pred, y / 10)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
# --8<-- [end:broadcast-bce]

# --8<-- [start:image-load]
from pathlib import Path

from sklearn.datasets import load_sample_images

photos = load_sample_images()
print([Path(name).name for name in photos.filenames])
china, flower = photos.images
print(type(flower).__name__, flower.shape, flower.dtype)
print(flower.min(), flower.max())
print(flower.flags.writeable, china.flags.writeable)
torch.set_warn_always(True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.from_numpy(flower)
torch.set_warn_always(False)
first_sentence = str(caught[0].message).split(". ")[0]
print(f"{caught[0].category.__name__}: {first_sentence}.")
locked = np.zeros(3)
locked.flags.writeable = False
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    through = torch.from_numpy(locked)
through[0] = 5
print(locked, locked.flags.writeable)
china, flower = china[::4, ::4].copy(), flower[::4, ::4].copy()
print(flower.shape, flower.strides, flower.flags.writeable)
# --8<-- [end:image-load]

# --8<-- [start:to-tensor]
from PIL import Image
from torchvision import transforms

to_tensor = transforms.ToTensor()
image = to_tensor(flower)
print(image.shape, image.dtype, image.min().item(), image.max().item())
print(image.stride(), image.is_contiguous())
by_hand = torch.from_numpy(flower).permute(2, 0, 1).float() / 255
print(torch.equal(image, by_hand), by_hand.stride(), by_hand.is_contiguous())
print(by_hand.contiguous().stride(), torch.equal(by_hand.contiguous(), image))
unscaled = to_tensor(flower.astype(np.float32))
print(unscaled.dtype, unscaled.max().item())
print([to_tensor(flower.astype(t)).dtype for t in (np.int32, np.uint16, bool)])
for mode in ("L", "I", "F"):
    from_pil = to_tensor(Image.new(mode, (2, 2), 200))
    print(mode, from_pil.dtype, round(from_pil.max().item(), 4))
torch.set_default_dtype(torch.float64)
print(to_tensor(flower).dtype)
torch.set_default_dtype(torch.float32)
# --8<-- [end:to-tensor]

# --8<-- [start:channels-figure]
fig, axes = plt.subplots(1, 4, figsize=(8, 1.9))
axes[0].imshow(image.permute(1, 2, 0).numpy())
axes[0].set_title("image: all three", fontsize=10)
colours = ("red", "green", "blue")
for i, (ax, colour) in enumerate(zip(axes[1:], colours, strict=True)):
    ax.imshow(image[i].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"image[{i}]: {colour}", fontsize=10)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
# --8<-- [end:channels-figure]

# --8<-- [start:normalize]
mean = image.mean(dim=(1, 2))
std = image.std(dim=(1, 2))
print("mean", [round(v, 4) for v in mean.tolist()])
print("std ", [round(v, 4) for v in std.tolist()])
normalize = transforms.Normalize(mean.tolist(), std.tolist())
normalized = normalize(image)
mean_after = normalized.mean(dim=(1, 2)).abs()
std_after = normalized.std(dim=(1, 2))
print("|mean| after", [round(v, 4) for v in mean_after.tolist()])
print("std after   ", [round(v, 4) for v in std_after.tolist()])
by_broadcasting = (image - mean[:, None, None]) / std[:, None, None]
print(torch.equal(normalized, by_broadcasting))
try:
    image - mean
except RuntimeError as err:
    print(err)
# --8<-- [end:normalize]

# --8<-- [start:channels-last]
batch = torch.stack([to_tensor(photo) for photo in (china, flower)])
nhwc = batch.to(memory_format=torch.channels_last)
for name, images in (("batch", batch), ("nhwc", nhwc)):
    print(
        f"{name:5} {tuple(images.shape)} stride {images.stride()}",
        images.is_contiguous(),
        images.is_contiguous(memory_format=torch.channels_last),
    )
print(torch.equal(nhwc, batch), same_storage(nhwc, batch))
print(nhwc.clone().stride(), nhwc.contiguous().stride())
pixels = torch.from_numpy(np.stack([china, flower])).permute(0, 3, 1, 2)
print(tuple(pixels.shape), pixels.stride())
print(pixels.is_contiguous(memory_format=torch.channels_last))
gray = torch.zeros(2, 1, 4, 5)
print(
    gray.is_contiguous(), gray.is_contiguous(memory_format=torch.channels_last)
)
# --8<-- [end:channels-last]

# --8<-- [start:channels-last-conv]
conv = nn.Conv2d(3, 8, kernel_size=3)
out_first, out_last = conv(batch), conv(nhwc)
print(out_last.is_contiguous(memory_format=torch.channels_last))
print(torch.allclose(out_first, out_last, atol=1e-6))
# --8<-- [end:channels-last-conv]

# --8<-- [start:device]
device = "cuda" if torch.cuda.is_available() else "cpu"
on_device = tensor2d.to(device, dtype=torch.float32)
print(on_device.dtype, on_device.shape)
print((on_device @ on_device.T).cpu())
# --8<-- [end:device]

# --8<-- [start:exercise-strides]
t = torch.arange(24).reshape(2, 3, 4)
print(t.stride())
print(t.permute(2, 0, 1).stride())
print(t.permute(2, 0, 1).is_contiguous())
# --8<-- [end:exercise-strides]

# --8<-- [start:exercise-view]
column = t[:, :, 0]
print(column.shape, column.stride(), column.is_contiguous())
print(column.view(6), column.view(6).stride())
print("reshape(6) shares t's storage:", same_storage(column.reshape(6), t))
row = t[:, 0, :]
print(row.shape, row.stride(), row.is_contiguous())
try:
    row.view(8)
except RuntimeError as err:
    print(type(err).__name__)
print("reshape(8) shares t's storage:", same_storage(row.reshape(8), t))
# --8<-- [end:exercise-view]

# --8<-- [start:exercise-broadcast]
print((torch.zeros(3, 1) + torch.zeros(4)).shape)
print((torch.zeros(2, 1, 3) + torch.zeros(4, 1)).shape)
try:
    torch.zeros(2, 3) + torch.zeros(3, 1)
except RuntimeError as err:
    print(err)
# --8<-- [end:exercise-broadcast]

# --8<-- [start:exercise-promotion]
s = torch.tensor([1, 2], dtype=torch.int16)
print(s + torch.tensor(100_000))
print((s + torch.tensor([1.5])).dtype)
print((s + torch.tensor(1.5, dtype=torch.float64)).dtype)
half = torch.ones(2, dtype=torch.float16)
print((half + torch.tensor(1.0, dtype=torch.float64)).dtype)
# --8<-- [end:exercise-promotion]
