# Dictionary inserts and lookups.
d = {}
for i in range(400_000):
    d[i * 7919 % 1_000_003] = i
t = 0
for i in range(400_000):
    t += d.get(i, 0)
print(len(d), t)
