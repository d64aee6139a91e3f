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
    print(f"{dtype!s:15} {info.bits:2d} bits  eps={getattr(info, 'eps', '-')}")
# --8<-- [end:dtype-sizes]

# --8<-- [start:to]
floatvector32 = tensor1d.to(torch.float32)
print(floatvector32)
print(floatvector32.dtype)
print(tensor1d.dtype)
# --8<-- [end:to]

# --8<-- [start:promotion]
print((tensor1d + 0.5).dtype)
print((tensor1d / 2).dtype)
print((tensor1d // 2).dtype)
# --8<-- [end:promotion]

# --8<-- [start:shape]
tensor2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor2d)
print(tensor2d.shape)
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
transposed = tensor2d.T
print(transposed)
print(transposed.stride())
print(transposed.is_contiguous())
print(transposed.data_ptr() == tensor2d.data_ptr())
print(transposed.as_strided((6,), (1,)))
# --8<-- [end:transpose]

# --8<-- [start:view-error]
try:
    transposed.view(6)
except RuntimeError as err:
    print(type(err).__name__)
    print(str(err).split(".")[0])
# --8<-- [end:view-error]

# --8<-- [start:reshape-copies]
flat = transposed.reshape(6)
print(flat)
print(flat.is_contiguous())
print(flat.data_ptr() == tensor2d.data_ptr())
# --8<-- [end:reshape-copies]

# --8<-- [start:sharing]
viewed = tensor2d.view(3, 2)
viewed[0, 0] = 100
print(tensor2d)
flat[0] = -1
print(tensor2d)
print(transposed[0, 0])
# --8<-- [end:sharing]

# --8<-- [start:contiguous]
fixed = transposed.contiguous()
print(fixed.stride())
print(fixed.view(6))
# --8<-- [end:contiguous]

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
print(column.reshape(6))
# --8<-- [end:exercise-view]
