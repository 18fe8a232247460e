# List comprehensions, slicing and sum over lists.
total = 0
for r in range(60):
    xs = [(i * r) % 1009 for i in range(40_000)]
    ys = xs[::2] + xs[1::2]
    total += sum(y for y in ys if y & 1)
print(total)
