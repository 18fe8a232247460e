# Floating-point math in a loop (math module calls).
import math
s = 0.0
for i in range(1, 1_000_000):
    s += math.sqrt(i) * math.sin(i) / (1.0 + i % 7)
print(f"{s:.6f}")
