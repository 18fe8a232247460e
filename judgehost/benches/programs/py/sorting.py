# Sorting lists of tuples with a key.
x = 12345
data = []
for i in range(200_000):
    x = (x * 1103515245 + 12345) % 2147483648
    data.append((x % 1000, x))
data.sort(key=lambda p: (p[0], -p[1]))
print(data[0], data[-1])
