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

# --8<-- [start:count]
num_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(num_params)
# --8<-- [end:count]

# --8<-- [start:named-parameters]
for name, p in model.named_parameters():
    print(f"{name:18} {tuple(p.shape)!s:9} {p.numel():5d}")
# --8<-- [end:named-parameters]

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
def report_shape(module, inputs, output):
    print(f"hook: {type(module).__name__} returned {tuple(output.shape)}")


handle = model.register_forward_hook(report_shape)
print("calling model(X)")
logits = model(X)
print("calling model.forward(X)")
logits = model.forward(X)
handle.remove()
# --8<-- [end:hook]

# --8<-- [start:state-dict]
state = model.state_dict()
print(type(state).__name__)
print(list(state)[:2])
print(list(state) == [name for name, _ in model.named_parameters()])
print(state["layers.0.weight"].requires_grad)
print(state["layers.0.weight"].data_ptr() == weight.data_ptr())
# --8<-- [end:state-dict]

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
# --8<-- [end:load-mismatch]

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
print(plain)
print(len(list(plain.parameters())))
try:
    torch.optim.SGD(plain.parameters(), lr=0.001)
except ValueError as err:
    print(err)
# --8<-- [end:plain-list]


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


my_module = MyModule()
print([name for name, _ in my_module.named_parameters()])
print([name for name, _ in my_module.named_buffers()])
print(list(my_module.state_dict()))
my_module.to(torch.float64)
print(my_module.w1.dtype, my_module.running_mean.dtype)
# --8<-- [end:my-module-fixed]

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
