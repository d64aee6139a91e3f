# --8<-- [start:first]
import torch

torch.manual_seed(123)


def f(x, y):
    a = torch.sin(x) + y
    return torch.relu(a * 2)


calls = 0


def counting_backend(gm, example_inputs):
    global calls
    calls += 1
    return gm.forward


compiled_f = torch.compile(f, backend=counting_backend)
x, y = torch.randn(1000), torch.randn(1000)
print("backend calls after torch.compile:", calls)
out = compiled_f(x, y)
print("backend calls after the first call:", calls)
out = compiled_f(x, y)
print("backend calls after the second call:", calls)
print(torch.equal(out, f(x, y)))
# --8<-- [end:first]


# --8<-- [start:show-graph]
def show_backend(gm, example_inputs):
    print(type(gm).__name__)
    print(gm.code.strip())
    return gm.forward


torch.compiler.reset()
out = torch.compile(f, backend=show_backend)(x, y)
# --8<-- [end:show-graph]


# --8<-- [start:nodes]
def node_backend(gm, example_inputs):
    for node in gm.graph.nodes:
        target = getattr(node.target, "__name__", node.target)
        print(f"{node.op:14} {node.name:7} {target}")
    return gm.forward


torch.compiler.reset()
out = torch.compile(f, backend=node_backend)(x, y)
# --8<-- [end:nodes]


# --8<-- [start:python-vanishes]
def weighted(x, weights):
    total = torch.zeros_like(x)
    for w in weights:
        total = total + w * torch.tanh(x)
    return total


out = torch.compile(weighted, backend=show_backend)(x, [0.5, 2.0])
# --8<-- [end:python-vanishes]


# --8<-- [start:print-break]
def noisy(x):
    a = torch.sin(x)
    print("between the graphs")
    return torch.cos(a) + 1


def graph_backend(gm, example_inputs):
    ops = [n.name for n in gm.graph.nodes if n.op.startswith("call")]
    print("graph:", ops)
    return gm.forward


torch.compiler.reset()
compiled_noisy = torch.compile(noisy, backend=graph_backend)
out = compiled_noisy(x)
print("second call:")
out = compiled_noisy(x)
print(torch.equal(out, torch.cos(torch.sin(x)) + 1))
# --8<-- [end:print-break]


# --8<-- [start:explain]
import logging


class FirstLine(logging.Handler):
    def emit(self, record):
        print("logged:", record.getMessage().splitlines()[0])


logging.getLogger("torch._dynamo").handlers = [FirstLine()]


def branchy(x):
    if x.sum() > 0:
        return torch.sin(x)
    return torch.cos(x)


def scalar(x):
    n = x.sum().item()
    return x * n


for fn in (noisy, branchy, scalar):
    torch.compiler.reset()
    report = torch._dynamo.explain(fn)(x)
    print(
        f"{fn.__name__}: {report.graph_count} graphs, "
        f"{report.graph_break_count} break"
    )
    for reason in report.break_reasons:
        print("   ", reason.reason.splitlines()[0])
# --8<-- [end:explain]


# --8<-- [start:fullgraph]
for fn in (noisy, branchy, scalar):
    torch.compiler.reset()
    try:
        torch.compile(fn, fullgraph=True, backend=graph_backend)(x)
    except torch._dynamo.exc.Unsupported as err:
        first_line = str(err).splitlines()[0]
        print(f"{fn.__name__}: {type(err).__name__}: {first_line}")
    else:
        print(f"{fn.__name__}: no error")
# --8<-- [end:fullgraph]


# --8<-- [start:fixes]
def branchless(x):
    return torch.where(x.sum() > 0, torch.sin(x), torch.cos(x))


torch.compiler.reset()
out = torch.compile(branchless, fullgraph=True, backend=graph_backend)(x)
print(torch.equal(out, branchy(x)))

torch.compiler.reset()
with torch.compiler.config.patch(capture_scalar_outputs=True):
    out = torch.compile(scalar, backend=graph_backend)(x)
print(torch.equal(out, scalar(x)))
# --8<-- [end:fixes]


