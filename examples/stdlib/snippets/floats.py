# --8<-- [start:sum]
total = 0.1 + 0.2
print(total)
print(total == 0.3)
# --8<-- [end:sum]

# --8<-- [start:hex]
print((0.1).hex())
print((0.3).hex())
# --8<-- [end:hex]

# --8<-- [start:isclose]
import math

print(math.isclose(total, 0.3))
print(math.isclose(1e-12, 0.0), math.isclose(1e-12, 0.0, abs_tol=1e-9))
# --8<-- [end:isclose]

# --8<-- [start:decimal]
from decimal import Decimal
from fractions import Fraction

print(Decimal("0.1") + Decimal("0.2"))
print(Decimal(0.1))  # noqa: RUF032 (the float is the point)
print(Fraction(1, 10) + Fraction(2, 10))
# --8<-- [end:decimal]
