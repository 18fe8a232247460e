# Integer arithmetic in a plain loop.
s = 0
for i in range(3_000_000):
    s = (s + i * i) % 1_000_003
print(s)