# --8<-- [start:shapes]
def inputs_backend(gm, example_inputs):
    names = [node.name for node in gm.graph.find_nodes(op="placeholder")]
    inputs = [
        f"{name} {tuple(t.shape)}" if torch.is_tensor(t) else name
        for name, t in zip(names, example_inputs, strict=True)
    ]
    print("  compiling; inputs:", ", ".join(inputs))
    return gm.forward


def double_sum(x):
    return (x * 2).sum()


torch.compiler.reset()
compiled = torch.compile(double_sum, backend=inputs_backend)
for n in (4, 4, 8, 16, 1000, 1):
    print(f"size {n}")
    out = compiled(torch.randn(n))
# --8<-- [end:shapes]


# --8<-- [start:why]
def why_recompile(fn, *args):
    torch.compiler.set_stance("fail_on_recompile")
    try:
        fn(*args)
        print("no recompile")
    except RuntimeError as err:
        for line in str(err).splitlines():
            if line.lstrip().startswith("- "):
                print(line.strip())
    finally:
        torch.compiler.set_stance("default")


why_recompile(compiled, torch.randn(32))
why_recompile(compiled, torch.randn(4, dtype=torch.float64))
why_recompile(compiled, torch.randn(4, 2))
why_recompile(compiled, torch.randn(4, requires_grad=True))
# --8<-- [end:why]


# --8<-- [start:dynamic]
torch.compiler.reset()
compiled = torch.compile(double_sum, backend=inputs_backend, dynamic=True)
for n in (4, 8, 2, 1, 0):
    print(f"size {n}")
    out = compiled(torch.randn(n))
# --8<-- [end:dynamic]


