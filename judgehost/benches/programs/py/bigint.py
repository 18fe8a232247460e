# Big integers: factorial digits and modular powers.
s = 0
for rep in range(40):
    f = 1
    for i in range(2, 1400 + rep):
        f *= i
    s += sum(int(c) for c in str(f))
m = 0
for i in range(100_000):
    m = (m + pow(i, 65537, 1_000_000_007)) % 1_000_000_007
print(s, m)