# --8<-- [start:symbolic]
def padded(x):
    return torch.cat([x, x.new_zeros(x.shape[0] // 2)])


torch.compiler.reset()
out = torch.compile(padded, backend=show_backend, dynamic=True)(x)
# --8<-- [end:symbolic]


# --8<-- [start:constants]
torch.compiler.reset()
compiled_weighted = torch.compile(weighted, backend=inputs_backend)
for weights in ([0.5, 2.0], [0.5, 2.0], [0.5, 3.0], [0.5, 3.0, 1.0]):
    print(weights)
    out = compiled_weighted(x, weights)
# --8<-- [end:constants]


# --8<-- [start:baked]
def repeat(x, n, negate):
    for _ in range(n):
        x = x * 2
    return -x if negate else x


torch.compiler.reset()
compiled_repeat = torch.compile(repeat, backend=inputs_backend)
for n, negate in ((2, False), (3, False), (4, False), (4, True)):
    print(f"n = {n}, negate = {negate}")
    out = compiled_repeat(x, n, negate)
# --8<-- [end:baked]


# --8<-- [start:limit]
def activate(x, name):
    return getattr(torch, name)(x)


graphs = 0


def count_backend(gm, example_inputs):
    global graphs
    graphs += 1
    return gm.forward


names = [
    "relu",
    "sigmoid",
    "tanh",
    "sin",
    "cos",
    "exp",
    "abs",
    "neg",
    "erf",
    "atan",
]
torch.compiler.reset()
compiled_activate = torch.compile(activate, backend=count_backend)
for name in names:
    out = compiled_activate(x, name)
print(f"{len(names)} names, {graphs} graphs")
print(torch.equal(out, torch.atan(x)))
print("recompile_limit =", torch.compiler.config.recompile_limit)
# --8<-- [end:limit]


# --8<-- [start:limit-break]
def activate_twice(x, name):
    y = getattr(torch, name)(x)
    print(end="")
    return getattr(torch, name)(y)


def input_backend(gm, example_inputs):
    (tensor_input,) = gm.graph.find_nodes(op="placeholder")
    graph_inputs.append(tensor_input.name)
    return gm.forward


graph_inputs = []
torch.compiler.reset()
compiled_twice = torch.compile(activate_twice, backend=input_backend)
for name in names:
    out = compiled_twice(x, name)
print(f"{len(names)} names, {len(graph_inputs)} graphs")
for name in sorted(set(graph_inputs)):
    print(f"graphs whose input is {name}: {graph_inputs.count(name)}")
# --8<-- [end:limit-break]


# --8<-- [start:no-compiler]
import torch._inductor.config
from torch._inductor.utils import run_and_get_code

logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
torch._inductor.config.cpp.vec_isa_ok = False

torch.compiler.reset()
with torch._inductor.config.patch({"cpp.cxx": (None, "no-such-compiler")}):
    compiled_f = torch.compile(f)
    print("torch.compile returned")
    try:
        compiled_f(x, y)
    except torch._inductor.exc.InductorError as err:
        print(type(err).__name__)
        print(str(err).splitlines()[0])

    A, B = torch.randn(8, 8), torch.randn(8, 8)
    out, (code,) = run_and_get_code(torch.compile(torch.mm), A, B)
    print("A @ B ran; equal to eager:", torch.equal(out, A @ B))
    print("C++ kernels:", code.count("async_compile.cpp_pybinding("))
    print(next(line.strip() for line in code.splitlines() if "mm(" in line))
# --8<-- [end:no-compiler]


# --8<-- [start:inductor]
torch.compiler.reset()
out, (code,) = run_and_get_code(torch.compile(f), x, y)
print("C++ kernels:", code.count("async_compile.cpp_pybinding("))
loop = code[code.index("#pragma GCC ivdep") : code.index("out_ptr0[")]
for line in loop.splitlines():
    if line.strip() not in ("{", "}", ""):
        print(line.strip())
print(code[code.index("out_ptr0[") :].splitlines()[0].strip())
for line in code[code.index("def call(") :].splitlines():
    if "empty_strided_cpu(" in line or "cpp_fused" in line:
        print(line.strip())
# --8<-- [end:inductor]


# --8<-- [start:numerics]
expected = f(x, y)
difference = (out - expected).abs().max().item()
print(torch.equal(out, expected), f"max abs difference {difference:.1e}")
print(torch.allclose(out, expected, rtol=0, atol=1e-6))

eager_sin = torch.sin(x)
compiled_sin = torch.compile(torch.sin)(x)
size = eager_sin.abs()
ulp = torch.nextafter(size, torch.tensor(torch.inf)) - size
gap = ((compiled_sin - eager_sin).abs() / ulp).max().item()
print("sines equal:", torch.equal(compiled_sin, eager_sin))
print("largest gap in ulps:", gap)
exact = torch.sin(x.double())
for name, sine in (("eager", eager_sin), ("compiled", compiled_sin)):
    within = ((sine.double() - exact).abs() <= ulp).all().item()
    print(f"{name} within 1 ulp of the float64 sine:", within)
# --8<-- [end:numerics]


# --8<-- [start:aot]
from functorch.compile import make_boxed_func
from torch import nn
from torch._dynamo.backends.common import aot_autograd


def print_graph(kind, gm):
    ops = [
        str(node.target).removeprefix("aten.").removesuffix(".default")
        for node in gm.graph.nodes
        if node.op == "call_function"
    ]
    inputs = list(gm.graph.find_nodes(op="placeholder"))
    (outputs,) = gm.graph.output_node().args
    print(f"{kind} graph, {len(ops)} ops:", ", ".join(ops))
    print("    inputs: ", ", ".join(node.name for node in inputs))
    print("    returns:", ", ".join(str(value) for value in outputs))
    if kind == "backward":
        for node in inputs:
            users = ", ".join(user.name for user in node.users)
            print(f"    {node.name} is used by {users}")


def describe(kind):
    def compiler(gm, example_inputs):
        print_graph(kind, gm)
        return make_boxed_func(gm.forward)

    return compiler


aot_backend = aot_autograd(
    fw_compiler=describe("forward"), bw_compiler=describe("backward")
)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
X, y_true = torch.randn(16, 4), torch.randn(16, 1)
torch.compiler.reset()
compiled_model = torch.compile(model, backend=aot_backend)
loss = nn.functional.mse_loss(compiled_model(X), y_true)
print("forward done")
loss.backward()
print("backward done")
with torch.no_grad():
    out = compiled_model(X)
# --8<-- [end:aot]


# --8<-- [start:inductor-graphs]
from torch._inductor.compile_fx import compile_fx, compile_fx_inner


def showing_inner_compile(gm, example_inputs, **kwargs):
    kind = "backward" if kwargs.get("is_backward") else "forward"
    print_graph(kind, gm)
    return compile_fx_inner(gm, example_inputs, **kwargs)


def showing_inductor(gm, example_inputs):
    return compile_fx(gm, example_inputs, inner_compile=showing_inner_compile)


torch.compiler.reset()
compiled_model = torch.compile(model, backend=showing_inductor)
with (
    torch._inductor.config.patch(fx_graph_cache=False),
    torch._functorch.config.patch(enable_autograd_cache=False),
):
    loss = nn.functional.mse_loss(compiled_model(X), y_true)
    loss.backward()
# --8<-- [end:inductor-graphs]


# --8<-- [start:train]
import copy

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
eager_model = copy.deepcopy(model)
torch.compiler.reset()
compiled_model = torch.compile(model)
loss_fn = nn.MSELoss()
runs = {
    "compiled": (compiled_model, torch.optim.SGD(model.parameters(), lr=0.1)),
    "eager": (eager_model, torch.optim.SGD(eager_model.parameters(), lr=0.1)),
}
for step in range(5):
    losses = []
    for name, (m, optimizer) in runs.items():
        optimizer.zero_grad()
        loss = loss_fn(m(X), y_true)
        loss.backward()
        optimizer.step()
        losses.append(f"{name} {loss.item():.6f}")
    print(f"step {step}:", "  ".join(losses))
difference = max(
    (p - q).abs().max().item()
    for p, q in zip(model.parameters(), eager_model.parameters(), strict=True)
)
print(f"max abs parameter difference: {difference:.1e}")
with torch.no_grad():
    difference = (compiled_model(X) - eager_model(X)).abs().max().item()
print(f"max abs output difference: {difference:.1e}")
# --8<-- [end:train]


# --8<-- [start:state-dict]
print(type(compiled_model).__name__, compiled_model._orig_mod is model)
print(list(compiled_model.state_dict())[:2])
fresh = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
try:
    fresh.load_state_dict(compiled_model.state_dict())
except RuntimeError as err:
    for line in str(err).splitlines():
        print(line.strip())
print(list(model.state_dict())[:2])
print(fresh.load_state_dict(model.state_dict()))
# --8<-- [end:state-dict]


# --8<-- [start:module-compile]
in_place = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
graphs = 0
torch.compiler.reset()
in_place.compile(backend=count_backend)
print("graphs after compile():", graphs)
out = in_place.forward(X)
print("graphs after in_place.forward(X):", graphs)
out = in_place(X)
print("graphs after in_place(X):", graphs)
print(type(in_place).__name__, list(in_place.state_dict())[:2])
print(fresh.load_state_dict(in_place.state_dict()))
# --8<-- [end:module-compile]


# --8<-- [start:exercise-prints]
def two_prints(x):
    a = x + 1
    print("first print")
    b = a * 2
    print("second print")
    return b - 1


torch.compiler.reset()
out = torch.compile(two_prints, backend=graph_backend)(x)
# --8<-- [end:exercise-prints]


# --8<-- [start:exercise-int]
def scale(x, n):
    return x * n


torch.compiler.reset()
compiled_scale = torch.compile(scale, backend=inputs_backend)
for n in (2, 3, 4, 1, 0):
    print(f"n = {n}")
    out = compiled_scale(x, n)
# --8<-- [end:exercise-int]


# --8<-- [start:exercise-cond]
def branch_cond(x):
    return torch.cond(x.sum() > 0, torch.sin, torch.cos, (x,))


torch.compiler.reset()
compiled_cond = torch.compile(
    branch_cond, fullgraph=True, backend=graph_backend
)
for sign in (1, -1):
    t = sign * x.abs()
    print(torch.equal(compiled_cond(t), branchy(t)))
# --8<-- [end:exercise-cond]
